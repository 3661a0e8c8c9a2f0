"""Alembic environment: the app passes its own engine in `config.attributes['engine']`, so
migrations run on exactly the database the user opened (SQLite or PostgreSQL)."""

from alembic import context
from sqlalchemy import create_engine

from directory_app.core.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()

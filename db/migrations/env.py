"""Alembic environment: the app passes its own engine in `config.attributes['engine']`, so
migrations run on exactly the database the user opened (SQLite or PostgreSQL)."""

from alembic import context
from sqlalchemy import create_engine

from directory_app.core.directory.models import Base

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    """Leave the search tables (kept by triggers, not by the models) out of autogenerate."""
    return not (type_ == "table" and reflected and compare_to is None
                and (name == "center_search" or name.startswith("centers_fts")))


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()

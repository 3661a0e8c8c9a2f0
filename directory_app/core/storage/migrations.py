"""Upgrading the schema with alembic, one starting copy of the app at a time."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine

from directory_app.core.storage.engine import alembic_config
from directory_app.core.storage.locks import migration_lock


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema; on a shared server only one starting copy of the app does it."""
    with migration_lock(engine):
        command.upgrade(alembic_config(engine), revision)

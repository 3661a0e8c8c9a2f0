"""Serialising bulk writers (imports, sync, first-run seeding) on one shared directory.

Two coordinators importing into the same database at once would each decide "this trial is new"
from what they read, then collide on the unique keys half-way through. Both engines are made to
queue such writers instead, within the writer's own transaction (so the lock ends with it, on
commit, rollback or a dropped connection - it can never be left behind):

- PostgreSQL: a transaction-scoped advisory lock (`pg_try_advisory_xact_lock`), tried until
  `wait_seconds` pass. Ordinary edits and searches never take it, so they are not held up.
- SQLite: the database's single writer lock, taken now with a write that changes nothing, rather
  than at the importer's first INSERT. Taken late, a transaction that has already read would be
  refused outright by WAL mode (its snapshot is stale) instead of waiting its turn; taken first,
  the importer waits (the store's busy timeout) and then reads the other import's results.

`migration_lock(engine)` does the same for schema upgrades, so several copies of a new version
starting at once against one server migrate it exactly once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from directory_app.core.storage.engine import StoreError, storage_failure

#: Advisory lock keys (64-bit, arbitrary but fixed): "directory-app import" and "... migrate".
IMPORT_LOCK_KEY = 0x5343_4344_0001
MIGRATION_LOCK_KEY = 0x5343_4344_0002
DEFAULT_WAIT_SECONDS = 60.0
_POLL_SECONDS = 0.1


class BusyError(StoreError):
    """Another import or sync is writing to this directory; nothing was changed."""


def import_lock(
    session: Session, *, wait_seconds: float = DEFAULT_WAIT_SECONDS, what: str = "import"
) -> None:
    """Make this transaction the only bulk writer on the database until it ends.

    Call it first in the transaction, before reading what the import compares against. Raises
    BusyError when another writer keeps the lock past `wait_seconds` (PostgreSQL) or past the
    store's busy timeout (SQLite); the caller's transaction then rolls back untouched."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        _pg_xact_lock(session, IMPORT_LOCK_KEY, wait_seconds, what)
    elif dialect == "sqlite":
        try:
            session.execute(text("UPDATE app_settings SET value = value WHERE 0"))
        except OperationalError as exc:
            # A read-only file or a full disk also refuses this write; it is not "busy".
            failure = storage_failure(exc)
            if failure is not None:
                raise StoreError(f"the {what} was not started: {failure}") from exc
            raise BusyError(_busy_message(what)) from exc


def _pg_xact_lock(session: Session, key: int, wait_seconds: float, what: str) -> None:
    deadline = time.monotonic() + wait_seconds
    statement = text("SELECT pg_try_advisory_xact_lock(:key)")
    while not session.scalar(statement, {"key": key}):
        if time.monotonic() >= deadline:
            raise BusyError(_busy_message(what))
        time.sleep(_POLL_SECONDS)


def _busy_message(what: str) -> str:
    return (
        f"another import or sync is writing to this directory; the {what} was not started "
        "and nothing was changed - try again when it has finished"
    )


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold a session-level advisory lock around a schema upgrade (PostgreSQL; SQLite's own
    writer lock already serialises its migrations). Waits as long as the other upgrade takes."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            conn.commit()

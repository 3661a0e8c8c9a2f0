"""Opening the app's database: create it owner-only, back it up before a migration, migrate it,
and fill it with the bundled directory the first time.

This is the user-level action that sits above the storage plumbing (`engine`, `health`,
`migrations`, `backup`, `seed`); nothing below imports it.
"""

from __future__ import annotations

import os

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from directory_app.core.directory.models import Center, Trial, TrialSite
from directory_app.core.storage.engine import (
    Store,
    StoreError,
    display_url,
    make_engine,
    make_private_dirs,
    resolve_url,
    schema_is_current,
    sqlite_path,
)
from directory_app.core.storage.health import check_sqlite_file
from directory_app.core.storage.seed import seed_if_empty


def open_store(db: str | os.PathLike[str] | None = None, *, seed: bool = True) -> Store:
    """Open (creating, migrating and - when empty - seeding) the directory database.

    A file that is not a healthy SQLite database raises StoreError and is left untouched.
    A database already at the head revision is opened without alembic (backup and migration
    are imported only when there is something to upgrade): most starts are that case."""
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None:
        check_sqlite_file(path)
        if not path.parent.exists():
            make_private_dirs(path.parent)  # data dir: owner only
        if not path.exists():
            # Owner-only from the first byte: the directory may hold a clinic's notes.
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
    engine = make_engine(url)
    try:
        if not schema_is_current(engine):
            from directory_app.core.storage.backup import backup_before_migration
            from directory_app.core.storage.migrations import migrate

            if path is not None:
                backup_before_migration(engine, path)  # keep the old schema's data first
            migrate(engine)
    except Exception as exc:
        engine.dispose()
        reason = f"{exc.__class__.__name__}: {exc}".splitlines()[0]
        raise StoreError(f"{display_url(url)}: cannot prepare the database ({reason})") from exc
    store = Store(url=url, engine=engine, factory=sessionmaker(engine, expire_on_commit=False))
    if seed:
        seed_if_empty(store)
    return store


def counts(store: Store) -> dict[str, int]:
    with store.session() as s:
        return {
            "centers": s.scalar(select(func.count()).select_from(Center)) or 0,
            "trials": s.scalar(select(func.count()).select_from(Trial)) or 0,
            "trial_sites": s.scalar(select(func.count()).select_from(TrialSite)) or 0,
        }

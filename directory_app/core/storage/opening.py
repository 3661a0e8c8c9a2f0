"""Opening the app's database: create it owner-only, back it up before a migration, migrate it,
and fill it with the bundled directory the first time.

This is the user-level action that sits above the storage plumbing (`engine`, `health`,
`migrations`, `backup`, `seed`); nothing below imports it.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from directory_app.core.directory.models import Center, CenterAlias, Trial, TrialSite
from directory_app.core.storage.engine import (
    Store,
    StoreError,
    display_url,
    make_engine,
    make_private_dirs,
    make_read_only_engine,
    read_only_place,
    resolve_url,
    schema_is_current,
    sqlite_path,
)
from directory_app.core.storage.health import check_sqlite_file
from directory_app.core.storage.seed import seed_if_empty


def open_store(
    db: str | os.PathLike[str] | None = None, *, seed: bool = True, read_only: bool | None = None
) -> Store:
    """Open (creating, migrating and - when empty - seeding) the directory database.

    A file that is not a healthy SQLite database raises StoreError and is left untouched.
    A database already at the head revision is opened without alembic (backup and migration
    are imported only when there is something to upgrade): most starts are that case.
    A SQLite file in a read-only place (`read_only=None` finds out; True asks for it) is opened
    for reading only: `Store.read_only`, no seeding, and writing actions refuse plainly."""
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None and (read_only or (read_only is None and read_only_place(path))):
        return _open_read_only(url, path)
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
            # In the function (start-up time): backup and migrations import alembic, which a
            # database already at the head revision - most starts - never needs.
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


def _open_read_only(url: str, path: Path) -> Store:
    """Open the SQLite file at `path` for reading, writing nothing to it or beside it."""
    if not path.is_file():
        raise StoreError(f"{path}: no database there, and the folder is read-only")
    check_sqlite_file(path, read_only=True)
    engine = make_read_only_engine(path)
    try:
        current = schema_is_current(engine)
    except Exception:
        engine.dispose()
        raise
    if not current:
        engine.dispose()
        raise StoreError(
            f"{path}: the database is read-only here and was made by an older version of the "
            "app, which must upgrade it first; copy it to a writable folder and open the copy"
        )
    return Store(url=url, engine=engine, factory=sessionmaker(engine, expire_on_commit=False),
                 read_only=True)


def counts(store: Store) -> dict[str, int]:
    with store.session() as s:
        return {
            "centers": s.scalar(select(func.count()).select_from(Center)) or 0,
            "trials": s.scalar(select(func.count()).select_from(Trial)) or 0,
            "trial_sites": s.scalar(select(func.count()).select_from(TrialSite)) or 0,
            # One institution, one center: how many centers carry other registered names.
            "centers_with_other_names": s.scalar(
                select(func.count(func.distinct(CenterAlias.center_id)))) or 0,
            "other_names": s.scalar(select(func.count()).select_from(CenterAlias)) or 0,
        }

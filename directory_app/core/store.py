"""Opening the directory database: where it lives, how SQLite is configured, migrations.

One `Store` per process holds the engine and the session factory; user actions own their
transaction with `with store.session() as s:` (commit on success, rollback on error).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from . import paths

ENV_VAR = "DIRECTORY_APP_DB"
APP_NAME = "directory-app"
SQLITE_HEADER = b"SQLite format 3\x00"


class StoreError(Exception):
    """The database cannot be opened as asked; the message is one line a user can act on."""


def default_db_path() -> Path:
    """The user's data directory (platformdirs), e.g. ~/.local/share/directory-app/directory.db."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "directory.db"


def resolve_url(db: str | os.PathLike[str] | None = None) -> str:
    """`--db` beats `DIRECTORY_APP_DB` beats the default path. A plain path means SQLite."""
    value = str(db) if db else os.environ.get(ENV_VAR) or str(default_db_path())
    if "://" in value:
        # A bare postgresql:// would ask SQLAlchemy for psycopg2; the app ships psycopg 3.
        for bare in ("postgresql://", "postgres://"):
            if value.startswith(bare):
                return "postgresql+psycopg://" + value[len(bare):]
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def display_url(url: str) -> str:
    """The URL as it may be shown or logged: a password in it becomes ***."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a healthy SQLite database, without writing a byte to it.

    The header check catches a random file; `quick_check` through a read-only URI catches a
    damaged database before SQLAlchemy or alembic could write to it."""
    if not path.exists() or path.stat().st_size == 0:
        return
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")
    with path.open("rb") as fh:
        header = fh.read(16)
    if header != SQLITE_HEADER:
        hint = f"; {_way_out(path)}" if _latest_backup(path) else ""
        raise StoreError(f"{path}: not a SQLite database (unrecognised file header){hint}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: damaged SQLite database ({exc}); {_way_out(path)}") from exc
    if rows != [("ok",)]:
        first = rows[0][0] if rows else "no answer"
        raise StoreError(f"{path}: damaged SQLite database ({first}); {_way_out(path)}")


def _latest_backup(path: Path) -> Path | None:
    from .backup import latest_backup

    return latest_backup(path)


def _way_out(path: Path) -> str:
    """What to do about a damaged database: the restore command and the newest backup, if any."""
    latest = _latest_backup(path)
    hint = f"the latest backup is {latest}" if latest else "no automatic backup was found"
    return f"restore a backup with 'directory-app restore FILE' ({hint})"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()


def make_engine(url: str) -> Engine:
    # hide_parameters: a center's notes must not reach logs or error messages through SQL echo.
    if url.startswith("sqlite"):
        engine = create_engine(url, hide_parameters=True)
        _configure_sqlite(engine)
        return engine
    parsed = make_url(url)
    connect_args: dict[str, object] = {}
    if parsed.get_backend_name() == "postgresql":
        # A shared server: fail in seconds when it is unreachable rather than after the OS's
        # TCP timeout, and show the app in pg_stat_activity. The URL's own values win.
        defaults = {"connect_timeout": 10, "application_name": APP_NAME}
        connect_args = {k: v for k, v in defaults.items() if k not in parsed.query}
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(paths.MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(paths.MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema; on a shared server only one starting copy of the app does it."""
    from .locks import migration_lock

    with migration_lock(engine):
        command.upgrade(alembic_config(engine), revision)


@dataclass
class Store:
    """An open directory database: engine, session factory and its URL."""

    url: str
    engine: Engine
    factory: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends normally, rolls back otherwise."""
        with self.factory.begin() as s:
            yield s

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()


def open_store(db: str | os.PathLike[str] | None = None, *, seed: bool = True) -> Store:
    """Open (creating, migrating and - when empty - seeding) the directory database.

    A file that is not a healthy SQLite database raises StoreError and is left untouched."""
    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None:
        check_sqlite_file(path)
        if not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # data dir: owner only
        if not path.exists():
            # Owner-only from the first byte: the directory may hold a clinic's notes.
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
    engine = make_engine(url)
    try:
        if path is not None:
            from .backup import backup_before_migration

            backup_before_migration(engine, path)  # keep the old schema's data first
        migrate(engine)
    except Exception as exc:
        engine.dispose()
        reason = f"{exc.__class__.__name__}: {exc}".splitlines()[0]
        raise StoreError(f"{display_url(url)}: cannot prepare the database ({reason})") from exc
    store = Store(url=url, engine=engine, factory=sessionmaker(engine, expire_on_commit=False))
    if seed:
        from .seed import seed_if_empty

        seed_if_empty(store)
    return store


def counts(store: Store) -> dict[str, int]:
    from .models import Center, Trial, TrialSite

    with store.session() as s:
        return {
            "centers": s.scalar(select(func.count()).select_from(Center)) or 0,
            "trials": s.scalar(select(func.count()).select_from(Trial)) or 0,
            "trial_sites": s.scalar(select(func.count()).select_from(TrialSite)) or 0,
        }

"""The directory database's plumbing: where it lives, how SQLite is configured, schema revisions.

It imports nothing else of the app but the bundled-file paths: opening the app's database
(migrate, back up, seed) is `opening.open_store`, one layer up. One `Store` per process holds
the engine and the session factory; user actions own their transaction with
`with store.session() as s:` (commit on success, rollback on error).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from directory_app.core import paths
from directory_app.core.storage.failures import failure_text as failure_text
from directory_app.core.storage.failures import storage_failure as storage_failure

if TYPE_CHECKING:
    from alembic.config import Config

ENV_VAR = "DIRECTORY_APP_DB"
APP_NAME = "directory-app"
SQLITE_HEADER = b"SQLite format 3\x00"


class StoreError(Exception):
    """The database cannot be opened as asked; the message is one line a user can act on."""


def make_private_dirs(folder: Path) -> None:
    """Create `folder` and every missing parent readable by the owner only (0700). Path.mkdir
    applies its mode to the last folder alone, leaving the parents of a `--db` path 0755 -
    and they hold patient-facing directory data and its backups."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for candidate in reversed(missing):
        candidate.mkdir(mode=0o700, exist_ok=True)


def default_db_path() -> Path:
    """The user's data directory (platformdirs), e.g. ~/.local/share/directory-app/directory.db."""
    from platformdirs import user_data_dir  # in the function: start-up time (`--db` needs none)

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


def read_only_place(path: Path) -> bool:
    """True when this process may read the database file at `path` but not write it or its
    folder (a read-only mount, a file or folder without write permission). SQLite needs the
    folder too: WAL mode keeps its `-wal` and `-shm` files beside the database."""
    if not path.is_file():
        return False
    return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK))


def read_only_sqlite_uri(path: Path) -> str:
    """A SQLite URI (for `sqlite3.connect(..., uri=True)`) that opens `path` for reading only,
    writing nothing beside it.

    A WAL database cannot be opened even with `mode=ro` when its `-shm` file is missing and
    cannot be created (a read-only folder): SQLite then answers "unable to open database file",
    which is not damage. `immutable=1` reads the file as it stands - right when there is no
    `-wal` beside it, as after every clean close; when there is one (and its `-shm`), `mode=ro`
    reads the changes it holds too."""
    wal, shm = (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))
    pending = wal.is_file() and wal.stat().st_size > 0 and shm.is_file()
    flags = "mode=ro" if pending else "mode=ro&immutable=1"
    return f"file:{quote(str(path))}?{flags}"


def make_read_only_engine(path: Path) -> Engine:
    """An engine that reads the SQLite file at `path` without writing a byte to it or beside
    it (`read_only_sqlite_uri`); SQLite itself refuses every write (`query_only`).

    The connection is made from the URI by hand: a SQLAlchemy URL would re-encode a path that
    holds spaces, '#' or accents on its way to SQLite."""
    uri = read_only_sqlite_uri(path)
    engine = create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
        poolclass=QueuePool,
        hide_parameters=True,
    )
    _configure_sqlite(engine, read_only=True)
    return engine


def read_only_message(where: str, what: str = "change") -> str:
    """The one line a writing action gets on a read-only database: plain words, never
    "damaged" and never "another import is writing"."""
    return (
        f"{where} is read-only here, so the {what} was not started and nothing was changed; "
        "searching and exporting still work - to make changes, use a copy in a writable folder"
    )


def _configure_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        if read_only:  # journal mode and syncing are the writer's business; refuse all writes
            cur.execute("PRAGMA query_only=ON")
        else:
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
    # alembic is imported in these functions only (start-up time): a current schema is opened
    # without it (`schema_is_current`).
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(paths.MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.config import Config  # start-up time, as in alembic_config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(paths.MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext  # start-up time, as above

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


_REVISION_LINE = re.compile(
    r"^(down_revision|revision)(?:\s*:[^=]*)?\s*=\s*(?:'([^']*)'|\"([^\"]*)\"|None)\s*$", re.M
)


def quick_head_revision(versions: Path = paths.MIGRATIONS / "versions") -> str | None:
    """The head revision read from the migration files' `revision = '...'` lines, without
    importing alembic (a third of a command's start-up). None when the files do not show one
    single head plainly; the caller then asks alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        files = sorted(versions.glob("*.py"))
        for file in files:
            found = {m[1]: m[2] or m[3] for m in _REVISION_LINE.finditer(file.read_text("utf-8"))}
            if not found.get("revision") or "down_revision" not in found:
                return None
            revisions.add(found["revision"])
            if found["down_revision"]:
                parents.add(found["down_revision"])
    except (OSError, UnicodeDecodeError):
        return None
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and len(revisions) == len(files) else None


def schema_is_current(engine: Engine) -> bool:
    """True when the database already stands at the head revision, checked with one SELECT and
    no alembic: then opening it needs no backup, no migration lock and no upgrade."""
    head = quick_head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:  # no alembic_version table yet: a new database
        return False
    return [r[0] for r in rows] == [head]


@dataclass
class Store:
    """An open directory database: engine, session factory and its URL.

    `read_only`: the file is in a read-only place and was opened for reading; searching and
    exporting work, every writing action says "read-only" before it starts."""

    url: str
    engine: Engine
    factory: sessionmaker[Session]
    read_only: bool = False

    def require_writable(self, what: str) -> None:
        """Refuse a writing action on a read-only database in one plain line (StoreError)."""
        if self.read_only:
            raise StoreError(read_only_message(str(self.path or display_url(self.url)), what))

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

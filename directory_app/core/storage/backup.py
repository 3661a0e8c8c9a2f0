"""Backups of the SQLite directory database: taking them safely, keeping a sensible number, and
restoring one.

Why it is built this way:
- A backup uses SQLite's online backup API, never a byte copy, so a copy taken while the app is
  writing is one consistent snapshot (in WAL mode readers do not block writers).
- It is written to a hidden temporary file *in the target folder*, checked with
  `PRAGMA integrity_check`, fsynced, and only then renamed over the target with `os.replace`
  (atomic within one file system). A crash at any point leaves either no target or the previous
  complete one, never half a file; at worst a hidden `.directory-backup-*` file stays behind,
  which the next backup into that folder removes once it is older than `PARTIAL_MAX_AGE_S`.
- A backup is one self-contained file (rollback-journal mode, no `-wal` beside it), readable by
  the owner only (0600) in an owner-only folder (0700): the directory may hold a clinic's notes.
- A restore copies the chosen file *through the backup API into the live database*, which SQLite
  performs as one write transaction: atomic and crash-safe by SQLite's own journal, no stale
  `-wal`/`-shm` left to pair with the wrong file, no rename over a file that other connections
  (the GUI, another process) hold open - they simply see the restored data on their next read -
  and nothing Windows forbids.
- PostgreSQL has its own tools (pg_dump / pg_restore); we say so rather than pretend.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError as AlembicCommandError
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from directory_app.core import paths
from directory_app.core.storage.backup_folder import (
    PARTIAL_PREFIX,
    backup_dir,
    prune_partials,
    rotate,
    unique_target,
)
from directory_app.core.storage.engine import (
    SQLITE_HEADER,
    Store,
    StoreError,
    current_revision,
    head_revision,
    make_engine,
    make_private_dirs,
    resolve_url,
    sqlite_path,
)
from directory_app.core.storage.health import check_sqlite_file
from directory_app.core.storage.migrations import migrate

log = logging.getLogger(__name__)

OUR_TABLES = frozenset({"alembic_version", "centers", "trials", "trial_sites"})


class BackupError(StoreError):
    """A backup or restore could not be done; the message is one line a user can act on."""


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did, where the replaced content went, and the restored file's revision."""

    database: Path
    source: Path
    safety_backup: Path | None
    damaged_moved_to: Path | None
    revision_before: str
    migrated: bool


# --- taking a backup -----------------------------------------------------------------------


def _require_sqlite(url: str, tool: str) -> Path:
    path = sqlite_path(url)
    if path is None:
        safe = make_url(url).render_as_string(hide_password=True)
        raise BackupError(f"{safe} is not a SQLite file; for PostgreSQL use {tool}, its own tool")
    return path


def _fsync(path: Path) -> None:
    """Flush a file's bytes, or a folder's entries after a rename (not possible for folders on
    Windows, so skipped there)."""
    folder = path.is_dir()
    if folder and os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY if folder else os.O_RDWR)  # Windows flushes writable only
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def _integrity(conn: sqlite3.Connection, pragma: str = "integrity_check") -> list[str]:
    """Empty when healthy, else SQLite's complaints."""
    rows = [str(r[0]) for r in conn.execute(f"PRAGMA {pragma}").fetchall()]
    return [] if rows == ["ok"] else rows


def _copy_into_new_file(source: sqlite3.Connection, folder: Path, page_size: int = 0) -> Path:
    """Copy `source` into a fresh owner-only temporary file in `folder`, checked and fsynced.

    A different `page_size` is applied with VACUUM, so the copy can then be backed up into a
    WAL database of that page size (SQLite cannot change it in WAL mode)."""
    fd, name = tempfile.mkstemp(prefix=PARTIAL_PREFIX, suffix=".partial", dir=folder)
    os.close(fd)  # created 0600; SQLite keeps the mode of an existing file
    tmp = Path(name)
    try:
        dst = sqlite3.connect(tmp)
        try:
            source.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            if page_size and dst.execute("PRAGMA page_size").fetchone()[0] != page_size:
                dst.execute(f"PRAGMA page_size={int(page_size)}")
                dst.execute("VACUUM")
            problems = _integrity(dst)
        finally:
            dst.close()
        if problems:
            raise BackupError(
                f"the copy failed its integrity check ({problems[0]}); the database may be "
                "damaged: run 'directory-app check'"
            )
        _fsync(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def backup_file(db_path: Path, target: Path) -> Path:
    """Back up the SQLite database at `db_path` to `target`, atomically. Returns `target`."""
    target = target.expanduser().resolve()
    if not db_path.exists():
        raise BackupError(f"{db_path}: no database to back up")
    if target == db_path.resolve() or target.is_dir():
        raise BackupError(f"{target}: a backup cannot replace the database itself or a folder")
    make_private_dirs(target.parent)
    prune_partials(target.parent)
    try:
        source = _open_readonly(db_path)
        try:
            tmp = _copy_into_new_file(source, target.parent)
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{db_path}: backup failed ({exc})") from exc
    os.replace(tmp, target)
    _fsync(target.parent)
    log.info("backed up %s to %s", db_path, target)
    return target


def _auto_backup(db_path: Path, reason: str, *, rotated: bool = True) -> Path:
    """A uniquely named backup in the database's backups folder, which is then rotated
    (unless `rotated` is False: see `backup_before`)."""
    folder = backup_dir(db_path)
    make_private_dirs(folder)
    made = backup_file(db_path, unique_target(folder, db_path.stem, reason))
    if rotated:
        rotate(folder, db_path.stem)
    return made


def settle_backup(store: Store, made: Path | None, *, needed: bool) -> None:
    """After an action that took `backup_before(..., rotated=False)`: a needed backup joins
    the rotation now; an unneeded one (the action changed nothing) is deleted, so it never
    pushed an older, useful backup out."""
    db_path = sqlite_path(store.url)
    if made is None or db_path is None:
        return
    if needed:
        rotate(backup_dir(db_path), db_path.stem)
    else:
        made.unlink(missing_ok=True)


def backup(store: Store, target: Path | None = None, *, reason: str = "manual") -> Path:
    """`directory-app backup [FILE]`: back up the store's database.

    Without `target` the copy goes to `<data dir>/backups/` with an automatic name and the folder
    is rotated (see `plan_rotation`); a named file is written as given and never rotated; a
    folder gets an automatic name."""
    db_path = _require_sqlite(store.url, "pg_dump")
    if target is None:
        return _auto_backup(db_path, reason)
    if target.is_dir():
        return backup_file(db_path, unique_target(target, db_path.stem, reason))
    return backup_file(db_path, target)


def has_data(conn: sqlite3.Connection) -> bool:
    """True if any of the app's own tables holds a row (whatever the schema revision).

    Virtual tables (full text, R*Tree) and their shadow tables are skipped: they hold
    bookkeeping rows even in an empty database, and only mirror the real tables anyway."""
    entries = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    virtual = [name for name, sql in entries if (sql or "").upper().startswith("CREATE VIRTUAL")]
    tables = [
        name
        for name, _sql in entries
        if name != "alembic_version" and not any(name.startswith(v) for v in virtual)
    ]
    return any(conn.execute(f'SELECT EXISTS (SELECT 1 FROM "{t}")').fetchone()[0] for t in tables)


def _worth_saving(db_path: Path) -> bool:
    if not db_path.exists() or db_path.stat().st_size == 0:
        return False
    conn = _open_readonly(db_path)
    try:
        return has_data(conn)
    finally:
        conn.close()


def backup_before(store: Store, reason: str, *, rotated: bool = True) -> Path | None:
    """Automatic safety copy before a risky action (import, restore, repair, migration).

    Returns the backup's path, or None when there is nothing to lose (an empty database) or the
    database is not SQLite (PostgreSQL is backed up with pg_dump by its administrator). Call it
    before opening the action's transaction; an error means the action must not go ahead - as
    on a read-only database, where the action is refused in plain words before it starts.
    An action that may turn out to change nothing passes `rotated=False` and then calls
    `settle_backup`: rotating first would delete the oldest backup for nothing."""
    store.require_writable(reason)
    db_path = sqlite_path(store.url)
    if db_path is None or not _worth_saving(db_path):
        return None
    return _auto_backup(db_path, reason, rotated=rotated)


def backup_before_migration(
    engine: Engine, db_path: Path, target_revision: str | None = None
) -> Path | None:
    """Called by `open_store`: before upgrading a database that holds data, keep it as it was.
    A new or empty database, or one already at the target revision, needs no copy."""
    revision = current_revision(engine)
    if revision in (None, target_revision or head_revision()) or not _worth_saving(db_path):
        return None
    return _auto_backup(db_path, f"migration-{revision}")


# --- restoring -----------------------------------------------------------------------------


def verify_backup(source: Path) -> str:
    """Check that `source` is a healthy directory database this app can open; returns its
    schema revision. Never writes to `source`."""
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    with source.open("rb") as fh:
        if fh.read(16) != SQLITE_HEADER:
            raise BackupError(f"{source}: not a SQLite database (unrecognised file header)")
    try:
        conn = _open_readonly(source)
        try:
            problems = _integrity(conn, "quick_check")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            rows = []
            if "alembic_version" in tables:
                rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        problems = [str(exc)]
    if problems:
        raise BackupError(f"{source}: damaged SQLite database ({problems[0]})")
    if not OUR_TABLES.issubset(tables) or len(rows) != 1:
        raise BackupError(f"{source}: not a directory-app database (its tables are missing)")
    revision = str(rows[0][0])
    config = Config()
    config.set_main_option("script_location", str(paths.MIGRATIONS))
    try:
        known = ScriptDirectory.from_config(config).get_revision(revision) is not None
    except AlembicCommandError:
        known = False
    if not known:
        raise BackupError(
            f"{source}: written by a newer version of directory-app (schema {revision}); "
            "update the app to restore it"
        )
    return revision


def _move_damaged_aside(db_path: Path) -> Path:
    """Keep a damaged database (and its -wal/-shm) under a new name: never delete user data."""
    aside = db_path.with_name(f"{db_path.name}.damaged-{datetime.now():%Y%m%d-%H%M%S}")
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{db_path}{suffix}").exists():
            os.replace(f"{db_path}{suffix}", f"{aside}{suffix}")
    _fsync(db_path.parent)
    return aside


def _healthy(db_path: Path) -> bool:
    try:
        check_sqlite_file(db_path)
    except (StoreError, OSError):
        return False
    return True


def restore(target: Store | str | os.PathLike[str] | None, source: Path) -> RestoreReport:
    """`directory-app restore FILE`: replace the database's content with a verified backup.

    `target` is the open Store or where the database lives (as for `open_store`): a restore must
    also work when the database is too damaged to open. Order: verify the file; keep a safety
    backup of the current database (or move a damaged one aside); copy the file through the
    backup API into the live database in one transaction; migrate it to the app's head."""
    url = target.url if isinstance(target, Store) else resolve_url(target)
    db_path = _require_sqlite(url, "pg_restore")
    source = source.expanduser().resolve()
    if source == db_path.resolve() or db_path.is_dir():
        raise BackupError(f"{db_path}: cannot be replaced by {source}")
    revision = verify_backup(source)
    safety: Path | None = None
    damaged: Path | None = None
    if db_path.exists() and db_path.stat().st_size > 0 and not _healthy(db_path):
        if isinstance(target, Store):
            target.engine.dispose()  # its connections would keep reading the old file
        damaged = _move_damaged_aside(db_path)
    elif _worth_saving(db_path):
        safety = _auto_backup(db_path, "before-restore")
    if not db_path.exists():
        make_private_dirs(db_path.parent)
        os.close(os.open(db_path, os.O_CREAT | os.O_WRONLY, 0o600))
    _copy_into_live(source, db_path)
    engine = target.engine if isinstance(target, Store) else make_engine(url)
    try:
        migrated = current_revision(engine) != head_revision()
        if migrated:
            migrate(engine)
    finally:
        if not isinstance(target, Store):
            engine.dispose()
    log.info("restored %s from %s", db_path, source)
    return RestoreReport(db_path, source, safety, damaged, revision, migrated)


def _copy_into_live(source: Path, db_path: Path) -> None:
    """Verify a private copy of `source`, then back it up into the live file in one transaction."""
    live = sqlite3.connect(db_path, timeout=10)
    try:
        live.execute("PRAGMA journal_mode=WAL")
        page_size = int(live.execute("PRAGMA page_size").fetchone()[0])
        prune_partials(db_path.parent)
        src = _open_readonly(source)
        try:
            tmp = _copy_into_new_file(src, db_path.parent, page_size)
        finally:
            src.close()
        try:
            checked = _open_readonly(tmp)
            try:
                checked.backup(live)
            finally:
                checked.close()
        finally:
            tmp.unlink(missing_ok=True)
        problems = _integrity(live, "quick_check")
        if problems:
            raise BackupError(f"{db_path}: restore did not verify ({problems[0]})")
    except sqlite3.Error as exc:
        raise BackupError(f"{db_path}: restore failed ({exc})") from exc
    finally:
        live.close()


def describe(path: Path) -> dict[str, object]:
    """Facts about a database file for a confirmation prompt or a listing (read-only)."""
    conn = _open_readonly(path)
    try:
        centers = conn.execute("SELECT count(*) FROM centers").fetchone()[0]
        trials = conn.execute("SELECT count(*) FROM trials").fetchone()[0]
    finally:
        conn.close()
    modified = datetime.fromtimestamp(path.stat().st_mtime).isoformat(" ", "minutes")
    return {"path": str(path), "centers": centers, "trials": trials, "modified": modified}

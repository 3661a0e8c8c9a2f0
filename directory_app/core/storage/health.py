"""Is this file a healthy SQLite database? Checked before anything may write to it.

When it is not, the message says how to get out: the restore command and the newest backup.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from directory_app.core.storage.backup_folder import latest_backup
from directory_app.core.storage.engine import (
    SQLITE_HEADER,
    StoreError,
    read_only_place,
    read_only_sqlite_uri,
)


def check_sqlite_file(path: Path, *, read_only: bool = False) -> None:
    """Refuse a file that is not a healthy SQLite database, without writing a byte to it.

    The header check catches a random file; `quick_check` through a read-only URI catches a
    damaged database before SQLAlchemy or alembic could write to it. In a read-only place the
    check reads the file as it stands (`read_only_sqlite_uri`): a folder SQLite cannot write
    its `-shm` file into is not a damaged database (`read_only` asks for that reading)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")
    with path.open("rb") as fh:
        header = fh.read(16)
    if header != SQLITE_HEADER:
        hint = f"; {_way_out(path)}" if latest_backup(path) else ""
        raise StoreError(f"{path}: not a SQLite database (unrecognised file header){hint}")
    try:
        as_is = read_only or read_only_place(path)
        uri = read_only_sqlite_uri(path) if as_is else f"file:{path}?mode=ro"
        conn = sqlite3.connect(uri, uri=True)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: damaged SQLite database ({exc}); {_way_out(path)}") from exc
    if rows != [("ok",)]:
        first = rows[0][0] if rows else "no answer"
        raise StoreError(f"{path}: damaged SQLite database ({first}); {_way_out(path)}")


def _way_out(path: Path) -> str:
    """What to do about a damaged database: the restore command and the newest backup, if any."""
    latest = latest_backup(path)
    hint = f"the latest backup is {latest}" if latest else "no automatic backup was found"
    return f"restore a backup with 'directory-app restore FILE' ({hint})"

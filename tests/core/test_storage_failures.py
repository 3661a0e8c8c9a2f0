"""A full disk or a read-only database is the user's situation, not a bug: every command says
so in one line and exits 2, and nothing already stored is lost.

The disk-full case is real SQLite behaviour: `PRAGMA max_page_count` caps the database file, and
SQLite then fails a write with "database or disk is full" exactly as on a full disk. The
read-only case uses `PRAGMA query_only`, which makes SQLite refuse every write as a read-only
database does.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from directory_app.cli import main
from directory_app.core.storage.opening import counts, open_store

DATA = Path(__file__).resolve().parent.parent / "data" / "ctgov"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "d.db"
    open_store(path, seed=False).close()
    return path


def _pragma_on_connect(pragma: str) -> Iterator[None]:
    def apply(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute(pragma)

    event.listen(Engine, "connect", apply)
    try:
        yield
    finally:
        event.remove(Engine, "connect", apply)


def _page_count(path: Path) -> int:
    with sqlite3.connect(path) as con:
        return int(con.execute("PRAGMA page_count").fetchone()[0])


def _centers(path: Path) -> int:
    store = open_store(path, seed=False)
    try:
        return int(counts(store)["centers"])
    finally:
        store.close()


def test_import_onto_a_full_disk_is_one_line_and_exit_2(db: Path, capsys) -> None:
    before = _centers(db)
    limit = _page_count(db) + 2
    gen = _pragma_on_connect(f"PRAGMA max_page_count = {limit}")
    next(gen)
    try:
        code = main(["--db", str(db), "import", "--all-conditions", str(DATA / "v2-page.json")])
    finally:
        next(gen, None)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "disk is full" in err and "damaged" not in err
    assert _centers(db) == before


def test_writing_to_a_read_only_database_says_read_only(db: Path, capsys) -> None:
    before = _centers(db)
    gen = _pragma_on_connect("PRAGMA query_only = ON")
    next(gen)
    try:
        code = main(["--db", str(db), "import", "--all-conditions", str(DATA / "v2-page.json")])
    finally:
        next(gen, None)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "read-only" in err
    assert "damaged" not in err and "another import" not in err
    assert _centers(db) == before


def test_os_level_storage_errors_read_as_the_same_plain_words() -> None:
    import errno

    from directory_app.core.storage.engine import storage_failure

    full = storage_failure(OSError(errno.ENOSPC, "No space left on device", "x.db"))
    assert full is not None and "disk is full" in full
    read_only = storage_failure(OSError(errno.EROFS, "Read-only file system", "x.db"))
    assert read_only is not None and "read-only" in read_only
    assert storage_failure(ValueError("an unrelated problem")) is None


def test_folders_made_for_a_db_path_are_owner_only_all_the_way_down(tmp_path: Path) -> None:
    db = tmp_path / "outer" / "middle" / "inner" / "d.db"
    open_store(db, seed=False).close()
    for folder in (tmp_path / "outer", tmp_path / "outer" / "middle", db.parent):
        assert folder.stat().st_mode & 0o777 == 0o700, folder


FULL_DEVICE = Path("/dev/full")  # Linux: every write to it fails with "No space left on device"


@pytest.mark.skipif(not FULL_DEVICE.is_char_device(), reason="no /dev/full on this system")
@pytest.mark.parametrize("command", [["check"], ["search", "--json"]])
def test_output_onto_a_full_disk_is_one_line_and_exit_2(db: Path, command: list[str]) -> None:
    """A report redirected onto a full disk is lost: the command says so, it never exits 0."""
    with FULL_DEVICE.open("w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "directory_app.cli", "--db", str(db), *command],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
        )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "disk is full" in lines[0] and "Traceback" not in done.stderr


def test_a_sync_onto_a_full_disk_is_one_line_and_exit_2(db: Path, tmp_path: Path,
                                                         capsys) -> None:  # fmt: skip
    laptop = tmp_path / "laptop.db"
    assert main(["--db", str(laptop), "import", "--all-conditions",
                 str(DATA / "v2-page.json")]) == 0  # fmt: skip
    capsys.readouterr()
    before = _centers(db), _centers(laptop)
    gen = _pragma_on_connect(f"PRAGMA max_page_count = {_page_count(db)}")
    next(gen)
    try:
        code = main(["--db", str(laptop), "sync", "--to", str(db)])
    finally:
        next(gen, None)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "disk is full" in err and "Traceback" not in err
    assert (_centers(db), _centers(laptop)) == before

"""A directory database in a read-only place opens for reading; writing says "read-only".

The place is made read-only for real, whoever runs the tests:
- as an ordinary user: the file is chmod 0444 inside a folder chmod 0555;
- as root (for whom permissions do not stop writes): the folder is bind-mounted read-only in a
  private mount namespace (`unshare --mount`), so the kernel refuses every write with EROFS.
  Without that privilege the test is skipped rather than pretending.
Each command runs in its own process, as a user runs it, and the file must come out
byte-for-byte unchanged with no `-wal` or `-shm` file left beside it.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from directory_app.core.storage.opening import open_store

DATA = Path(__file__).resolve().parent.parent / "data" / "ctgov"
Run = Callable[..., subprocess.CompletedProcess[str]]


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _can_bind_read_only(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "sh", "-c",
         f"mount --bind {tmp_path} {tmp_path} && mount -o remount,bind,ro {tmp_path}"],
        capture_output=True, text=True, check=False)  # fmt: skip
    return probe.returncode == 0


@pytest.fixture
def read_only_db(tmp_path: Path) -> Iterator[tuple[Path, Run]]:
    """A seeded database in a read-only folder, and a way to run the CLI against it."""
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "directory.db"
    open_store(db).close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    cli = [sys.executable, "-m", "directory_app.cli", "--db", str(db)]
    if _as_root():
        if not _can_bind_read_only(tmp_path):
            pytest.skip("running as root without the right to mount: cannot make a place "
                        "read-only for real")

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            script = (f"mount --bind {shlex.quote(str(folder))} {shlex.quote(str(folder))} && "
                      f"mount -o remount,bind,ro {shlex.quote(str(folder))} && "
                      f"exec {shlex.join([*cli, *args])}")
            return subprocess.run(["unshare", "--mount", "sh", "-c", script], env=env,
                                  capture_output=True, text=True, timeout=120, check=False)

        yield db, run
        return
    db.chmod(0o444)
    folder.chmod(0o555)

    def run_plain(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli, *args], env=env, capture_output=True, text=True,
                              timeout=120, check=False)

    try:
        yield db, run_plain
    finally:
        folder.chmod(0o700)
        db.chmod(0o600)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _no_damage_words(err: str) -> None:
    assert "damaged" not in err and "restore" not in err
    assert "another import" not in err and "Traceback" not in err


def test_reading_commands_work_on_a_read_only_database(read_only_db, tmp_path: Path) -> None:
    db, run = read_only_db
    before = _digest(db)
    info = run("info")
    assert info.returncode == 0, info.stderr
    assert "centers" in info.stdout
    _no_damage_words(info.stderr)
    found = run("search", "--json", "--limit", "3")
    assert found.returncode == 0, found.stderr
    assert '"name"' in found.stdout
    out = tmp_path / "export.json"
    exported = run("export", "--format", "json", str(out))
    assert exported.returncode == 0, exported.stderr
    assert out.stat().st_size > 1000
    assert _digest(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["directory.db"]


def test_writing_commands_say_read_only_in_one_line(read_only_db) -> None:
    db, run = read_only_db
    before = _digest(db)
    for args in (
        ("import", "--all-conditions", str(DATA / "v2-page.json")),
        ("import", "--dry-run", "--all-conditions", str(DATA / "v2-page.json")),
    ):
        done = run(*args)
        err = done.stderr.strip()
        assert done.returncode == 2, (args, err)
        assert len(err.splitlines()) == 1, err
        assert "read-only" in err, err
        _no_damage_words(err)
    assert _digest(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["directory.db"]


def test_a_read_only_store_refuses_writes_at_the_sqlite_level(tmp_path: Path) -> None:
    """Opened read-only on purpose (as the app opens a read-only place), SQLite itself
    refuses a write, and a writing action is stopped before it starts."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from directory_app.core.importing.importer import run_import
    from directory_app.core.storage.engine import StoreError, storage_failure

    db = tmp_path / "d.db"
    open_store(db).close()
    files_before = sorted(p.name for p in tmp_path.iterdir())
    digest_before = _digest(db)
    store = open_store(db, read_only=True)
    try:
        assert store.read_only
        with pytest.raises(OperationalError) as refused, store.session() as s:
            s.execute(text("DELETE FROM centers"))
        assert "read-only" in (storage_failure(refused.value) or "")
        with pytest.raises(StoreError, match="read-only"):
            store.require_writable("edit")
        report = run_import(store, DATA / "v2-page.json", all_conditions=True)
        assert not report.ok and "read-only" in str(report.errors[0])
    finally:
        store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == files_before
    assert _digest(db) == digest_before

"""Pulling the plug: a real `directory-app import` and a real `directory-app export` are killed
with SIGKILL at random moments, and what is left on disk must be whole.

- Import: the database holds exactly the state before the import (byte-for-byte the same rows)
  or exactly the state after it (the row counts of an uninterrupted run); `PRAGMA
  integrity_check` and the full-text index's own check pass; the app opens the file again and
  searches it; every automatic backup it lists is a healthy database.
- Export over an existing file: the file is the old one byte-for-byte or the complete new one,
  and nothing is left beside it that could pass for an export (only hidden `.NAME.*.tmp` files).

The kill moments are drawn from a fixed seed, one in each of several equal slices of an
uninterrupted run's measured duration, so every phase (start-up, backup, the import's
transaction, commit, exit) is hit across the runs. A SIGKILL gives the process no chance to
clean up, which is the point; on platforms without it the test is skipped.
"""

from __future__ import annotations

import csv
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from directory_app.core import paths
from directory_app.core.search.query import CenterFilter, search
from directory_app.core.storage.backup_folder import backups_of
from directory_app.core.storage.opening import open_store
from tests.fuzz_support import fingerprint, integrity_ok, table_counts

pytestmark = [
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)"),
    pytest.mark.slow,
]

KILL_RUNS = 8
SEED = 20260302
#: Studies of the bundled 2022 registry export to import; with --all-conditions this creates
#: several hundred centers, trials and links in one transaction - long enough to be hit.
STUDIES = 500
SOURCE_CSV = paths.PROJECT_ROOT / "db" / "sources" / "ctgov-msc-trials-2022.csv"
#: Tables whose row counts say which state the database is in (the FTS index's shadow tables
#: are left to its own integrity check).
COUNTED = re.compile(r"^(?!.*fts).*$")


def cli(db: Path, *args: str | Path) -> list[str]:
    return [sys.executable, "-m", "directory_app", "--db", str(db), *map(str, args)]


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DIRECTORY_APP_DB"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_to_end(cmd: list[str], cwd: Path) -> float:
    started = time.monotonic()
    done = subprocess.run(cmd, cwd=cwd, env=child_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started


def run_and_kill(cmd: list[str], cwd: Path, delay: float) -> bool:
    """Start `cmd`, SIGKILL it after `delay` seconds; True if it had finished by then."""
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)  # a no-op if it exited in the meantime
        proc.wait()
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    proc.stderr.close()
    if proc.returncode == -signal.SIGKILL:
        return False
    assert proc.returncode == 0, stderr.decode(errors="replace")
    return True


def kill_delays(duration: float, runs: int = KILL_RUNS) -> list[float]:
    """One moment in each of `runs` equal slices of `duration`, from a fixed seed."""
    rng = random.Random(SEED)
    return [duration * (i + rng.random()) / runs for i in range(runs)]


def counts(path: Path) -> dict[str, int]:
    return {k: v for k, v in table_counts(path).items() if COUNTED.match(k)}


def fresh_copy(template: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "directory.db"
    shutil.copyfile(template, target)
    target.chmod(0o600)
    return target


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled directory as a user has it after first start (checkpointed: one file)."""
    path = tmp_path_factory.mktemp("crash-seeded") / "directory.db"
    open_store(path).close()
    assert not Path(f"{path}-wal").exists()
    return path


@pytest.fixture(scope="module")
def registry_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first STUDIES studies of the real 2022 export, in the registry's classic CSV."""
    target = tmp_path_factory.mktemp("crash-input") / "ctgov-msc-subset.csv"
    with (
        SOURCE_CSV.open(encoding="utf-8", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        reader = csv.reader(src)
        writer = csv.writer(out, quoting=csv.QUOTE_ALL)
        writer.writerow(next(reader))
        for _, row in zip(range(STUDIES), reader, strict=False):
            writer.writerow(row)
    return target


def check_opens_and_searches(db: Path) -> None:
    """The app opens the file as it is left (no repair prompt) and can search it."""
    store = open_store(db)
    try:
        with store.session() as s:
            rows = search(s, CenterFilter(text="hospital", limit=5))
        assert rows, "a search over the surviving directory found nothing"
    finally:
        store.close()


def fts_ok(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        conn.execute("INSERT INTO centers_fts (centers_fts) VALUES ('integrity-check')")
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def test_import_killed_at_random_moments_leaves_before_or_after_state(
    seeded_db: Path, registry_csv: Path, tmp_path: Path
):
    before_print = fingerprint(seeded_db)
    before_counts = counts(seeded_db)

    reference = fresh_copy(seeded_db, tmp_path / "reference")
    duration = run_to_end(cli(reference, "import", registry_csv, "--all-conditions"), tmp_path)
    after_counts = counts(reference)
    assert after_counts["centers"] > before_counts["centers"], "the import must add centers"
    assert after_counts != before_counts

    outcomes: Counter[str] = Counter()
    for run, delay in enumerate(kill_delays(duration)):
        db = fresh_copy(seeded_db, tmp_path / f"run{run}")
        finished = run_and_kill(
            cli(db, "import", registry_csv, "--all-conditions"), db.parent, delay
        )
        # Opened the way the app opens it: a hot WAL journal is rolled back or forward here.
        assert integrity_ok_rw(db), f"run {run} (killed at {delay:.2f}s): integrity_check failed"
        assert fts_ok(db), f"run {run}: the full-text index is inconsistent"
        now = counts(db)
        if now == before_counts:
            assert fingerprint(db) == before_print, f"run {run}: partial changes survived"
            state = "before"
        else:
            assert now == after_counts, f"run {run} (killed at {delay:.2f}s): half an import"
            state = "after"
        for info in backups_of(db):
            assert integrity_ok(info.path), f"run {run}: a listed backup is damaged"
        check_opens_and_searches(db)
        outcomes[f"{state}{' (finished)' if finished else ''}"] += 1
    print(f"import killed {KILL_RUNS} times over {duration:.1f}s: {dict(outcomes)}")
    assert sum(outcomes.values()) == KILL_RUNS
    assert outcomes["before"] >= 1, "no kill landed before the commit; the input is too small"


def integrity_ok_rw(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def test_export_killed_at_random_moments_leaves_old_or_complete_new_file(
    seeded_db: Path, tmp_path: Path
):
    db = fresh_copy(seeded_db, tmp_path / "db")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "directory-export.json"

    expected_file = tmp_path / "expected.json"
    duration = run_to_end(cli(db, "export", "--format", "json", expected_file), tmp_path)
    new_bytes = expected_file.read_bytes()
    old_bytes = b'{"format": "directory-app/1", "centers": [], "trials": []}\n' * 3
    assert len(new_bytes) > 100_000

    outcomes: Counter[str] = Counter()
    temp_name = re.compile(rf"^\.{re.escape(target.name)}\..+\.tmp$")
    for run, delay in enumerate(kill_delays(duration)):
        target.write_bytes(old_bytes)
        finished = run_and_kill(cli(db, "export", "--format", "json", target), out_dir, delay)
        now = target.read_bytes()
        assert now in (old_bytes, new_bytes), f"run {run} (killed at {delay:.2f}s): torn file"
        for leftover in out_dir.iterdir():
            if leftover != target:
                assert temp_name.match(leftover.name), f"run {run}: stray file {leftover.name}"
                leftover.unlink()  # a real user would never see it; the next run starts clean
        outcomes[("new" if now == new_bytes else "old") + (" (finished)" if finished else "")] += 1
    print(f"export killed {KILL_RUNS} times over {duration:.1f}s: {dict(outcomes)}")
    # The database is only read by an export.
    assert integrity_ok_rw(db)

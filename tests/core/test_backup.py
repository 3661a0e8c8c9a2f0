"""Backups and restore: every copy is checked and complete, old copies thin out by a stated rule,
a restore gives back exactly what was saved, and a killed backup never leaves half a file."""

from __future__ import annotations

import hashlib
import io
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from directory_app.cli import main
from directory_app.core.directory.models import (
    Center,
    ConditionTreated,
    Contact,
    TeamMember,
    TherapyOffering,
    Trial,
    TrialSite,
)
from directory_app.core.exchange.directory_form import dump_directory
from directory_app.core.storage.backup import (
    BackupError,
    backup,
    backup_before,
    backup_before_migration,
    restore,
    verify_backup,
)
from directory_app.core.storage.backup_folder import (
    PARTIAL_PREFIX,
    backup_dir,
    backups_of,
    latest_backup,
    list_backups,
    plan_rotation,
    prune_partials,
    rotate,
)
from directory_app.core.storage.engine import (
    Store,
    StoreError,
    current_revision,
    head_revision,
    make_engine,
)
from directory_app.core.storage.migrations import migrate
from directory_app.core.storage.opening import open_store

#: An automatic backup's name after its database's name and a hyphen.
NAME = re.compile(r"\d{8}-\d{6}-[a-z0-9-]+\.db")


def add_sample_directory(store: Store, n: int = 3) -> None:
    """A few centers with every kind of child row and a trial linking them."""
    with store.session() as s:
        trial = s.scalar(select(Trial)) or Trial(
            nct_id="NCT01234567", title="HSCT for lupus", status="recruiting",
            phases=["phase2"], conditions=["Lupus"],
        )  # fmt: skip
        first = s.scalar(select(func.count()).select_from(Center)) or 0
        for i in range(first, first + n):
            center = Center(
                name=f"Center {i}", kind="academic_hospital", city="Rochester", region="MN",
                country="United States", latitude=44.02 + i, longitude=-92.46, age_min=18,
                age_max=65, cost_min_usd=1000, cost_max_usd=5000, notes=f"call before noon {i}",
            )  # fmt: skip
            center.therapies.append(TherapyOffering(therapy="hsct_autologous"))
            center.conditions.append(ConditionTreated(condition="lupus"))
            center.team.append(TeamMember(role="specialty", discipline="rheumatology"))
            center.contacts.append(Contact(role="coordinator", name="Intake desk"))
            center.trial_sites.append(TrialSite(trial=trial, facility=f"Center {i}"))
            s.add(center)


def dump(store: Store) -> dict[str, object]:
    with store.session() as s:
        return dump_directory(s)


def center_count(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM centers").fetchone()[0])
    finally:
        conn.close()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


# --- taking backups ------------------------------------------------------------------------


def test_backup_then_restore_gives_back_identical_directory(empty_store: Store):
    add_sample_directory(empty_store)
    saved = dump(empty_store)
    copy = backup(empty_store)
    with empty_store.session() as s:
        s.delete(s.get(Center, 1))
        s.add(Center(name="Added after the backup"))
    assert dump(empty_store) != saved

    restore(empty_store, copy)

    assert dump(empty_store) == saved, "an open store sees the restored data on its next read"


def test_bundled_directory_survives_backup_and_restore_unchanged(seeded_store: Store):
    saved = dump(seeded_store)
    copy = backup(seeded_store)
    with seeded_store.session() as s:
        s.execute(text("DELETE FROM trial_sites"))
    restore(seeded_store, copy)
    assert dump(seeded_store) == saved


def test_default_backup_is_a_checked_single_file_in_the_backups_folder(empty_store: Store):
    add_sample_directory(empty_store)
    copy = backup(empty_store)
    assert copy.parent == empty_store.path.parent / "backups"
    assert copy.name.startswith(empty_store.path.stem + "-")
    assert NAME.fullmatch(copy.name.removeprefix(empty_store.path.stem + "-"))
    assert copy.name.endswith("-manual.db")
    header = copy.read_bytes()[:20]
    assert header[:16] == b"SQLite format 3\x00"
    assert header[18:20] == b"\x01\x01", "rollback-journal mode: no -wal needed beside it"
    assert integrity(copy) == "ok"
    assert center_count(copy) == 3
    assert [p.name for p in copy.parent.iterdir()] == [copy.name], "no temp file left behind"


def test_backup_to_named_file_replaces_it_and_is_never_rotated(empty_store: Store, tmp_path):
    add_sample_directory(empty_store)
    target = tmp_path / "elsewhere" / "mine.db"
    target.parent.mkdir()
    target.write_bytes(b"an older copy")
    assert backup(empty_store, target) == target
    assert center_count(target) == 3


def test_backup_refuses_to_overwrite_the_database_itself(empty_store: Store):
    with pytest.raises(BackupError, match="cannot replace the database"):
        backup(empty_store, empty_store.path)


def test_backup_before_skips_an_empty_database_and_saves_one_with_data(empty_store: Store):
    assert backup_before(empty_store, "import") is None
    add_sample_directory(empty_store)
    made = backup_before(empty_store, "import")
    assert made is not None and made.name.endswith("-import.db")
    assert center_count(made) == 3


def test_two_backups_in_the_same_second_are_both_kept(empty_store: Store):
    add_sample_directory(empty_store)
    first, second = backup_before(empty_store, "import"), backup_before(empty_store, "import")
    assert first and second and first != second and first.exists() and second.exists()


def test_migrating_a_database_with_data_backs_it_up_first(empty_store: Store):
    add_sample_directory(empty_store)
    path = empty_store.path
    assert backup_before_migration(empty_store.engine, path) is None, "already at head"
    made = backup_before_migration(empty_store.engine, path, target_revision="9999")
    revision = current_revision(empty_store.engine)
    assert made is not None and made.name.endswith(f"-migration-{revision}.db")
    assert center_count(made) == 3


def make_first_revision_database(path: Path) -> None:
    """A database as the first release of the app left it, with one center."""
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO centers (id, uid, name, source, edited_fields, created_at,"
                " updated_at, version) VALUES (1, 'abc', 'Old Center', 'verified', '[]',"
                " '2025-01-01 00:00:00', '2025-01-01 00:00:00', 1)"
            )
        )
    engine.dispose()


def test_opening_an_older_database_with_data_backs_it_up_before_migrating(tmp_path: Path):
    make_first_revision_database(tmp_path / "old.db")
    open_store(tmp_path / "old.db", seed=False).close()
    [saved] = backups_of(tmp_path / "old.db")
    assert saved.reason == "migration-0001"
    assert verify_backup(saved.path) == "0001", "the copy is the database as it was"
    assert center_count(saved.path) == 1


def test_restoring_an_older_backup_migrates_it_to_head(empty_store: Store, tmp_path: Path):
    make_first_revision_database(tmp_path / "old.db")
    report = restore(empty_store, tmp_path / "old.db")
    assert report.migrated and report.revision_before == "0001"
    assert current_revision(empty_store.engine) == head_revision()
    with empty_store.session() as s:
        assert s.get(Center, 1).name == "Old Center"


def test_opening_an_up_to_date_database_takes_no_backup(empty_store: Store):
    add_sample_directory(empty_store)
    empty_store.close()
    open_store(empty_store.path, seed=False).close()
    assert backups_of(empty_store.path) == []


# --- rotation ------------------------------------------------------------------------------


def test_rotation_keeps_last_ten_plus_newest_of_each_iso_week():
    # Two backups a day (06:00, 18:00) for the five ISO weeks 9..13 of 2025, newest first:
    # b00 is Sunday 30 March 18:00, b69 is Monday 24 February 06:00.
    end = datetime(2025, 3, 30, 18, 0, 0)
    backups = [(f"b{i:02d}", end - timedelta(hours=12 * i)) for i in range(70)]

    keep, delete = plan_rotation(backups)

    # The ten newest all fall in week 13; weeks 12, 11, 10 and 9 each keep their Sunday 18:00.
    assert keep == [f"b{i:02d}" for i in range(10)] + ["b14", "b28", "b42", "b56"]
    assert len(delete) == 70 - 14 and set(keep).isdisjoint(delete)


def test_rotation_of_sparse_history_keeps_everything_within_the_last_ten():
    backups = [(f"w{i}", datetime(2024, 1, 1) + timedelta(weeks=i)) for i in range(12)]
    keep, delete = plan_rotation(backups)
    assert len(keep) == 12 and delete == [], "one backup per week: all are week-newest"


def test_rotation_deletes_only_automatically_named_backups(tmp_path: Path):
    folder = tmp_path / "backups"
    folder.mkdir()
    start = datetime(2025, 1, 6, 9, 0, 0)  # Monday; all twelve backups fall in one ISO week
    for i in range(12):
        (folder / f"directory-{start + timedelta(minutes=i):%Y%m%d-%H%M%S}-import.db").touch()
    (folder / "my-own-copy.db").touch()
    removed = rotate(folder, "directory")
    assert sorted(p.name for p in removed) == [
        f"directory-{start + timedelta(minutes=i):%Y%m%d-%H%M%S}-import.db" for i in (0, 1)
    ]
    assert (folder / "my-own-copy.db").exists()
    assert len(list_backups(folder, "directory")) == 10


def test_stale_partial_files_are_pruned_but_fresh_ones_kept(tmp_path: Path):
    old, fresh = tmp_path / f"{PARTIAL_PREFIX}a.partial", tmp_path / f"{PARTIAL_PREFIX}b.partial"
    old.touch()
    fresh.touch()
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    assert prune_partials(tmp_path) == [old]
    assert fresh.exists()


# --- restore -------------------------------------------------------------------------------


def test_restore_keeps_a_backup_of_the_database_it_replaces(empty_store: Store):
    add_sample_directory(empty_store, n=2)
    copy = backup(empty_store)
    add_sample_directory(empty_store, n=1)  # three centers now
    report = restore(empty_store, copy)
    assert report.safety_backup is not None and center_count(report.safety_backup) == 3
    assert center_count(empty_store.path) == 2


def make_foreign_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE other (x)")
    conn.close()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_text("not a database\n" * 10), "not a SQLite database"),
        (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8000), "damaged"),
        (lambda p: make_foreign_database(p), "not a directory-app"),
    ],
    ids=["text-file", "corrupt", "foreign-database"],
)
def test_restore_refuses_a_bad_file_and_changes_nothing(empty_store, tmp_path, make, message):
    add_sample_directory(empty_store)
    bad = tmp_path / "bad.db"
    make(bad)
    before = dump(empty_store)
    with pytest.raises(BackupError, match=message):
        restore(empty_store, bad)
    assert dump(empty_store) == before
    assert backups_of(empty_store.path) == []


def test_restore_refuses_a_backup_from_a_newer_app(empty_store: Store, tmp_path: Path):
    add_sample_directory(empty_store)
    newer = backup(empty_store, tmp_path / "newer.db")
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    with pytest.raises(BackupError, match="newer version of directory-app"):
        restore(empty_store, newer)


def corrupt_pages(path: Path) -> None:
    """Overwrite everything after the first page, as a failing disk might."""
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.seek(4096)
        fh.write(b"\x5a" * (size - 4096))


def test_damaged_database_names_restore_and_latest_backup_then_restore_fixes_it(tmp_path):
    store = open_store(tmp_path / "dir.db", seed=False)
    add_sample_directory(store)
    saved = dump(store)
    latest = backup(store)
    store.close()
    corrupt_pages(tmp_path / "dir.db")

    with pytest.raises(StoreError) as refused:
        open_store(tmp_path / "dir.db", seed=False)
    assert "directory-app restore FILE" in str(refused.value)
    assert str(latest) in str(refused.value)

    report = restore(tmp_path / "dir.db", latest)
    assert report.damaged_moved_to is not None and report.damaged_moved_to.exists()
    store = open_store(tmp_path / "dir.db", seed=False)
    try:
        assert dump(store) == saved
    finally:
        store.close()


def test_wiped_header_points_to_restore_when_backups_exist(tmp_path: Path):
    store = open_store(tmp_path / "dir.db", seed=False)
    add_sample_directory(store)
    latest = backup(store)
    store.close()
    with (tmp_path / "dir.db").open("r+b") as fh:
        fh.write(b"\0" * 100)
    with pytest.raises(StoreError, match="not a SQLite database") as refused:
        open_store(tmp_path / "dir.db", seed=False)
    assert "directory-app restore FILE" in str(refused.value) and str(latest) in str(refused.value)


# --- the commands --------------------------------------------------------------------------


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "directory_app.cli", *args],
        input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_restore_without_an_answer_on_stdin_refuses_with_exit_2(empty_store, tmp_path):
    add_sample_directory(empty_store)
    copy = backup(empty_store)
    with empty_store.session() as s:
        s.add(Center(name="Kept"))
    done = cli("--db", str(empty_store.path), "restore", str(copy))
    assert done.returncode == 2
    question, error = done.stderr.strip().splitlines()
    assert question.startswith("Replace") and question.rstrip().endswith("[y/N]")
    assert error.startswith("directory-app: error:") and "pass --yes" in error
    assert center_count(empty_store.path) == 4


def test_restore_asks_and_only_yes_restores(empty_store, monkeypatch, capsys):
    add_sample_directory(empty_store)
    copy = backup(empty_store)
    with empty_store.session() as s:
        s.add(Center(name="Added later"))
    db = str(empty_store.path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    assert main(["--db", db, "restore", str(copy)]) == 1
    assert center_count(empty_store.path) == 4
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))
    assert main(["--db", db, "restore", str(copy)]) == 0
    assert center_count(empty_store.path) == 3
    assert "Replace" in capsys.readouterr().err


def test_backup_and_backups_commands(empty_store: Store, tmp_path: Path, capsys):
    add_sample_directory(empty_store)
    db = str(empty_store.path)
    assert main(["--db", db, "backup"]) == 0
    assert main(["--db", db, "backup", str(tmp_path / "named.db")]) == 0
    assert center_count(tmp_path / "named.db") == 3
    assert main(["--db", db, "backups"]) == 0
    out = capsys.readouterr().out
    assert "manual" in out and str(backup_dir(empty_store.path)) in out


@pytest.mark.parametrize("command", [["backup"], ["restore", "x.db", "--yes"], ["backups"]])
def test_postgresql_backup_commands_point_to_pg_tools(command, capsys):
    url = "postgresql+psycopg://someone:secret@db.example/directory"
    assert main(["--db", url, *command]) == 2
    err = capsys.readouterr().err
    assert re.search(r"pg_dump|pg_restore", err) and "secret" not in err
    assert len(err.strip().splitlines()) == 1


# --- a backup killed at any moment ---------------------------------------------------------

N_BIG = 20_000
KILL_RUNS = 6
#: The routine every backup goes through (`directory-app backup`, automatic ones, restore's).
CHILD = (
    "import sys\n"
    "from pathlib import Path\n"
    "from directory_app.core.storage.backup import backup_file\n"
    "print('go', flush=True)\n"
    "backup_file(Path(sys.argv[1]), Path(sys.argv[2]))\n"
    "print('done', flush=True)\n"
)


def fill_big(path: Path) -> None:
    store = open_store(path, seed=False)
    store.close()
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO centers (uid, name, source, edited_fields, created_at, updated_at, version,"
        " latitude, longitude, notes) VALUES (?, ?, 'sample', '[]', '2025-01-01 00:00:00',"
        " '2025-01-01 00:00:00', 1, ?, ?, ?)",
        (
            (f"{i:032x}", f"Synthetic center {i}", 25 + i % 20, -120 + i % 50, "n" * 400)
            for i in range(N_BIG)
        ),
    )
    conn.commit()
    conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_backup_killed_at_random_points_never_leaves_a_partial_target(tmp_path: Path):
    db, target = tmp_path / "big.db", tmp_path / "out" / "backup.db"
    fill_big(db)
    store = open_store(db, seed=False)
    started = time.monotonic()
    backup(store, target)
    full = time.monotonic() - started
    previous = digest(target)
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    outcomes: dict[str, int] = {"previous": 0, "absent": 0, "new": 0}
    partials: set[str] = set()
    mid_backup = 0
    for run in range(KILL_RUNS):
        if run % 2:  # odd runs start with no target, even runs with a complete previous one
            target.unlink(missing_ok=True)
        elif not target.exists():
            backup(store, target)
            previous = digest(target)
        had_previous = target.exists()
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db), str(target)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert child.stdout is not None and child.stdout.readline().strip() == "go"
        time.sleep(full * (run + rng.random()) / KILL_RUNS * 1.2)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        leftovers = [p.name for p in target.parent.iterdir() if p.name != target.name]
        assert all(name.startswith(PARTIAL_PREFIX) for name in leftovers), (seed, leftovers)
        mid_backup += bool(set(leftovers) - partials)
        partials.update(leftovers)
        if not target.exists():
            assert not had_previous, f"previous backup lost (seed {seed}, run {run})"
            outcomes["absent"] += 1
        elif had_previous and digest(target) == previous:
            outcomes["previous"] += 1
        else:
            assert integrity(target) == "ok", f"partial target (seed {seed}, run {run})"
            assert center_count(target) == N_BIG
            outcomes["new"] += 1
            previous = digest(target)
    store.close()
    assert mid_backup, f"no kill landed mid-backup: {outcomes} (seed {seed})"
    assert integrity(db) == "ok" and center_count(db) == N_BIG
    assert len(prune_partials(target.parent, max_age_s=0)) == len(partials)
    print(f"kill runs: {outcomes}, {mid_backup} killed mid-backup, full backup {full:.3f}s")


def test_backups_are_named_and_rotated_per_database(tmp_path: Path):
    """Two databases in one folder share its backups folder: neither may rotate away, or be
    pointed at as the latest backup of, the other."""
    folder = tmp_path / "backups"
    folder.mkdir()
    start = datetime(2025, 1, 6, 9, 0, 0)  # one ISO week, so only the newest ten are kept
    for i in range(12):
        (folder / f"clinic-a-{start + timedelta(minutes=i):%Y%m%d-%H%M%S}-import.db").touch()
    older = start - timedelta(hours=1)
    for i in range(3):
        (folder / f"clinic-b-{older + timedelta(minutes=i):%Y%m%d-%H%M%S}-import.db").touch()
    removed = rotate(folder, "clinic-a")
    assert len(removed) == 2 and all(p.name.startswith("clinic-a-") for p in removed)
    assert len(list_backups(folder, "clinic-b")) == 3
    assert len(list_backups(folder, "clinic-a")) == 10
    assert latest_backup(tmp_path / "clinic-b.db").name.startswith("clinic-b-")


def test_an_automatic_backup_carries_its_database_name(tmp_path: Path):
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    for path in (first, second):
        open_store(path, seed=False).close()
    for _ in range(2):
        store = open_store(first, seed=False)
        try:
            backup(store, reason="manual")
        finally:
            store.close()
    store = open_store(second, seed=False)
    try:
        made = backup(store, reason="manual")
    finally:
        store.close()
    assert made.name.startswith("second-") and made.parent == backup_dir(second)
    assert [b.path for b in backups_of(second)] == [made]
    assert len(backups_of(first)) == 2
    assert all(b.path.name.startswith("first-") for b in backups_of(first))

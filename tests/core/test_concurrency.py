"""Two processes on one database: a reader is never blocked or shown half a transaction, a
backup taken mid-write is the state before it, and an edit made on a stale copy of a center is
refused instead of silently overwriting a colleague's save."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy.orm.exc import StaleDataError

from directory_app.core.directory.models import Center
from directory_app.core.storage.backup import backup
from directory_app.core.storage.engine import Store
from directory_app.core.storage.opening import open_store

BULK = 20_000

WRITER = """
import sys, time
from directory_app.core.storage.engine import make_engine
engine = make_engine("sqlite:///" + sys.argv[1])
rows = [(f"w{i:031x}", f"Bulk center {i}", "x" * 200) for i in range(int(sys.argv[2]))]
with engine.begin() as conn:
    conn.exec_driver_sql(
        "INSERT INTO centers (uid, name, notes, source, edited_fields, created_at, updated_at,"
        " version) VALUES (?, ?, ?, 'sample', '[]', '2025-01-01', '2025-01-01', 1)", rows)
    print("inserted", time.time(), flush=True)
    time.sleep(float(sys.argv[3]))  # hold the write transaction open
print("committed", time.time(), flush=True)
"""

READER = """
import json, sys, time
from sqlalchemy import text
from directory_app.core.storage.engine import make_engine
engine = make_engine("sqlite:///" + sys.argv[1])
target, deadline = int(sys.argv[2]), time.monotonic() + 20
seen, errors, after = [], [], 0
print("ready", flush=True)
while after < 20 and time.monotonic() < deadline:
    started = time.time()
    try:
        with engine.connect() as conn:
            n = conn.execute(text("SELECT count(*) FROM centers")).scalar()
        seen.append((started, n))
        after += n == target
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.005)
print(json.dumps({"seen": seen, "errors": errors}), flush=True)
"""

EDITOR = """
import sys
from directory_app.core.directory.models import Center
from directory_app.core.storage.opening import open_store
store = open_store(sys.argv[1], seed=False)
with store.session() as s:
    s.get(Center, 1).name = "Renamed by a colleague"
store.close()
"""


def python(code: str, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE, text=True
    )


def stamp(line: str, word: str) -> float:
    said, when = line.split()
    assert said == word, line
    return float(when)


@pytest.fixture
def store(empty_store: Store) -> Store:
    with empty_store.session() as s:
        s.add_all(Center(name=f"Center {i}", phone="+1 555 0100") for i in range(5))
    return empty_store


def test_reader_sees_before_or_after_a_large_write_and_never_errors(store: Store):
    before, after = 5, 5 + BULK
    reader = python(READER, store.path, after)
    assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
    hold = 0.5
    writer = python(WRITER, store.path, BULK, hold)
    assert writer.stdout is not None
    inserted = stamp(writer.stdout.readline(), "inserted")
    stamp(writer.stdout.readline(), "committed")
    assert writer.wait(timeout=30) == 0
    result = json.loads(reader.stdout.readline())
    assert reader.wait(timeout=30) == 0
    writer.stdout.close()
    reader.stdout.close()

    assert result["errors"] == []
    counts = [n for _t, n in result["seen"]]
    assert set(counts) <= {before, after}, "never a partial transaction"
    # The commit comes only after the hold, so reads started within it must see the old count.
    during = [n for t, n in result["seen"] if inserted < t < inserted + hold]
    assert during and set(during) == {before}, "reads went on while the write was open"
    assert counts[-1] == after
    assert counts == sorted(counts), "once committed, the new rows never disappear"


def test_backup_taken_while_a_write_is_open_holds_the_state_before_it(store, tmp_path):
    writer = python(WRITER, store.path, 2000, 1.5)
    assert writer.stdout is not None
    stamp(writer.stdout.readline(), "inserted")
    copy = backup(store, tmp_path / "mid-write.db")
    assert writer.poll() is None, "the backup finished without waiting for the writer"
    assert writer.wait(timeout=30) == 0
    writer.stdout.close()
    copied = open_store(copy, seed=False)
    try:
        with copied.session() as s:
            assert s.query(Center).count() == 5
    finally:
        copied.close()


def test_save_based_on_a_stale_version_is_refused_and_overwrites_nothing(store: Store):
    with store.factory() as mine:
        center = mine.get(Center, 1)
        assert center is not None and center.version == 1
        editor = python(EDITOR, store.path)  # a colleague saves first, from another process
        assert editor.wait(timeout=30) == 0
        assert editor.stdout is not None
        editor.stdout.close()
        center.phone = "+1 555 0199"
        with pytest.raises(StaleDataError):
            mine.commit()
    with store.session() as s:
        saved = s.get(Center, 1)
        assert saved is not None
        assert (saved.name, saved.phone, saved.version) == ("Renamed by a colleague",
                                                            "+1 555 0100", 2)  # fmt: skip


def test_save_of_a_center_deleted_meanwhile_is_refused(store: Store):
    with store.factory() as mine, store.factory() as theirs:
        center = mine.get(Center, 2)
        assert center is not None
        theirs.delete(theirs.get(Center, 2))
        theirs.commit()
        center.name = "Edited after deletion"
        with pytest.raises(StaleDataError):
            mine.commit()
    with store.session() as s:
        assert s.get(Center, 2) is None

"""Several people on one shared directory at the same moment: two saves of one center, two
imports, a save during a sync, several copies of the app upgrading the schema at once. One
wins, the other gets a clear answer; nothing is lost and nothing is half-written."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text

from directory_app.cli import main
from directory_app.core.directory.editing import EditConflict, load_center, save_center
from directory_app.core.directory.models import Center
from directory_app.core.storage.engine import Store, current_revision, head_revision
from directory_app.core.storage.locks import BusyError, import_lock
from directory_app.core.storage.opening import open_store
from directory_app.core.sync import merge as sync_module
from directory_app.core.sync.merge import SyncError, sync_stores
from tests.core.test_sync import add, directory, edit
from tests.editing_samples import sample_center
from tests.pg_server import PgServer

TODAY = date(2025, 3, 14)


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    store = open_store(pg_url, seed=False)
    yield store
    store.close()


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run `work` in a thread; its result or exception lands in the returned dict."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except Exception as exc:  # handed to the test, never left unhandled in the thread
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def wait_until_blocked(store: Store, what: str = "Lock", timeout: float = 10.0) -> None:
    """Wait until another connection waits on a lock (row lock or advisory lock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with store.engine.connect() as conn:
            waiting = conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = :what"), {"what": what})  # fmt: skip
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError("the other transaction never started waiting")


def wait_until_refused_the_lock(store: Store, holder: int, timeout: float = 10.0) -> None:
    """Wait until a connection other than `holder` (a backend pid) has asked for the import
    lock, which `holder` keeps: its request was refused and it is polling for the lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with store.engine.connect() as conn:
            asked = conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid NOT IN (:holder, pg_backend_pid())"
                " AND query LIKE 'SELECT pg_try_advisory_xact_lock%'"),
                {"holder": holder})  # fmt: skip
        if asked:
            return
        time.sleep(0.02)
    raise AssertionError("the other import never asked for the lock")


def test_two_concurrent_saves_of_one_center_one_gets_a_clear_conflict(pg_store: Store):
    with pg_store.session() as s:
        center_id = save_center(s, sample_center(), expected_version=None, today=TODAY)
    with pg_store.session() as s:
        both_start_from = load_center(s, center_id)  # version 1, read by both coordinators
    with pg_store.factory() as first:
        save_center(first, both_start_from | {"phone": "+1 312 555 0111"},
                    expected_version=1, today=TODAY)  # written, not yet committed  # fmt: skip

        def second() -> int:
            with pg_store.session() as s:
                return save_center(s, both_start_from | {"phone": "+1 312 555 0222"},
                                   expected_version=1, today=TODAY)  # fmt: skip

        thread, outcome = in_thread(second)
        wait_until_blocked(pg_store)  # the second UPDATE waits for the first's row lock
        first.commit()
    thread.join(timeout=30)
    assert isinstance(outcome.get("error"), EditConflict), outcome
    assert "changed elsewhere" in str(outcome["error"]) and "Nothing was overwritten" in str(
        outcome["error"])  # fmt: skip
    with pg_store.session() as s:
        saved = load_center(s, center_id)
    assert (saved["phone"], saved["version"]) == ("+1 312 555 0111", 2)


def test_imports_queue_behind_each_other(pg_store: Store):
    with pg_store.factory() as first:
        import_lock(first)
        first.add(Center(name="Imported first"))
        first.flush()
        holder = first.scalar(text("SELECT pg_backend_pid()"))

        def second() -> int:
            with pg_store.session() as s:
                import_lock(s, wait_seconds=30)
                # Reads after the lock see everything the first import committed.
                return s.scalar(select(func.count()).select_from(Center)) or 0

        thread, outcome = in_thread(second)
        wait_until_refused_the_lock(pg_store, holder)
        assert thread.is_alive() and not outcome, "the second import must wait for the first"
        first.commit()
    thread.join(timeout=30)
    assert outcome == {"result": 1}


def test_an_import_that_waits_too_long_fails_cleanly(pg_store: Store):
    with pg_store.factory() as first:
        import_lock(first)
        with pytest.raises(BusyError, match="another import or sync"), pg_store.session() as s:
            s.add(Center(name="Never written"))
            s.flush()
            import_lock(s, wait_seconds=0.2)
        first.rollback()
    with pg_store.session() as s:
        assert s.scalar(select(func.count()).select_from(Center)) == 0


def test_sqlite_writer_lock_serialises_imports_too(tmp_path):
    store = open_store(tmp_path / "lite.db", seed=False)
    try:
        with store.factory() as first, store.factory() as second:
            import_lock(first)
            second.execute(text("PRAGMA busy_timeout = 100"))
            with pytest.raises(BusyError):
                import_lock(second)
            first.commit()
            second.rollback()
            import_lock(second)  # free again
    finally:
        store.close()


def test_a_save_during_a_sync_aborts_the_sync_and_loses_nothing(
    pg_store: Store, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    laptop = open_store(tmp_path / "laptop.db", seed=False)
    try:
        add(laptop, "a", "Laptop A Hospital")
        sync_stores(laptop, pg_store)
        edit(laptop, "a", phone="+1 312 555 0111")
        real_apply = sync_module._apply

        def colleague_saves_first(*args: Any) -> Any:
            edit(pg_store, "a", notes="Saved by a colleague mid-sync")
            return real_apply(*args)

        monkeypatch.setattr(sync_module, "_apply", colleague_saves_first)
        with pytest.raises(SyncError, match="changed by someone else"):
            sync_stores(laptop, pg_store)
        monkeypatch.undo()
        assert directory(pg_store)["a"]["notes"] == "Saved by a colleague mid-sync"
        assert directory(laptop)["a"]["phone"] == "+1 312 555 0111"
        [conflict] = sync_stores(laptop, pg_store).conflicts  # now both changed it
        assert conflict.uid == "a"
    finally:
        laptop.close()


def test_several_copies_of_the_app_upgrading_one_server_at_once(pg_server: PgServer):
    pg_server.execute("CREATE DATABASE upgraded_together")
    url = pg_server.url("upgraded_together")
    try:
        runs = [in_thread(lambda: open_store(url, seed=False).close()) for _ in range(3)]
        for thread, _outcome in runs:
            thread.join(timeout=60)
        assert [outcome for _t, outcome in runs] == [{"result": None}] * 3
        store = open_store(url, seed=False)
        try:
            assert current_revision(store.engine) == head_revision()
        finally:
            store.close()
    finally:
        pg_server.drop_database("upgraded_together")


def test_a_center_the_server_refuses_stops_the_sync_with_nothing_written(
    pg_store: Store, tmp_path, capsys
):
    """SQLite does not enforce column lengths; PostgreSQL does. One bad row: one clear line."""
    laptop = open_store(tmp_path / "laptop.db", seed=False)
    try:
        add(laptop, "a", "Laptop A Hospital")
        add(laptop, "b", "Laptop B Hospital", phone="+1 " + "5" * 100)  # phone is 60 at most
        laptop.close()
        assert main(["--db", str(laptop.path), "sync", "--to", pg_store.url]) == 2
        err = capsys.readouterr().err
        assert "could not be written" in err and "nothing was written" in err
        assert directory(pg_store) == {}
    finally:
        laptop.close()

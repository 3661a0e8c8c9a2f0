"""Background tasks: core work runs in a worker with its own session, results and errors come
back on the GUI thread, and Cancel stops a long job and rolls its transaction back."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtWidgets import QPushButton
from shiboken6 import isValid
from sqlalchemy.orm import Session

from directory_app.core.directory.models import Center
from directory_app.core.exchange.directory_form import load_centers
from directory_app.gui.tasks import LatestOnly, Progress, TaskRunner, run_with_progress


def _add_centers(store, n: int) -> None:
    with store.session() as s:
        s.add_all(Center(name=f"Center {i}", source="sample") for i in range(n))


def slow_count(session: Session, progress: Progress, rounds: int = 200) -> dict[str, object]:
    """A long core job: counts the directory over and over, a cancellation point each round."""
    total = 0
    for i in range(rounds):
        progress.report(i, rounds, f"Round {i + 1} of {rounds}")
        total = len(load_centers(session))
        time.sleep(0.005)
    return {"thread": threading.get_ident(), "count": total, "session": id(session)}


@pytest.fixture
def runner(qtbot, empty_store):
    runner = TaskRunner(empty_store)
    yield runner
    runner.shutdown()


def test_task_runs_core_function_in_worker_with_its_own_session(qtbot, runner, empty_store):
    _add_centers(empty_store, 5)
    seen: dict[str, object] = {}

    def record(result):
        seen.update(result, callback_thread=threading.get_ident())

    runner.submit(lambda s, p: slow_count(s, p, rounds=3), on_success=record)
    # Its last signal (finished) reached the GUI thread; waiting for the signal itself could
    # miss one a fast job emitted before the wait began.
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    qtbot.waitUntil(lambda: "callback_thread" in seen, timeout=2000)
    assert seen["count"] == 5
    assert seen["thread"] != threading.get_ident()
    assert seen["callback_thread"] == threading.get_ident()


def test_task_failure_arrives_as_value_not_exception(qtbot, runner):
    errors: list[Exception] = []

    def boom(session, progress):
        raise ValueError("row 3, column 'latitude': expected a number")

    runner.submit(boom, on_failure=errors.append)
    # Its last signal (finished) reached the GUI thread; waiting for the signal itself could
    # miss one a fast job emitted before the wait began.
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    qtbot.waitUntil(lambda: bool(errors), timeout=2000)
    assert "latitude" in str(errors[0])


def test_cancel_stops_long_job_and_rolls_back_its_writes(qtbot, runner, empty_store):
    cancelled: list[bool] = []

    def write_then_loop(session, progress):
        session.add(Center(name="Half-imported", source="sample"))
        session.flush()
        return slow_count(session, progress, rounds=10_000)

    task, dialog = run_with_progress(
        runner, None, "Importing", write_then_loop, on_cancel=lambda: cancelled.append(True)
    )
    qtbot.waitUntil(lambda: dialog.maximum() == 10_000, timeout=5000)
    started = time.monotonic()
    dialog.findChild(QPushButton).click()  # what the user does
    qtbot.waitUntil(lambda: bool(cancelled), timeout=5000)
    assert time.monotonic() - started < 2
    with empty_store.session() as s:
        assert load_centers(s) == []
    assert not runner.busy or qtbot.waitUntil(lambda: not runner.busy, timeout=2000) is None


def test_progress_dialog_follows_reports_and_closes_on_success(qtbot, runner, empty_store):
    _add_centers(empty_store, 2)
    results: list[dict[str, object]] = []
    task, dialog = run_with_progress(
        runner, None, "Counting", lambda s, p: slow_count(s, p, rounds=20),
        on_success=results.append, min_duration_ms=0,
    )
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert results[0]["count"] == 2
    qtbot.waitUntil(lambda: not isValid(dialog) or not dialog.isVisible(), timeout=2000)


def test_latest_only_runs_fast_job_inline_and_drops_stale_worker_answers(qtbot, runner):
    latest = LatestOnly(runner, inline_budget_s=1.0)
    got: list[int] = []
    latest.request(lambda s, p: 1, got.append, lambda e: None)
    assert got == [1]  # inline: answered before request() returned

    latest.inline_budget_s = 0.0
    latest.last_duration_s = 1.0  # measured slow: the next requests go to the worker

    newer_answered = threading.Event()

    def job_for(value: int):
        def job(session, progress):
            if value == 2:  # the older job answers only after the newer one's answer arrived
                assert newer_answered.wait(timeout=10), "the newer answer never arrived"
            return value
        return job

    latest.request(job_for(2), got.append, lambda e: None)
    latest.request(job_for(3), got.append, lambda e: None)
    qtbot.waitUntil(lambda: got[-1] == 3, timeout=5000)
    newer_answered.set()
    # Not busy once every task's last signal (after its answer) reached the GUI thread.
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    assert got == [1, 3]

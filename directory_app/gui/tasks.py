"""Background work: run a core function off the GUI thread and hear back on the GUI thread.

Why this shape:
- The function runs in a pool thread with its *own* Session, opened there from the Store's
  factory (`with store.factory.begin() as session`), so a transaction never crosses threads and
  a cancelled or failed import rolls back whole. The GUI thread never sees that session.
- The function is handed a `Progress` (plain Python, no Qt) to report progress and to ask
  whether the user cancelled. It never touches a widget; results come back as signals that Qt
  queues onto the GUI thread, where the callbacks run.
- `run_with_progress` wraps a task in a cancellable QProgressDialog that only appears when the
  work takes longer than a moment, so quick jobs do not flash a dialog.
- `LatestOnly` serves "results as you type": it runs a job inline while it is measured fast and
  moves it to a worker once it is not, and it drops answers to questions nobody asks any more.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

if TYPE_CHECKING:  # the window paints before SQLAlchemy is imported
    from directory_app.core.storage.engine import Store


class Cancelled(Exception):
    """Raised inside a background function when the user cancelled; not an error."""


class Progress:
    """What a background function may do besides its work: report and check for cancel.

    Thread-safe; `report` is throttled so a tight loop cannot flood the GUI's event queue."""

    def __init__(self, emit: Callable[[int, int, str], None] | None = None) -> None:
        self._cancel = threading.Event()
        self._emit = emit
        self._last = 0.0

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def check(self) -> None:
        """Raise Cancelled if the user asked to stop (call between units of work)."""
        if self._cancel.is_set():
            raise Cancelled()

    def report(self, done: int, total: int = 0, message: str = "") -> None:
        """Say how far the work is (total 0 = unknown); also a cancellation point."""
        self.check()
        now = time.monotonic()
        if self._emit is not None and (now - self._last >= 0.05 or done >= total > 0):
            self._last = now
            self._emit(int(done), int(total), message)


class TaskSignals(QObject):
    """Created on the GUI thread, emitted from the worker: Qt queues each emission."""

    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    progress = Signal(int, int, str)
    finished = Signal()


#: A background function: gets a Session (when run with a store) and a Progress.
SessionJob = Callable[..., Any]


class _Runnable(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self._task = task

    def run(self) -> None:  # worker thread: no widgets, no GUI-thread session
        self._task.execute()


@dataclass(eq=False)  # identity hashing: tasks live in a set
class Task:
    """One unit of background work and its channel back to the GUI thread."""

    fn: SessionJob
    store: Store | None
    signals: TaskSignals = field(default_factory=TaskSignals)
    progress: Progress = field(init=False)

    def __post_init__(self) -> None:
        self.progress = Progress(self.signals.progress.emit)

    def cancel(self) -> None:
        self.progress.cancel()

    def execute(self) -> None:
        """Run `fn` here (the worker thread) and emit exactly one outcome, then `finished`."""
        try:
            if self.store is None:
                result = self.fn(self.progress)
            else:
                with self.store.factory.begin() as session:
                    result = self.fn(session, self.progress)
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception as exc:  # reported to the GUI as a value, never raised into Qt
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)
        finally:
            self.signals.finished.emit()


class TaskRunner(QObject):
    """Starts Tasks on its own thread pool and keeps them alive until their last signal."""

    def __init__(self, store: Store | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._live: set[Task] = set()

    def submit(
        self,
        fn: SessionJob,
        *,
        on_success: Callable[[Any], object] | None = None,
        on_failure: Callable[[Exception], object] | None = None,
        on_cancel: Callable[[], object] | None = None,
        with_session: bool = True,
    ) -> Task:
        """Run `fn(session, progress)` (or `fn(progress)` without a session) in the pool."""
        task = Task(fn, self.store if with_session else None)
        s = task.signals
        if on_success is not None:
            s.succeeded.connect(on_success, Qt.ConnectionType.QueuedConnection)
        if on_failure is not None:
            s.failed.connect(on_failure, Qt.ConnectionType.QueuedConnection)
        if on_cancel is not None:
            s.cancelled.connect(on_cancel, Qt.ConnectionType.QueuedConnection)
        s.finished.connect(lambda: self._live.discard(task), Qt.ConnectionType.QueuedConnection)
        self._live.add(task)
        self.pool.start(_Runnable(task))
        return task

    @property
    def busy(self) -> bool:
        return bool(self._live)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel everything and wait for the workers (before the store is closed)."""
        for task in list(self._live):
            task.cancel()
        return bool(self.pool.waitForDone(timeout_ms))


def run_with_progress(
    runner: TaskRunner,
    parent: QWidget | None,
    title: str,
    fn: SessionJob,
    *,
    on_success: Callable[[Any], object] | None = None,
    on_failure: Callable[[Exception], object] | None = None,
    on_cancel: Callable[[], object] | None = None,
    with_session: bool = True,
    min_duration_ms: int = 400,
) -> tuple[Task, QProgressDialog]:
    """Run a task behind a window-modal, cancellable progress dialog.

    The dialog appears only after `min_duration_ms`; Cancel asks the function to stop at its
    next `progress.report/check`. The dialog is closed whatever the outcome."""
    dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(min_duration_ms)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setAccessibleName(f"{title} progress")
    task = runner.submit(
        fn,
        on_success=on_success,
        on_failure=on_failure,
        on_cancel=on_cancel,
        with_session=with_session,
    )
    dialog.canceled.connect(task.cancel)

    def show_progress(done: int, total: int, message: str) -> None:
        if dialog.wasCanceled():
            return
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total > 0 else 0)
        if message:
            dialog.setLabelText(message)

    task.signals.progress.connect(show_progress, Qt.ConnectionType.QueuedConnection)
    task.signals.finished.connect(dialog.close, Qt.ConnectionType.QueuedConnection)
    task.signals.finished.connect(dialog.deleteLater, Qt.ConnectionType.QueuedConnection)
    dialog.setValue(0)
    return task, dialog


class LatestOnly(QObject):
    """Runs the newest request only: inline while it is fast, in a worker once it is slow.

    Search as you type must never freeze the window. A job measured under `inline_budget_s`
    runs on the GUI thread (no thread hop, no stale frame); once one takes longer, following
    jobs go to the pool, and an answer that arrives after a newer request is dropped."""

    def __init__(
        self, runner: TaskRunner, inline_budget_s: float = 0.030, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.inline_budget_s = inline_budget_s
        self.last_duration_s = 0.0
        self._generation = 0
        self._pending: Task | None = None

    @property
    def inline(self) -> bool:
        return self.last_duration_s <= self.inline_budget_s

    def request(
        self,
        fn: SessionJob,
        on_success: Callable[[Any], object],
        on_failure: Callable[[Exception], object],
    ) -> None:
        """Run `fn(session, progress)`; call back only if no newer request came meanwhile."""
        self._generation += 1
        generation = self._generation
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if self.inline and self.runner.store is not None:
            started = time.perf_counter()
            try:
                with self.runner.store.session() as session:
                    result = fn(session, Progress())
            except Exception as exc:
                self.last_duration_s = time.perf_counter() - started
                on_failure(exc)
                return
            self.last_duration_s = time.perf_counter() - started
            on_success(result)
            return

        started = time.perf_counter()

        def done(result: Any) -> None:
            self.last_duration_s = time.perf_counter() - started
            if generation == self._generation:
                self._pending = None
                on_success(result)

        def failed(exc: Exception) -> None:
            if generation == self._generation:
                self._pending = None
                on_failure(exc)

        self._pending = self.runner.submit(fn, on_success=done, on_failure=failed)

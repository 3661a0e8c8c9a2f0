"""Search as you type, without freezing the window, at 10,000 centers.

Measured on a 10,000-center directory: the core search answers a page of 150 rows in
10-40 ms, but building *every* matching row of a broad query (the whole directory, say) takes
0.5-1 s. So a query runs in two stages:

1. ~150 ms after the last edit (debounce), the first page (`page_size` rows, in the search's
   own ranking) is fetched — inline while that is measured fast, else in a worker
   (`tasks.LatestOnly`) — and shown at once.
2. If the page was full, the rest is fetched in a worker once the user has paused a moment
   longer, and appended. A newer query makes every older answer void (a generation counter), so
   a slow answer never overwrites a fresh one.

The core function runs in its own session either way; this object only schedules and routes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QObject, QTimer, Signal

from .tasks import LatestOnly, Progress, Task, TaskRunner

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from directory_app.core.search.relax import Relaxation
    from directory_app.core.search.shapes import CenterFilter, ResultRow

PAGE_SIZE = 150
DEBOUNCE_MS = 150
REST_DELAY_MS = 300


class SearchAnswer(NamedTuple):
    """What one search gives the window."""

    rows: list[ResultRow]
    #: centers in the whole directory
    total: int
    #: centers without a known location the radius left out
    unlocated_left_out: int
    #: for an empty or tiny result, what each criterion dropped alone would give
    relaxed: list[Relaxation]
    #: "registry data 4 years 1 month old: ..." once the registry data is 12 months old
    registry_warning: str | None


def search_job(flt: CenterFilter, session: Session, _progress: Progress) -> SearchAnswer:
    """The unit of work behind a keystroke: the matching rows, the directory's size, how
    many centers without a known location a radius left out, and - for an empty or tiny
    result - what each criterion dropped alone would give (`core.search.relax`)."""
    # In the job (a worker, after the first paint): the search loads SQLAlchemy.
    from directory_app.core.search.query import count_centers, search, unlocated_left_out
    from directory_app.core.search.relax import RELAX_BELOW, relaxations
    from directory_app.core.search.staleness import registry_age

    rows = search(session, flt)
    relaxed = relaxations(session, flt) if len(rows) < RELAX_BELOW else []
    age = registry_age(session)  # one aggregate query: the data may change under the window
    warning = None if age is None else age.status_line()
    return SearchAnswer(
        rows, count_centers(session), unlocated_left_out(session, flt), relaxed, warning
    )


class SearchLoop(QObject):
    """Debounced, two-stage search. Emits `resultsReady(filter, rows, total, complete)`."""

    resultsReady = Signal(object, object, int, bool)
    failed = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        current_filter: Callable[[], CenterFilter],
        parent: QObject | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.current_filter = current_filter
        self.page_size = page_size
        self.latest = LatestOnly(runner, parent=self)
        self.generation = 0
        #: Centers without a known location the latest answer's radius left out.
        self.unlocated_left_out = 0
        #: The latest answer's relax suggestions (empty unless it found fewer than 3).
        self.relaxed: list[Relaxation] = []
        #: "registry data 4 years 1 month old: ..." when the directory's registry data is
        #: 12 months old or more (`RegistryAge.status_line`), else None.
        self.registry_warning: str | None = None
        self._rest_for: tuple[int, CenterFilter] | None = None
        self._rest_task: Task | None = None
        self.debounce = self._timer(DEBOUNCE_MS, self.run_now)
        self.rest_timer = self._timer(REST_DELAY_MS, self._load_rest)

    def _timer(self, ms: int, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    def schedule(self) -> None:
        """An edit happened: search once the user pauses (restarts the debounce)."""
        self.rest_timer.stop()
        self.debounce.start()

    def run_now(self) -> None:
        """Search the current filter immediately (first page); nothing before a Store."""
        self.debounce.stop()
        if self.runner.store is None:
            return
        self.rest_timer.stop()
        self.generation += 1
        if self._rest_task is not None:
            self._rest_task.cancel()
            self._rest_task = None
        try:
            flt = self.current_filter()
        except Exception as exc:  # reported in the status bar, never raised into Qt
            self.failed.emit(exc)
            return
        generation = self.generation
        page = replace(flt, limit=self.page_size) if self.page_size else flt
        self.latest.request(
            lambda session, progress: search_job(page, session, progress),
            lambda result: self._page_done(generation, flt, result),
            self._failed,
        )

    def stop(self) -> None:
        self.debounce.stop()
        self.rest_timer.stop()
        self.generation += 1

    @property
    def busy(self) -> bool:
        return self.debounce.isActive() or self.rest_timer.isActive() or self.runner.busy

    def _page_done(
        self, generation: int, flt: CenterFilter, result: SearchAnswer
    ) -> None:
        if generation != self.generation:
            return
        self._keep(result)
        complete = not self.page_size or len(result.rows) < self.page_size
        self.resultsReady.emit(flt, result.rows, result.total, complete)
        if not complete:
            self._rest_for = (generation, flt)
            self.rest_timer.start()

    def _load_rest(self) -> None:
        if self._rest_for is None or self._rest_for[0] != self.generation:
            return
        generation, flt = self._rest_for
        self._rest_for = None

        def done(result: SearchAnswer) -> None:
            if generation == self.generation:
                self._rest_task = None
                self._keep(result)
                self.resultsReady.emit(flt, result.rows, result.total, True)

        self._rest_task = self.runner.submit(
            lambda session, progress: search_job(flt, session, progress),
            on_success=done,
            on_failure=lambda exc: self._failed(exc) if generation == self.generation else None,
        )

    def _keep(self, result: SearchAnswer) -> None:
        """The answer's counts and suggestions, for the status bar and the relax links."""
        self.unlocated_left_out = result.unlocated_left_out
        self.relaxed = result.relaxed
        self.registry_warning = result.registry_warning

    def _failed(self, exc: Exception) -> None:
        self.failed.emit(exc)

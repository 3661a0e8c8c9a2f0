"""What the window's action groups may use of the window: one small typed contract.

`center_actions.CenterActions` (edit, shortlist, compare, checks) and `file_actions.FileActions`
(import, export, referral sheet) are given a `WindowHost`, not the `MainWindow` class, so neither
imports `main_window` and the window is free to change everything not listed here. `MainWindow`
satisfies the protocol structurally; a test builds the window and checks it does.

The action groups reach each other only through the host too (`refresh_shortlist`,
`shortlist_ids`, `referral_sheet`), which keeps the three modules free of import cycles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QAction, QKeySequence, QUndoStack
    from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

    from directory_app.core.search.shapes import CenterFilter
    from directory_app.core.storage.engine import Store

    from .center_table import CenterTableModel, CenterTableView
    from .detail_view import DetailView
    from .filter_panel import FilterPanel
    from .tasks import TaskRunner


@runtime_checkable
class WindowHost(Protocol):
    """The window as its action groups see it."""

    store: Store | None
    settings: QSettings
    runner: TaskRunner
    undo_stack: QUndoStack
    table: CenterTableView
    model: CenterTableModel
    detail: DetailView
    filters: FilterPanel
    last_filter: CenterFilter | None
    select_next: int | None  # a center to select once the search lists it

    @property
    def results_complete(self) -> bool:
        """False while the rest of a broad search is still loading."""
        ...

    @property
    def main_window(self) -> QMainWindow:
        """The window as a widget: the parent of dialogs and the home of docks."""
        ...

    def add_action(
        self, menu: QMenu, text: str, slot: Callable[[], object],
        shortcuts: Sequence[QKeySequence | QKeySequence.StandardKey | str] = (),
        tip: str = "", widget: QWidget | None = None,
    ) -> QAction: ...

    def hint(self, text: str, ms: int = 6000) -> None:
        """A passing message in the status bar."""
        ...

    def keep_open(self, dialog: QWidget) -> None:
        """Open a dialog without blocking, keeping it alive until it closes."""
        ...

    def show_message(self, title: str, text: str, details: str = "",
                     warning: bool = False) -> QMessageBox: ...

    def run_long(self, title: str, fn: Callable[..., Any],
                 on_success: Callable[[Any], object]) -> None: ...

    def refresh(self) -> None:
        """Search again and reload the details (the directory changed)."""
        ...

    def refresh_shortlist(self) -> None: ...

    def shortlist_ids(self) -> list[int]: ...

    def referral_sheet(self, ids: list[int]) -> None: ...

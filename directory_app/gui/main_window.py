"""The main window: filters on the left, results (table and map) in the middle, details on the
right, and the menus and shortcuts that tie them together.

The window owns the user's actions; the work is elsewhere. A search is a `CenterFilter` from the
panel run through `core.search` (inline while it is measured fast, in a worker otherwise — see
`tasks.LatestOnly`); the table, map and status bar only show the rows that come back. Editing,
the shortlist and comparison live in `center_actions.CenterActions`, and import, export and the
referral sheet in `file_actions`, so this module stays about layout and the search loop. Those
two see the window only through `window_host.WindowHost` (the methods in "host" below), never
import this module, and reach each other through the window.

Start-up is kept lean: the window can be built and painted before any database exists
(`MainWindow(None)`; nothing here imports SQLAlchemy at module level), the Store is attached
after the first paint (`attach_store`), the first search runs from a zero-timer after that, and
the map is built the first time its tab is opened.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.storage.failures import failure_text

from . import file_actions, window_memory
from .app_icon import app_icon
from .center_actions import CenterActions
from .center_table import CenterTableModel, CenterTableView, Column
from .detail_view import DetailView, load_detail
from .filter_panel import FilterPanel
from .filter_summary import FilterChips, active_filters
from .patient_panel import PatientPanel
from .saved_searches import DeleteSavedSearch, SavedSearches, SavedSearchMenu
from .search_loop import SearchLoop
from .status_line import StatusLine
from .tasks import TaskRunner, run_with_progress
from .trials_view import TrialsView, load_trials
from .wheel_guard import install_wheel_guard

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from directory_app.core.search.shapes import CenterFilter, ResultRow
    from directory_app.core.storage.engine import Store

    from .map_view import MapView

APP_TITLE = "Stem Cell Center Directory"
SETTINGS_GEOMETRY = "window/geometry"
SETTINGS_STATE = "window/state"
SETTINGS_SPLITTER = "window/splitter"


def status_text(
    shown: int,
    total: int,
    flt: CenterFilter,
    panel: FilterPanel,
    complete: bool = True,
    left_out: int = 0,
) -> str:
    """'37 of 412 centers · within 150 mi of Cleveland, OH · 21 without a known location not
    shown': a radius means located within, so the unlocated are counted, never listed."""
    more = "" if complete else "+"
    text = f"{shown:,}{more} of {total:,} center{'s' * (total != 1)}"
    place = panel.place
    if place is not None and flt.origin is not None:
        if flt.radius_km:
            text += f" · within {panel.radius_spin.value():,.0f} {panel.unit} of {place.label}"
        else:
            text += f" · distances from {place.label}"
        if left_out:
            text += f" · {left_out:,} without a known location not shown"
    elif panel.place_error:
        text += " · place not found, distance ignored"
    return text if complete else text + " · loading the rest…"


TRIALS_TAB = 2  # Results, Map, Trials
PATIENT_TAB = 3  # ... and Patient: who can take this patient?
DETAIL_WIDTH = 330  # the detail pane's width when it first opens
DETAIL_MIN_WIDTH = 200


class MainWindow(QMainWindow):
    """The app's one main window; shows a directory once a Store is attached."""

    resultsShown = Signal(int)  # number of rows now in the table (tests and the bench wait on it)

    def __init__(self, store: Store | None, settings: QSettings | None = None) -> None:
        super().__init__()
        install_wheel_guard()  # the wheel scrolls the filter panel, never changes a filter
        self.store: Store | None = None
        self.settings = settings if settings is not None else QSettings()
        self.saved = SavedSearches(self.settings)
        self.runner = TaskRunner(None, self)
        self.search_loop = SearchLoop(self.runner, self.filters_filter, self)
        self.undo_stack = QUndoStack(self)
        self.last_filter: CenterFilter | None = None
        self.total_centers = 0
        self.map_view: MapView | None = None
        self._map_dirty = False
        self._warmed = False
        self._shown_once = False
        self._complete = True
        self.select_next: int | None = None  # a center to select once it is listed (new ones)
        self._dialogs: list[QWidget] = []  # non-modal dialogs kept alive while open
        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(app_icon())
        self.resize(1280, 800)
        self._build_widgets()
        self.center_actions = CenterActions(self)
        self._build_menus()
        self._restore()
        self.search_loop.resultsReady.connect(self._show_results)
        self.search_loop.failed.connect(self._search_failed)
        self.filters.changed.connect(self.search_loop.schedule)
        if store is not None:
            self.attach_store(store)

    def attach_store(self, store: Store) -> None:
        """Show this directory: the first search runs as soon as the event loop is free."""
        self.store = store
        self.runner.store = store
        self.patient_panel.store = store
        self._show_read_only(store.read_only)
        self.status_label.setText("Searching the directory…")
        self.refresh_shortlist()
        QTimer.singleShot(0, self.run_search)

    def _show_read_only(self, read_only: bool) -> None:
        """A directory in a read-only place: say so above the results and in the status bar,
        and turn off every action that would write (they would only fail)."""
        self.read_only_banner.setVisible(read_only)
        self.read_only_badge.setVisible(read_only)
        self.center_actions.set_read_only(read_only)
        self.file_actions.set_read_only(read_only)
        title = f"{APP_TITLE} (read-only)" if read_only else APP_TITLE
        self.setWindowTitle(title)

    # ------------------------------------------------------------------------ layout
    def _build_widgets(self) -> None:
        self.filters = FilterPanel()
        self.filters.unitChanged.connect(self._unit_changed)
        scroll = QScrollArea()
        scroll.setWidget(self.filters)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.filters.sizeHint().width() + 20)
        scroll.setMaximumWidth(520)
        scroll.setAccessibleName("Search filters")
        self._filters_scroll = scroll  # folded while the Patient tab, which has its own, is open
        self.model = CenterTableModel(self)
        self.table = CenterTableView(self.model)
        self.table.centerSelected.connect(self._on_selected)
        self.table.doubleClicked.connect(lambda _index: self._edit_selected())
        self.tabs = QTabWidget()
        self.tabs.setMinimumWidth(260)
        self.tabs.setAccessibleName("Results views")
        results = QWidget()
        box = QVBoxLayout(results)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        self.chips = FilterChips()  # what narrows the results, wherever it was set
        self.chips.removeRequested.connect(self._remove_filter)
        self.chips.resetRequested.connect(self.reset_filters)
        self.filters.changed.connect(self._show_chips)
        box.addWidget(self.chips)
        self.read_only_banner = QLabel(
            "<b>Read-only:</b> this directory's file is in a place the app cannot write to. "
            "Searching, comparing and exporting work; editing, the shortlist and imports are "
            "turned off. To make changes, copy the file to a writable folder and open the copy.")
        self.read_only_banner.setAccessibleName("Read-only directory")
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setContentsMargins(8, 6, 8, 6)
        self.read_only_banner.setStyleSheet("background: #e8eef7; color: #1f3a5f;")
        self.read_only_banner.hide()
        box.addWidget(self.read_only_banner)
        self.relax_label = QLabel()  # an empty or tiny result explains itself (relax links)
        self.relax_label.setAccessibleName("Why so few results")
        self.relax_label.setWordWrap(True)
        self.relax_label.setTextFormat(Qt.TextFormat.RichText)
        self.relax_label.setContentsMargins(8, 6, 8, 6)
        self.relax_label.setStyleSheet("background: #fff4ce; color: #5c3c00;")
        self.relax_label.linkActivated.connect(self._relax)
        self.relax_label.hide()
        box.addWidget(self.relax_label)
        box.addWidget(self.table, 1)
        self.tabs.addTab(results, "&Results")
        self._map_page = QWidget()
        QVBoxLayout(self._map_page).setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self._map_page, "&Map")
        self.trials_view = TrialsView()  # the search's trials and their known sites
        self.trials_view.centerActivated.connect(self._show_center_of_trial)
        self.tabs.addTab(self.trials_view, "Tr&ials")  # Alt+T is the Tools menu
        self._trials_dirty = True
        self.patient_panel = PatientPanel()  # a profile in, centers and trial sites out
        self.patient_panel.centerActivated.connect(self._show_center_of_trial)
        self.tabs.addTab(self.patient_panel, "&Patient")
        self.tabs.currentChanged.connect(self._on_tab)
        self.detail = DetailView()
        self.detail.setMinimumWidth(DETAIL_MIN_WIDTH)
        self._detail_width = DETAIL_WIDTH
        self._filters_width = 0  # the filter panel's width before it was last folded away
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(True)  # filters and details may be folded away
        for widget in (scroll, self.tabs, self.detail):
            self.splitter.addWidget(widget)
        self.splitter.setCollapsible(1, False)  # never the results
        # Extra width goes to the results; the filters and the details keep a readable width.
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([300, 980, 0])  # the details open on the first selection
        self.setCentralWidget(self.splitter)
        self.status_label = StatusLine("Opening the directory…")
        self.status_label.setAccessibleName("Result count")
        self.statusBar().addWidget(self.status_label, 1)
        self.read_only_badge = QLabel("Read-only")
        self.read_only_badge.setAccessibleName("Read-only directory")
        self.read_only_badge.setStyleSheet("color: #1f3a5f; font-weight: bold; padding: 0 6px;")
        self.read_only_badge.hide()
        self.statusBar().addPermanentWidget(self.read_only_badge)

    def add_action(
        self, menu: QMenu, text: str, slot: Callable[[], object],
        shortcuts: Sequence[QKeySequence | QKeySequence.StandardKey | str] = (),
        tip: str = "", widget: QWidget | None = None,
    ) -> QAction:
        """A menu action with shortcuts; with `widget`, its shortcut works only inside it."""
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        if widget is not None:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            widget.addAction(action)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.file_actions = file_actions.install(self, file_menu)  # import, export, referral
        file_menu.addSeparator()
        self.add_action(file_menu, "&Quit", self.close, [QKeySequence.StandardKey.Quit])
        edit_menu = bar.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcuts([QKeySequence("Ctrl+Z")])
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit_menu.addActions([undo, redo])
        edit_menu.addSeparator()
        self.center_actions.add_to_menu(edit_menu)
        go = bar.addMenu("&Go")
        self.add_action(go, "Find in &text", self.focus_text, ["Ctrl+F"])
        self.add_action(go, "&Place", self.focus_place, ["Ctrl+L"])
        self.add_action(go, "&Next result", lambda: self.table.step(1), ["F3", "Ctrl+Down"])
        self.add_action(go, "P&revious result", lambda: self.table.step(-1),
                        ["Shift+F3", "Ctrl+Up"])
        self.add_action(go, "Reset &filters", self.reset_filters, ["Ctrl+Shift+R"],
                        tip="Clear every filter and show the whole directory")
        self.filters_action = self.add_action(
            go, "Show filter &panel", lambda: self.show_filter_panel(
                not self.filter_panel_shown()), ["Ctrl+Shift+F"],
            tip="Hide the filters to give the results their width; the line above the "
                "results still names every active filter")  # fmt: skip
        self.filters_action.setCheckable(True)
        self.filters_action.setChecked(self.filter_panel_shown())
        self.splitter.splitterMoved.connect(
            lambda *_: self.filters_action.setChecked(self.filter_panel_shown()))
        self.add_action(go, "Show &map", lambda: self.tabs.setCurrentIndex(1), ["Ctrl+M"])
        self.add_action(go, "Show results &table", lambda: self.tabs.setCurrentIndex(0),
                        ["Ctrl+T"])
        self.add_action(go, "Show tr&ials and their sites",
                        lambda: self.tabs.setCurrentIndex(TRIALS_TAB), ["Ctrl+Shift+T"])
        self.add_action(go, "&Who can take this patient?",
                        lambda: self.tabs.setCurrentIndex(PATIENT_TAB), ["Ctrl+Shift+P"])
        self.searches_menu = SavedSearchMenu(
            self.saved, self.run_saved_search, self.save_search_as, self,
            delete=self.delete_saved_search, rename=self.rename_saved_search)
        bar.addMenu(self.searches_menu)
        tools = bar.addMenu("&Tools")
        self.add_action(tools, "&Check database…", self.center_actions.check_database,
                        tip="Look for damaged or impossible records")
        self.add_action(tools, "Check a c&linic…", self.check_clinic, ["Ctrl+Shift+K"],
                        tip="Look a clinic up in the FDA letters and the directory; warning signs")
        self.add_action(tools, "Find &duplicate centers…", self.center_actions.find_duplicates,
                        tip="Centers of one city that seem to be one institution, to merge")
        help_menu = bar.addMenu("&Help")
        self.add_action(help_menu, "&About", self.show_about)

    # ------------------------------------------------------------------------ search
    @property
    def results_complete(self) -> bool:
        """False while the rest of a broad search is still loading after its first page."""
        return self._complete

    def reset_filters(self) -> None:
        self.filters.reset()

    def _show_chips(self) -> None:
        self.chips.show_filters(active_filters(self.filters.state(), self.filters.defaults))

    def _remove_filter(self, key: str, cleared: object) -> None:
        """A chip's ✕: set that one state entry back, keeping every other filter."""
        state = self.filters.state()
        state[key] = cleared
        self.filters.set_state(state)

    def filters_filter(self) -> CenterFilter:
        return self.filters.filter()

    def run_search(self) -> None:
        """Run the panel's filter now (edits run it ~150 ms after the last keystroke)."""
        if self.store is not None:
            self.search_loop.run_now()

    def _show_results(
        self, flt: CenterFilter, rows: Sequence[ResultRow], total: int, complete: bool
    ) -> None:
        more_of_same = flt == self.last_filter and not self._complete
        self.last_filter, self.total_centers, self._complete = flt, total, complete
        self.table.setColumnHidden(Column.DISTANCE, flt.origin is None)
        self.table.show_rows(rows, more_of_same=more_of_same)
        if self.select_next is not None and self.table.select_center(self.select_next):
            self.select_next = None
        elif self.select_next is not None and complete:  # saved, but filtered out
            self.select_next = None
            self.hint("Saved — not shown by the current filters (Ctrl+Shift+R resets them).",
                      10000)
        if self.table.current_center_id() is None:
            self._fold_detail(True)
        text = status_text(len(rows), total, flt, self.filters, complete,
                           self.search_loop.unlocated_left_out)  # fmt: skip
        stale = sum(1 for r in rows if getattr(r, "status_stale", False))
        if stale:
            text += (f" · {stale:,} with trial statuses from registry records over 12 months "
                     "old: check the registry")  # fmt: skip
        if self.search_loop.registry_warning:
            text += f" · {self.search_loop.registry_warning}"
        self.status_label.setText(text)
        self._show_relax(len(rows), self.search_loop.relaxed if complete else [])
        self._map_dirty = True
        if self.tabs.currentIndex() == 1:
            QTimer.singleShot(0, self._update_map)
        if not more_of_same:
            self._trials_dirty = True
            if self.tabs.currentIndex() == TRIALS_TAB:
                QTimer.singleShot(0, self._update_trials)
        self.resultsShown.emit(len(rows))
        if not self._warmed:
            self._warmed = True
            QTimer.singleShot(250, self._warm_places)

    def _show_relax(self, shown: int, relaxed: Sequence[Any]) -> None:
        """'No centers match. Without 'HSCT (autologous)': 12 · within 600 mi: 3', each a
        link that relaxes that one criterion in the filter panel."""
        if not relaxed:
            self.relax_label.hide()
            return
        head = "No centers match." if shown == 0 else f"Only {shown} match."
        links = " · ".join(
            f"<a href='{i}'>{html.escape(r.label)}: {r.count:,}</a>" if r.count
            else f"{html.escape(r.label)}: 0"
            for i, r in enumerate(relaxed)
        )  # fmt: skip
        self.relax_label.setText(f"<b>{head}</b> Centers matching with one criterion relaxed: "
                                 f"{links}")  # fmt: skip
        self.relax_label.show()

    def _relax(self, href: str) -> None:
        relaxed = self.search_loop.relaxed
        if href.isdigit() and int(href) < len(relaxed):
            r = relaxed[int(href)]
            self.filters.relax(r.field, r.value)

    def _warm_places(self) -> None:
        """Read the gazetteer in a worker now, so the first letter typed in the place box does
        not wait ~1 s for it on the GUI thread."""
        # In the function: the gazetteer module is only needed after the first results.
        from directory_app.core.geo import places as geo

        self.runner.submit(lambda _p: geo.complete_place("a", limit=1), with_session=False,
                           on_failure=lambda _exc: None)
        self.mark_empty_options()

    def mark_empty_options(self) -> None:
        """Mark filter options that match no center in this directory, off the GUI thread."""

        def count(session: Any, _progress: Any) -> Any:
            # In the worker: the counts load the search (SQLAlchemy) after the first paint.
            from directory_app.core.search.relax import option_counts

            return option_counts(session)

        if self.store is not None:
            self.runner.submit(count, on_success=self.filters.mark_empty_options,
                               on_failure=lambda _exc: None)  # fmt: skip

    def _search_failed(self, exc: Exception) -> None:
        self.status_label.setText(f"Search not run: {exc}")

    def refresh(self) -> None:
        """Re-run the current search and reload the detail pane (after an edit or import)."""
        self.run_search()
        self._on_selected(self.table.current_center_id())

    def _unit_changed(self, unit: str) -> None:
        self.model.set_unit(unit)

    def focus_text(self) -> None:
        self.show_filter_panel(True)
        self.filters.text_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.text_edit.selectAll()

    def focus_place(self) -> None:
        self.show_filter_panel(True)
        self.filters.place_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.place_edit.selectAll()

    def filter_panel_shown(self) -> bool:
        return self.splitter.sizes()[0] > 0

    def show_filter_panel(self, show: bool) -> None:
        """Fold the filter panel away (its width goes to the results) or bring it back at the
        width it had; at 1024 px that is the room of two more result columns."""
        sizes = self.splitter.sizes()
        if show and sizes[0] == 0:
            width = self._filters_width or self.splitter.widget(0).minimumWidth()
            self.splitter.setSizes([width, max(0, sizes[1] - width), sizes[2]])
        elif not show and sizes[0] > 0:
            self._filters_width = sizes[0]
            self.splitter.setSizes([0, sizes[1] + sizes[0], sizes[2]])
        self.filters_action.setChecked(self.filter_panel_shown())

    # ------------------------------------------------------------------- selection
    def _fold_detail(self, fold: bool) -> None:
        """The detail pane takes no width while nothing is selected (at 1024×768 its 330 px
        were most of the results' room) and comes back at its last width on a selection."""
        sizes = self.splitter.sizes()
        if fold and sizes[2] > 0:
            self._detail_width = sizes[2]
            self.splitter.setSizes([sizes[0], sizes[1] + sizes[2], 0])
        elif not fold and sizes[2] == 0:
            room = sizes[1] + sizes[2]  # what the results and the details share
            width = min(self._detail_width, max(DETAIL_MIN_WIDTH, int(room / 2.5)))
            self.splitter.setSizes([sizes[0], max(0, sizes[1] - width), width])

    def _on_selected(self, center_id: int | None) -> None:
        self._fold_detail(center_id is None)
        if center_id is None or self.store is None:
            self.detail.clear_center()
        else:
            with self.store.session() as s:
                data = load_detail(s, center_id)
            index = self.model.row_of(center_id)
            row = None if index is None else self.model.row_at(index)
            if data is not None and row is not None:  # why it matched the search shown
                data["search_match"] = {"matched": row.matched, "unknown": row.unknown}
            self.detail.set_center(data)
        if self.map_view is not None:
            self.map_view.select_center(center_id)

    def _edit_selected(self) -> None:
        self.center_actions.edit_center()

    # -------------------------------------------------------------------------- map
    def _on_tab(self, index: int) -> None:
        self._filters_scroll.setVisible(index != PATIENT_TAB)
        if index == 1:
            self._ensure_map()
            self._update_map()
        elif index == TRIALS_TAB:
            self._update_trials()

    # ----------------------------------------------------------------------- trials
    def _update_trials(self) -> None:
        """Fill the Trials tab for the search shown (only while the tab is open)."""
        flt = self.last_filter
        if self.store is None or flt is None or not self._trials_dirty:
            return
        self._trials_dirty = False
        with self.store.session() as s:
            rows = load_trials(s, flt)
        where = ""
        place = self.filters.place
        if place is not None and flt.origin is not None:
            where = (f" with a known site within {self.filters.radius_spin.value():,.0f} "
                     f"{self.filters.unit} of {place.label}" if flt.radius_km else
                     f", nearest site to {place.label} first")  # fmt: skip
        self.trials_view.show_trials(rows, flt.units, where)

    def _show_center_of_trial(self, center_id: int) -> None:
        """A trial site's center chosen in the Trials tab: show it in Results, if listed."""
        if self.table.select_center(center_id):
            self.tabs.setCurrentIndex(0)
        else:
            self.hint("That center is not among the current results (Ctrl+Shift+R resets "
                      "the filters).", 8000)  # fmt: skip

    def _ensure_map(self) -> None:
        if self.map_view is not None:
            return
        from .map_view import MapView  # in the function: built when its tab is first opened

        self.map_view = MapView()
        self.map_view.centerClicked.connect(self.table.select_center)
        layout = self._map_page.layout()
        assert layout is not None
        layout.addWidget(self.map_view)
        self._map_dirty = True

    def _update_map(self) -> None:
        if self.map_view is None or not self._map_dirty:
            return
        from directory_app.core.geo.map_geometry import Pin  # loaded with the map, see above

        self._map_dirty = False
        self.map_view.set_pins([
            Pin(r.id, r.latitude, r.longitude, r.kind, bool(r.recruiting), r.name)
            for r in self.model.rows if r.latitude is not None and r.longitude is not None
        ])
        flt = self.last_filter
        if flt is not None and flt.origin is not None:
            self.map_view.set_origin(flt.origin[0], flt.origin[1], flt.radius_km)
        else:
            self.map_view.clear_origin()
        self.map_view.fit_to_pins()
        self.map_view.select_center(self.table.current_center_id())

    # -------------------------------------------------------------- saved searches
    def save_search_as(self, name: str | None = None) -> None:
        """Save the current filters under a name (asks for one, without blocking, if none)."""
        if name is None:
            from PySide6.QtWidgets import QInputDialog  # in the function: rarely needed

            dialog = QInputDialog(self)
            dialog.setWindowTitle("Save search")
            dialog.setLabelText("Name for this search:")
            dialog.textValueSelected.connect(self.save_search_as)
            self.keep_open(dialog)
            return
        try:
            saved = self.saved.save(name, self.filters.state())
        except ValueError as exc:
            self.statusBar().showMessage(str(exc), 5000)
            return
        self.searches_menu.rebuild()
        self.statusBar().showMessage(f"Saved search “{saved}”.", 5000)

    def delete_saved_search(self, name: str) -> None:
        """Delete at once, undoably: Ctrl+Z brings the search back (no question asked)."""
        self.undo_stack.push(DeleteSavedSearch(self.saved, name, self.searches_menu.rebuild))
        self.hint(f"Deleted saved search “{name}”. Ctrl+Z brings it back.")

    def rename_saved_search(self, name: str, new_name: str | None = None) -> None:
        """Rename a saved search (asks for the new name, without blocking, if none)."""
        if new_name is None:
            from PySide6.QtWidgets import QInputDialog  # in the function: rarely needed

            dialog = QInputDialog(self)
            dialog.setWindowTitle("Rename saved search")
            dialog.setLabelText(f"New name for “{name}”:")
            dialog.setTextValue(name)
            dialog.textValueSelected.connect(lambda text: self.rename_saved_search(name, text))
            self.keep_open(dialog)
            return
        try:
            renamed = self.saved.rename(name, new_name)
        except ValueError as exc:
            self.hint(str(exc), 5000)
            return
        self.searches_menu.rebuild()
        self.hint(f"Renamed saved search “{name}” to “{renamed}”.", 5000)

    def run_saved_search(self, name: str) -> None:
        state = self.saved.get(name)
        if state is None:
            self.statusBar().showMessage(f"No saved search named “{name}”.", 5000)
            return
        self.filters.set_state(state)
        self.run_search()

    # ----------------------------------------------------------------- long work
    def run_long(self, title: str, fn: Callable[..., Any],
                 on_success: Callable[[Any], object]) -> None:
        """Run core work behind a cancellable progress dialog; errors become a message box."""
        run_with_progress(
            self.runner, self, title, fn, on_success=on_success,
            on_failure=lambda exc: self.show_message(title, f"{title} failed: {failure_text(exc)}",
                                                     warning=True),
            on_cancel=lambda: self.statusBar().showMessage(f"{title}: cancelled.", 5000),
        )

    # ---------------------------------------------------- host (see window_host)
    @property
    def main_window(self) -> QMainWindow:
        return self

    def hint(self, text: str, ms: int = 6000) -> None:
        self.statusBar().showMessage(text, ms)

    def refresh_shortlist(self) -> None:
        self.center_actions.refresh_shortlist()

    def shortlist_ids(self) -> list[int]:
        return self.center_actions.shortlist_ids()

    def referral_sheet(self, ids: list[int]) -> None:
        self.file_actions.referral_sheet(ids)

    def keep_open(self, dialog: QWidget) -> None:
        """Open a dialog without blocking, keeping a reference until it closes."""
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _r=0: self._dialogs.remove(dialog)  # type: ignore[attr-defined]
                                if dialog in self._dialogs else None)
        dialog.open()  # type: ignore[attr-defined]

    def show_message(self, title: str, text: str, details: str = "",
                     warning: bool = False) -> QMessageBox:
        """A non-blocking message box (imported here: it is slow to load and rarely needed)."""
        from PySide6.QtWidgets import QMessageBox

        icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        if details:
            box.setDetailedText(details)
        self.keep_open(box)
        return box

    def check_clinic(self) -> None:
        """Tools → Check a clinic…; a directory center chosen in it is shown in Results."""
        from .clinic_dialog import ClinicCheckDialog  # in the function: it loads SQLAlchemy

        dialog = ClinicCheckDialog(self.store, self)
        dialog.centerChosen.connect(self._show_center_of_trial)
        self.keep_open(dialog)

    def show_about(self) -> None:
        # In the function: SQLAlchemy-backed reads, needed only when About is opened.
        from directory_app.core.search.staleness import registry_age
        from directory_app.core.storage.opening import counts
        from directory_app.core.storage.seed import seed_meta

        from .about import AboutDialog

        if self.store is not None:
            meta = dict(seed_meta(self.store))
            with self.store.session() as s:
                age = registry_age(s)
            if age is not None:
                meta["registry_age"] = age.as_json()
            self.keep_open(AboutDialog(meta, counts(self.store), self))

    # --------------------------------------------------------------- persistence
    def _restore(self) -> None:
        first_start = self.settings.value(SETTINGS_GEOMETRY) is None
        if first_start:
            window_memory.place_first_start(self)
        for key, restore in ((SETTINGS_GEOMETRY, self.restoreGeometry),
                             (SETTINGS_STATE, self.restoreState),
                             (SETTINGS_SPLITTER, self.splitter.restoreState)):
            value = self.settings.value(key)
            if value is not None:
                restore(value)
        window_memory.restore_columns(self.settings, self.table)
        self.filters_action.setChecked(self.filter_panel_shown())  # folded when last closed?
        self.placement = window_memory.Placement(self, first_start)
        last = self.saved.last()
        if last:
            self.filters.set_state(last)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:  # the frame is known only now: keep it, status bar included,
            self._shown_once = True  # on the screen
            self.placement.refit_soon()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue(SETTINGS_GEOMETRY, self.saveGeometry())
        self.settings.setValue(SETTINGS_STATE, self.saveState())
        self.settings.setValue(SETTINGS_SPLITTER, self.splitter.saveState())
        window_memory.save_columns(self.settings, self.table)
        self.saved.set_last(self.filters.state())
        self.settings.sync()
        self.search_loop.stop()
        self.runner.shutdown()
        super().closeEvent(event)

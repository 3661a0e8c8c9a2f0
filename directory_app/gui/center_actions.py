"""The window's actions on centers: edit, new, delete (all undoable), shortlist and compare,
plus the long directory jobs (export the results, check the database) run behind a progress
dialog.

Kept apart from `main_window` so the window module stays about layout and the search loop.
Every write goes through an undo command (`gui.undo`), which owns its transaction and reports a
refused change (an edit conflict, a validation error) as a message — never an exception into Qt.
The actions see the window only as a `window_host.WindowHost`. The undo commands, dialogs,
shortlist panel and core modules are imported inside the methods that use them: this module
loads before the window's first paint, and they pull in SQLAlchemy or build large widgets.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu

from directory_app.core.storage.failures import failure_text

from .undo_versions import VersionLedger

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from directory_app.core.storage.engine import Store

    from .shortlist_panel import ShortlistPanel
    from .tasks import Progress
    from .window_host import WindowHost

EXPORT_CHUNK = 250


def export_job(ids: list[int], path: str, session: Session, progress: Progress) -> int:
    """Write the given centers (and their trials) as one exchange document; cancellable
    between chunks, and the file appears only once complete."""
    # In the function: SQLAlchemy is not loaded before the first paint.
    from directory_app.core.exchange.directory_form import dump_directory

    centers: list[dict[str, Any]] = []
    trials: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), EXPORT_CHUNK):
        progress.report(start, len(ids), f"Reading centers {start + 1:,} of {len(ids):,}")
        part = dump_directory(session, ids=ids[start:start + EXPORT_CHUNK])
        centers += part["centers"]
        trials.update((t["nct_id"], t) for t in part["trials"])
    progress.check()
    doc = dump_directory(session, ids=[]) | {
        "centers": sorted(centers, key=lambda c: c["uid"]),
        "trials": [trials[k] for k in sorted(trials)],
    }
    target = Path(path)
    partial_file = target.with_name(target.name + ".part")
    partial_file.write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False),
                            encoding="utf-8")
    partial_file.replace(target)
    return len(centers)


#: The shortlist dock's height when it first opens under the results: about five rows.
DOCK_HEIGHT = 140


class CenterActions:
    """Edit / New / Delete / Shortlist / Compare, wired to the window through `WindowHost`."""

    def __init__(self, window: WindowHost) -> None:
        self.window = window
        self.shortlist_panel: ShortlistPanel | None = None
        self.shortlist_dock: QDockWidget | None = None
        self._menu: QMenu | None = None
        #: Shared by every undo command of the window: which versions its history wrote.
        self.versions = VersionLedger()

    @property
    def store(self) -> Store:
        """The open directory; the actions below run only once one is attached."""
        assert self.window.store is not None, "no directory is open yet"
        return self.window.store

    def add_to_menu(self, menu: QMenu) -> None:
        w = self.window
        self.edit_action = w.add_action(menu, "&Edit center…", self.edit_center, ["Ctrl+E"])
        self.new_action = w.add_action(menu, "&New center…", self.new_center, ["Ctrl+N"])
        # Delete only while the results table has focus: in a text box it must delete text.
        self.delete_action = w.add_action(menu, "&Delete center", self.delete_center,
                                          ["Delete"], widget=w.table)
        self.split_action = w.add_action(
            menu, "S&plit off a registered name…", self.split_center,
            tip="Make one of the center's other registered names a center of its own")
        self.merge_action = w.add_action(
            menu, "&Merge into another center…", self.merge_center,
            tip="The selected center and another of its city are one institution: make them one")
        menu.addSeparator()
        self.shortlist_action = w.add_action(menu, "Add to &shortlist", self.add_to_shortlist,
                                             ["Ctrl+D"])
        self.compare_action = w.add_action(menu, "&Compare shortlisted centers…",
                                           self.compare_shortlist, ["Ctrl+K"])
        self._menu = menu

    # ------------------------------------------------------- shared plumbing
    def _hint(self, text: str) -> None:
        self.window.hint(text, 6000)

    def _selected(self, verb: str) -> int | None:
        center_id = self.window.table.current_center_id()
        if center_id is None:
            self._hint(f"Select a center to {verb} first.")
        return center_id

    def _load(self, center_id: int) -> dict[str, Any] | None:
        # In the function: SQLAlchemy is not loaded before the first paint.
        from directory_app.core.directory.editing import CenterNotFound, load_center

        try:
            with self.store.session() as s:
                return load_center(s, center_id)
        except CenterNotFound:
            self._hint("That center is no longer in the directory.")
            return None

    def _changed(self, center_id: int) -> None:
        """After a saved (or undone) change: refresh the results, details and shortlist."""
        self.window.refresh()
        self.refresh_shortlist()

    def _refused(self, message: str) -> None:
        self.window.show_message("Change not saved", message, warning=True)

    def _ready(self) -> bool:
        return self.window.store is not None

    @property
    def editable(self) -> bool:
        """False on a read-only database: nothing here may write (edits, the shortlist)."""
        return self.window.store is not None and not self.window.store.read_only

    def set_read_only(self, read_only: bool) -> None:
        """Turn the actions that write off (or back on); Compare only reads."""
        for action in (self.edit_action, self.new_action, self.delete_action,
                       self.split_action, self.merge_action, self.shortlist_action):
            action.setEnabled(not read_only)

    # ----------------------------------------------------------------- editing
    def edit_center(self) -> None:
        if self._ready() and not self.editable:  # a double-click still lands here
            self._hint("This directory is read-only: centers cannot be edited.")
            return
        center_id = self._selected("edit")
        if center_id is None or not self._ready():
            return
        before = self._load(center_id)
        if before is None:
            return
        # In the function (here and below): the dialog and undo commands load SQLAlchemy.
        from .edit_dialog import CenterEditDialog
        from .undo import EditCenterCommand

        dialog = CenterEditDialog(before, self.window.main_window)

        def save() -> None:
            command = EditCenterCommand(
                self.store, before, dialog.result_data(), self._changed, self._refused,
                versions=self.versions, verified=dialog.verified_sections())
            self.window.select_next = center_id  # kept selected, or said to be filtered out
            self.window.undo_stack.push(command)
            if command.error is not None:
                self.window.select_next = None

        dialog.accepted.connect(save)
        self.window.keep_open(dialog)

    def new_center(self) -> None:
        if not self._ready():
            return
        # In the function, as in edit_center: the dialog and undo commands load SQLAlchemy.
        from .edit_dialog import CenterEditDialog
        from .undo import AddCenterCommand

        dialog = CenterEditDialog(None, self.window.main_window)

        def add() -> None:
            command = AddCenterCommand(
                self.store, dialog.result_data(), self._changed, self._refused,
                versions=self.versions, verified=dialog.verified_sections())
            self.window.select_next = None
            self.window.undo_stack.push(command)
            if command.center_id is not None and not self.window.table.select_center(
                    command.center_id):
                self.window.select_next = command.center_id  # when the search lists it

        dialog.accepted.connect(add)
        self.window.keep_open(dialog)

    def delete_center(self) -> None:
        center_id = self._selected("delete")
        if center_id is None or not self._ready():
            return
        data = self._load(center_id)
        if data is None:
            return
        # In the function, as in edit_center: the undo commands load SQLAlchemy.
        from .undo import DeleteCenterCommand

        self.window.undo_stack.push(DeleteCenterCommand(
            self.store, center_id, data.get("version"), self._changed, self._refused,
            name=data.get("name"), versions=self.versions))
        self._hint(f"Deleted “{data.get('name')}”. Ctrl+Z brings it back.")

    def split_center(self) -> None:
        """Undo one merge: split one of the selected center's other registered names off."""
        if self._ready() and not self.editable:
            self._hint("This directory is read-only: centers cannot be split.")
            return
        center_id = self._selected("split")
        if center_id is None or not self._ready():
            return
        before = self._load(center_id)
        if before is None:
            return
        if not before.get("aliases"):
            self._hint(f"“{before.get('name')}” has no other registered names to split off.")
            return
        # In the function, as in edit_center: the dialog and undo commands load SQLAlchemy.
        from .split_dialog import SplitDialog
        from .undo import SplitCenterCommand

        dialog = SplitDialog(before, self.window.main_window)

        def split() -> None:
            alias = dialog.chosen_alias()
            if alias is None:
                return
            command = SplitCenterCommand(self.store, before, alias, self._changed,
                                         self._refused, versions=self.versions)
            self.window.select_next = center_id
            self.window.undo_stack.push(command)
            if command.error is None:
                self._hint(f"“{alias}” is now a center of its own. Ctrl+Z merges it back.")
            else:
                self.window.select_next = None

        dialog.accepted.connect(split)
        self.window.keep_open(dialog)

    def find_duplicates(self) -> None:
        """Tools → Find duplicate centers…: the build's merge rules over this directory, run in
        a worker; the dialog merges a pair only when the person says so (undoable)."""
        if self.window.store is None:
            return
        # In the function: the suggestions and the dialog load SQLAlchemy and the rules.
        from directory_app.core.importing.merge_center import Suggestion, suggest_merges

        from .duplicates_dialog import DuplicatesDialog

        def run(s: Any, _progress: Any) -> list[Suggestion]:
            return suggest_merges(s)

        def merge(suggestion: Suggestion) -> bool:
            if not self.editable:
                self._hint("This directory is read-only: centers cannot be merged.")
                return False
            return self._merge(suggestion.duplicate_id, suggestion.into_id)

        def show(found: list[Suggestion]) -> None:
            self.window.keep_open(DuplicatesDialog(found, merge, self.window.main_window))

        self.window.run_long("Finding duplicate centers", run, show)

    def _merge(self, duplicate_id: int, kept_id: int) -> bool:
        """Push the undoable merge of `duplicate_id` into `kept_id`; True if it was saved."""
        # In the function, as in edit_center: the undo commands load SQLAlchemy.
        from .undo import MergeCenterCommand

        duplicate, kept = self._load(duplicate_id), self._load(kept_id)
        if duplicate is None or kept is None:
            return False
        command = MergeCenterCommand(self.store, duplicate, kept, self._changed, self._refused,
                                     versions=self.versions)
        self.window.select_next = kept_id
        self.window.undo_stack.push(command)
        if command.error is not None:
            self.window.select_next = None
            return False
        self._hint(f"“{duplicate.get('name')}” is now another name of “{kept.get('name')}”. "
                   "Ctrl+Z brings it back.")
        return True

    def merge_center(self) -> None:
        """Fold the selected center (a duplicate) into another center of its city."""
        if self._ready() and not self.editable:
            self._hint("This directory is read-only: centers cannot be merged.")
            return
        center_id = self._selected("merge")
        if center_id is None or not self._ready():
            return
        duplicate = self._load(center_id)
        if duplicate is None:
            return
        # In the function, as in edit_center: the dialog and undo commands load SQLAlchemy.
        from directory_app.core.importing.merge_center import merge_candidates

        from .merge_dialog import MergeDialog

        with self.store.session() as s:
            candidates = merge_candidates(s, center_id)
        if not candidates:
            self._hint(f"No other center in {duplicate.get('city') or 'its city'} to merge "
                       f"“{duplicate.get('name')}” into.")
            return
        dialog = MergeDialog(duplicate, candidates, self.window.main_window)

        def merge() -> None:
            kept_id = dialog.chosen_id()
            if kept_id is not None:
                self._merge(center_id, kept_id)

        dialog.accepted.connect(merge)
        self.window.keep_open(dialog)

    # --------------------------------------------------------- shortlist, compare
    def ensure_dock(self) -> None:
        """Build the shortlist dock once a directory is open (after the first paint: it is
        hidden at start, so it need not slow the first frame)."""
        if self.shortlist_dock is not None:
            return
        from .shortlist_panel import ShortlistPanel  # in the function: built after first paint

        host = self.window.main_window
        panel = ShortlistPanel(host)
        panel.centerActivated.connect(self._activate)
        panel.compareRequested.connect(self.compare)
        panel.referralSheetRequested.connect(self._referral_sheet)
        panel.shortlistChanged.connect(self.save_shortlist)
        dock = QDockWidget("Shortlist", host)
        dock.setObjectName("shortlist-dock")
        dock.setWidget(panel)
        dock.setAllowedAreas(Qt.DockWidgetArea.RightDockWidgetArea
                             | Qt.DockWidgetArea.BottomDockWidgetArea)
        if not host.restoreDockWidget(dock):  # placed as the user left it last time
            host.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
            dock.hide()  # until a center is first shortlisted

            def first_shown(visible: bool) -> None:
                """A hidden dock takes no size, and shown it would take the list's default
                192 px: give it five rows once, when it first appears."""
                if visible:
                    dock.visibilityChanged.disconnect(first_shown)
                    QTimer.singleShot(0, lambda: host.resizeDocks(
                        [dock], [DOCK_HEIGHT], Qt.Orientation.Vertical))

            dock.visibilityChanged.connect(first_shown)
        toggle = dock.toggleViewAction()  # hides the panel to give the results its room
        toggle.setText("Show s&hortlist panel")
        toggle.setShortcut(QKeySequence("Ctrl+Shift+D"))  # beside Ctrl+D, add to shortlist
        toggle.setToolTip("Show or hide the shortlist panel (Ctrl+Shift+D)")
        if self._menu is not None:
            self._menu.addAction(toggle)
        self.shortlist_panel, self.shortlist_dock = panel, dock

    def shortlist_ids(self) -> list[int]:
        if self.window.store is None:
            return []
        # In the function (here and below): SQLAlchemy is not loaded before the first paint.
        from directory_app.core.directory.shortlist import get_shortlist

        with self.store.session() as s:
            return list(get_shortlist(s))

    def refresh_shortlist(self) -> None:
        self.ensure_dock()
        if self.shortlist_panel is None or not self.window.store:
            return
        # In the function (here and below): the shortlist's reads load SQLAlchemy, which the
        # window's first paint does without.
        from directory_app.core.directory.shortlist import get_shortlist
        from directory_app.core.exchange.directory_form import load_centers

        with self.store.session() as s:
            ids = list(get_shortlist(s))
            by_id = {c.id: c for c in load_centers(s, ids)}
        items = []
        for cid in ids:
            c = by_id.get(cid)
            if c is not None:
                place = ", ".join(p for p in (c.city, c.region) if p)
                items.append((cid, f"{c.name} ({place})" if place else c.name))
        self.shortlist_panel.set_items(items)

    def add_to_shortlist(self) -> None:
        center_id = self._selected("shortlist")
        if center_id is None or not self._ready():
            return
        # As in refresh_shortlist: loads SQLAlchemy.
        from directory_app.core.directory.shortlist import add

        if not self._write_shortlist("Not added to the shortlist", lambda s: add(s, center_id)):
            return
        self.refresh_shortlist()
        if self.shortlist_dock is not None:
            self.shortlist_dock.show()
        self._hint("Added to the shortlist (Ctrl+K compares shortlisted centers).")

    def save_shortlist(self, ids: list[int]) -> None:
        """The person reordered or removed centers in the panel: store the new list."""
        if self.window.store is None:
            return
        # As in refresh_shortlist: loads SQLAlchemy.
        from directory_app.core.directory.shortlist import set_shortlist

        if not self._write_shortlist("Shortlist not saved", lambda s: set_shortlist(s, ids)):
            self.refresh_shortlist()  # the panel shows the list that is stored

    def _write_shortlist(self, what: str, write: Any) -> bool:
        """One shortlist write in its own transaction; a failure (a full disk, a read-only
        place) is a message box in one line, never an exception into Qt."""
        try:
            with self.store.session() as s:
                write(s)
        except Exception as exc:  # never into Qt: the window must outlive a failed write
            self._refused(f"{what}: {failure_text(exc)}")
            return False
        return True

    def compare_shortlist(self) -> None:
        self.compare(self.shortlist_ids())

    def compare(self, ids: list[int]) -> None:
        if not 2 <= len(ids) <= 4:
            self._hint("Shortlist 2 to 4 centers (Ctrl+D) to compare them side by side.")
            return
        from .compare_dialog import CompareDialog  # in the function: loaded on first use
        from .detail_view import load_detail

        # With their trial records, so each status shows the date of the record it is from.
        with self.store.session() as s:
            loaded = [load_detail(s, cid) for cid in ids]
        centers = [c for c in loaded if c is not None]
        if len(centers) < len(loaded):
            self._hint("A center on the shortlist is no longer in the directory.")

        flt = self.window.last_filter  # distances from the search's place, in its unit
        origin = flt.origin if flt is not None else None
        units = flt.units if flt is not None else "mi"
        self.window.keep_open(CompareDialog(centers, self.window.main_window, origin=origin,
                                            units=units))

    def _activate(self, center_id: int) -> None:
        if not self.window.table.select_center(center_id):
            from .detail_view import load_detail  # in the function: it loads SQLAlchemy

            with self.store.session() as s:
                self.window.detail.set_center(load_detail(s, center_id))

    def _referral_sheet(self, ids: list[int]) -> None:
        self.window.referral_sheet(ids)  # the same path as File → Referral sheet

    # ------------------------------------------------------------- long jobs
    def export_results(self, path: str | None = None) -> None:
        """Write the listed centers (every field) to a JSON file, in the background."""
        w = self.window
        if w.store is None:
            return
        if path is None:
            from PySide6.QtWidgets import QFileDialog  # in the function: slow to load

            path, _filter = QFileDialog.getSaveFileName(
                w.main_window, "Export results", "centers.json", "JSON (*.json)")
            if not path:
                return
        ids = [row.id for row in w.model.rows]
        w.run_long("Exporting centers", partial(export_job, ids, path),
                   lambda n: self._hint(f"Exported {n} centers to {path}."))

    def check_database(self) -> None:
        """Tools → Check database: the integrity rules, run in a worker, reported in a box."""
        if self.window.store is None:
            return
        # In the function: the checks and the report load SQLAlchemy.
        from directory_app.core.storage import integrity

        from .about import check_report

        def run(s: Any, _progress: Any) -> tuple[list[integrity.Problem], list[Any]]:
            problems = integrity.run_checks(s)
            damaged = any(p.rule == "integrity" for p in problems)
            return problems, [] if damaged else integrity.unlocated_centers(s)

        def report(found: tuple[list[integrity.Problem], list[Any]]) -> None:
            problems, unlocated = found
            summary, details = check_report(problems, unlocated=unlocated)
            self.window.show_message("Check database", summary, details)

        self.window.run_long("Checking the database", run, report)

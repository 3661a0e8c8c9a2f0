"""The File menu's directory jobs: import, undo the last import, export, and the referral sheet.

    window.file_actions = install(window, file_menu)

Each action asks what it must (a file, a format, a confirmation), then hands the work to a
worker through `tasks` behind a cancellable progress dialog; the worker opens its own session,
and the answer comes back to the GUI thread, which re-runs the search and says in the status bar
what changed. The import dialog, undo and directory export are `import_dialog`'s; this module
only wires them to the window, which it sees only as a `window_host.WindowHost`. The dialogs,
the report and core modules are imported inside the methods that use them, because this module
loads before the window's first paint and they pull in SQLAlchemy.

The referral sheet is written in a worker too: the shortlist is read in the worker's session,
and the PDF is laid out there with Qt's writer, one sheet at a time (`PDF_LOCK`) - two PDF
writers laid out at once in two threads can crash Qt. When the search has a place, distances on
the sheet are measured from it, in the unit the window shows.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from directory_app.core.registry import online_setting

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from sqlalchemy.orm import Session

    from directory_app.core.importing.report import ImportReport, UndoReport

    from ..report.referral_sheet import Origin
    from .import_dialog import ImportDialog
    from .tasks import Progress
    from .update_dialog import UpdateDialog
    from .window_host import WindowHost

SETTINGS_FOLDER = "files/last_folder"
PDF_FILTER = "PDF documents (*.pdf)"
IMPORT_HEIGHT = 660  # px: the import report (11-13 rows) without a scroll bar
SUFFIXES = {"csv": ".csv", "json": ".json", "hsds": ".json"}



def referral_job(
    ids: list[int], path: str, origin: Origin | None, units: str, page: str,
    session: Session, progress: Progress,
) -> int:
    """The background half of a referral sheet: read the centers, lay out, write the PDF."""
    # In the function: the sheet's module loads SQLAlchemy and Qt's PDF writer.
    from ..report.pages import PDF_LOCK
    from ..report.referral_sheet import load_shortlist, referral_html, write_pdf

    progress.report(0, 0, f"Reading {len(ids)} center{'s' * (len(ids) != 1)}")
    centers = load_shortlist(session, ids)
    progress.report(0, 0, "Laying out the pages")
    html = referral_html(centers, origin, units=units)
    with PDF_LOCK:
        progress.check()
        write_pdf(html, path, page=page)
    return len(centers)


def import_summary(report: ImportReport) -> str:
    """'Imported x.csv: 16 trials and 12 centers added, 1 trial and 0 centers updated.'"""
    def n(count: int, word: str) -> str:
        return f"{count:,} {word}{'s' * (count != 1)}"

    if report.nothing_changed:
        return (f"Nothing changed: the directory already holds {report.file}; "
                "no import was recorded.")
    return (
        f"Imported {report.file}: {n(report.trials_new, 'trial')} and "
        f"{n(report.centers_new, 'center')} added, {n(report.trials_updated, 'trial')} and "
        f"{n(report.centers_updated, 'center')} updated. File → Undo last import takes it back."
    )


def undo_summary(report: UndoReport) -> str:
    return (
        f"Undid the import of {Path(report.source_file).name}: removed "
        f"{report.trials_removed:,} trial(s) and {report.centers_removed:,} center(s), restored "
        f"{report.trials_restored + report.centers_restored:,} record(s)."
    )


def default_page() -> str:
    """Letter where people measure in inches, A4 everywhere else."""
    metric = QLocale().measurementSystem() == QLocale.MeasurementSystem.MetricSystem
    return "a4" if metric else "letter"


class FileActions:
    """Import / Undo last import / Export / Referral sheet, wired to the window through
    `WindowHost`."""

    def __init__(self, window: WindowHost) -> None:
        self.window = window
        self.import_dialog: ImportDialog | None = None
        self.update_dialog: UpdateDialog | None = None

    def add_to_menu(self, menu: QMenu) -> None:
        w = self.window
        self.import_action = w.add_action(
            menu, "&Import from ClinicalTrials.gov…", self.open_import, ["Ctrl+I"],
            tip="Check and import a registry download or a directory export")
        self.update_action = w.add_action(
            menu, "Up&date from ClinicalTrials.gov…", self.open_update,
            tip="Fetch current statuses and sites from the registry (when allowed), or get "
                "the download links to carry from another computer")
        self.online_action = w.add_action(
            menu, "Allow contacting clinicaltrials.gov", self.toggle_online,
            tip="Only to read public study records during an update; nothing else ever "
                "leaves this computer")
        self.online_action.setCheckable(True)
        menu.aboutToShow.connect(self._show_online_setting)
        self.undo_import_action = w.add_action(
            menu, "&Undo last import…", self.undo_import,
            tip="Take back the newest import; later edits are kept")
        menu.addSeparator()
        self.export_directory_action = w.add_action(
            menu, "&Export directory…", self.export_directory,
            tip="Save every center as CSV, JSON or Open Referral HSDS")
        self.export_results_action = w.add_action(
            menu, "Export &results…", self.export_results,
            tip="Save the centers the current search finds as CSV, JSON or HSDS")
        menu.addSeparator()
        self.referral_action = w.add_action(
            menu, "Referral &sheet for shortlist…", self.referral_sheet_for_shortlist,
            [QKeySequence("Ctrl+P")], tip="Save a printable PDF about the shortlisted centers")

    @property
    def actions(self) -> list[QAction]:
        return [self.import_action, self.update_action, self.online_action,
                self.undo_import_action,
                self.export_directory_action,
                self.export_results_action, self.referral_action]

    def set_read_only(self, read_only: bool) -> None:
        """Turn importing, updating and undoing an import off (or back on); exports only read."""
        for action in (self.import_action, self.update_action, self.undo_import_action):
            action.setEnabled(not read_only)

    # ------------------------------------------------------------------ plumbing
    def _hint(self, text: str, ms: int = 8000) -> None:
        self.window.hint(text, ms)

    def _open(self) -> bool:
        if self.window.store is None:
            self._hint("The directory is still opening; try again in a moment.")
            return False
        return True

    def _folder(self) -> Path:
        saved = self.window.settings.value(SETTINGS_FOLDER)
        folder = Path(str(saved)) if saved else Path.home()
        return folder if folder.is_dir() else Path.home()

    def _ask_save(self, title: str, name: str, filters: str) -> tuple[str, str] | None:
        """A file to write (remembering its folder for next time), and the filter chosen."""
        path, chosen = QFileDialog.getSaveFileName(
            self.window.main_window, title, str(self._folder() / name), filters)
        if not path:
            return None
        self.window.settings.setValue(SETTINGS_FOLDER, str(Path(path).parent))
        return path, chosen

    def _changed(self, message: str) -> None:
        """The directory changed under the window: search again, then say what happened."""
        self.window.refresh()
        self.window.refresh_shortlist()
        self._hint(message, 15000)

    # -------------------------------------------------------------------- import
    def open_import(self) -> None:
        """File → Import: the check-then-import dialog, non-blocking; one at a time."""
        if not self._open():
            return
        if self.import_dialog is not None:
            self.import_dialog.raise_()
            self.import_dialog.activateWindow()
            return
        from .import_dialog import ImportDialog  # in the function (and below): loads SQLAlchemy

        assert self.window.store is not None
        host = self.window.main_window
        dialog = ImportDialog(self.window.store, host)
        dialog.setAccessibleName("Import into the directory")
        # Tall enough that a usual report shows down to its Errors row without scrolling.
        room = host.screen().availableGeometry().height() - 60
        dialog.resize(dialog.width(), max(dialog.height(), min(IMPORT_HEIGHT, room)))
        dialog.imported.connect(lambda report: self._changed(import_summary(report)))
        dialog.finished.connect(lambda _result: self._import_closed(dialog))
        self.import_dialog = dialog
        self.window.keep_open(dialog)

    def _import_closed(self, dialog: ImportDialog) -> None:
        if self.import_dialog is dialog:
            self.import_dialog = None
        dialog.deleteLater()

    def open_update(self) -> None:
        """File → Update from ClinicalTrials.gov: the online setting, then the update or the
        hand-off links; non-blocking, one at a time."""
        if not self._open():
            return
        if self.update_dialog is not None:
            self.update_dialog.raise_()
            self.update_dialog.activateWindow()
            return
        from .update_dialog import UpdateDialog  # in the function: loads SQLAlchemy

        assert self.window.store is not None
        dialog = UpdateDialog(self.window.store, self.window.runner, self.window.main_window,
                              import_file=self.open_import, undo_import=self.undo_import)
        dialog.updated.connect(lambda result: self._changed(import_summary(result.report)))
        dialog.finished.connect(lambda _result: self._update_closed(dialog))
        self.update_dialog = dialog
        self.window.keep_open(dialog)

    def _show_online_setting(self) -> None:
        """The menu's tick says what the setting file says (the dialog may have changed it)."""
        self.online_action.setChecked(online_setting.is_online_allowed())

    def toggle_online(self) -> None:
        """File → Allow contacting clinicaltrials.gov: store the tick, say what it means."""
        allowed = self.online_action.isChecked()
        if self.update_dialog is not None:
            self.update_dialog.allow.setChecked(allowed)  # stores it and switches its page
        else:
            online_setting.set_online_allowed(allowed)
        self._hint(online_setting.EXPLANATION if allowed else
                   "The app will not contact clinicaltrials.gov; File → Update shows the "
                   "links to download on another computer.", 15000)

    def _update_closed(self, dialog: UpdateDialog) -> None:
        if self.update_dialog is dialog:
            self.update_dialog = None
        dialog.deleteLater()

    def undo_import(self) -> None:
        if not self._open():
            return
        # In the function (here and below): the import dialog's module loads SQLAlchemy.
        from .import_dialog import undo_last_import

        assert self.window.store is not None
        undo_last_import(self.window.store, self.window.main_window, runner=self.window.runner,
                         on_done=lambda report: self._changed(undo_summary(report)))

    # -------------------------------------------------------------------- export
    def _ask_export(self, title: str, name: str) -> tuple[str, str] | None:
        """(path, format) from one save dialog whose filters are the export formats."""
        # As in undo_import: loads SQLAlchemy.
        from .import_dialog import EXPORT_FILTERS

        answer = self._ask_save(title, name, ";;".join(EXPORT_FILTERS.values()))
        if answer is None:
            return None
        path, chosen = answer
        fmt = next((k for k, v in EXPORT_FILTERS.items() if v == chosen), None)
        fmt = fmt or ("json" if path.lower().endswith(".json") else "csv")
        if not Path(path).suffix:
            path += SUFFIXES[fmt]
        return path, fmt

    def _export(self, ids: list[int] | None, path: str, fmt: str) -> None:
        # As in undo_import: loads SQLAlchemy.
        from .import_dialog import export_directory

        assert self.window.store is not None

        def done(written: dict[str, int]) -> None:
            self._hint(f"Exported {written['centers']:,} center(s) and {written['trials']:,} "
                       f"trial(s) to {path}.", 15000)

        export_directory(self.window.store, self.window.main_window, ids, path=path, fmt=fmt,
                         on_done=done, runner=self.window.runner)

    def export_directory(self) -> None:
        """File → Export directory: every center, in the format the person picks."""
        if not self._open():
            return
        answer = self._ask_export("Export the directory", "directory.csv")
        if answer is not None:
            self._export(None, *answer)

    def export_results(self) -> None:
        """File → Export results: the centers the current search finds (all of them, also
        while the rest of a broad search is still loading)."""
        w = self.window
        if not self._open() or w.last_filter is None:
            return
        if w.results_complete and not w.model.rows:
            self._hint("No centers are listed; change the search to export some.")
            return
        answer = self._ask_export("Export results", "results.csv")
        if answer is None:
            return
        if w.results_complete:
            self._export([row.id for row in w.model.rows], *answer)
            return
        # In the function: the exporter loads SQLAlchemy, which the first paint does without.
        from directory_app.core.exchange.export import matching_ids

        flt = w.last_filter
        w.run_long("Finding the results", lambda session, _p: matching_ids(session, flt),
                   lambda ids: self._export(list(ids), *answer))

    # ----------------------------------------------------------- referral sheet
    def referral_sheet_for_shortlist(self) -> None:
        self.referral_sheet(self.window.shortlist_ids())

    def origin(self) -> Origin | None:
        """The search's place, when the current results are measured from one."""
        # In the function: the sheet's module loads SQLAlchemy and Qt's PDF writer.
        from ..report.referral_sheet import Origin

        flt, place = self.window.last_filter, self.window.filters.place
        if flt is None or flt.origin is None:
            return None
        lat, lon = flt.origin
        if place is not None and (place.latitude, place.longitude) == (lat, lon):
            return Origin(place.label, lat, lon)
        return Origin(f"{lat:.4f}, {lon:.4f}", lat, lon)

    def referral_sheet(self, ids: list[int]) -> None:
        """Ask where to save the sheet for these centers, write it in a worker, offer to open."""
        if not self._open():
            return
        if not ids:
            self._hint("Shortlist centers first (Ctrl+D), then make their referral sheet.")
            return
        answer = self._ask_save("Save referral sheet", "referral-sheet.pdf", PDF_FILTER)
        if answer is None:
            return
        path = answer[0] if Path(answer[0]).suffix else answer[0] + ".pdf"
        job = partial(referral_job, list(ids), path, self.origin(), self.window.filters.unit,
                      default_page())
        self.window.run_long("Writing the referral sheet", job,
                             lambda n: self._sheet_written(path, n))

    def _sheet_written(self, path: str, count: int) -> None:
        text = f"Saved the referral sheet for {count} center{'s' * (count != 1)} to {path}."
        self._hint(text, 15000)
        box = QMessageBox(QMessageBox.Icon.Information, "Referral sheet", text,
                          QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Close,
                          self.window.main_window)
        box.setInformativeText("Open it now to print it or attach it to a referral?")
        box.setDefaultButton(QMessageBox.StandardButton.Open)
        opener = box.button(QMessageBox.StandardButton.Open)
        opener.clicked.connect(lambda: self.open_file(path))
        self.window.keep_open(box)

    @staticmethod
    def open_file(path: str) -> bool:
        """Open a file the app wrote, in the person's own viewer (a file:// URL, nothing else)."""
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).resolve())))


def install(window: WindowHost, menu: QMenu) -> FileActions:
    """Put the File menu's import, export and referral actions on `menu` for `window`."""
    actions = FileActions(window)
    actions.add_to_menu(menu)
    return actions

"""File → Import, Export and Undo last import: the GUI over `core.importer` and `core.exporter`.

API for the main window (each takes the Store and a parent widget; nothing blocks the window):

    dialog = ImportDialog(store, parent)      # non-modal; dialog.open() or .show()
    dialog.imported.connect(window.refresh)   # emitted with the ImportReport after a real import
    undo_last_import(store, parent, on_done=window.refresh)   # asks first, then undoes
    export_directory(store, parent, ids=None)  # asks for a file; ids=None exports everything

How the dialog works, and why: the user picks a file (or a folder of API pages); "Check"
runs a dry run - the whole import in a transaction that is rolled back - so the table shows
exactly what would happen; "Import" is enabled only after a clean check of that same file and
options, and runs the real import. Both run off the GUI thread (`tasks.run_with_progress`,
cancellable: Cancel rolls the transaction back), the worker opens its own session through
`core.importer.run_import`, and results come back as an `ImportReport`, shown as a two-column
table plus the sites without a location, the edited values kept, and any error with its file,
row and field.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.storage.failures import failure_text

from .tasks import Progress, TaskRunner, run_with_progress

if TYPE_CHECKING:
    from directory_app.core.importing.report import ImportReport
    from directory_app.core.storage.engine import Store

FILE_FILTER = (
    "Registry downloads and directory exports (*.csv *.json *.zip);;"
    "ClinicalTrials.gov CSV (*.csv);;JSON (*.json);;Zip archives (*.zip);;All files (*)"
)
EXPORT_FILTERS = {
    "csv": "Directory CSV (*.csv)",
    "json": "Directory JSON (*.json)",
    "hsds": "Open Referral HSDS JSON (*.json)",
}


def import_job(
    store: Store, path: Path, dry_run: bool, all_conditions: bool, progress: Progress
) -> ImportReport:
    """The background half: runs in a worker thread, touches no widget."""
    # In the function (and in the jobs below): the importer loads SQLAlchemy and the
    # registry readers only when a file is imported, not when the dialog opens.
    from directory_app.core.importing.importer import run_import

    def report(done: int, message: str) -> None:
        progress.report(done, 0, message)  # raises Cancelled when the user cancelled

    return run_import(store, path, dry_run=dry_run, all_conditions=all_conditions, progress=report)


def details_text(report: ImportReport) -> str:
    """Errors, sites without a location and kept differences, as plain lines."""
    # As in import_job: only once a report is shown.
    from directory_app.core.importing.report import format_error

    lines = [f"Error: {format_error(e)} - nothing was imported." for e in report.errors]
    if report.unplaced:
        lines.append("Sites with location unknown (imported; place them by editing the center):")
        lines += [f"  {u.nct_id}  {u.facility}, {u.city}, {u.country}" for u in report.unplaced]
    if report.differences:
        lines.append("Kept because a person edited or verified them (directory | incoming):")
        lines += [
            f"  {d.center} - {d.field}: {d.directory!r} | {d.incoming!r} ({d.source})"
            for d in report.differences
        ]
    if report.backup:
        lines.append(f"Backup taken first: {report.backup}")
    return "\n".join(lines)


class ImportDialog(QDialog):
    """Pick a file, check it (dry run), import it; shows the report as a table."""

    imported = Signal(object)  # the ImportReport of a committed import
    reportShown = Signal(object)  # any report shown (dry run or real); tests wait on it

    def __init__(
        self, store: Store, parent: QWidget | None = None, runner: TaskRunner | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._own_runner = runner is None
        self.runner = runner or TaskRunner(store, self)
        self.path: Path | None = None
        self.report: ImportReport | None = None
        self._checked: tuple[Path, bool] | None = None  # what the last clean dry run covered
        self.setWindowTitle("Import into the directory")
        self.resize(640, 560)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Import a ClinicalTrials.gov download (classic or current CSV, API JSON, a zip or a "
            "folder of pages) or a directory export from this app. Check first: nothing is "
            "written until you press Import, and an import can be undone."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.path_label = QLabel("No file chosen")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.path_label, 1)
        self.file_button = QPushButton("Choose &file…")
        self.file_button.clicked.connect(self.choose_file)
        self.folder_button = QPushButton("Choose f&older…")
        self.folder_button.clicked.connect(self.choose_folder)
        row.addWidget(self.file_button)
        row.addWidget(self.folder_button)
        layout.addLayout(row)
        self.all_conditions = QCheckBox(
            "Keep studies of &all conditions (default: autoimmune and immune-mediated only)"
        )
        self.all_conditions.toggled.connect(self._options_changed)
        layout.addWidget(self.all_conditions)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Report", "Count"])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Import report")
        layout.addWidget(self.table, 2)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setPlaceholderText(
            "Sites without a location, values kept because a person edited them, and errors "
            "are listed here."
        )
        self.details.setAccessibleName("Import details")
        layout.addWidget(self.details, 1)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox()
        self.check_button = buttons.addButton(
            "&Check (dry run)", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.import_button = buttons.addButton("&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.check_button.clicked.connect(lambda: self.run(dry_run=True))
        self.import_button.clicked.connect(lambda: self.run(dry_run=False))
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self._update_buttons()

    # -- choosing ------------------------------------------------------------------------------
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a file to import", "", FILE_FILTER)
        if path:
            self.set_path(path)

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose a folder of API pages")
        if path:
            self.set_path(path)

    def set_path(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path_label.setText(str(self.path))
        self._checked = None
        self.status.setText("Press Check to see what the import would do.")
        self._update_buttons()

    def _options_changed(self) -> None:
        self._checked = None
        self._update_buttons()

    def _update_buttons(self, busy: bool = False) -> None:
        ready = self.path is not None and not busy
        self.check_button.setEnabled(ready)
        current = (self.path, self.all_conditions.isChecked()) if self.path else None
        self.import_button.setEnabled(ready and current is not None and current == self._checked)
        for widget in (self.file_button, self.folder_button, self.all_conditions):
            widget.setEnabled(not busy)

    # -- running -------------------------------------------------------------------------------
    def run(self, *, dry_run: bool) -> None:
        """Start a dry run or the real import in the background."""
        if self.path is None:
            return
        options = (self.path, self.all_conditions.isChecked())
        self._update_buttons(busy=True)
        self.status.setText("Checking…" if dry_run else "Importing…")
        job = partial(import_job, self.store, self.path, dry_run, options[1])
        run_with_progress(
            self.runner,
            self,
            "Checking the file" if dry_run else "Importing",
            job,
            with_session=False,
            on_success=lambda report: self._done(report, options),
            on_failure=self._failed,
            on_cancel=self._cancelled,
        )

    def _done(self, report: ImportReport, options: tuple[Path, bool]) -> None:
        self.show_report(report)
        if report.ok and report.dry_run:
            self._checked = options
            self.status.setText("Check passed. Press Import to make these changes.")
        elif report.ok:
            self._checked = None
            self.status.setText(
                f"Imported (batch {report.batch_id}). File → Undo last import takes it back."
            )
            self.imported.emit(report)
        else:
            self._checked = None
            self.status.setText("The file has a problem; nothing was written. See below.")
        self._update_buttons()

    def _failed(self, exc: Exception) -> None:
        """One line in the dialog and a message box (a full disk, a read-only place, a bug),
        never a traceback; the import changed nothing."""
        text = f"Import failed: {failure_text(exc)}"
        self.status.setText(text)
        self._update_buttons()
        QMessageBox.warning(self, "Import", text)

    def _cancelled(self) -> None:
        self.status.setText("Cancelled; nothing was written.")
        self._update_buttons()

    def show_report(self, report: ImportReport) -> None:
        """Fill the table and the details from a report."""
        self.report = report
        rows = report.rows()
        self.table.setRowCount(len(rows))
        for i, (label, value) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(label))
            count = QTableWidgetItem(value)
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(i, 1, count)
        self.table.resizeColumnToContents(1)
        self.details.setPlainText(details_text(report))
        self.reportShown.emit(report)

    def done(self, result: int) -> None:  # closing: stop our running job first
        if self._own_runner:
            self.runner.shutdown(2000)
        super().done(result)


# --- undo and export -------------------------------------------------------------------------

_KEEP: set[TaskRunner] = set()  # runners without a parent, kept alive until their job ends


def _runner(store: Store, parent: QWidget | None, runner: TaskRunner | None) -> TaskRunner:
    """The given runner, the parent window's, or a new one kept alive while it works."""
    found = runner or getattr(parent, "runner", None)
    if isinstance(found, TaskRunner) and found.store is store:
        return found
    made = TaskRunner(store, parent)
    if parent is None:
        _KEEP.add(made)
    return made


def _release(runner: TaskRunner) -> None:
    _KEEP.discard(runner)


def describe_last_import(store: Store) -> str | None:
    """ "<file> imported <when>: N trials added, ..." for the confirmation, or None if none."""
    # As in import_job: the importer loads only when asked.
    from directory_app.core.importing.importer import last_batch

    with store.session() as session:
        batch = last_batch(session)
        if batch is None:
            return None
        figures = (batch.summary or {}).get("report", {})
        when = batch.started_at.strftime("%Y-%m-%d %H:%M")
        name = Path(batch.source_file).name
        added = (
            f"{figures.get('trials_new', 0)} trial(s) and {figures.get('centers_new', 0)} "
            f"center(s) added, {figures.get('trials_updated', 0)} trial(s) and "
            f"{figures.get('centers_updated', 0)} center(s) updated"
        )
        return f"{name}, imported {when} (UTC): {added}."


def undo_last_import(
    store: Store,
    parent: QWidget | None,
    on_done: Callable[[Any], object] | None = None,
    runner: TaskRunner | None = None,
) -> bool:
    """Ask, then undo the newest import in the background. False if there was nothing to undo
    or the user declined. `on_done` gets the UndoReport."""
    description = describe_last_import(store)
    if description is None:
        QMessageBox.information(parent, "Undo last import", "There is no import to undo.")
        return False
    answer = QMessageBox.question(
        parent,
        "Undo last import",
        f"Undo the last import?\n\n{description}\n\nWhat it added is removed and what it "
        "changed is restored; anything edited since is kept.",
    )
    if answer != QMessageBox.StandardButton.Yes:
        return False
    # As in import_job: the importer loads only when asked.
    from directory_app.core.importing.importer import run_undo_last

    runner = _runner(store, parent, runner)

    def finished(report: Any) -> None:
        _release(runner)
        QMessageBox.information(parent, "Undo last import", report.text())
        if on_done is not None:
            on_done(report)

    run_with_progress(
        runner,
        parent,
        "Undoing the last import",
        lambda _progress: run_undo_last(store),
        with_session=False,
        on_success=finished,
        on_failure=lambda exc: (
            _release(runner),
            QMessageBox.warning(parent, "Undo last import", f"Undo failed: {failure_text(exc)}"),
        ),
    )
    return True


def export_directory(
    store: Store,
    parent: QWidget | None,
    ids: list[int] | None = None,
    *,
    path: str | None = None,
    fmt: str | None = None,
    on_done: Callable[[Any], object] | None = None,
    runner: TaskRunner | None = None,
) -> bool:
    """Ask for a file and format (unless given) and export in the background; `ids` limits the
    export to those centers. False if the user cancelled the file dialog."""
    if path is None:
        chosen, selected = QFileDialog.getSaveFileName(
            parent, "Export the directory", "directory.csv", ";;".join(EXPORT_FILTERS.values())
        )
        if not chosen:
            return False
        path = chosen
        fmt = fmt or next((k for k, v in EXPORT_FILTERS.items() if v == selected), None)
    fmt = fmt or ("json" if path.lower().endswith(".json") else "csv")
    # In the function: the exporter loads only for an export.
    from directory_app.core.exchange.export import export_to

    runner = _runner(store, parent, runner)
    target, kind = path, fmt

    def finished(written: Any) -> None:
        _release(runner)
        if on_done is not None:
            on_done(written)

    def failed(exc: Exception) -> None:
        _release(runner)
        QMessageBox.warning(parent, "Export", f"Export failed: {failure_text(exc)}")

    run_with_progress(
        runner,
        parent,
        "Exporting",
        lambda session, _p: export_to(session, kind, target, ids),
        on_success=finished,
        on_failure=failed,
    )
    return True

"""File → Update from ClinicalTrials.gov: the online setting, the update, or the hand-off.

    dialog = UpdateDialog(store, runner, parent, import_file=..., undo_import=...)
    dialog.updated.connect(window_changed)   # emitted with the UpdateResult after a real update

The dialog shows the one setting that lets the app go online ("Allow this app to contact
clinicaltrials.gov", off by default, saying that nothing else ever leaves the computer) and,
depending on it, one of two pages:
- allowed: "Update now" runs `core.importing.online_update.run_update` in a worker behind a
  cancellable progress dialog (`tasks.run_with_progress`); the download, its retries and the
  import all happen off the GUI thread, and Cancel stops at the next page, retry wait or chunk
  of studies. A cancelled or failed update changes nothing in the directory; the pages already
  downloaded stay in the cache so the next update resumes. The import's report is shown here,
  with "Undo last import" beside it;
- not allowed: the hand-off - three steps, the exact download links for the standing query and
  the refresh of every trial already in the directory (selectable, "Copy links", "Print…"), and
  "Import downloaded file…", which opens the ordinary import dialog. Nothing here opens a
  socket: the HTTP client is loaded only by a running update.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QTextDocument, QTextOption
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.registry import online_setting, standing_query

from .tasks import Progress, TaskRunner, run_with_progress

if TYPE_CHECKING:
    from directory_app.core.importing.online_update import UpdateResult
    from directory_app.core.registry.http_fetch import FetchPolicy
    from directory_app.core.storage.engine import Store

#: Longest single sleep between two cancel checks while a retry waits (seconds).
CANCEL_POLL = 0.1


def update_job(
    store: Store,
    api_base: str,
    policy: FetchPolicy | None,
    page_size: int,
    progress: Progress,
) -> UpdateResult:
    """The background half: download, then import; Cancelled from any progress point."""
    # In the worker: the import loads SQLAlchemy and the HTTP client's module is loaded
    # only for a download; the dialog opens without either.
    from directory_app.core.importing.online_update import run_update
    from directory_app.core.registry.http_fetch import FetchPolicy

    base = policy or FetchPolicy()

    def sleep(seconds: float) -> None:  # a retry wait that Cancel can cut short, and says so
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if seconds >= 1:
                progress.report(0, 0, f"The registry is busy; trying again in {left:.0f} s")
            else:
                progress.check()
            base.sleep(min(left, CANCEL_POLL))
        progress.check()

    return run_update(
        store,
        api_base=api_base,
        policy=replace(base, sleep=sleep),
        progress=lambda done, message: progress.report(done, 0, message),
        page_size=page_size,
    )


def failure_line(exc: Exception) -> str:
    """One line saying what went wrong, and that the directory did not change."""
    return f"The update did not finish: {exc}. The directory is unchanged."


class UpdateDialog(QDialog):
    """The online setting, then either the update or the offline hand-off."""

    updated = Signal(object)  # UpdateResult of a real update that imported

    def __init__(
        self,
        store: Store,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        import_file: Callable[[], object] | None = None,
        undo_import: Callable[[], object] | None = None,
        api_base: str = standing_query.DEFAULT_API_BASE,
        policy: FetchPolicy | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.runner = store, runner
        self.api_base, self.policy = api_base, policy
        self.page_size = standing_query.PAGE_SIZE
        self._import_file, self._undo_import = import_file, undo_import
        self.result_: UpdateResult | None = None
        self.setWindowTitle("Update from ClinicalTrials.gov")
        self.setAccessibleName("Update from ClinicalTrials.gov")

        self.allow = QCheckBox(online_setting.LABEL)
        self.allow.setChecked(online_setting.is_online_allowed())
        self.allow.toggled.connect(self._set_allowed)
        privacy = QLabel(online_setting.EXPLANATION)
        privacy.setWordWrap(True)
        privacy.setObjectName("privacy")

        self.pages = QStackedWidget()
        self.pages.addWidget(self._online_page())
        self.pages.addWidget(self._handoff_page())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.allow)
        layout.addWidget(privacy)
        layout.addWidget(self.pages, 1)
        layout.addWidget(buttons)
        self.resize(760, 520)
        self._show_page()

    # ---------------------------------------------------------------- pages
    def _online_page(self) -> QWidget:
        page = QWidget()
        intro = QLabel(
            "Fetches the directory's standing query (autoimmune conditions × MSC, HSCT, CAR-T "
            "and other cell therapies) and every trial already in the directory from the "
            "registry, then imports the complete download in one step. A cancelled or failed "
            "update changes nothing."
        )
        intro.setWordWrap(True)
        self.update_button = QPushButton("Update now")
        self.update_button.setDefault(True)
        self.update_button.clicked.connect(self.start_update)
        self.undo_button = QPushButton("Undo last import…")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(lambda: self._undo_import and self._undo_import())
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("updateStatus")
        self.report_view = QPlainTextEdit()
        self.report_view.setReadOnly(True)
        # The report is a plain-text table: columns line up only in a fixed-pitch font.
        self.report_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.report_view.setPlaceholderText("The import report appears here after an update.")
        self.report_view.setAccessibleName("Update report")
        row = QHBoxLayout()
        row.addWidget(self.update_button)
        row.addWidget(self.undo_button)
        row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.report_view, 1)
        return page

    def _handoff_page(self) -> QWidget:
        page = QWidget()
        head = QLabel(
            "<b>Contacting clinicaltrials.gov is off on this computer.</b> Tick the box above "
            "to allow it, or update by a file carried from a computer that may go online:"
        )
        head.setWordWrap(True)
        steps = QLabel(
            "".join(f"<p>{i}. {s}</p>" for i, s in enumerate(standing_query.HANDOFF_STEPS, 1))
        )
        steps.setWordWrap(True)
        self.links = QPlainTextEdit()
        self.links.setReadOnly(True)
        self.links.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.links.setAccessibleName("Download links")
        copy = QPushButton("Copy links")
        copy.clicked.connect(self.copy_links)
        printing = QPushButton("Print…")
        printing.clicked.connect(lambda: self.print_handoff())
        self.import_button = QPushButton("Import downloaded file…")
        self.import_button.clicked.connect(self._import_downloaded)
        row = QHBoxLayout()
        row.addWidget(copy)
        row.addWidget(printing)
        row.addStretch(1)
        row.addWidget(self.import_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(head)
        layout.addWidget(steps)
        layout.addWidget(QLabel("Links (one file per link):"))
        layout.addWidget(self.links, 1)
        layout.addLayout(row)
        return page

    def _show_page(self) -> None:
        allowed = online_setting.is_online_allowed()
        self.pages.setCurrentIndex(0 if allowed else 1)
        if not allowed:
            self.links.setPlainText("\n".join(self.handoff_urls()))

    def handoff_urls(self) -> list[str]:
        """The exact links for the standing query and the refresh of the known trials."""
        # As in update_job: the ORM loads only when the links are asked for.
        from directory_app.core.importing.online_update import known_nct_ids

        return standing_query.handoff_urls(known_nct_ids(self.store))

    # -------------------------------------------------------------- actions
    def _set_allowed(self, allowed: bool) -> None:
        online_setting.set_online_allowed(allowed)
        self._show_page()

    def copy_links(self) -> None:
        QGuiApplication.clipboard().setText(self.links.toPlainText() + "\n")
        self.status.setText("Links copied.")

    def handoff_document(self) -> QTextDocument:
        """The steps and links as a page to print and take to the connected computer."""
        doc = QTextDocument(self)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        doc.setDefaultTextOption(option)
        lines = ["Update the Stem Cell Center Directory from ClinicalTrials.gov", ""]
        lines += [f"{i}. {s}" for i, s in enumerate(standing_query.HANDOFF_STEPS, 1)]
        lines += ["", "Links (one file per link):", ""]
        for url in self.links.toPlainText().splitlines():
            lines += [url, ""]
        doc.setPlainText("\n".join(lines))
        return doc

    def print_handoff(self, printer: QPrinter | None = None) -> bool:
        """Print the hand-off page after the usual print dialog; False if it was declined."""
        printer = printer or QPrinter(QPrinter.PrinterMode.HighResolution)
        if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
            return False
        self.handoff_document().print_(printer)
        return True

    def _import_downloaded(self) -> None:
        if self._import_file is not None:
            self._import_file()

    def start_update(self) -> None:
        """Run the update in a worker behind a cancellable progress dialog."""
        self.update_button.setEnabled(False)
        self.allow.setEnabled(False)
        self.status.setText("Updating from the registry…")
        self.task, self.progress_dialog = run_with_progress(
            self.runner,
            self,
            "Updating from ClinicalTrials.gov",
            lambda progress: update_job(
                self.store, self.api_base, self.policy, self.page_size, progress
            ),
            with_session=False,
            on_success=self._done,
            on_failure=lambda exc: self._stopped(failure_line(exc)),
            on_cancel=lambda: self._stopped(
                "Update cancelled. The directory is unchanged; the pages downloaded so far "
                "are kept, so the next update resumes where this one stopped."
            ),
        )
        self.progress_dialog.setMinimumWidth(460)  # room for "request 2 of 3, page 4"

    def _stopped(self, message: str) -> None:
        self.update_button.setEnabled(True)
        self.allow.setEnabled(True)
        self.status.setText(message)

    def _done(self, result: Any) -> None:
        self.update_button.setEnabled(True)
        self.allow.setEnabled(True)
        report = result.report
        self.report_view.setPlainText(report.text())
        if not report.ok:
            # Only for a report that has errors.
            from directory_app.core.importing.report import format_error

            self.status.setText(failure_line(Exception(format_error(report.errors[0]))))
            return
        self.result_ = result
        self.status.setText(
            f"Fetched {result.pages} page(s) in {result.requests} request(s); "
            f"{report.trials_new:,} trial(s) added, {report.trials_updated:,} updated, "
            f"{report.sites_removed:,} site(s) no longer listed."
        )
        self.undo_button.setEnabled(self._undo_import is not None)
        self.updated.emit(result)

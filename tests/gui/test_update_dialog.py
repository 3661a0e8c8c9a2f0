"""File → Update from ClinicalTrials.gov, driven from the main window against a real HTTP
server on 127.0.0.1 that serves real records (tests/ctgov_server.py): the online setting, the
update off the GUI thread behind a cancellable progress dialog, its report and undo, and - with
the setting off - the hand-off links, which the loopback server answers with what the importer
accepts."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QMessageBox,
    QProgressDialog,
    QPushButton,
)
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Response

from directory_app.core.directory.models import ImportBatch, Trial
from directory_app.core.importing.importer import run_import
from directory_app.core.registry import online_setting, standing_query
from directory_app.core.registry.http_fetch import FetchPolicy
from directory_app.gui.main_window import MainWindow
from directory_app.gui.update_dialog import UpdateDialog
from tests.ctgov_server import FakeRegistry, real_studies

from .center_factory import small_directory

WAIT = 20000
STUDIES = 120


@pytest.fixture(autouse=True)
def private_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(online_setting.CONFIG_ENV, str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def window(qtbot, empty_store, tmp_path: Path) -> MainWindow:
    with empty_store.session() as s:
        small_directory(s)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(empty_store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    return window


def counts(store) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with store.session() as s:
        return (s.scalar(select(func.count()).select_from(Trial)) or 0,
                s.scalar(select(func.count()).select_from(ImportBatch)) or 0)  # fmt: skip


def open_update(window: MainWindow, server: HTTPServer, registry: FakeRegistry) -> UpdateDialog:
    """The dialog from the File menu, pointed at the loopback server, waits recorded not slept."""
    server.expect_request("/api/v2/studies").respond_with_handler(registry)
    window.file_actions.update_action.trigger()
    dialog = window.file_actions.update_dialog
    assert isinstance(dialog, UpdateDialog) and dialog.isVisible()
    dialog.api_base = server.url_for("/api/v2")
    dialog.policy = FetchPolicy(timeout=5, retries=1, backoff=0.01, min_interval=0)
    return dialog


def test_with_the_setting_off_the_dialog_hands_off_links_the_importer_accepts(
    qtbot, window, httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    registry = FakeRegistry(real_studies(STUDIES))
    dialog = open_update(window, httpserver, registry)
    assert not dialog.allow.isChecked() and dialog.pages.currentIndex() == 1
    assert "Nothing else ever leaves this computer" in dialog.findChild(
        type(dialog.status), "privacy").text()  # fmt: skip
    links = dialog.links.toPlainText().splitlines()
    from directory_app.core.importing.online_update import known_nct_ids

    known = known_nct_ids(window.store)
    assert known and links == standing_query.handoff_urls(known)  # standing query, then refresh
    assert len(links) == 2
    assert registry.log == []  # showing the links asked nothing of any server
    dialog.copy_links()
    assert QApplication.clipboard().text().splitlines() == links

    # The same links against the loopback server give a file the ordinary import takes.
    folder = tmp_path / "carried"
    folder.mkdir()
    for i, link in enumerate(links):
        local = link.replace(standing_query.DEFAULT_API_BASE, dialog.api_base)
        (folder / f"download-{i}.json").write_bytes(httpx.get(local).content)
    report = run_import(window.store, folder)
    assert report.ok and report.studies_read == STUDIES

    # Printable: the steps and every link, on paper (here a PDF).
    page = dialog.handoff_document().toPlainText()
    assert all(step in page for step in standing_query.HANDOFF_STEPS)
    assert all(link in page for link in links)
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "handoff.pdf"))
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    assert dialog.print_handoff(printer)
    assert (tmp_path / "handoff.pdf").read_bytes().startswith(b"%PDF")

    dialog.import_button.click()  # "Import downloaded file…" opens the import dialog
    assert window.file_actions.import_dialog is not None


def test_the_file_menu_toggle_is_the_same_setting_as_the_dialogs(qtbot, window):
    action = window.file_actions.online_action
    assert action.isCheckable() and "nothing else ever leaves" in action.statusTip()
    file_menu = window.menuBar().actions()[0].menu()
    file_menu.aboutToShow.emit()
    assert not action.isChecked()
    action.trigger()  # tick it
    assert online_setting.is_online_allowed()
    assert "Nothing else ever leaves this computer" in window.statusBar().currentMessage()

    window.file_actions.update_action.trigger()
    dialog = window.file_actions.update_dialog
    assert dialog.allow.isChecked() and dialog.pages.currentIndex() == 0
    action.trigger()  # untick it while the dialog is open: the dialog follows
    assert not online_setting.is_online_allowed()
    assert not dialog.allow.isChecked() and dialog.pages.currentIndex() == 1
    dialog.allow.setChecked(True)  # and the menu shows what the dialog set
    file_menu.aboutToShow.emit()
    assert action.isChecked()


def test_update_imports_shows_the_report_and_can_be_undone(
    qtbot, window, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
):
    registry = FakeRegistry(real_studies(STUDIES))
    dialog = open_update(window, httpserver, registry)
    dialog.allow.setChecked(True)
    assert online_setting.is_online_allowed() and dialog.pages.currentIndex() == 0
    before = counts(window.store)
    with qtbot.waitSignal(dialog.updated, timeout=WAIT) as blocker:
        dialog.update_button.click()
    report = blocker.args[0].report
    assert report.ok and report.trials_new > 0
    assert counts(window.store) == (before[0] + report.trials_new, before[1] + 1)
    assert "Import finished." in dialog.report_view.toPlainText()
    assert f"{report.trials_new:,} trial(s) added" in dialog.status.text()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Imported update"),
                    timeout=WAIT)  # fmt: skip
    assert dialog.undo_button.isEnabled()

    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)  # fmt: skip
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    dialog.undo_button.click()
    qtbot.waitUntil(lambda: counts(window.store)[0] == before[0], timeout=WAIT)


def test_a_failed_update_changes_nothing_and_says_so_in_one_line(
    qtbot, window, httpserver: HTTPServer
):
    registry = FakeRegistry(real_studies(STUDIES),
                            fault=lambda n, req: Response("oops", status=500))  # fmt: skip
    dialog = open_update(window, httpserver, registry)
    dialog.allow.setChecked(True)
    before = counts(window.store)
    dialog.update_button.click()
    qtbot.waitUntil(lambda: "did not finish" in dialog.status.text(), timeout=WAIT)
    assert "HTTP 500" in dialog.status.text() and "unchanged" in dialog.status.text()
    assert "\n" not in dialog.status.text()
    assert counts(window.store) == before
    assert dialog.update_button.isEnabled() and not dialog.undo_button.isEnabled()


def test_cancel_stops_a_waiting_update_and_changes_nothing(
    qtbot, window, httpserver: HTTPServer
):
    """The registry asks the app to come back in 60 s; Cancel does not wait that long."""
    asked = threading.Event()

    def busy(n: int, req):  # type: ignore[no-untyped-def]
        if n >= 2:
            asked.set()
            return Response("", status=429, headers={"Retry-After": "60"})
        return None

    registry = FakeRegistry(real_studies(STUDIES), fault=busy)
    dialog = open_update(window, httpserver, registry)
    dialog.allow.setChecked(True)
    dialog.policy = FetchPolicy(timeout=5, retries=3, backoff=0.01, min_interval=0)
    dialog.page_size = 50  # pages of 50: the second request is the one the registry refuses
    before = counts(window.store)
    dialog.update_button.click()
    qtbot.waitUntil(asked.is_set, timeout=WAIT)
    progress = dialog.progress_dialog
    assert isinstance(progress, QProgressDialog) and dialog.task.progress is not None
    qtbot.waitUntil(progress.isVisible, timeout=5000)  # the progress dialog a person sees
    [cancel] = progress.findChildren(QPushButton)
    assert cancel.text() == "Cancel"
    cancel.click()
    qtbot.waitUntil(lambda: "cancelled" in dialog.status.text(), timeout=5000)
    assert counts(window.store) == before
    assert len(registry.log) == 2  # stopped during the wait, not after 60 s and more tries
    assert dialog.update_button.isEnabled()

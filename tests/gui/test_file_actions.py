"""File → Import, Undo last import, Export and the referral sheet, driven from the main window
as a coordinator would: menu actions and shortcuts, real dialogs shown non-modally, file and
message dialogs answered by the test, the work done off the GUI thread on a real database."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox

from directory_app.gui.import_dialog import ImportDialog
from directory_app.gui.main_window import MainWindow
from tests.hsds_schema import hsds_errors

from .center_factory import small_directory

DATA = Path(__file__).parents[1] / "data" / "ctgov"
WAIT = 15000


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """A settings file in the test's folder; the user's settings are never read or written."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def ids(empty_store) -> dict[str, int]:
    with empty_store.session() as s:
        return small_directory(s)


@pytest.fixture
def window(qtbot, empty_store, settings, ids) -> MainWindow:
    window = MainWindow(empty_store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    return window


@pytest.fixture
def save_as(monkeypatch):
    """Answer the next save dialogs with these (path, filter) pairs; records what was asked."""
    answers: list[tuple[str, str]] = []
    asked: list[str] = []

    def get_save_file_name(_parent, title, *_args, **_kwargs):
        asked.append(title)
        return answers.pop(0) if answers else ("", "")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", get_save_file_name)
    return answers, asked


@pytest.fixture
def boxes(monkeypatch) -> list[QMessageBox]:
    """Non-blocking message boxes the window opens (never shown, never modal)."""
    opened: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: pytest.fail("modal dialog"))
    monkeypatch.setattr(QMessageBox, "open", lambda self: opened.append(self))
    return opened


def shown_names(window: MainWindow) -> list[str]:
    return [row.name for row in window.model.rows]


def import_through_the_menu(qtbot, window: MainWindow, path: Path) -> ImportDialog:
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    dialog = window.file_actions.import_dialog
    assert isinstance(dialog, ImportDialog) and dialog in window._dialogs
    dialog.set_path(path)
    with qtbot.waitSignal(dialog.reportShown, timeout=WAIT):
        dialog.check_button.click()
    with qtbot.waitSignal(dialog.imported, timeout=WAIT):
        dialog.import_button.click()
    return dialog


def test_file_menu_lists_the_directory_jobs_with_their_shortcuts(window):
    file_menu = window.menuBar().actions()[0].menu()
    entries = {a.text(): a.shortcut().toString() for a in file_menu.actions()
               if not a.isSeparator() and a.text() != "&Quit"}  # Quit's keys vary by platform
    assert entries == {
        "&Import from ClinicalTrials.gov…": "Ctrl+I",
        "Up&date from ClinicalTrials.gov…": "",
        "Allow contacting clinicaltrials.gov": "",
        "&Undo last import…": "",
        "&Export directory…": "",
        "Export &results…": "",
        "Referral &sheet for shortlist…": "Ctrl+P",
    }
    assert all(a.statusTip() for a in window.file_actions.actions)


def test_import_from_the_menu_lists_the_new_centers_and_says_what_changed(qtbot, window):
    assert len(shown_names(window)) == 5
    dialog = import_through_the_menu(qtbot, window, DATA / "classic-autoimmune.csv")
    qtbot.waitUntil(lambda: window.model.rowCount() > 5, timeout=WAIT)
    added = dialog.report.centers_new
    assert added > 0 and window.model.rowCount() == 5 + added
    message = window.statusBar().currentMessage()
    assert message.startswith("Imported classic-autoimmune.csv: 16 trials and ")
    assert "Undo last import" in message
    dialog.close()
    qtbot.waitUntil(lambda: window.file_actions.import_dialog is None, timeout=WAIT)
    assert dialog not in window._dialogs


def test_a_second_import_command_raises_the_open_dialog(qtbot, window):
    window.file_actions.open_import()
    first = window.file_actions.import_dialog
    window.file_actions.open_import()
    assert window.file_actions.import_dialog is first
    assert sum(isinstance(d, ImportDialog) for d in window._dialogs) == 1


def test_undo_last_import_asks_then_the_imported_centers_are_gone(
    qtbot, window, monkeypatch
):
    import_through_the_menu(qtbot, window, DATA / "classic-autoimmune.csv")
    qtbot.waitUntil(lambda: window.model.rowCount() > 5, timeout=WAIT)
    asked: list[str] = []
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text: (
        asked.append(text), QMessageBox.StandardButton.Yes)[1])
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    window.file_actions.undo_import_action.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 5, timeout=WAIT)
    assert "classic-autoimmune.csv" in asked[0]
    assert "removed 16 trial(s)" in told[0]
    assert window.statusBar().currentMessage().startswith(
        "Undid the import of classic-autoimmune.csv: removed 16 trial(s)")


def test_export_results_writes_the_centers_listed(qtbot, window, save_as, tmp_path):
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        qtbot.keyClicks(window.filters.text_edit, "Clinic")
    listed = sorted(shown_names(window))
    assert 0 < len(listed) < 5
    answers, asked = save_as
    answers.append((str(tmp_path / "results"), "Directory JSON (*.json)"))
    window.file_actions.export_results_action.trigger()
    target = tmp_path / "results.json"  # the suffix of the format chosen is added
    qtbot.waitUntil(target.exists, timeout=WAIT)
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert sorted(c["name"] for c in doc["centers"]) == listed
    assert asked == ["Export results"]
    qtbot.waitUntil(lambda: "Exported" in window.statusBar().currentMessage(), timeout=WAIT)


def test_export_results_while_the_rest_is_loading_writes_every_match(
    qtbot, window, save_as, tmp_path
):
    window.search_loop.page_size = 2
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.run_search()
    assert not window.results_complete and window.model.rowCount() == 2
    answers, _asked = save_as
    answers.append((str(tmp_path / "all.csv"), "Directory CSV (*.csv)"))
    window.file_actions.export_results()
    target = tmp_path / "all.csv"
    qtbot.waitUntil(target.exists, timeout=WAIT)
    with target.open(encoding="utf-8", newline="") as fh:
        records = [r for r in csv.DictReader(fh) if r["record"] == "center"]
    assert len(records) == 5 and "Akron Transplant Center" in {r["name"] for r in records}


def test_export_directory_writes_the_format_chosen(qtbot, window, save_as, tmp_path):
    answers, _asked = save_as
    answers.append((str(tmp_path / "everything"), "Open Referral HSDS JSON (*.json)"))
    window.file_actions.export_directory_action.trigger()
    target = tmp_path / "everything.json"
    qtbot.waitUntil(target.exists, timeout=WAIT)
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert exported["hsds_version"] == "3.0" and hsds_errors(exported) == []


def test_a_cancelled_save_dialog_writes_nothing(qtbot, window, save_as, tmp_path):
    _answers, asked = save_as
    window.file_actions.export_directory()
    window.file_actions.export_results()
    assert asked == ["Export the directory", "Export results"]
    assert list(tmp_path.glob("*.json")) == [] and list(tmp_path.glob("*.csv")) == []


def shortlist(qtbot, window: MainWindow, *centers: int) -> None:
    for center_id in centers:
        window.table.select_center(center_id)
        qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)


def test_referral_sheet_for_a_two_center_shortlist_is_a_pdf_offered_to_open(
    qtbot, window, ids, save_as, boxes, tmp_path, monkeypatch
):
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        qtbot.keyClicks(window.filters.place_edit, "Cleveland, OH")
    origin = window.file_actions.origin()
    assert origin is not None and origin.label == "Cleveland, OH"
    shortlist(qtbot, window, ids["akron"], ids["rochester"])
    answers, asked = save_as
    answers.append((str(tmp_path / "for-patient"), "PDF documents (*.pdf)"))
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(boxes), timeout=WAIT)
    pdf = tmp_path / "for-patient.pdf"
    assert asked == ["Save referral sheet"]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "referral sheet for 2 centers" in boxes[0].text()
    assert opened == []  # only when asked
    boxes[0].button(QMessageBox.StandardButton.Open).click()
    assert opened == [QUrl.fromLocalFile(str(pdf.resolve()))]
    assert opened[0].scheme() == "file"


def test_shortlist_panel_button_writes_the_sheet_the_same_way(
    qtbot, window, ids, save_as, boxes, tmp_path
):
    shortlist(qtbot, window, ids["akron"], ids["seattle"])
    answers, _asked = save_as
    answers.append((str(tmp_path / "sheet.pdf"), "PDF documents (*.pdf)"))
    panel = window.center_actions.shortlist_panel
    assert panel.sheet_button.isEnabled()
    panel.sheet_button.click()
    qtbot.waitUntil(lambda: bool(boxes), timeout=WAIT)
    assert (tmp_path / "sheet.pdf").read_bytes().startswith(b"%PDF")


def test_referral_sheet_without_a_shortlist_explains_and_asks_nothing(window, save_as):
    _answers, asked = save_as
    window.file_actions.referral_action.trigger()
    assert asked == []
    assert "Shortlist centers first" in window.statusBar().currentMessage()

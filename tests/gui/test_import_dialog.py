"""File → Import, Undo last import and Export, driven as a coordinator would: choose a file,
check it, import it, see the report, take it back - with the work off the GUI thread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import func, select

from directory_app.core.directory.models import Trial
from directory_app.gui.import_dialog import ImportDialog, export_directory, undo_last_import
from tests.hsds_schema import hsds_errors

DATA = Path(__file__).parents[1] / "data" / "ctgov"


def trials(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(Trial)) or 0


@pytest.fixture
def dialog(qtbot, empty_store) -> ImportDialog:
    dialog = ImportDialog(empty_store)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def table(dialog: ImportDialog) -> dict[str, str]:
    t = dialog.table
    return {t.item(r, 0).text(): t.item(r, 1).text() for r in range(t.rowCount())}


def test_check_then_import_shows_the_report_and_writes_only_on_import(qtbot, dialog, empty_store):
    assert not dialog.check_button.isEnabled() and not dialog.import_button.isEnabled()
    dialog.set_path(DATA / "v2-page.json")
    assert dialog.check_button.isEnabled() and not dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.reportShown, timeout=15000):
        dialog.check_button.click()
    shown = table(dialog)
    assert shown["Studies read"] == "17" and shown["Trials would be added"] == "16"
    assert shown["Errors"] == "0" and trials(empty_store) == 0
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=15000) as imported:
        dialog.import_button.click()
    assert imported.args[0].trials_new == 16 and trials(empty_store) == 16
    assert table(dialog)["Trials added"] == "16"
    assert "Undo last import" in dialog.status.text()
    assert not dialog.import_button.isEnabled()  # a second import needs a new check


def test_changing_the_options_after_a_check_asks_for_a_new_check(qtbot, dialog):
    dialog.set_path(DATA / "classic-autoimmune.csv")
    with qtbot.waitSignal(dialog.reportShown, timeout=15000):
        dialog.check_button.click()
    assert dialog.import_button.isEnabled()
    dialog.all_conditions.setChecked(True)
    assert not dialog.import_button.isEnabled()


def test_a_malformed_file_is_explained_and_cannot_be_imported(qtbot, dialog, empty_store):
    dialog.set_path(DATA / "classic-bad-date.csv")
    with qtbot.waitSignal(dialog.reportShown, timeout=15000):
        dialog.check_button.click()
    assert table(dialog)["Errors"] == "1"
    details = dialog.details.toPlainText()
    assert "classic-bad-date.csv, row 3, field 'Last Update Posted'" in details
    assert "nothing was imported" in details
    assert not dialog.import_button.isEnabled() and trials(empty_store) == 0


def test_choose_file_uses_the_file_dialog(qtbot, dialog, monkeypatch):
    chosen = str(DATA / "v2-list.json")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (chosen, ""))
    dialog.choose_file()
    assert dialog.path == Path(chosen) and dialog.path_label.text() == chosen


def test_undo_last_import_asks_then_takes_the_import_back(qtbot, dialog, empty_store, monkeypatch):
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    assert undo_last_import(empty_store, None) is False
    assert told == ["There is no import to undo."]
    dialog.set_path(DATA / "classic-autoimmune.csv")
    with qtbot.waitSignal(dialog.reportShown, timeout=15000):
        dialog.check_button.click()
    with qtbot.waitSignal(dialog.imported, timeout=15000):
        dialog.import_button.click()
    asked: list[str] = []

    def answer(_parent, _title, text):
        asked.append(text)
        return QMessageBox.StandardButton.No if len(asked) == 1 else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    assert undo_last_import(empty_store, dialog) is False and trials(empty_store) == 16
    assert "classic-autoimmune.csv" in asked[0] and "16 trial(s)" in asked[0]
    done: list[object] = []
    assert undo_last_import(empty_store, dialog, on_done=done.append) is True
    qtbot.waitUntil(lambda: bool(done), timeout=15000)
    assert trials(empty_store) == 0 and "removed 16 trial(s)" in told[-1]


def test_export_runs_in_the_background_and_writes_the_chosen_format(
    qtbot, empty_store, tmp_path, monkeypatch
):
    from directory_app.core.importing.importer import run_import

    run_import(empty_store, DATA / "v2-single-study.json")
    target = tmp_path / "chosen.json"
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *a, **k: (str(target), "Open Referral HSDS JSON (*.json)"),
    )
    done: list[object] = []
    assert export_directory(empty_store, None, on_done=done.append) is True
    qtbot.waitUntil(lambda: bool(done), timeout=15000)
    assert done == [{"centers": 1, "trials": 1}]
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert exported["hsds_version"] == "3.0" and hsds_errors(exported) == []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    assert export_directory(empty_store, None) is False

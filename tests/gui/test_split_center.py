"""Edit → Split off a registered name…: the dialog, the undoable command, the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication
from sqlalchemy import delete, update

from directory_app.core.directory.models import Center, CenterAlias
from directory_app.gui.main_window import MainWindow
from directory_app.gui.split_dialog import SplitDialog
from directory_app.gui.undo import EditCenterCommand, SplitCenterCommand
from directory_app.gui.undo_versions import VersionLedger
from tests.alias_samples import MAIN, OTHER, comparable, merged_center, names, stored
from tests.editing_samples import Recorder

from .center_factory import shown_dialog


def test_split_is_undone_and_redone_through_the_stack(qtbot, empty_store):
    center_id = merged_center(empty_store)
    before = stored(empty_store, center_id)
    stack, window = QUndoStack(), Recorder()
    command = SplitCenterCommand(empty_store, before, OTHER, window.on_change, window.on_error)
    stack.push(command)
    assert window.errors == [] and names(empty_store) == sorted([MAIN, OTHER])
    assert command.text() == f"Split “{OTHER}” off “{MAIN}”"
    first_new = command.new_id
    assert stored(empty_store, first_new)["trials"][0]["nct_id"] == "NCT09900002"
    stack.undo()
    assert window.errors == [] and names(empty_store) == [MAIN]
    assert comparable(stored(empty_store, center_id)) == comparable(before)
    stack.redo()
    assert window.errors == [] and names(empty_store) == sorted([MAIN, OTHER])
    assert stored(empty_store, center_id).get("aliases", []) == []
    stack.undo()
    assert names(empty_store) == [MAIN] and window.changed == [center_id] * 4


def test_undo_steps_back_through_an_edit_of_the_split_off_center(qtbot, empty_store):
    center_id = merged_center(empty_store)
    before = stored(empty_store, center_id)
    stack, window, ledger = QUndoStack(), Recorder(), VersionLedger()
    split = SplitCenterCommand(empty_store, before, OTHER, window.on_change, window.on_error,
                               versions=ledger)
    stack.push(split)
    new = stored(empty_store, split.new_id)
    stack.push(EditCenterCommand(empty_store, new, {**new, "phone": "+1 216 555 0142"},
                                 window.on_change, window.on_error, versions=ledger))
    assert stored(empty_store, split.new_id)["phone"] == "+1 216 555 0142"
    stack.undo()
    stack.undo()
    assert window.errors == [] and names(empty_store) == [MAIN]
    first_id = split.new_id
    stack.redo()
    stack.redo()  # the edit applies to the center split off again, under the same id
    assert window.errors == [] and split.new_id == first_id
    assert stored(empty_store, first_id)["phone"] == "+1 216 555 0142"


def test_undo_after_a_save_elsewhere_is_refused_and_keeps_it(qtbot, empty_store):
    center_id = merged_center(empty_store)
    before = stored(empty_store, center_id)
    stack, window = QUndoStack(), Recorder()
    command = SplitCenterCommand(empty_store, before, OTHER, window.on_change, window.on_error)
    stack.push(command)
    with empty_store.session() as s:  # another coordinator saves the center split off
        s.execute(update(Center).where(Center.id == command.new_id)
                  .values(phone="+1 216 555 0199", version=Center.version + 1))
    stack.undo()
    assert window.errors and "changed elsewhere" in window.errors[0]
    assert names(empty_store) == sorted([MAIN, OTHER])
    assert stored(empty_store, command.new_id)["phone"] == "+1 216 555 0199"


def test_the_dialog_lists_each_other_name_with_its_source_and_trials(qtbot, empty_store):
    center_id = merged_center(empty_store)
    dialog = SplitDialog(stored(empty_store, center_id))
    qtbot.addWidget(dialog)
    assert dialog.names.count() == 1
    line = dialog.names.item(0).text()
    assert line.startswith(OTHER)
    assert "from ClinicalTrials.gov NCT09900002" in line and "trials: NCT09900002" in line
    assert dialog.chosen_alias() == OTHER and dialog.split_button.isEnabled()
    dialog.names.setCurrentRow(-1)
    assert dialog.chosen_alias() is None and not dialog.split_button.isEnabled()


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)



def test_the_window_splits_the_selected_center_and_ctrl_z_merges_it_back(
    qtbot, empty_store, settings, tmp_path
):
    center_id = merged_center(empty_store)
    window = MainWindow(empty_store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    assert [r.name for r in window.model.rows] == [MAIN]
    window.table.select_center(center_id)
    header = f"Also registered as:\n{OTHER} — inferred from"
    qtbot.waitUntil(lambda: header in window.detail.toPlainText(), timeout=5000)
    window.center_actions.split_action.trigger()
    qtbot.waitUntil(lambda: shown_dialog(SplitDialog) is not None, timeout=5000)
    dialog = shown_dialog(SplitDialog)
    assert dialog is not None
    dialog.grab().save(str(tmp_path / "split.png"))
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        qtbot.keyClick(dialog.names, Qt.Key.Key_Return)
    assert sorted(r.name for r in window.model.rows) == sorted([MAIN, OTHER])
    assert "Ctrl+Z merges it back" in window.statusBar().currentMessage()
    # The dialog has closed; a window manager gives the window back its focus (offscreen, the
    # test does), and Ctrl+Z then reaches the window's Undo.
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [r.name for r in window.model.rows] == [MAIN]


def test_a_center_without_other_names_says_so(qtbot, empty_store, settings):
    center_id = merged_center(empty_store)
    with empty_store.session() as s:
        s.execute(delete(CenterAlias))
    window = MainWindow(empty_store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    window.table.select_center(center_id)
    window.center_actions.split_action.trigger()
    assert "has no other registered names to split off" in window.statusBar().currentMessage()
    assert shown_dialog(SplitDialog) is None

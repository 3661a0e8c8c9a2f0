"""Edit → Merge into another center…: the dialog, the undoable command, the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication
from sqlalchemy import update

from directory_app.core.directory.models import Center
from directory_app.core.importing.merge_center import LIKELY_SAME, merge_candidates
from directory_app.gui.duplicates_dialog import DuplicatesDialog
from directory_app.gui.main_window import MainWindow
from directory_app.gui.merge_dialog import MergeDialog
from directory_app.gui.undo import EditCenterCommand, MergeCenterCommand
from directory_app.gui.undo_versions import VersionLedger
from tests.alias_samples import DUPLICATE, KEPT, comparable, names, stored, two_centers
from tests.editing_samples import Recorder

from .center_factory import shown_dialog


def test_merge_is_undone_and_redone_through_the_stack(qtbot, empty_store):
    kept_id, other_id = two_centers(empty_store)
    kept, other = stored(empty_store, kept_id), stored(empty_store, other_id)
    stack, window, ledger = QUndoStack(), Recorder(), VersionLedger()
    command = MergeCenterCommand(empty_store, other, kept, window.on_change, window.on_error,
                                 versions=ledger)
    stack.push(command)
    assert window.errors == [] and names(empty_store) == [KEPT]
    assert command.text() == f"Merge “{DUPLICATE}” into “{KEPT}”"
    stack.undo()
    assert window.errors == [] and names(empty_store) == sorted([KEPT, DUPLICATE])
    assert comparable(stored(empty_store, kept_id)) == comparable(kept)
    assert comparable(stored(empty_store, other_id)) == comparable(other)
    stack.redo()
    assert window.errors == [] and names(empty_store) == [KEPT]
    # An edit after the merge, undone with it and redone with it.
    merged = stored(empty_store, kept_id)
    stack.push(EditCenterCommand(empty_store, merged, {**merged, "notes": "one institution"},
                                 window.on_change, window.on_error, versions=ledger))
    stack.undo()
    stack.undo()
    assert window.errors == [] and names(empty_store) == sorted([KEPT, DUPLICATE])
    stack.redo()
    stack.redo()
    assert window.errors == [] and stored(empty_store, kept_id)["notes"] == "one institution"


def test_undo_after_a_save_elsewhere_is_refused_and_keeps_it(qtbot, empty_store):
    kept_id, other_id = two_centers(empty_store)
    kept, other = stored(empty_store, kept_id), stored(empty_store, other_id)
    stack, window = QUndoStack(), Recorder()
    stack.push(MergeCenterCommand(empty_store, other, kept, window.on_change, window.on_error))
    with empty_store.session() as s:  # another coordinator saves the merged center
        s.execute(update(Center).where(Center.id == kept_id)
                  .values(notes="saved elsewhere", version=Center.version + 1))
    stack.undo()
    assert window.errors and "changed elsewhere" in window.errors[0]
    assert names(empty_store) == [KEPT]
    assert stored(empty_store, kept_id)["notes"] == "saved elsewhere"


def test_the_dialog_offers_only_centers_of_the_same_city(
    qtbot, empty_store
):
    kept_id, other_id = two_centers(empty_store)
    with empty_store.session() as s:
        s.add(Center(name="LUH Akron", city="Akron", region="OH", country="United States"))
        candidates = merge_candidates(s, other_id)
    assert [c.id for c in candidates] == [kept_id]
    dialog = MergeDialog(stored(empty_store, other_id), candidates)
    qtbot.addWidget(dialog)
    assert dialog.centers.count() == 1
    assert dialog.centers.item(0).text() == f"{KEPT}  (1 trial)"
    # Its name is not alike enough to choose it for the person: Merge waits for a choice.
    assert candidates[0].likeness < LIKELY_SAME
    assert dialog.chosen_id() is None and not dialog.merge_button.isEnabled()
    qtbot.keyClick(dialog.centers, Qt.Key.Key_Space)
    assert dialog.chosen_id() == kept_id and dialog.merge_button.isEnabled()


def test_a_center_alike_by_name_is_listed_first_and_chosen(qtbot, empty_store):
    kept_id, other_id = two_centers(empty_store)
    with empty_store.session() as s:
        s.add(Center(name="Lakeside University Hospitals Medical Ctr", city="Cleveland",
                     region="OH", country="United States"))
        s.flush()
        candidates = merge_candidates(s, kept_id)
    assert [c.name for c in candidates] == ["Lakeside University Hospitals Medical Ctr",
                                            DUPLICATE]
    assert candidates[0].likeness >= LIKELY_SAME > candidates[1].likeness
    dialog = MergeDialog(stored(empty_store, kept_id), candidates)
    qtbot.addWidget(dialog)
    assert dialog.chosen_id() == candidates[0].id and dialog.merge_button.isEnabled()


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)



def test_the_window_merges_by_keyboard_and_ctrl_z_brings_the_duplicate_back(
    qtbot, empty_store, settings
):
    kept_id, other_id = two_centers(empty_store)
    window = MainWindow(empty_store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    window.table.select_center(other_id)
    window.center_actions.merge_action.trigger()
    qtbot.waitUntil(lambda: shown_dialog(MergeDialog) is not None, timeout=5000)
    dialog = shown_dialog(MergeDialog)
    assert dialog is not None
    qtbot.keyClick(dialog.centers, Qt.Key.Key_Space)  # choose the (only) center of the city
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        qtbot.keyClick(dialog.centers, Qt.Key.Key_Return)
    assert [r.name for r in window.model.rows] == [KEPT]
    assert "Ctrl+Z brings it back" in window.statusBar().currentMessage()
    assert window.table.current_center_id() == kept_id
    # The dialog has closed; a window manager gives the window back its focus (offscreen, the
    # test does), and Ctrl+Z then reaches the window's Undo.
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert sorted(r.name for r in window.model.rows) == sorted([KEPT, DUPLICATE])


def test_a_center_alone_in_its_city_says_so(qtbot, empty_store, settings):
    with empty_store.session() as s:
        alone = Center(name="LUH Akron", city="Akron", region="OH", country="United States")
        s.add(alone)
        s.flush()
        alone_id = alone.id
    window = MainWindow(empty_store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    window.table.select_center(alone_id)
    window.center_actions.merge_action.trigger()
    assert "No other center in Akron" in window.statusBar().currentMessage()
    assert shown_dialog(MergeDialog) is None



def test_find_duplicates_lists_the_rules_finds_and_merges_only_the_chosen_one(
    qtbot, empty_store, settings
):
    with empty_store.session() as s:
        pairs = []
        for city in ("Cleveland", "Akron"):
            big = Center(name="Lakeside University Medical Center", city=city, region="OH",
                         country="United States", source="registry")
            twin = Center(name="Lakeside University Hospital", city=city, region="OH",
                          country="United States", source="registry")
            s.add_all([big, twin])
            s.flush()
            pairs.append((twin.id, big.id))
    window = MainWindow(empty_store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    tools = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Tools")
    action = next(a for a in tools.actions() if "duplicate" in a.text())
    assert action.text() == "Find &duplicate centers…"
    action.trigger()
    qtbot.waitUntil(lambda: shown_dialog(DuplicatesDialog) is not None, timeout=10000)
    dialog = shown_dialog(DuplicatesDialog)
    assert dialog is not None
    assert dialog.list.count() == 2 and dialog.count_label.text() == "&2 possible duplicates:"
    assert not dialog.merge_button.isEnabled()  # nothing is chosen for the person
    first = dialog.list.item(0).text()
    assert first.startswith("“Lakeside University Hospital” (center ")
    assert "Akron, OH: same institution name" in first  # sorted by city
    dialog.list.setCurrentRow(0)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        dialog.merge_button.click()
    assert dialog.list.count() == 1 and "Cleveland, OH" in dialog.list.item(0).text()
    assert len(window.model.rows) == 3
    with empty_store.session() as s:
        assert s.get(Center, pairs[1][0]) is None and s.get(Center, pairs[0][0]) is not None
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.undo_stack.undo()
    assert len(window.model.rows) == 4

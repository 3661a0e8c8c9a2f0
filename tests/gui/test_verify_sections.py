"""Verification per section in the editor: saving only a phone number leaves a never-verified
center never verified; "Mark all as verified" verifies it; the detail pane says which parts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence

from directory_app.core.directory.editing import load_center
from directory_app.gui.edit_dialog import CenterEditDialog
from directory_app.gui.main_window import MainWindow

from .center_factory import small_directory


@pytest.fixture
def ids(empty_store) -> dict[str, int]:
    with empty_store.session() as s:
        return small_directory(s)


@pytest.fixture
def window(qtbot, empty_store, ids, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(empty_store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    return window


def open_editor(qtbot, window: MainWindow, center_id: int) -> CenterEditDialog:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    window.table.select_center(center_id)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window._dialogs[-1]
    assert isinstance(dialog, CenterEditDialog)
    return dialog


def stored(store, center_id: int) -> dict:
    with store.session() as s:
        return load_center(s, center_id)


def test_existing_center_starts_with_nothing_ticked_and_names_each_last_date(qtbot, window, ids):
    dialog = open_editor(qtbot, window, ids["seattle"])
    assert dialog.verified_sections() == []
    assert not dialog.verify.mark_all.isChecked()
    assert "last verified: never" in dialog.verify.boxes["contact"].text()
    dialog.reject()


def test_saving_only_the_phone_keeps_the_never_verified_badge(qtbot, window, empty_store, ids):
    dialog = open_editor(qtbot, window, ids["seattle"])
    dialog._fields["phone"].setText("206-555-0100")
    dialog.verify.boxes["contact"].setChecked(True)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        dialog.accept()
    after = stored(empty_store, ids["seattle"])
    assert after["phone"] == "206-555-0100"
    assert after["last_verified"] is None
    assert after["verified_sections"] == {"contact": date.today().isoformat()}
    window.table.select_center(ids["seattle"])
    qtbot.waitUntil(lambda: "206-555-0100" in window.detail.toPlainText(), timeout=3000)
    pane = window.detail.toPlainText()
    assert "never verified" in pane
    assert f"Contact: {date.today().isoformat()}" in pane and "Notes: never" in pane


def test_mark_all_as_verified_ticks_every_section_and_verifies_the_center(
    qtbot, window, empty_store, ids
):
    dialog = open_editor(qtbot, window, ids["seattle"])
    dialog.verify.mark_all.setChecked(True)
    assert all(box.isChecked() for box in dialog.verify.boxes.values())
    dialog.verify.boxes["notes"].setChecked(False)
    assert not dialog.verify.mark_all.isChecked()  # no longer all
    dialog.verify.boxes["notes"].setChecked(True)
    assert dialog.verify.mark_all.isChecked()
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        dialog.accept()
    assert stored(empty_store, ids["seattle"])["last_verified"] == date.today().isoformat()


def test_undo_of_a_section_verification_restores_never_verified(qtbot, window, empty_store, ids):
    dialog = open_editor(qtbot, window, ids["seattle"])
    dialog.verify.mark_all.setChecked(True)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        dialog.accept()
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.undo_stack.undo()
    assert stored(empty_store, ids["seattle"])["last_verified"] is None


def test_a_new_center_starts_with_every_section_ticked(qtbot):
    dialog = CenterEditDialog(None)
    qtbot.addWidget(dialog)
    assert dialog.verify.mark_all.isChecked()
    assert len(dialog.verified_sections()) == 8


def test_section_boxes_name_their_section_as_written_and_take_no_mnemonic(qtbot, window, ids):
    dialog = open_editor(qtbot, window, ids["seattle"])
    box = dialog.verify.boxes["identity"]
    assert QKeySequence.mnemonic(box.text()).isEmpty()  # '&' shown, not Alt+P underlined
    assert "“Identity && place”" in box.text()  # what Qt paints as “Identity & place”
    dialog.reject()


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800)])
def test_the_editor_opened_from_the_window_fits_inside_it(qtbot, window, ids, size):
    window.resize(*size)
    dialog = open_editor(qtbot, window, ids["seattle"])
    qtbot.waitExposed(dialog)
    assert dialog.width() <= size[0] and dialog.height() <= size[1]
    assert dialog.tabs.tabBar().sizeHint().width() <= dialog.tabs.width()  # no tab hidden
    dialog.reject()

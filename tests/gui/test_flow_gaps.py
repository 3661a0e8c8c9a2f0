"""Small flow gaps: Ctrl+N types into Name; a saved center the filters hide says so; saved
searches can be renamed, and deleting one can be undone."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from directory_app.gui.edit_dialog import CenterEditDialog
from directory_app.gui.main_window import MainWindow
from directory_app.gui.saved_searches import SavedSearches

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
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    return window


def test_ctrl_n_puts_the_focus_in_name(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = window._dialogs[-1]
    assert isinstance(dialog, CenterEditDialog)
    qtbot.waitUntil(lambda: dialog._fields["name"].hasFocus(), timeout=2000)
    qtbot.keyClicks(dialog.focusWidget(), "Typed Clinic")
    assert dialog._fields["name"].text() == "Typed Clinic"
    dialog.reject()


def test_an_edit_the_filters_hide_says_so(qtbot, window, ids):
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.filters.text_edit.setText("Akron")
    window.table.select_center(ids["akron"])
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window._dialogs[-1]
    dialog._fields["name"].setText("Summit Cell Therapy")
    dialog._fields["city"].setText("Fairlawn")
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        dialog.accept()
    assert window.model.rowCount() == 0
    assert "not shown by the current filters" in window.statusBar().currentMessage()


def test_an_edit_still_shown_stays_selected_without_the_notice(qtbot, window, ids):
    window.table.select_center(ids["akron"])
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window._dialogs[-1]
    dialog._fields["phone"].setText("330-555-0100")
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        dialog.accept()
    assert window.table.current_center_id() == ids["akron"]
    assert "not shown" not in window.statusBar().currentMessage()


def test_a_saved_search_can_be_renamed(window):
    window.save_search_as("MS near Cleveland")
    window.save_search_as("Lupus")
    window.rename_saved_search("MS near Cleveland", "  MS   in Ohio ")
    assert window.saved.names() == ["Lupus", "MS in Ohio"]
    window.rename_saved_search("Lupus", "MS in Ohio")  # taken: refused, nothing lost
    assert window.saved.names() == ["Lupus", "MS in Ohio"]
    assert "already exists" in window.statusBar().currentMessage()


def test_deleting_a_saved_search_from_the_menu_can_be_undone(qtbot, window):
    window.filters.text_edit.setText("lupus")
    window.save_search_as("Lupus")
    window.searches_menu.rebuild()
    delete_menu = next(a.menu() for a in window.searches_menu.actions()
                       if a.menu() is not None and "Delete" in a.text())
    next(a for a in delete_menu.actions() if a.text() == "Lupus").trigger()
    assert window.saved.names() == []
    assert "Ctrl+Z brings it back" in window.statusBar().currentMessage()
    window.undo_stack.undo()
    assert window.saved.names() == ["Lupus"]
    assert window.saved.get("Lupus")["text"] == "lupus"
    window.undo_stack.redo()
    assert window.saved.names() == []


def test_rename_refuses_an_unknown_or_empty_name(tmp_path):
    store = SavedSearches(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    store.save("A", {"text": "x"})
    with pytest.raises(ValueError, match="needs a name"):
        store.rename("A", "   ")
    with pytest.raises(ValueError, match="no saved search"):
        store.rename("B", "C")
    assert store.names() == ["A"]

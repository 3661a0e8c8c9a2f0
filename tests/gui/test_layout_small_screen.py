"""At 1024×768 the results get the room: the detail pane folds away while nothing is selected
and opens again at its width on a selection."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from directory_app.gui.main_window import MainWindow

from .center_factory import small_directory


@pytest.fixture
def window(qtbot, empty_store, tmp_path: Path) -> MainWindow:
    with empty_store.session() as s:
        small_directory(s)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(empty_store, settings)
    qtbot.addWidget(window)
    window.resize(1024, 768)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    qtbot.waitExposed(window)
    return window


def fully_visible_columns(window: MainWindow) -> int:
    table = window.table
    header = table.horizontalHeader()
    width = table.viewport().width()
    return sum(1 for col in range(window.model.columnCount())
               if not table.isColumnHidden(col)
               and header.sectionViewportPosition(col) + header.sectionSize(col) <= width)


def test_detail_pane_is_folded_while_nothing_is_selected(window):
    assert window.table.current_center_id() is None
    assert window.splitter.sizes()[2] == 0
    assert fully_visible_columns(window) >= 4  # three, beside an empty 330 px pane, before
    assert window.tabs.width() >= 650


def test_selecting_opens_the_details_and_clearing_folds_them_again(qtbot, window):
    first = window.model.rows[0].id
    window.table.select_center(first)
    qtbot.waitUntil(lambda: window.splitter.sizes()[2] > 0, timeout=2000)
    assert window.splitter.sizes()[2] >= 200
    assert window.detail.isVisible()
    assert window.table.viewport().width() >= 300  # the results still have room
    window.table.clearSelection()
    window.table.setCurrentIndex(window.model.index(-1, -1))
    qtbot.waitUntil(lambda: window.splitter.sizes()[2] == 0, timeout=2000)


def test_a_long_status_line_fits_the_window_and_shows_all_of_it_on_hover(window):
    long = ("29 of 565 centers · within 150 mi of Cleveland, OH · 21 without a known location "
            "not shown · 29 with trial statuses from registry records over 12 months old: "
            "check the registry")
    window.status_label.setText(long)
    window.statusBar().layout().activate()
    assert window.width() == 1024
    label = window.status_label
    assert label.geometry().right() <= window.statusBar().width()
    assert label.text() == long  # screen readers get the whole line
    assert label.is_elided() and label.shown_text().endswith("…")
    assert label.toolTip() == long
    label.setText("5 of 5 centers")
    assert not label.is_elided() and label.toolTip() == ""


def test_the_shortlist_panel_can_be_hidden_and_gives_the_results_their_height(qtbot, window):
    window.table.select_center(window.model.rows[0].id)
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)  # shortlist it
    dock = window.center_actions.shortlist_dock
    assert dock is not None
    qtbot.waitUntil(dock.isVisible, timeout=2000)
    qtbot.waitUntil(lambda: window.tabs.height() < 600, timeout=2000)  # the panel takes rows
    # about five list rows, not the list's default 192 px plus its buttons
    qtbot.waitUntil(lambda: dock.height() <= 180, timeout=2000)
    assert dock.widget().list.viewport().height() >= 3 * dock.widget().list.sizeHintForRow(0)
    with_panel = window.tabs.height()
    toggle = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_D, toggle)
    qtbot.waitUntil(lambda: not dock.isVisible(), timeout=2000)
    qtbot.waitUntil(lambda: window.tabs.height() > with_panel + 100, timeout=2000)
    assert window.center_actions.shortlist_ids() == [window.model.rows[0].id]  # kept, hidden
    menu_texts = [a.text() for a in window.menuBar().actions()[1].menu().actions()]
    assert "Show s&hortlist panel" in menu_texts
    qtbot.keyClick(window, Qt.Key.Key_D, toggle)
    qtbot.waitUntil(dock.isVisible, timeout=2000)


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
def test_a_first_map_opened_with_a_center_selected_fits_the_search_circle_to_its_size(
    qtbot, window, size
):
    window.resize(*size)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.filters.place_edit.setText("Cleveland, OH")
        window.filters.radius_spin.setValue(150)
    window.table.select_center(window.model.rows[0].id)
    qtbot.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    view = window.map_view
    assert view is not None
    qtbot.waitUntil(view.isVisible, timeout=2000)
    circle = view.mapFromScene(view._radius_item.path().boundingRect()).boundingRect()
    area = view.viewport().rect()
    assert area.contains(circle.center())
    # fitted to this map's size, not to the 640 px it had before it was first shown
    assert max(circle.height() / area.height(), circle.width() / area.width()) > 0.8


def test_the_filter_panel_folds_away_for_the_results_and_comes_back(qtbot, window):
    window.table.select_center(window.model.rows[0].id)  # the details take their share
    qtbot.waitUntil(lambda: window.splitter.sizes()[2] > 0, timeout=2000)
    before_columns, before_width = fully_visible_columns(window), window.tabs.width()
    panel_width = window.splitter.sizes()[0]
    toggle = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_F, toggle)
    assert window.splitter.sizes()[0] == 0 and not window.filters_action.isChecked()
    qtbot.waitUntil(lambda: window.tabs.width() >= before_width + panel_width - 10, timeout=2000)
    assert fully_visible_columns(window) > before_columns
    assert window.splitter.sizes()[2] > 0  # the details stay open
    qtbot.keyClick(window, Qt.Key.Key_F, toggle)
    assert window.splitter.sizes()[0] == panel_width and window.filters_action.isChecked()


def test_ctrl_l_brings_a_folded_filter_panel_back_to_type_the_place(qtbot, window):
    window.show_filter_panel(False)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.splitter.sizes()[0] > 0
    qtbot.waitUntil(window.filters.place_edit.hasFocus, timeout=2000)

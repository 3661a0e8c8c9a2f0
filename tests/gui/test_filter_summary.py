"""The one-line summary of active filters above the results: chips remove their own filter,
'Reset filters' (and its shortcut) clears them all, and the line stays one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from directory_app.gui.filter_panel import FilterPanel
from directory_app.gui.filter_summary import FilterChips, active_filters
from directory_app.gui.main_window import MainWindow

from .center_factory import small_directory


@pytest.fixture
def window(qtbot, empty_store, tmp_path: Path) -> MainWindow:
    with empty_store.session() as s:
        small_directory(s)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(empty_store, settings)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    return window


def chip_texts(window: MainWindow) -> list[str]:
    return [chip.text().removesuffix("  ✕") for chip in window.chips.chips]


def check(panel_list, code: str) -> None:
    for i in range(panel_list.count()):
        if panel_list.item(i).data(Qt.ItemDataRole.UserRole) == code:
            panel_list.item(i).setCheckState(Qt.CheckState.Checked)


def set_filters(qtbot, window: MainWindow) -> None:
    panel = window.filters
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        check(panel.conditions, "multiple_sclerosis")
        check(panel.conditions, "systemic_sclerosis")
        panel.trials_combo.setCurrentIndex(panel.trials_combo.findData("recruiting"))
        check(panel.specialties, "neurology")
        panel.place_edit.setText("Cleveland, OH")
        panel.radius_spin.setValue(300)


def test_untouched_filters_show_no_summary(window):
    assert window.chips.isHidden()
    assert active_filters(window.filters.state(), window.filters.defaults) == []


def test_summary_names_every_active_filter_in_reading_order(qtbot, window):
    set_filters(qtbot, window)
    assert chip_texts(window) == ["Multiple sclerosis", "Systemic sclerosis", "recruiting",
                                  "within 300 mi of Cleveland, OH", "Neurology"]
    assert window.chips.isVisible()


def test_a_chip_removes_only_its_own_filter(qtbot, window):
    set_filters(qtbot, window)
    chip = window.chips.chips[chip_texts(window).index("recruiting")]
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    flt = window.filters.filter()
    assert flt.trials is None
    assert flt.conditions == {"multiple_sclerosis", "systemic_sclerosis"}
    assert flt.specialties == {"neurology"} and flt.radius_km is not None
    assert "recruiting" not in chip_texts(window)
    chip = window.chips.chips[chip_texts(window).index("Multiple sclerosis")]
    qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    assert window.filters.filter().conditions == {"systemic_sclerosis"}


def test_removing_the_radius_keeps_the_place(qtbot, window):
    set_filters(qtbot, window)
    chip = window.chips.chips[chip_texts(window).index("within 300 mi of Cleveland, OH")]
    qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    flt = window.filters.filter()
    assert flt.origin is not None and flt.radius_km is None


def test_reset_filters_shortcut_clears_everything(qtbot, window):
    set_filters(qtbot, window)
    assert window.model.rowCount() < 5
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_R,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.filters.state() == window.filters.defaults
    assert window.model.rowCount() == 5
    assert window.chips.isHidden()


def test_reset_link_in_the_summary_clears_everything(qtbot, window):
    set_filters(qtbot, window)
    qtbot.mouseClick(window.chips.reset, Qt.MouseButton.LeftButton)
    assert window.filters.state() == window.filters.defaults


def test_chips_that_do_not_fit_go_under_more_and_can_be_removed_there(qtbot):
    panel = FilterPanel()
    qtbot.addWidget(panel)
    chips = FilterChips()
    qtbot.addWidget(chips)
    state = {**panel.defaults, "conditions": ["lupus", "multiple_sclerosis", "gvhd", "cidp",
                                              "psoriasis", "vasculitis", "sjogrens"]}
    chips.show_filters(active_filters(state, panel.defaults))
    chips.resize(520, 32)
    chips.show()
    qtbot.waitExposed(chips)
    shown = chips.visible_chips()
    assert 0 < len(shown) < 7
    assert chips.more.isVisible() and chips.more.text() == f"+{7 - len(shown)} more"
    right = max(c.geometry().right() for c in shown)
    assert right < chips.more.geometry().left()
    assert all(c.geometry().top() == shown[0].geometry().top() for c in shown)  # one line
    actions = chips.more.menu().actions()
    with qtbot.waitSignal(chips.removeRequested) as blocker:
        actions[-1].trigger()
    assert blocker.args[0] == "conditions" and "sjogrens" not in blocker.args[1]
    chips.resize(1900, 32)
    qtbot.waitUntil(lambda: len(chips.visible_chips()) == 7)
    assert not chips.more.isVisible()

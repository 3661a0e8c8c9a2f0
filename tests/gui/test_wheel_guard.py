"""The mouse wheel over a drop-down or spin box scrolls the page unless that control has focus.

Real `QWheelEvent`s are delivered to the controls, as Qt does for a mouse wheel under the pointer.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QScrollArea, QWidget

from directory_app.gui.edit_dialog import CenterEditDialog
from directory_app.gui.filter_panel import FilterPanel
from directory_app.gui.wheel_guard import install_wheel_guard

NOTCH_DOWN = QPoint(0, -120)


def wheel(widget: QWidget, notches: int = 1) -> None:
    """One wheel turn of `notches` notches down, over the middle of `widget`."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        NOTCH_DOWN * notches, Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


@pytest.fixture
def scrolled_panel(qtbot) -> tuple[QScrollArea, FilterPanel]:
    """The filter panel in a scroll area too short to show it all, as in the window."""
    install_wheel_guard()
    panel = FilterPanel()
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.resize(420, 300)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    return area, panel


def focus(qtbot, widget: QWidget) -> None:
    widget.window().activateWindow()
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(widget.hasFocus, timeout=2000)


def test_wheel_over_an_unfocused_combo_scrolls_the_panel_and_leaves_the_filter(scrolled_panel):
    area, panel = scrolled_panel
    before = panel.filter()
    index = panel.trials_combo.currentIndex()
    wheel(panel.trials_combo, notches=-1)  # up: would pick the next entry
    wheel(panel.trials_combo, notches=3)
    assert panel.trials_combo.currentIndex() == index
    assert panel.filter() == before
    assert area.verticalScrollBar().value() > 0  # the wheel scrolled the panel instead


def test_wheel_over_an_unfocused_spin_box_leaves_its_value(scrolled_panel):
    _area, panel = scrolled_panel
    for spin in (panel.age_spin, panel.radius_spin, panel.min_disciplines):
        value = spin.value()
        wheel(spin, notches=-2)
        assert spin.value() == value, spin.accessibleName()


def test_a_focused_combo_still_takes_the_wheel(qtbot, scrolled_panel):
    _area, panel = scrolled_panel
    focus(qtbot, panel.trials_combo)
    wheel(panel.trials_combo, notches=1)
    assert panel.trials_combo.currentIndex() == 1
    assert panel.filter().trials == panel.trials_combo.itemData(1)


def test_guarded_controls_never_take_focus_from_the_wheel(scrolled_panel):
    _area, panel = scrolled_panel
    for box in (panel.trials_combo, panel.sort_combo, panel.age_spin):
        assert box.focusPolicy() == Qt.FocusPolicy.StrongFocus


def test_a_combo_outside_any_scroll_area_keeps_its_wheel(qtbot):
    install_wheel_guard()
    panel = FilterPanel()  # not in a scroll area: nothing to scroll instead
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    wheel(panel.sort_combo, notches=1)
    assert panel.sort_combo.currentIndex() == 1


def test_edit_dialog_rows_added_later_are_guarded_too(qtbot):
    dialog = CenterEditDialog(None)
    qtbot.addWidget(dialog)
    dialog.resize(700, 420)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.contacts.add_row()
    dialog.contacts.add_row()
    QApplication.processEvents()
    row = dialog.contacts._rows[-1]
    combo = next(w for w in row.widgets.values() if isinstance(w, QComboBox))
    index = combo.currentIndex()
    wheel(combo, notches=1)
    assert combo.currentIndex() == index


def test_main_window_filter_panel_is_guarded(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from directory_app.gui.main_window import MainWindow

    window = MainWindow(None, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    combo = window.filters.trials_combo
    wheel(combo, notches=-1)
    wheel(combo, notches=1)
    assert combo.currentIndex() == 0
    assert window.filters.filter().trials is None

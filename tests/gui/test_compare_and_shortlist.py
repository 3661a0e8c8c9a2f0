"""The comparison dialog and the shortlist panel, driven as a coordinator would."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from directory_app.core.directory.comparison import DISTANCE_LABEL
from directory_app.gui.center_table import Column
from directory_app.gui.compare_dialog import DIFF_BACKGROUND, CompareDialog
from directory_app.gui.main_window import MainWindow
from directory_app.gui.shortlist_panel import ShortlistPanel
from tests.editing_samples import sample_center

from .center_factory import small_directory


@pytest.fixture
def dialog(qtbot) -> CompareDialog:
    one = sample_center(id=1, name="Lakeside University Hospital")
    two = sample_center(id=2, name="Riverside Clinic", kind="autoimmune_clinic",
                        cost_min_usd=None, cost_max_usd=90000)
    dlg = CompareDialog([one, two])
    qtbot.addWidget(dlg)
    return dlg


def row_of(dialog: CompareDialog, label: str) -> int:
    return next(i for i, r in enumerate(dialog.rows) if r.label == label)


def test_one_column_per_center_under_its_name(dialog):
    t = dialog.table
    assert t.columnCount() == 3
    assert [t.horizontalHeaderItem(c).toolTip() for c in (1, 2)] == [
        "Lakeside University Hospital", "Riverside Clinic"]
    assert t.item(row_of(dialog, "Kind"), 2).text() == "Autoimmune clinic"


def test_differing_rows_are_shaded_and_bold_equal_rows_are_not(dialog):
    t = dialog.table
    cost, phone = row_of(dialog, "Cost (USD)"), row_of(dialog, "Phone")
    assert t.item(cost, 0).font().bold()
    assert t.item(cost, 1).background().color() == DIFF_BACKGROUND
    assert t.item(cost, 2).text() == "up to $90,000"
    assert not t.item(phone, 0).font().bold()
    assert t.item(phone, 1).background().style() == Qt.BrushStyle.NoBrush


def test_show_only_differences_hides_equal_rows_and_copy_follows(dialog, qtbot):
    dialog.only_differences.setChecked(True)
    shown = [dialog.rows[r].label for r in dialog.visible_rows()]
    assert shown == ["Kind", "Cost (USD)"]
    dialog.copy_button.click()
    text = QGuiApplication.clipboard().text()
    assert text.splitlines() == [
        "\tLakeside University Hospital\tRiverside Clinic",
        "Kind\tAcademic hospital\tAutoimmune clinic",
        "Cost (USD)\t$80,000 – $150,000\tup to $90,000",
    ]
    dialog.only_differences.setChecked(False)
    assert len(dialog.visible_rows()) == len(dialog.rows)


def test_long_names_wrap_onto_two_header_lines(qtbot):
    long_name = "Lakeside Memorial Hospital Blood and Marrow Transplant Program (sample)"
    dlg = CompareDialog([sample_center(name=long_name), sample_center(name="B")])
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    assert "\n" in dlg.table.horizontalHeaderItem(1).text()
    assert dlg.table.horizontalHeaderItem(2).text() == "B"


# --- shortlist panel ----------------------------------------------------------------------

ITEMS = [(11, "Lakeside (Chicago, IL)"), (12, "Riverside (Evanston, IL)"), (13, "Hillcrest (MN)")]


@pytest.fixture
def panel(qtbot) -> ShortlistPanel:
    p = ShortlistPanel()
    qtbot.addWidget(p)
    p.set_items(ITEMS)
    return p


def test_panel_shows_items_in_order_and_empty_text_when_empty(panel, qtbot):
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.ids() == [11, 12, 13]
    assert panel.title.text() == "Shortlist (3)"
    assert panel.list.isVisible() and not panel.empty.isVisible()
    panel.set_items([])
    assert panel.empty.isVisible() and not panel.list.isVisible()
    assert not panel.compare_button.isEnabled() and not panel.sheet_button.isEnabled()


def test_activating_an_item_asks_to_show_that_center(panel, qtbot):
    with qtbot.waitSignal(panel.centerActivated) as signal:
        panel.list.itemActivated.emit(panel.list.item(1))
    assert signal.args == [12]


def test_compare_uses_the_selection_or_the_whole_list(panel, qtbot):
    with qtbot.waitSignal(panel.compareRequested) as signal:
        panel.compare_button.click()
    assert signal.args == [[11, 12, 13]]
    panel.list.item(2).setSelected(True)
    panel.list.item(0).setSelected(True)
    with qtbot.waitSignal(panel.compareRequested) as signal:
        panel.compare_button.click()
    assert signal.args == [[11, 13]]


def test_compare_is_disabled_outside_two_to_four_centers(panel):
    panel.set_items(ITEMS[:1])
    assert not panel.compare_button.isEnabled()
    panel.set_items([(i, f"C{i}") for i in range(5)])
    assert not panel.compare_button.isEnabled()
    panel.list.item(0).setSelected(True)
    panel.list.item(1).setSelected(True)
    assert panel.compare_button.isEnabled()


def test_referral_sheet_asks_for_the_selection_or_everything(panel, qtbot):
    with qtbot.waitSignal(panel.referralSheetRequested) as signal:
        panel.sheet_button.click()
    assert signal.args == [[11, 12, 13]]


def test_delete_key_removes_the_selected_center_and_reports_the_new_list(panel, qtbot):
    panel.show()
    qtbot.waitExposed(panel)
    panel.list.setFocus()
    panel.list.setCurrentRow(1)
    assert panel.remove_button.isEnabled()
    heard: list[tuple[str, object]] = []
    panel.removeRequested.connect(lambda i: heard.append(("remove", i)))
    panel.shortlistChanged.connect(lambda ids: heard.append(("changed", ids)))
    qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    assert heard == [("remove", 12), ("changed", [11, 13])]
    assert panel.ids() == [11, 13]


def test_clear_asks_first_and_keeps_the_list_when_cancelled(panel, qtbot, monkeypatch):
    answers = iter([QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: next(answers))
    panel.clear_button.click()
    assert panel.ids() == [11, 12, 13]
    with qtbot.waitSignal(panel.shortlistChanged) as signal:
        panel.clear_button.click()
    assert signal.args == [[]]
    assert panel.ids() == []


def test_set_items_keeps_the_selection_of_centers_still_listed(panel):
    panel.list.item(0).setSelected(True)
    panel.set_items(list(reversed(ITEMS)))
    assert panel.selected_ids() == [11]


@pytest.mark.parametrize("width, wide", [(1000, True), (320, False)])
def test_buttons_share_the_title_line_when_docked_wide_and_stack_when_narrow(qtbot, width,
                                                                              wide):
    panel = ShortlistPanel()
    qtbot.addWidget(panel)
    panel.set_items([(1, "Sample A (Cleveland, OH)"), (2, "Sample B (Akron, OH)")])
    panel.resize(width, 200)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: panel.wide == wide, timeout=2000)
    panel.layout().activate()  # the buttons moved at the resize; lay them out now
    buttons = [panel.compare_button, panel.sheet_button, panel.remove_button,
               panel.clear_button]
    for button in buttons:  # whole, inside the panel, text not squeezed
        assert panel.rect().contains(button.geometry())
        assert button.width() >= button.sizeHint().width() - 2
    title_line = panel.title.geometry().center().y()
    rows = {b.geometry().center().y() for b in buttons}
    list_top = panel.list.geometry().top()
    if wide:  # one line with the title, above the list: the list gets the dock's height
        assert all(abs(y - title_line) <= 4 for y in rows) and len(rows) == 1
        assert all(b.geometry().bottom() < list_top for b in buttons)
    else:
        assert len(rows) == 2 and all(y > panel.list.geometry().bottom() for y in rows)


# --- compare opened from the main window ----------------------------------------------------


@pytest.fixture
def window(qtbot, empty_store, tmp_path: Path) -> tuple[MainWindow, dict[str, int]]:
    """The window over the five-center test directory, its settings in the test's folder."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    with empty_store.session() as s:
        ids = small_directory(s)
    w = MainWindow(empty_store, settings)
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.resultsShown, timeout=5000):
        w.show()
    return w, ids


def search_near(qtbot, w: MainWindow, place: str, radius: int) -> None:
    w.filters.radius_spin.setValue(radius)
    with qtbot.waitSignal(w.resultsShown, timeout=5000):
        qtbot.keyClicks(w.filters.place_edit, place)
    # The place's suggestion list came and went; the window is the active one again, as it
    # is for a person going on to pick centers (window shortcuts need an active window).
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=2000)


def shown_distance(w: MainWindow, center_id: int) -> tuple[str, float]:
    """The results table's Distance text for a center, and its kilometres."""
    row = next(i for i, r in enumerate(w.model.rows) if r.id == center_id)
    km = w.model.rows[row].distance_km
    assert km is not None
    return w.model.data(w.model.index(row, Column.DISTANCE)), km


def shortlist(qtbot, w: MainWindow, center_ids: list[int]) -> None:
    for cid in center_ids:
        assert w.table.select_center(cid)
        qtbot.keyClick(w, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)


def opened_compare(w: MainWindow) -> CompareDialog:
    dialog = w._dialogs[-1]
    assert isinstance(dialog, CompareDialog)
    return dialog


def test_ctrl_k_after_a_search_near_a_place_gives_each_centers_distance(qtbot, window):
    w, ids = window
    search_near(qtbot, w, "Cleveland, OH", 150)
    chosen = [ids["sandusky"], ids["cleveland_clinic"], ids["akron"]]
    shortlist(qtbot, w, chosen)
    qtbot.keyClick(w, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = opened_compare(w)
    t = dialog.table
    assert t.item(0, 0).text() == DISTANCE_LABEL
    names = {r.id: r.name for r in w.model.rows}
    for col, cid in enumerate(chosen, start=1):  # one column per center, in shortlist order
        assert t.horizontalHeaderItem(col).toolTip() == names[cid]
        miles, km = shown_distance(w, cid)
        assert t.item(0, col).text() == f"{miles} ({km:,.0f} km)"  # the list's own figure
    far, near = shown_distance(w, ids["sandusky"])[1], shown_distance(w, ids["akron"])[1]
    assert far > near > shown_distance(w, ids["cleveland_clinic"])[1]  # not one value thrice
    dialog.close()


def test_compare_from_the_panel_selection_follows_the_unit_of_the_search(qtbot, window):
    w, ids = window
    w.filters.unit_combo.setCurrentIndex(w.filters.unit_combo.findData("km"))
    search_near(qtbot, w, "Cleveland, OH", 250)
    shortlist(qtbot, w, [ids["akron"], ids["cleveland_clinic"], ids["sandusky"]])
    panel = w.center_actions.shortlist_panel
    panel.list.item(0).setSelected(True)  # Akron and Sandusky: two of the three
    panel.list.item(2).setSelected(True)
    panel.compare_button.click()
    dialog = opened_compare(w)
    assert dialog.rows[0].label == DISTANCE_LABEL
    assert list(dialog.rows[0].values) == [shown_distance(w, ids["akron"])[0],
                                           shown_distance(w, ids["sandusky"])[0]]
    assert all(v.endswith(" km") for v in dialog.rows[0].values)
    dialog.close()


def test_after_the_place_is_cleared_compare_gives_no_stale_distance(qtbot, window):
    w, ids = window
    search_near(qtbot, w, "Cleveland, OH", 150)
    shortlist(qtbot, w, [ids["akron"], ids["sandusky"]])
    w.filters.radius_spin.setValue(0)
    with qtbot.waitSignal(w.resultsShown, timeout=5000):
        w.filters.place_edit.clear()
    assert w.table.isColumnHidden(Column.DISTANCE)
    qtbot.keyClick(w, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = opened_compare(w)
    assert DISTANCE_LABEL not in [r.label for r in dialog.rows]
    dialog.close()

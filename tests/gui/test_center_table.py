"""The results table model: a well-behaved Qt model over search rows, sorted in the model,
never raising into Qt."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from PySide6.QtCore import Qt

from directory_app.core.search.query import CenterFilter, search
from directory_app.gui.center_table import CenterTableModel, CenterTableView, Column

from .center_factory import CLEVELAND, small_directory


@pytest.fixture
def rows(empty_store):
    with empty_store.session() as s:
        small_directory(s)
        return search(s, CenterFilter(origin=CLEVELAND, sort="distance"))


def test_model_passes_qt_model_tester(qtmodeltester, rows):
    model = CenterTableModel()
    model.set_rows(rows)
    qtmodeltester.check(model)
    model.sort(Column.NAME, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)


def test_every_column_has_a_header_and_the_row_object_under_user_role(rows):
    model = CenterTableModel()
    model.set_rows(rows)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert all(headers) and len(set(headers)) == len(Column)
    assert model.data(model.index(0, Column.NAME), Qt.ItemDataRole.UserRole) is rows[0]


def test_unknown_values_read_unknown_not_blank(rows):
    model = CenterTableModel()
    model.set_rows(rows)
    sample = model.row_of(next(r.id for r in rows if r.name.startswith("Puget")))
    assert model.data(model.index(sample, Column.KIND)) == "Unknown"
    assert model.data(model.index(sample, Column.VERIFIED)) == "never (stale)"


def test_sorting_by_header_orders_rows_and_column_minus_one_restores_ranking(rows):
    model = CenterTableModel()
    model.set_rows(rows)
    nearest_first = [r.id for r in model.rows]
    model.sort(Column.NAME)
    names = [r.name for r in model.rows]
    assert names == sorted(names, key=str.casefold)
    model.sort(Column.DISTANCE, Qt.SortOrder.DescendingOrder)
    assert model.rows[0].name == "Puget Sound Sample Clinic"
    model.sort(-1)
    assert [r.id for r in model.rows] == nearest_first


def test_unknown_values_sort_last_in_both_directions(rows):
    model = CenterTableModel()
    model.set_rows(rows)
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        model.sort(Column.KIND, order)
        assert model.rows[-1].kind is None


def test_sorting_keeps_the_selected_center_selected(qtbot, rows):
    model = CenterTableModel()
    view = CenterTableView(model)
    qtbot.addWidget(view)
    view.show_rows(rows)
    akron = next(r.id for r in rows if r.name.startswith("Akron"))
    view.select_center(akron)
    view.sortByColumn(Column.NAME, Qt.SortOrder.DescendingOrder)
    assert view.current_center_id() == akron


def test_new_rows_keep_user_sort_and_selection(qtbot, rows):
    model = CenterTableModel()
    view = CenterTableView(model)
    qtbot.addWidget(view)
    view.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
    view.show_rows(rows)
    akron = next(r.id for r in rows if r.name.startswith("Akron"))
    view.select_center(akron)
    with qtbot.assertNotEmitted(view.centerSelected):
        view.show_rows(list(reversed(rows)))
    assert [r.name for r in model.rows] == sorted((r.name for r in rows), key=str.casefold)
    assert view.current_center_id() == akron


def test_data_never_raises_on_a_broken_row(rows):
    model = CenterTableModel()
    broken = dataclasses.replace(rows[0], therapies=None, red_flags="x")  # type: ignore[arg-type]
    model.set_rows([broken])
    for column in Column:
        model.data(model.index(0, column))  # must not raise
    assert model.data(model.index(0, Column.THERAPIES)) == "?"


def test_distance_unit_switch_changes_text_and_notifies_views(qtbot, rows):
    model = CenterTableModel()
    model.set_rows(rows)
    index = model.index(1, Column.DISTANCE)
    assert model.data(index).endswith(" mi")
    with qtbot.waitSignal(model.dataChanged):
        model.set_unit("km")
    assert model.data(index).endswith(" km")


def test_step_moves_through_results_and_wraps(qtbot, rows):
    model = CenterTableModel()
    view = CenterTableView(model)
    qtbot.addWidget(view)
    view.show_rows(rows)
    view.step(1)
    assert view.current_center_id() == model.rows[0].id
    view.step(-1)
    assert view.current_center_id() == model.rows[-1].id


@pytest.mark.parametrize("as_of, stale", [(date(2026, 6, 1), False), (date(2027, 6, 1), True)])
def test_trial_columns_say_what_they_count_and_date_the_registry_status(empty_store, as_of, stale):
    with empty_store.session() as s:
        small_directory(s)  # its recruiting trial's record is of 2026-01-10
        rows = search(s, CenterFilter(origin=CLEVELAND, as_of=as_of))
    model = CenterTableModel()
    model.set_rows(rows)
    assert model.headerData(Column.TRIALS, Qt.Orientation.Horizontal) == "Active / all trials"
    (i,) = [i for i, r in enumerate(rows) if r.all_trials]
    assert model.data(model.index(i, Column.TRIALS)) == "1 / 1"
    status = model.data(model.index(i, Column.RECRUITING))
    brush = model.data(model.index(i, Column.RECRUITING), Qt.ItemDataRole.ForegroundRole)
    tip = model.data(model.index(i, 0), Qt.ItemDataRole.ToolTipRole)
    assert status == "Yes, as of 2026-01-10" + (" (stale)" if stale else "")
    assert (brush is not None) == stale
    assert ("over 12 months old, check the registry" in tip) == stale
    j = next(j for j, r in enumerate(rows) if not r.all_trials)
    assert model.data(model.index(j, Column.RECRUITING)) == "No"

"""The filter panel: every control becomes its CenterFilter criterion; the place box resolves
offline and reports ambiguous or unknown places inline."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QListWidget

from directory_app.core.directory.vocab import Therapy
from directory_app.core.geo import places as geo
from directory_app.core.search.query import CenterFilter
from directory_app.gui.filter_panel import FilterPanel


@pytest.fixture
def panel(qtbot):
    widget = FilterPanel()
    qtbot.addWidget(widget)
    return widget


def _check(lst: QListWidget, code: str) -> None:
    for i in range(lst.count()):
        if lst.item(i).data(Qt.ItemDataRole.UserRole) == code:
            lst.item(i).setCheckState(Qt.CheckState.Checked)
            return
    raise AssertionError(code)


def test_untouched_panel_asks_for_everything(panel):
    assert panel.filter() == CenterFilter(units="mi")


def test_each_control_sets_its_criterion(panel):
    panel.text_edit.setText("  lupus ")
    panel.kinds.boxes["transplant_center"].setChecked(True)
    _check(panel.therapies, "hsct_autologous")
    _check(panel.conditions, "lupus")
    panel.trials_combo.setCurrentIndex(panel.trials_combo.findData("recruiting"))
    _check(panel.specialties, "rheumatology")
    _check(panel.services, "nurse_navigator")
    panel.min_disciplines.setValue(3)
    panel.verified_only.setChecked(True)
    panel.accreditations.boxes["fact"].setChecked(True)
    panel.outpatient_only.setChecked(True)
    panel.max_cost.setValue(50000)
    panel.insurance.setChecked(True)
    panel.financial.setChecked(True)
    panel.age_spin.setValue(17)
    panel.exclude_flags.setChecked(True)
    panel.verified_within.setCurrentIndex(panel.verified_within.findData(12))
    panel.fresh_within.setCurrentIndex(panel.fresh_within.findData(24))
    panel.unknown_combo.setCurrentIndex(panel.unknown_combo.findData("drop"))
    panel.sort_combo.setCurrentIndex(panel.sort_combo.findData("trials"))
    assert panel.filter() == CenterFilter(
        text="lupus", kinds={"transplant_center"}, therapies={"hsct_autologous"},
        conditions={"lupus"}, trials="recruiting", specialties={"rheumatology"},
        services={"nurse_navigator"}, min_disciplines=3, verified_only=True,
        accreditations={"fact"}, outpatient_only=True, max_cost_usd=50000, insurance=True,
        financial_assistance=True, age=17, exclude_red_flags=True, verified_within_months=12,
        fresh_within_months=24, unknown="drop", sort="trials", units="mi",
    )


def test_place_and_radius_in_miles_become_origin_and_kilometres(panel):
    panel.place_edit.setText("Cleveland, OH")
    panel.radius_spin.setValue(150)
    flt = panel.filter()
    place = geo.resolve_place("Cleveland, OH")
    assert flt.origin == (place.latitude, place.longitude)
    assert flt.radius_km == pytest.approx(150 * geo.KM_PER_MILE)
    assert not panel.place_message.isVisible()


def test_switching_unit_keeps_the_same_distance(qtbot, panel):
    panel.place_edit.setText("Cleveland, OH")
    panel.radius_spin.setValue(100)
    with qtbot.waitSignal(panel.unitChanged) as blocker:
        panel.unit_combo.setCurrentIndex(panel.unit_combo.findData("km"))
    assert blocker.args == ["km"]
    assert panel.radius_spin.value() == 161
    assert panel.filter().radius_km == pytest.approx(161)


def test_ambiguous_place_lists_candidates_inline_and_a_click_picks_one(qtbot, panel):
    panel.show()
    panel.place_edit.setText("Rochester")
    flt = panel.filter()
    assert flt.origin is None  # never a guess
    assert panel.place_message.isVisible()
    assert "Rochester, MN" in panel.place_message.text()
    index = panel._candidates.index("Rochester, MN")
    panel.place_message.linkActivated.emit(f"pick:{index}")
    assert panel.place_edit.text() == "Rochester, MN"
    assert panel.filter().origin is not None
    assert not panel.place_message.isVisible()


def test_unknown_place_says_so_and_searches_without_distance(qtbot, panel):
    panel.show()
    panel.place_edit.setText("Xyzzyville")
    assert panel.filter().origin is None
    assert "Xyzzyville" in panel.place_message.text()
    assert "without distance" in panel.place_message.text()


def test_place_box_completes_from_the_gazetteer(qtbot, panel):
    panel.show()
    qtbot.keyClicks(panel.place_edit, "Clev")
    model = panel.place_edit.completer().model()
    suggestions = [model.index(i, 0).data() for i in range(model.rowCount())]
    assert "Cleveland, OH" in suggestions


def test_state_round_trips_through_json_values(panel):
    panel.text_edit.setText("msc")
    panel.place_edit.setText("44106")
    panel.radius_spin.setValue(250)
    _check(panel.conditions, "multiple_sclerosis")
    panel.age_spin.setValue(40)
    state = panel.state()
    other = FilterPanel()
    other.set_state(state)
    assert other.state() == state
    assert other.filter() == panel.filter()


def test_set_state_emits_changed_once(qtbot, panel):
    with qtbot.waitSignal(panel.changed):
        panel.set_state({"text": "hsct", "kinds": ["academic_hospital"]})
    assert panel.filter().kinds == {"academic_hospital"}


def test_clear_all_returns_to_defaults(panel):
    panel.text_edit.setText("x")
    panel.insurance.setChecked(True)
    panel.reset_button.click()
    assert panel.filter() == CenterFilter(units="mi")


def test_every_input_control_has_an_accessible_name(panel):
    internal = (QComboBox, QAbstractSpinBox, QLineEdit)  # their own sub-widgets
    controls = [
        w
        for kind in (QLineEdit, QAbstractSpinBox, QComboBox, QListWidget, QAbstractButton)
        for w in panel.findChildren(kind)
        if not isinstance(w.parent(), internal)
    ]
    assert len(controls) > 20
    assert [w for w in controls if not w.accessibleName()] == []


def test_options_no_center_carries_are_marked(qtbot, empty_store):
    from directory_app.core.search.relax import option_counts
    from tests.gui.center_factory import small_directory

    with empty_store.session() as s:
        small_directory(s)
        counts = option_counts(s)
    panel = FilterPanel()
    qtbot.addWidget(panel)
    panel.mark_empty_options(counts)
    texts = {
        panel.therapies.item(i).data(Qt.ItemDataRole.UserRole): panel.therapies.item(i).text()
        for i in range(panel.therapies.count())
    }
    for code, n in counts["therapies"].items():
        label = Therapy(code).label
        assert texts[code] == (f"{label} (0)" if n == 0 else label)
    assert any(n == 0 for n in counts["therapies"].values())
    assert any(n > 0 for n in counts["therapies"].values())

"""Compare adds the distance from the search origin and each trial's condition, phase and dated
status, and folds rows unknown for every center into one line."""

from __future__ import annotations

from datetime import date

from directory_app.core.directory.comparison import (
    DISTANCE_LABEL,
    NOT_KNOWN_LABEL,
    comparison,
    trials_row,
)
from directory_app.core.directory.shortlist import compare_rows
from directory_app.gui.compare_dialog import CompareDialog
from tests.editing_samples import sample_center

CLEVELAND = (41.4993, -81.6944)
RECORD = {"nct_id": "NCT01234567", "status": "recruiting", "phases": ["phase2"],
          "conditions": ["Multiple Sclerosis", "Lupus"], "last_update": "2026-06-01"}


def centers() -> list[dict]:
    one = sample_center(id=1, name="Lakeside Sample Hospital", latitude=41.50, longitude=-81.61,
                        payment_plans=None)
    one["trials"] = [{"nct_id": "NCT01234567", "site_status": "recruiting",
                      "facility": "Lakeside", "city": "Cleveland"}]
    one["trial_records"] = {"NCT01234567": RECORD}
    two = sample_center(id=2, name="Riverside Sample Clinic", latitude=None, longitude=None,
                        payment_plans=None)
    return [one, two]


def test_distance_row_gives_miles_and_kilometres_or_says_location_unknown(qtbot):
    dlg = CompareDialog(centers(), origin=CLEVELAND, units="mi")
    qtbot.addWidget(dlg)
    row = dlg.rows[0]
    assert row.label == DISTANCE_LABEL
    assert row.values[0].endswith(" km)") and " mi (" in row.values[0]
    assert row.values[1] == "location unknown"
    assert dlg.table.item(0, 0).text() == DISTANCE_LABEL


def test_no_origin_no_distance_row():
    rows, _folded = comparison(centers(), compare_rows(centers()))
    assert DISTANCE_LABEL not in [r.label for r in rows]


def test_trials_name_condition_phase_and_dated_status():
    row = trials_row(centers(), today=date(2026, 12, 3))
    assert row.values[0].startswith("NCT01234567 · Multiple Sclerosis, Lupus · ")
    assert "as of 2026-06-01" in row.values[0] and "recruiting" in row.values[0].lower()
    assert row.values[1] == "None recorded"


def test_rows_unknown_for_every_center_fold_into_one_line(qtbot):
    dlg = CompareDialog(centers())
    qtbot.addWidget(dlg)
    labels = [r.label for r in dlg.rows]
    assert "Payment plans" not in labels  # unknown for both
    assert labels[-1] == NOT_KNOWN_LABEL
    assert "Payment plans" in dlg.rows[-1].values[0]
    assert "Payment plans" in dlg.folded
    last = len(dlg.rows) - 1
    assert dlg.table.columnSpan(last, 1) == 2

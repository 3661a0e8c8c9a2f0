"""Compare adds the distance from the search origin and each trial's condition, phase and dated
status, and folds rows unknown for every center into one line."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics

from directory_app.core.directory.comparison import (
    DISTANCE_LABEL,
    NOT_KNOWN_LABEL,
    TRIALS_LABEL,
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


def long_trials(n: int) -> tuple[list[dict], dict[str, dict]]:
    """`n` trials of one center, each with long condition names (the bundled Cleveland
    Clinic has eight such)."""
    links, records = [], {}
    for i in range(n):
        nct = f"NCT0{4519600 + i}"
        links.append({"nct_id": nct, "site_status": "recruiting", "facility": "Lakeside",
                      "city": "Cleveland"})
        records[nct] = {**RECORD, "nct_id": nct, "conditions": [
            "Relapsing-Remitting Multiple Sclerosis", "Perianal Fistulizing Crohn Disease",
            "Secondary Progressive Multiple Sclerosis"]}
    return links, records


def wrapped_height(dlg: CompareDialog, row: int, col: int, width: int) -> int:
    item = dlg.table.item(row, col)
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)
    return QFontMetrics(item.font()).boundingRect(QRect(0, 0, width, 100_000), flags,
                                                  item.text()).height()


#: The cell padding of the dialog's style sheet (3 px, 6 px) and the item's 3 px text margin.
PAD_X, PAD_Y = 6 + 3, 3


@pytest.mark.parametrize("width", [760, 984, 1240])
def test_every_trial_shows_whole_and_the_folded_line_is_no_taller_than_its_text(qtbot, width):
    cs = centers()
    cs[0]["trials"], cs[0]["trial_records"] = long_trials(8)
    cs.append(sample_center(id=3, name="Third Sample Center", payment_plans=None))
    dlg = CompareDialog(cs, origin=CLEVELAND)
    qtbot.addWidget(dlg)
    dlg.resize(width, 700)
    dlg.show()
    qtbot.waitExposed(dlg)
    qtbot.waitUntil(lambda: not dlg._relayout_timer.isActive(), timeout=2000)  # rows measured
    t = dlg.table
    trials = [r.label for r in dlg.rows].index(TRIALS_LABEL)
    for row in range(t.rowCount()):
        col = 0
        while col < t.columnCount():
            cell = sum(t.columnWidth(col + k) for k in range(t.columnSpan(row, col)))
            text = wrapped_height(dlg, row, col, cell - 2 * PAD_X)
            assert t.rowHeight(row) - 2 * PAD_Y >= text, (row, col)  # nothing cut off
            col += t.columnSpan(row, col)
    assert t.item(trials, 1).text().count("• NCT0") == 8
    folded = len(dlg.rows) - 1
    spanned = sum(t.columnWidth(c) for c in range(1, t.columnCount()))
    text = wrapped_height(dlg, folded, 1, spanned - 2 * PAD_X)
    assert t.rowHeight(folded) <= text + 2 * PAD_Y + 4  # not measured one column wide

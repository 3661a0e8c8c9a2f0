"""The shortlist kept in the database, and the rows of the comparison."""

from __future__ import annotations

from datetime import date

import pytest

from directory_app.core.directory import shortlist
from directory_app.core.directory.editing import delete_center, restore_center, save_center
from directory_app.core.directory.shortlist import compare_as_text, compare_rows
from tests.editing_samples import sample_center

TODAY = date(2025, 3, 14)


def make_centers(store, n: int) -> list[int]:
    with store.session() as s:
        return [
            save_center(s, sample_center(name=f"Center {i}"), expected_version=None, today=TODAY)
            for i in range(n)
        ]


def test_shortlist_keeps_order_and_survives_reopening(empty_store):
    a, b, c = make_centers(empty_store, 3)
    with empty_store.session() as s:
        shortlist.add(s, c)
        shortlist.add(s, a)
        shortlist.add(s, c)  # already there
    with empty_store.session() as s:
        assert shortlist.get_shortlist(s) == [c, a]
        shortlist.set_shortlist(s, [a, b, c, a, 999])
    with empty_store.session() as s:
        assert shortlist.get_shortlist(s) == [a, b, c]
        assert shortlist.remove(s, b) == [a, c]
        assert shortlist.clear(s) == []
        assert shortlist.get_shortlist(s) == []


def test_deleted_center_drops_out_and_returns_when_the_delete_is_undone(empty_store):
    a, b = make_centers(empty_store, 2)
    with empty_store.session() as s:
        shortlist.set_shortlist(s, [a, b])
        snapshot = delete_center(s, a, expected_version=1)
    with empty_store.session() as s:
        assert shortlist.get_shortlist(s) == [b]
        restored = restore_center(s, snapshot)
    with empty_store.session() as s:
        assert shortlist.get_shortlist(s) == [restored, b]


def test_compare_marks_rows_that_differ():
    one = sample_center(name="One", id=1)
    two = sample_center(name="Two", id=2, cost_min_usd=None, cost_max_usd=90000, kind=None)
    rows = {r.label: r for r in compare_rows([one, two])}
    assert rows["Cost (USD)"].values == ("$80,000 – $150,000", "up to $90,000")
    assert rows["Cost (USD)"].differs
    assert rows["Kind"].values == ("Academic hospital", "Unknown")
    assert rows["Therapies"].values[0] == "HSCT (autologous) — intravenous"
    assert not rows["Conditions"].differs
    assert rows["Payment plans"].values == ("Unknown", "Unknown")
    assert rows["Contact: Referral coordinator"].values[0] == "Pat Rivera · 312-555-0101"
    assert rows["Age range (years)"].values[0] == "18 – 65"
    assert rows["Last verified"].values[0] == "never"


def test_compare_shows_unknown_for_missing_values_and_none_recorded_for_empty_lists():
    bare = {"name": "Bare", "therapies": [], "trials": []}
    rows = {r.label: r for r in compare_rows([bare, sample_center()])}
    assert rows["Phone"].values[0] == "Unknown"
    assert rows["Therapies"].values[0] == "None recorded"
    assert rows["Place"].values == ("Unknown", "Chicago, IL 60611, United States")


def test_compare_accepts_two_to_four_centers_only():
    with pytest.raises(ValueError):
        compare_rows([sample_center()])
    with pytest.raises(ValueError):
        compare_rows([sample_center()] * 5)


def test_compare_as_text_is_tab_separated_with_one_line_per_row():
    rows = compare_rows([sample_center(), sample_center(kind=None)])
    text = compare_as_text(["A", "B"], rows)
    lines = text.splitlines()
    assert lines[0] == "\tA\tB"
    assert lines[1] == "Kind\tAcademic hospital\tUnknown"
    assert len(lines) == len(rows) + 1
    assert "Multiple sclerosis; Systemic sclerosis" in text


def test_compare_dates_each_trial_status_by_its_registry_record():
    recent = date.today().replace(day=1).isoformat()
    one = {"name": "One", "trials": [{"nct_id": "NCT00000001", "site_status": "recruiting"}],
           "trial_records": {"NCT00000001": {"last_update": "2022-04-05"}}}  # fmt: skip
    two = {"name": "Two", "trials": [{"nct_id": "NCT00000002", "site_status": "recruiting"}],
           "trial_records": {"NCT00000002": {"last_update": recent}}}  # fmt: skip
    rows = {r.label: r for r in compare_rows([one, two])}
    assert rows["Trials"].values == (
        "NCT00000001 (Recruiting (as of 2022-04-05; stale, check the registry))",
        f"NCT00000002 (Recruiting (as of {recent}))",
    )

"""Every registry status carries its record's date and is stale after 12 months; the search
can keep only recently updated trials; the directory says how old its registry data is.
Runs on SQLite and PostgreSQL (the `empty_store` fixture)."""

from __future__ import annotations

from datetime import date
from typing import Any

from directory_app.core.directory.models import Center, Trial, TrialSite
from directory_app.core.search.query import CenterFilter, search
from directory_app.core.search.staleness import (
    months_between,
    registry_age,
    status_stale,
    status_text,
)

TODAY = date(2026, 12, 3)


def test_a_status_is_stale_from_twelve_months_and_when_undated():
    assert not status_stale(date(2025, 12, 4), TODAY)
    assert status_stale(date(2025, 12, 3), TODAY)
    assert status_stale(None, TODAY)
    assert status_text("Recruiting", date(2026, 6, 1), TODAY) == "Recruiting (as of 2026-06-01)"
    assert status_text("Recruiting", date(2022, 4, 5), TODAY) == (
        "Recruiting (as of 2022-04-05; stale, check the registry)"
    )
    assert status_text("Completed", None, TODAY) == (
        "Completed (date unknown; stale, check the registry)"
    )
    assert months_between(date(2022, 10, 5), TODAY) == 49
    assert months_between(date(2026, 11, 4), TODAY) == 0


def _center(store: Any, name: str, trials: list[tuple[str, str, date | None]]) -> None:
    with store.session() as s:
        c = Center(name=name)
        for nct, status, updated in trials:
            trial = Trial(nct_id=nct, title="Stem cells in lupus", status=status,
                          conditions=["Lupus"], last_update=updated)  # fmt: skip
            c.trial_sites.append(TrialSite(trial=trial, facility=name))
        s.add(c)


def _rows(store: Any, **criteria: Any) -> dict[str, Any]:
    with store.session() as s:
        return {r.name: r for r in search(s, CenterFilter(as_of=TODAY, **criteria))}


def test_rows_date_their_status_by_the_record_behind_it(empty_store):
    _center(
        empty_store,
        "Old Recruiting",
        [
            ("NCT00000001", "recruiting", date(2022, 4, 5)),
            ("NCT00000002", "completed", date(2026, 9, 1)),
        ],
    )
    _center(empty_store, "Fresh Active", [("NCT00000003", "active_not_recruiting",
                                           date(2026, 10, 1))])  # fmt: skip
    _center(empty_store, "Undated", [("NCT00000004", "completed", None)])
    with empty_store.session() as s:
        s.add(Center(name="No Trials"))
    rows = _rows(empty_store)
    # The recruiting claim rests on the 2022 record, not on the newer completed one.
    assert (rows["Old Recruiting"].status_as_of, rows["Old Recruiting"].status_stale) == (
        date(2022, 4, 5), True)  # fmt: skip
    assert (rows["Fresh Active"].status_as_of, rows["Fresh Active"].status_stale) == (
        date(2026, 10, 1), False)  # fmt: skip
    assert (rows["Undated"].status_as_of, rows["Undated"].status_stale) == (None, True)
    assert (rows["No Trials"].status_as_of, rows["No Trials"].status_stale) == (None, False)
    assert (rows["Old Recruiting"].active_trials, rows["Old Recruiting"].all_trials) == (1, 2)
    # A trial-level search dates the row by the trials it matched.
    (row,) = _rows(empty_store, trials="recruiting").values()
    assert (row.matched_trials, row.status_as_of) == (("NCT00000001",), date(2022, 4, 5))


def test_fresh_within_keeps_only_recently_updated_trials(empty_store):
    _center(empty_store, "Old Recruiting", [("NCT00000001", "recruiting", date(2022, 4, 5))])
    _center(empty_store, "Fresh Active", [("NCT00000003", "recruiting", date(2026, 10, 1))])
    _center(empty_store, "Undated", [("NCT00000004", "recruiting", None)])
    assert list(_rows(empty_store, fresh_within_months=12)) == ["Fresh Active"]
    assert list(_rows(empty_store, fresh_within_months=60)) == ["Fresh Active", "Old Recruiting"]
    # Together with the other trial criteria, for the same trial.
    assert list(_rows(empty_store, fresh_within_months=12, trials="recruiting")) == [
        "Fresh Active"]  # fmt: skip


def test_registry_age_is_the_newest_record(empty_store):
    with empty_store.session() as s:
        assert registry_age(s, TODAY) is None
    _center(empty_store, "A", [("NCT00000001", "recruiting", date(2022, 4, 5)),
                               ("NCT00000002", "completed", date(2022, 10, 5))])  # fmt: skip
    with empty_store.session() as s:
        age = registry_age(s, TODAY)
    assert age is not None and (age.newest, age.months, age.stale) == (date(2022, 10, 5), 49, True)
    assert age.warning() == (
        "Registry data is 4 years 1 month old (newest record 2022-10-05): trial statuses may "
        "have changed; check the registry or update."
    )
    assert age.as_json()["age_months"] == 49
    with empty_store.session() as s:
        fresh = registry_age(s, date(2023, 1, 5))
    assert fresh is not None and not fresh.stale and fresh.warning() is None

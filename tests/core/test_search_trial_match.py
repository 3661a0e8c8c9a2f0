"""Trial-level criteria hold for one trial together; recorded center facts match on their own.
Runs on SQLite and PostgreSQL (the `empty_store` fixture)."""

from __future__ import annotations

from typing import Any

from directory_app.core.directory.models import (
    Center,
    ConditionTreated,
    TherapyOffering,
    Trial,
    TrialSite,
)
from directory_app.core.search.query import CenterFilter, search


def _center(store: Any, name: str, trials: list[dict[str, Any]], **facts: Any) -> None:
    """A center whose registry-inferred facts are those of its trials, as an import makes."""
    src = facts.get("src", "verified")
    with store.session() as s:
        c = Center(name=name)
        for code in facts.get("conditions", ()):
            c.conditions.append(ConditionTreated(condition=code, source=src))
        for code in facts.get("therapies", ()):
            c.therapies.append(TherapyOffering(therapy=code, source=src))
        for t in trials:
            trial = Trial(title=t.pop("title", "A study"), **t)
            c.trial_sites.append(TrialSite(trial=trial, facility=name))
        s.add(c)


def _run(store: Any, **criteria: Any) -> list[Any]:
    with store.session() as s:
        return search(s, CenterFilter(**criteria))


def _cleveland(store: Any) -> None:
    _center(
        store,
        "Two Trials Clinic",
        [
            dict(
                nct_id="NCT00000001",
                status="completed",
                conditions=["Multiple Sclerosis"],
                interventions=["Procedure: Autologous HSCT"],
                phases=["phase3"],
                min_age_years=18.0,
                max_age_years=55.0,
            ),
            dict(
                nct_id="NCT00000002",
                status="recruiting",
                conditions=["Crohn Disease"],
                interventions=["Biological: umbilical cord mesenchymal stem cells"],
                phases=["phase1"],
                min_age_years=18.0,
                max_age_years=65.0,
            ),
        ],
        conditions=["multiple_sclerosis", "crohns_disease"],
        therapies=["hsct_autologous", "msc_umbilical"],
        src="registry",
    )


def test_condition_and_status_must_hold_for_one_trial(empty_store):
    _cleveland(empty_store)
    assert _run(empty_store, conditions={"multiple_sclerosis"}, trials="recruiting") == []
    (row,) = _run(empty_store, conditions={"crohns_disease"}, trials="recruiting")
    assert row.matched_trials == ("NCT00000002",)
    assert any("NCT00000002" in m for m in row.matched)
    (row,) = _run(empty_store, conditions={"multiple_sclerosis"})
    assert row.matched_trials == ("NCT00000001",)


def test_phase_therapy_and_age_must_hold_for_the_same_trial(empty_store):
    _cleveland(empty_store)
    assert _run(empty_store, conditions={"multiple_sclerosis"}, phases={"phase1"}) == []
    assert _run(empty_store, conditions={"crohns_disease"}, phases={"phase1"})[0].matched_trials
    assert _run(empty_store, conditions={"crohns_disease"}, therapies={"hsct_autologous"}) == []
    (row,) = _run(empty_store, conditions={"multiple_sclerosis"}, therapies={"hsct_autologous"})
    assert row.matched_trials == ("NCT00000001",)
    assert _run(empty_store, conditions={"multiple_sclerosis"}, age=60) == []
    (row,) = _run(empty_store, conditions={"crohns_disease"}, age=60)
    assert row.matched_trials == ("NCT00000002",)
    assert _run(empty_store, trials="recruiting", therapies={"hsct_autologous"}) == []


def test_a_recorded_center_fact_matches_without_a_trial(empty_store):
    _center(
        empty_store,
        "Recorded Center",
        [],
        conditions=["multiple_sclerosis"],
        therapies=["hsct_autologous"],
    )
    (row,) = _run(empty_store, conditions={"multiple_sclerosis"}, therapies={"hsct_autologous"})
    assert row.matched_trials == ()
    assert any("[recorded]" in m for m in row.matched)
    # Only a trial can be recruiting: a recorded fact does not answer that.
    assert _run(empty_store, conditions={"multiple_sclerosis"}, trials="recruiting") == []


def test_inferred_facts_alone_do_not_match_without_a_fitting_trial(empty_store):
    _center(empty_store, "Inferred Only", [], conditions=["multiple_sclerosis"], src="registry")
    assert _run(empty_store, conditions={"multiple_sclerosis"}) == []


def test_a_row_names_every_trial_that_meets_the_criteria_together(empty_store):
    _cleveland(empty_store)
    _center(
        empty_store,
        "Sample Two Recruiting Clinic (test data)",
        [
            dict(nct_id="NCT00000003", status="recruiting", conditions=["Crohn Disease"]),
            dict(nct_id="NCT00000004", status="recruiting", conditions=["Crohn's disease"]),
            dict(nct_id="NCT00000005", status="recruiting", conditions=["Lupus"]),
        ],
        conditions=["crohns_disease", "lupus"],
        src="registry",
    )
    found = _run(empty_store, conditions={"crohns_disease"}, trials="recruiting")
    rows = {r.name: r for r in found}
    two = rows["Sample Two Recruiting Clinic (test data)"]
    assert two.matched_trials == ("NCT00000003", "NCT00000004")
    assert "2 trials each meet every trial criterion: NCT00000003, NCT00000004" in two.matched
    assert "one trial meets every trial criterion: NCT00000002" in rows["Two Trials Clinic"].matched

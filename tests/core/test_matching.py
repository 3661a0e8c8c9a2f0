"""Matching a patient profile against centers and their trials, on both engines: each trial
judged on its own limits, unknown never counted as fitting, failures ranked below unknowns."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from directory_app.core.directory.models import (
    Center,
    ConditionTreated,
    Trial,
    TrialPlace,
    TrialSite,
)
from directory_app.core.matching.matcher import as_json, match
from directory_app.core.matching.profile import MatchError, PatientProfile

CLEVELAND = (41.5045, -81.6081)  # ZIP 44106
TODAY = date(2026, 12, 3)


def add(store: Any, name: str, at: tuple[float, float] | None, trials: list[Trial] = (),
        conditions: tuple[str, ...] = (), **fields: Any) -> int:  # fmt: skip
    with store.session() as s:
        c = Center(name=name, latitude=at[0] if at else None, longitude=at[1] if at else None,
                   **fields)  # fmt: skip
        c.conditions = [ConditionTreated(condition=k, source="verified") for k in conditions]
        for t in trials:
            existing = s.query(Trial).filter_by(nct_id=t.nct_id).one_or_none()
            c.trial_sites.append(TrialSite(trial=existing or t, facility=name,
                                           site_status="recruiting"))  # fmt: skip
        s.add(c)
        s.flush()
        return c.id


def ms_trial(nct: str, low: float | None, high: float | None, status: str = "recruiting") -> Trial:
    return Trial(nct_id=nct, title=f"Sample HSCT study {nct}", status=status,
                 conditions=["Relapsing Multiple Sclerosis"], min_age_years=low,
                 max_age_years=high)  # fmt: skip


def run(store: Any, include_unrelated: bool = False, **kw: Any) -> list[Any]:
    kw.setdefault("as_of", TODAY)
    with store.session() as s:
        return match(s, PatientProfile(**kw), include_unrelated=include_unrelated)


def test_age_outside_one_trial_excludes_that_trial_only(empty_store):
    add(empty_store, "Sample Center A", (41.5, -81.6),
        [ms_trial("NCT00000001", 18, 40), ms_trial("NCT00000002", 18, 55)])  # fmt: skip
    [m] = run(empty_store, age=45, condition="multiple_sclerosis")
    assert [t.nct_id for t in m.fitting_trials] == ["NCT00000002"]
    young = next(t for t in m.trials if t.nct_id == "NCT00000001")
    age = next(c for c in young.checks if c.criterion == "age")
    assert age.verdict == "fails" and "age 45 outside 18–40" in age.fact
    fit = next(c for c in m.checks if c.criterion == "condition")
    assert fit.verdict == "fits" and "NCT00000002" in fit.fact


def test_unknown_fact_is_unknown_never_fits(empty_store):
    add(empty_store, "Sample Center B", (41.5, -81.6), conditions=("multiple_sclerosis",),
        trials=[ms_trial("NCT00000003", None, None)])  # fmt: skip
    [m] = run(empty_store, age=45, sex="female", condition="multiple_sclerosis", insurance=True,
              max_cost_usd=5000, failed_treatments=2)  # fmt: skip
    verdicts = {c.criterion: c.verdict for c in m.checks}
    assert verdicts == {"condition": "fits", "age": "unknown", "insurance": "unknown",
                        "cost": "unknown", "prior treatments": "unknown"}  # fmt: skip
    [t] = m.trials
    tv = {c.criterion: c.verdict for c in t.checks}
    assert tv["age"] == "unknown" and tv["sex"] == "unknown" and tv["status"] == "fits"


def test_failing_criterion_ranks_below_unknowns_then_distance(empty_store):
    add(empty_store, "Sample Near Costly", (41.51, -81.6), conditions=("multiple_sclerosis",),
        cost_min_usd=90000, cost_max_usd=120000)  # fmt: skip
    add(empty_store, "Sample Far Unknown", (42.3, -83.0), conditions=("multiple_sclerosis",))
    add(empty_store, "Sample Mid Unknown", (41.9, -82.0), conditions=("multiple_sclerosis",))
    add(empty_store, "Sample Mid Affordable", (41.9, -82.1), conditions=("multiple_sclerosis",),
        cost_min_usd=1000, cost_max_usd=2000)  # fmt: skip
    add(empty_store, "Sample Too Far", (40.7, -74.0), conditions=("multiple_sclerosis",))
    rows = run(empty_store, condition="multiple_sclerosis", max_cost_usd=50000,
               origin=CLEVELAND, radius_km=300)  # fmt: skip
    assert [m.name for m in rows] == [
        "Sample Mid Affordable", "Sample Mid Unknown", "Sample Far Unknown", "Sample Near Costly"
    ]
    assert [c.fact for c in rows[-1].fails] == ["quoted $90,000–$120,000, above $50,000"]


def test_center_without_condition_fails_it_and_json_explains_every_decision(empty_store):
    add(empty_store, "Sample Other", (41.5, -81.6), conditions=("lupus",),
        trials=[Trial(nct_id="NCT00000004", title="Sample lupus study", status="recruiting",
                      conditions=["Systemic Lupus Erythematosus"], min_age_years=18)])  # fmt: skip
    assert run(empty_store, age=30, condition="multiple_sclerosis") == []  # no answer
    [m] = run(empty_store, age=30, condition="multiple_sclerosis", origin=CLEVELAND,
              radius_km=100, include_unrelated=True)  # fmt: skip
    data = as_json(m)
    assert [f["criterion"] for f in data["fails"]] == ["condition"]
    assert data["trials_that_fit"] == []
    [t] = data["trials_that_do_not_fit"]
    assert [f["fact"] for f in t["fails"]] == [
        "NCT00000004 studies Systemic Lupus Erythematosus, not Multiple sclerosis"
    ]
    assert [f["fact"] for f in t["fits"] if f["criterion"] == "age"] == [
        "age 30 within 18–any, NCT00000004"
    ]
    decided = data["fits"] + data["fails"] + data["unknown"]
    assert {d["criterion"] for d in decided} == {"distance", "condition", "age"}
    assert all(d["fact"] for d in decided)


def test_site_status_overrides_trial_status(empty_store):
    cid = add(empty_store, "Sample Closed Site", None, [ms_trial("NCT00000005", 18, 60)])
    with empty_store.session() as s:
        s.query(TrialSite).filter_by(center_id=cid).one().site_status = "completed"
    [m] = run(empty_store, age=30, condition="multiple_sclerosis")
    assert m.fitting_trials == []
    [t] = m.trials
    assert [c.fact for c in t.checks if c.verdict == "fails"] == ["site completed, NCT00000005"]


@pytest.mark.parametrize(
    "kw, message",
    [({"sex": "other"}, "unknown sex"), ({"condition": "flu"}, "unknown Condition"),
     ({"age": -1}, "age must be between"), ({"radius_km": float("nan")}, "radius must be")],
)  # fmt: skip
def test_bad_profile_is_one_clear_error(empty_store, kw, message):
    with pytest.raises(MatchError, match=message):
        run(empty_store, **kw)


def test_sex_is_judged_per_trial_and_a_male_only_trial_leaves_the_others(empty_store):
    male_only = ms_trial("NCT00000021", 18, 60)
    male_only.sex = "male"
    open_to_all = ms_trial("NCT00000022", 18, 60)
    open_to_all.sex = "all"
    women = ms_trial("NCT00000023", 18, 60)
    women.sex = "female"
    add(empty_store, "Sample Center Sex", (41.5, -81.6), [male_only, open_to_all, women])
    [m] = run(empty_store, age=45, sex="female", condition="multiple_sclerosis")
    assert [t.nct_id for t in m.fitting_trials] == ["NCT00000022", "NCT00000023"]
    [no] = [t for t in m.trials if not t.fits]
    assert [c.fact for c in no.checks if c.verdict == "fails"] == [
        "NCT00000021 enrols male participants only"
    ]
    facts = {t.nct_id: [c.fact for c in t.checks if c.criterion == "sex"] for t in m.trials}
    assert facts["NCT00000022"] == ["NCT00000022 enrols all sexes"]
    assert facts["NCT00000023"] == ["NCT00000023 enrols female participants only"]
    [male] = run(empty_store, age=45, sex="male", condition="multiple_sclerosis")
    assert [t.nct_id for t in male.fitting_trials] == ["NCT00000021", "NCT00000022"]


def test_healthy_volunteer_only_trial_does_not_fit_a_patient(empty_store):
    healthy = Trial(nct_id="NCT00000031", title="Sample healthy volunteer study",
                    status="recruiting", conditions=["Healthy Volunteers"],
                    healthy_volunteers=True, min_age_years=18, max_age_years=65)  # fmt: skip
    both = ms_trial("NCT00000032", 18, 65)
    both.healthy_volunteers = True  # takes healthy volunteers besides patients: still fits
    add(empty_store, "Sample Center HV", (41.5, -81.6), [healthy, both])
    [m] = run(empty_store, age=45)
    assert [t.nct_id for t in m.fitting_trials] == ["NCT00000032"]
    [hv] = [t for t in m.trials if not t.fits]
    assert [(c.criterion, c.fact) for c in hv.checks if c.verdict == "fails"] == [
        ("healthy volunteers", "NCT00000031 enrols healthy volunteers only")
    ]


def test_answer_carries_site_contacts_with_source_and_eligibility_lists(empty_store):
    t = ms_trial("NCT00000041", 18, 55)
    t.last_update = date(2026, 10, 1)
    t.inclusion_criteria = ["Relapsing MS", "Failed two disease-modifying therapies"]
    t.exclusion_criteria = ["Pregnancy"]
    cid = add(empty_store, "Sample Center Contacts", (41.5, -81.6), [t])
    with empty_store.session() as s:
        site = s.query(TrialSite).filter_by(center_id=cid).one()
        site.contacts = [{"name": "Sample Coordinator", "role": "CONTACT",
                          "phone": "555-0100", "email": "sample@example.org"}]  # fmt: skip
    [m] = run(empty_store, age=45, sex="female", condition="multiple_sclerosis")
    [data] = as_json(m)["trials_that_fit"]
    assert data["site"] == "Sample Center Contacts"
    assert data["site_contacts"] == [{"name": "Sample Coordinator", "role": "CONTACT",
                                      "phone": "555-0100", "email": "sample@example.org"}]
    assert data["site_contacts_source"] == "ClinicalTrials.gov NCT00000041, as of 2026-10-01"
    assert data["inclusion_criteria"] == t.inclusion_criteria
    assert data["exclusion_criteria"] == ["Pregnancy"]
    # sex not recorded for this trial: an unknown, listed as such, never a fit
    assert [u["criterion"] for u in data["unknown"]] == ["sex"]
    assert "sex" not in {f["criterion"] for f in data["fits"]}


def test_trials_list_fitting_ones_first_fewest_unknowns_first(empty_store):
    unknown_age = ms_trial("NCT00000051", None, None)
    known_age = ms_trial("NCT00000052", 18, 60)
    too_old = ms_trial("NCT00000050", 18, 30)
    add(empty_store, "Sample Center Order", (41.5, -81.6), [unknown_age, known_age, too_old])
    [m] = run(empty_store, age=45, condition="multiple_sclerosis")
    assert [t.nct_id for t in m.trials] == ["NCT00000052", "NCT00000051", "NCT00000050"]
    age = next(c for c in m.checks if c.criterion == "age")
    assert age.verdict == "fits" and age.source == "NCT00000052"


def test_center_with_only_a_failing_trial_of_the_condition_stays_an_answer(empty_store):
    cid = add(empty_store, "Sample Closed MS Trial", (41.5, -81.6),
              [ms_trial("NCT00000061", 18, 60, status="completed")])  # fmt: skip
    with empty_store.session() as s:
        s.query(TrialSite).filter_by(center_id=cid).one().site_status = None
    add(empty_store, "Sample Lupus Only", (41.5, -81.6), conditions=("lupus",))
    [m] = run(empty_store, age=45, condition="multiple_sclerosis")
    assert m.name == "Sample Closed MS Trial" and m.fitting_trials == []
    assert [c.criterion for c in m.fails] == ["condition"]


def place_only(store: Any, trial: Trial, city: str, at: tuple[float, float] | None) -> None:
    """A site the registry names only by its city, with no center of the directory."""
    with store.session() as s:
        lat, lon = at if at else (None, None)
        s.add(TrialPlace(trial=trial, city=city, region="OH", country="United States",
                         latitude=lat, longitude=lon))  # fmt: skip


def test_trial_site_without_a_center_is_an_answer_judged_on_its_trial(empty_store):
    add(empty_store, "Sample Center Near", (41.5, -81.6), conditions=("multiple_sclerosis",),
        age_min=18, age_max=70, insurance_accepted=True)  # fmt: skip
    place_only(empty_store, ms_trial("NCT00000071", 18, 55), "Columbus", (39.96, -83.0))
    place_only(empty_store, ms_trial("NCT00000072", 18, 40), "Columbus", (39.96, -83.0))
    place_only(empty_store, ms_trial("NCT00000073", 18, 55), "Boston", (42.36, -71.06))
    place_only(empty_store, ms_trial("NCT00000074", 18, 55), "Nowhere", None)
    lupus = Trial(nct_id="NCT00000075", title="Sample lupus study", status="recruiting",
                  conditions=["Systemic Lupus Erythematosus"])  # fmt: skip
    place_only(empty_store, lupus, "Akron", (41.08, -81.52))
    rows = run(empty_store, age=45, sex="female", condition="multiple_sclerosis",
               insurance=True, origin=CLEVELAND, radius_km=300)  # fmt: skip
    # Boston is beyond 300 km, the unlocated site could be anywhere, Akron studies lupus;
    # the site's insurance is unknown, so it ranks below the center that takes insurance
    assert [(m.kind, m.name) for m in rows] == [
        ("center", "Sample Center Near"), ("trial_site", "trial site in Columbus, OH")
    ]
    site = rows[1]
    assert site.center_id is None and 200 < site.distance_km < 215  # about 130 mi
    assert [t.nct_id for t in site.fitting_trials] == ["NCT00000071"]  # 45 is past 18-40
    verdicts = {c.criterion: (c.verdict, c.fact) for c in site.checks}
    assert verdicts["condition"] == ("fits", "open trial for Multiple sclerosis: NCT00000071")
    assert verdicts["age"] == ("fits", "age 45 within 18–55, NCT00000071")
    assert verdicts["insurance"][0] == "unknown"  # only a center could say; never "fits"
    data = as_json(site)
    assert (data["kind"], data["id"], data["distance_km"]) == ("trial_site", None,
                                                               round(site.distance_km, 1))
    assert [t["nct_id"] for t in data["trials_that_do_not_fit"]] == ["NCT00000072"]
    # without a radius an unlocated site is an answer too, its distance unknown, ranked last
    rows = run(empty_store, age=45, condition="multiple_sclerosis", origin=CLEVELAND)
    assert rows[-1].name == "trial site in Nowhere, OH" and rows[-1].distance_km is None
    assert [c.verdict for c in rows[-1].checks if c.criterion == "distance"] == ["unknown"]

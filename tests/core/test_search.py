"""Searching the directory: every criterion, unknown values, distance, text, sorting, and the
search index staying in step with the data. Each test builds its own small directory."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from geographiclib.geodesic import Geodesic
from geopy.distance import geodesic
from sqlalchemy import select

from directory_app.core.clinic_check.letters import bundled_letters
from directory_app.core.clinic_check.lookup import letters_at
from directory_app.core.directory.models import (
    Center,
    ConditionTreated,
    RedFlag,
    TeamMember,
    TherapyOffering,
    Trial,
    TrialSite,
)
from directory_app.core.search.query import (
    CenterFilter,
    SearchError,
    count_centers,
    count_matching,
    search,
    unlocated_left_out,
)

ROCHESTER = (44.0121, -92.4802)
TODAY = date(2026, 6, 15)


def point(origin: tuple[float, float], km: float, azimuth: float = 0.0) -> tuple[float, float]:
    """The point `km` (on the WGS-84 ellipsoid) from `origin` in direction `azimuth`."""
    g = Geodesic.WGS84.Direct(origin[0], origin[1], azimuth, km * 1000)
    return g["lat2"], g["lon2"]


def add(store: Any, name: str, at: tuple[float, float] | None = None, **fields: Any) -> int:
    """Add a center; facts as (code, source) / (role, discipline, source) / (nct, title,
    status, site_status) tuples, plain codes meaning verified facts."""

    def facts(key: str) -> list[tuple[Any, ...]]:
        return [(f, "verified") if isinstance(f, str) else f for f in fields.pop(key, ())]

    therapies, conditions = facts("therapies"), facts("conditions")
    team, trials, flags = fields.pop("team", ()), fields.pop("trials", ()), fields.pop("flags", 0)
    with store.session() as s:
        lat, lon = at if at else (None, None)
        c = Center(name=name, latitude=lat, longitude=lon, **fields)
        c.therapies = [TherapyOffering(therapy=t, source=src) for t, src in therapies]
        c.conditions = [ConditionTreated(condition=k, source=src) for k, src in conditions]
        c.team = [TeamMember(role=r, discipline=d, source=src) for r, d, src in team]
        c.red_flags = [RedFlag(kind="other", description="concern") for _ in range(flags)]
        for nct, title, status, site_status in trials:
            trial = s.scalar(select(Trial).where(Trial.nct_id == nct))
            trial = trial or Trial(nct_id=nct, title=title, status=status)
            c.trial_sites.append(TrialSite(trial=trial, facility=name, site_status=site_status))
        s.add(c)
        s.flush()
        return c.id


def find(store: Any, **criteria: Any) -> list[Any]:
    criteria.setdefault("as_of", TODAY)
    with store.session() as s:
        return search(s, CenterFilter(**criteria))


def names(store: Any, **criteria: Any) -> list[str]:
    return [r.name for r in find(store, **criteria)]


def only(store: Any, **criteria: Any) -> Any:
    rows = find(store, **criteria)
    assert len(rows) == 1, [r.name for r in rows]
    return rows[0]


# --- distance ------------------------------------------------------------------------------


def test_search_within_radius_excludes_farther_centers(empty_store):
    add(empty_store, "Near", point(ROCHESTER, 99.9))
    add(empty_store, "Far", point(ROCHESTER, 100.1, azimuth=90))
    assert names(empty_store, origin=ROCHESTER, radius_km=100) == ["Near"]


def test_results_come_nearest_first_with_geodesic_distances_in_km_and_miles(empty_store):
    for km, name in ((240.0, "C"), (12.5, "A"), (80.0, "B")):
        add(empty_store, name, point(ROCHESTER, km, azimuth=km))
    rows = find(empty_store, origin=ROCHESTER, radius_km=250)
    assert [r.name for r in rows] == ["A", "B", "C"]
    for row in rows:
        exact = geodesic(ROCHESTER, (row.latitude, row.longitude)).km
        assert row.distance_km == pytest.approx(exact, rel=1e-4)
        assert row.distance_mi == pytest.approx(exact / 1.609344, rel=1e-4)
    assert rows[0].matched == ("within 155.3 mi",)


def test_radius_label_uses_the_units_the_user_chose(empty_store):
    add(empty_store, "A", point(ROCHESTER, 5))
    assert only(empty_store, origin=ROCHESTER, radius_km=240, units="km").matched == (
        "within 240 km",
    )


def test_nearest_page_is_exact_when_the_search_box_has_to_grow(empty_store):
    spots = [point(ROCHESTER, 30 + 97 * i, azimuth=37 * i) for i in range(12)]
    for i, spot in enumerate(spots):
        add(empty_store, f"C{i:02d}", spot)
    rows = find(empty_store, origin=ROCHESTER, limit=3)
    assert [r.name for r in rows] == ["C00", "C01", "C02"]


def test_radius_search_crosses_the_antimeridian(empty_store):
    add(empty_store, "Fiji side", (-17.0, 179.95))
    add(empty_store, "Samoa side", (-17.0, -179.95))
    found = names(empty_store, origin=(-17.0, -179.99), radius_km=50)
    assert sorted(found) == ["Fiji side", "Samoa side"]


def test_within_a_radius_means_located_within(empty_store):
    add(empty_store, "Near", point(ROCHESTER, 5))
    add(empty_store, "Far", point(ROCHESTER, 500))
    add(empty_store, "Somewhere")
    add(empty_store, "Elsewhere", kind="transplant_center")
    rows = find(empty_store, origin=ROCHESTER, radius_km=50)
    assert [(r.name, r.unknown) for r in rows] == [("Near", ())]
    assert all(r.distance_km is not None and r.distance_km <= 50 for r in rows)
    with empty_store.session() as s:
        flt = CenterFilter(origin=ROCHESTER, radius_km=50)
        assert unlocated_left_out(s, flt) == 2
        # Counted under the same criteria as the results: only the unlocated transplant center.
        assert unlocated_left_out(s, replace(flt, kinds={"transplant_center"}, unknown="drop")) == 1
        assert unlocated_left_out(s, replace(flt, radius_km=None)) == 0
    shown = find(empty_store, origin=ROCHESTER, radius_km=50, show_unlocated=True)
    assert [(r.name, r.unknown) for r in shown] == [
        ("Near", ()), ("Elsewhere", ("location unknown",)), ("Somewhere", ("location unknown",))
    ]  # fmt: skip
    assert shown[1].distance_km is None
    # Paged nearest-first: the page is filled with the located only.
    assert names(empty_store, origin=ROCHESTER, radius_km=50, limit=3) == ["Near"]
    with empty_store.session() as s:
        assert unlocated_left_out(s, CenterFilter(origin=ROCHESTER, radius_km=50, limit=3)) == 2


def test_origin_without_radius_sorts_every_center_by_distance(empty_store):
    add(empty_store, "Far", point(ROCHESTER, 5000))
    add(empty_store, "Unplaced")
    add(empty_store, "Near", point(ROCHESTER, 1))
    assert names(empty_store, origin=ROCHESTER, unknown="drop") == ["Near", "Far", "Unplaced"]


def test_radius_without_origin_is_ignored(empty_store):
    add(empty_store, "A", point(ROCHESTER, 500))
    assert names(empty_store, radius_km=10) == ["A"]


# --- free text -----------------------------------------------------------------------------


def test_text_matches_name_city_notes_and_trial_titles(empty_store):
    add(empty_store, "Lakeside Clinic", city="Duluth")
    add(empty_store, "Hill Center", notes="Scleroderma program")
    add(
        empty_store, "Trial Site", trials=[("NCT01", "HSCT in Crohn's disease", "recruiting", None)]
    )
    assert names(empty_store, text="lakeside") == ["Lakeside Clinic"]
    assert names(empty_store, text="DULUTH") == ["Lakeside Clinic"]
    assert names(empty_store, text="sclero") == ["Hill Center"]  # words match as prefixes
    assert names(empty_store, text="crohn") == ["Trial Site"]
    assert names(empty_store, text="hill scleroderma") == ["Hill Center"]  # every word
    assert names(empty_store, text="hill crohn") == []
    assert only(empty_store, text="  Hill  ").matched == ('text matches "Hill"',)


def test_text_ignores_accents_and_case(empty_store):
    add(empty_store, "Hôpital Saint-Louis", notes="Sjögren's syndrome")
    assert names(empty_store, text="hopital sjogren") == ["Hôpital Saint-Louis"]


@pytest.mark.parametrize(
    "hostile",
    ['multi-agent', '"', "'", "*", "OR(", "NEAR", "", "   ", "AND", "NOT", "a OR b", "(", ")",
     'say "hi', "name:x", "^x", "-", "+", "%", "_", "\\", "NEAR(a b, 2)", '""', "x*y", "{a b}"],
)  # fmt: skip
def test_hostile_text_never_raises(empty_store, hostile):
    add(empty_store, "Multi-Agent Regimen Center", notes="multi agent; a OR b; near by")
    rows = find(empty_store, text=hostile, origin=ROCHESTER, limit=5)
    assert all(r.name == "Multi-Agent Regimen Center" for r in rows)


def test_words_joined_by_punctuation_are_separate_words(empty_store):
    add(empty_store, "Karmanos/Wayne State", notes="HSCT/MSC programme; St.Mary's referrals")
    for word in ("wayne", "msc", "mary", "karmanos/wayne"):
        assert names(empty_store, text=word) == ["Karmanos/Wayne State"], word


def test_hyphenated_text_finds_the_words_in_order(empty_store):
    add(empty_store, "Multi-Agent Regimen Center")
    add(empty_store, "Agent Orange Clinic")
    assert names(empty_store, text="multi-agent") == ["Multi-Agent Regimen Center"]


# --- categorical and fact criteria ---------------------------------------------------------


def test_kinds_match_any_of_and_unknown_kind_is_marked_or_dropped(empty_store):
    add(empty_store, "Hospital", kind="academic_hospital")
    add(empty_store, "Clinic", kind="autoimmune_clinic")
    add(empty_store, "Unclassified")
    rows = find(empty_store, kinds={"academic_hospital", "transplant_center"}, sort="name")
    assert [(r.name, r.matched, r.unknown) for r in rows] == [
        ("Hospital", ("Academic hospital",), ()),
        ("Unclassified", (), ("kind unknown",)),
    ]
    assert names(empty_store, kinds={"academic_hospital"}, unknown="drop") == ["Hospital"]


def test_therapies_match_any_of_and_name_inferred_facts(empty_store):
    # A registry-inferred fact counts through a trial that gives the therapy (trial_match).
    auto = ("NCT09", "Autologous hematopoietic stem cell transplantation", "completed", None)
    add(empty_store, "Auto", therapies=[("hsct_autologous", "registry")], trials=[auto])
    add(empty_store, "Allo", therapies=["hsct_allogeneic"])
    add(empty_store, "MSC", therapies=["msc_adipose"])
    rows = find(empty_store, therapies={"hsct_autologous", "hsct_allogeneic"}, sort="name")
    assert [(r.name, r.matched[0]) for r in rows] == [
        ("Allo", "HSCT (allogeneic)"),
        ("Auto", "HSCT (autologous) [inferred]"),
    ]
    assert [r.matched_trials for r in rows] == [(), ("NCT09",)]
    assert names(empty_store, therapies={"hsct_autologous"}, verified_only=True) == []


def test_conditions_match_any_of(empty_store):
    add(empty_store, "Lupus", conditions=["lupus"])
    add(empty_store, "MS", conditions=[("multiple_sclerosis", "registry")],
        trials=[("NCT07", "Multiple sclerosis study", "completed", None)])  # fmt: skip
    assert names(empty_store, conditions={"lupus", "vasculitis"}) == ["Lupus"]
    assert only(empty_store, conditions={"multiple_sclerosis"}).matched == (
        "Multiple sclerosis [inferred]",
        "one trial meets every trial criterion: NCT07",
    )


def test_trials_any_recruiting_or_none_use_the_site_status_first(empty_store):
    add(empty_store, "Recruiting", trials=[("NCT01", "A", "recruiting", None)])
    add(empty_store, "Site closed", trials=[("NCT01", "A", "recruiting", "completed")])
    add(empty_store, "Site open", trials=[("NCT02", "B", "active_not_recruiting", "recruiting")])
    add(empty_store, "No trials")
    assert names(empty_store, trials="any", sort="name") == [
        "Recruiting",
        "Site closed",
        "Site open",
    ]
    assert names(empty_store, trials="recruiting", sort="name") == ["Recruiting", "Site open"]
    assert names(empty_store, trials="none") == ["No trials"]
    assert (
        only(empty_store, trials="recruiting", text="site").matched[-2] == "recruiting in 1 trial"
    )


SPECIALISTS = [
    ("specialty", "rheumatology", "verified"), ("specialty", "neurology", "registry"),
    ("service", "nurse_navigator", "verified"), ("service", "social_work", "verified"),
]  # fmt: skip


def test_specialties_and_services_require_all_of_them(empty_store):
    add(empty_store, "Team", team=SPECIALISTS)
    add(empty_store, "Rheum only", team=[("specialty", "rheumatology", "verified")])
    assert names(empty_store, specialties={"rheumatology", "neurology"}) == ["Team"]
    assert names(empty_store, services={"nurse_navigator", "social_work"}) == ["Team"]
    assert names(empty_store, services={"nurse_navigator", "psychology"}) == []
    row = only(empty_store, specialties={"rheumatology", "neurology"})
    assert row.matched == ("Neurology [inferred]", "Rheumatology")


def test_verified_only_makes_inferred_team_members_not_count(empty_store):
    add(empty_store, "Team", team=SPECIALISTS)
    assert names(empty_store, specialties={"neurology"}, verified_only=True) == []
    assert names(empty_store, min_disciplines=4) == ["Team"]
    assert names(empty_store, min_disciplines=4, verified_only=True) == []
    assert only(empty_store, min_disciplines=3, verified_only=True).matched == (
        "3 disciplines on the care team",
    )


def test_nullable_columns_are_matched_excluded_or_unknown(empty_store):
    add(empty_store, "Yes", accreditation="fact", setting="both", cost_min_usd=40_000,
        insurance_accepted=True, financial_assistance=True)  # fmt: skip
    add(empty_store, "No", accreditation="jacie", setting="inpatient", cost_min_usd=90_000,
        insurance_accepted=False, financial_assistance=False)  # fmt: skip
    add(empty_store, "Unknown")
    cases = {
        "accreditations": ({"fact"}, "FACT accredited", "accreditation unknown"),
        "outpatient_only": (True, "Outpatient or inpatient", "setting unknown"),
        "max_cost_usd": (50_000, "cost from $40,000", "cost unknown"),
        "insurance": (True, "insurance accepted", "insurance unknown"),
        "financial_assistance": (True, "financial assistance", "financial assistance unknown"),
    }
    for field, (value, matched, unknown) in cases.items():
        rows = find(empty_store, **{field: value}, sort="name")
        assert [(r.name, r.matched, r.unknown) for r in rows] == [
            ("Unknown", (), (unknown,)),
            ("Yes", (matched,), ()),
        ], field
        assert names(empty_store, **{field: value}, unknown="drop") == ["Yes"], field


def test_age_must_lie_within_known_bounds_and_missing_bounds_are_unknown(empty_store):
    add(empty_store, "Adults", age_min=18, age_max=65)
    add(empty_store, "Children", age_min=0, age_max=17)
    add(empty_store, "Adults, no upper limit given", age_min=18)
    add(empty_store, "No ages given")
    rows = find(empty_store, age=40, sort="name")
    assert [(r.name, r.matched, r.unknown) for r in rows] == [
        ("Adults", ("ages 18–65",), ()),
        ("Adults, no upper limit given", ("ages 18 and up",), ("maximum age unknown",)),
        ("No ages given", (), ("age range unknown",)),
    ]
    assert names(empty_store, age=12, sort="name") == ["Children", "No ages given"]
    assert names(empty_store, age=40, unknown="drop") == ["Adults"]


def test_exclude_red_flags_and_count_them_in_rows(empty_store):
    add(empty_store, "Flagged", flags=2)
    add(empty_store, "Clean")
    assert names(empty_store, exclude_red_flags=True) == ["Clean"]
    assert [r.red_flags for r in find(empty_store, sort="name")] == [0, 2]


USSC_LETTER = ("https://www.fda.gov/inspections-compliance-enforcement-and-criminal-"
               "investigations/warning-letters/us-stem-cell-clinic-llc-524470-08242017")
SUNRISE_FL = (26.1670, -80.2560)


def test_a_center_named_and_placed_like_an_fda_letter_firm_counts_its_red_flag(empty_store):
    """The detail pane matches the bundled FDA letters by firm name, city and state when a
    center is shown; the search's "Red flags" column and "exclude red flags" filter count the
    same letters, also for centers added or renamed after the seed was built."""
    add(empty_store, "Clean", city="Sunrise", region="FL", at=SUNRISE_FL)
    add(empty_store, "Same Name Elsewhere", city="Miami", region="FL")
    with empty_store.session() as s:  # added later, named like the letter's firm, in its city
        s.add(Center(name="U.S. Stem Cell Clinic, LLC", city="Sunrise", region="FL",
                     latitude=SUNRISE_FL[0], longitude=SUNRISE_FL[1]))
        other = s.scalar(select(Center).where(Center.name == "Same Name Elsewhere"))
        other.name = "US Stem Cell Clinic"  # renamed: the same firm's name, another city
    flags = {r.name: r.red_flags for r in find(empty_store)}
    assert flags == {"Clean": 0, "US Stem Cell Clinic": 0, "U.S. Stem Cell Clinic, LLC": 1}
    assert names(empty_store, exclude_red_flags=True, sort="name") == [
        "Clean", "US Stem Cell Clinic"]
    near = {"origin": SUNRISE_FL, "radius_km": 30.0, "exclude_red_flags": True}
    assert names(empty_store, **near) == ["Clean"]
    with empty_store.session() as s:
        assert count_matching(s, CenterFilter(as_of=TODAY, exclude_red_flags=True)) == 2
    # the letter already stored on the center (the seed's own match) is one flag, not two
    with empty_store.session() as s:
        firm = s.scalar(select(Center).where(Center.city == "Sunrise", Center.name != "Clean"))
        firm.red_flags = [RedFlag(kind="regulator_warning", description="on file",
                                  evidence_url=USSC_LETTER, source="fda")]
    assert {r.name: r.red_flags for r in find(empty_store)}["U.S. Stem Cell Clinic, LLC"] == 1
    # moved to the other city, the name alone flags nothing
    with empty_store.session() as s:
        firm = s.scalar(select(Center).where(Center.name == "U.S. Stem Cell Clinic, LLC"))
        firm.red_flags, firm.city = [], "Miami"
    assert {r.name: r.red_flags for r in find(empty_store)}["U.S. Stem Cell Clinic, LLC"] == 0


def test_every_bundled_letter_with_a_place_flags_a_center_named_like_its_firm(empty_store):
    """The text index only narrows which centers are compared with the letters: a center named
    as any of a firm's names, or holding it within a longer name, or three words of it, in
    the letter's city is found as the detail pane finds it (`letters_at`)."""
    expected = {}
    for i, letter in enumerate(bundled_letters()):
        for j, firm in enumerate(letter.names):
            words = firm.split()
            variants = [firm, f"{firm} of {letter.city}", " ".join(words[-3:])]
            for k, name in enumerate(variants):
                center = {"name": name, "city": letter.city, "region": letter.state}
                if letter.city and letters_at(center):
                    cid = add(empty_store, f"{name} #{i}.{j}.{k}", city=letter.city,
                              region=letter.state)
                    with empty_store.session() as s:  # the number keeps the names apart
                        s.get(Center, cid).name = name
                    expected[cid] = len(letters_at(center))
    assert len(expected) > 40
    found = {r.id: r.red_flags for r in find(empty_store, limit=None)}
    assert {cid: found[cid] for cid in expected} == expected
    assert names(empty_store, exclude_red_flags=True) == []


def test_verified_within_months_excludes_stale_and_never_verified(empty_store):
    add(empty_store, "Recent", last_verified=date(2026, 1, 10))
    add(empty_store, "Old", last_verified=date(2024, 5, 1))
    add(empty_store, "Never")
    assert names(empty_store, verified_within_months=6) == ["Recent"]
    stale = {r.name: r.stale for r in find(empty_store)}
    assert stale == {"Recent": False, "Old": True, "Never": True}


def test_criteria_combine_and_explain_in_order(empty_store):
    add(empty_store, "Match", point(ROCHESTER, 10), kind="transplant_center",
        therapies=["hsct_autologous"], team=SPECIALISTS, insurance_accepted=None,
        trials=[("NCT01", "Autologous HSCT for MS", "recruiting", None)])  # fmt: skip
    add(empty_store, "Wrong kind", point(ROCHESTER, 10), kind="autoimmune_clinic",
        therapies=["hsct_autologous"], team=SPECIALISTS)  # fmt: skip
    row = only(empty_store, origin=ROCHESTER, radius_km=100, kinds={"transplant_center"},
               therapies={"hsct_autologous"}, trials="recruiting", services={"social_work"},
               insurance=True, text="hsct")  # fmt: skip
    assert row.matched == ("within 62.1 mi", 'text matches "hsct"', "Transplant center",
                           "HSCT (autologous)", "recruiting in 1 trial", "Social work",
                           "one trial meets every trial criterion: NCT01")  # fmt: skip
    assert row.unknown == ("insurance unknown",)


# --- rows, sorting, limits, errors ---------------------------------------------------------


def test_result_rows_summarise_the_center(empty_store):
    add(empty_store, "Full", point(ROCHESTER, 3), kind="academic_hospital", city="Rochester",
        region="MN", country="United States", last_verified=date(2026, 3, 1),
        therapies=["msc_adipose", "hsct_autologous"], team=SPECIALISTS,
        trials=[("NCT01", "A", "recruiting", None), ("NCT02", "B", "completed", None)])  # fmt: skip
    row = only(empty_store, origin=ROCHESTER)
    assert (row.kind, row.city, row.region, row.country) == (
        "academic_hospital", "Rochester", "MN", "United States")  # fmt: skip
    assert (row.active_trials, row.recruiting, row.stale) == (1, True, False)
    assert row.therapies == ("hsct_autologous", "msc_adipose")
    assert row.specialties == ("neurology", "rheumatology")
    assert row.services == ("nurse_navigator", "social_work")
    assert len(row.uid) == 32 and row.last_verified == date(2026, 3, 1)


def test_sort_by_name_verified_and_trials_with_ties_broken_by_name(empty_store):
    add(
        empty_store, "b", last_verified=date(2025, 1, 1), trials=[("NCT1", "x", "recruiting", None)]
    )
    add(empty_store, "C", last_verified=date(2026, 1, 1))
    add(empty_store, "a")
    assert names(empty_store, sort="name") == ["a", "b", "C"]
    assert names(empty_store, sort="verified") == ["C", "b", "a"]
    assert names(empty_store, sort="trials") == ["b", "a", "C"]
    assert names(empty_store, sort="distance") == ["a", "b", "C"]  # no origin: by name


def test_centers_at_the_same_spot_sort_by_name(empty_store):
    for name in ("Zeta", "alpha", "Mid"):
        add(empty_store, name, ROCHESTER)
    assert names(empty_store, origin=ROCHESTER, limit=2) == ["alpha", "Mid"]


def test_limit_cuts_the_sorted_results(empty_store):
    for i in range(5):
        add(empty_store, f"C{i}", point(ROCHESTER, 10 * (i + 1)))
    assert names(empty_store, origin=ROCHESTER, limit=2, sort="distance") == ["C0", "C1"]
    assert names(empty_store, origin=ROCHESTER, radius_km=35, limit=2, sort="name") == ["C0", "C1"]
    assert names(empty_store, limit=0) == []


@pytest.mark.parametrize(
    "criteria, message",
    [
        ({"sort": "price"}, "accepted: distance, name, verified, trials"),
        ({"radius_km": -1.0, "origin": ROCHESTER}, "radius must be a non-negative"),
        ({"therapies": {"magic"}}, "unknown Therapy 'magic'; accepted: msc_bone_marrow"),
        ({"trials": "some"}, "accepted: any, recruiting, none"),
        ({"unknown": "ignore"}, "accepted: keep, drop"),
        ({"origin": (95.0, 0.0)}, "outside latitude/longitude range"),
        ({"min_disciplines": -2}, "non-negative"),
    ],
)
def test_filters_that_cannot_run_raise_search_error_naming_what_is_accepted(
    empty_store, criteria, message
):
    with pytest.raises(SearchError, match=message), empty_store.session() as s:
        search(s, CenterFilter(**criteria))


def test_filter_accepts_any_iterable_of_codes_and_stays_hashable():
    flt = CenterFilter(kinds=["academic_hospital"], therapies={"hsct_autologous"})
    assert flt.kinds == frozenset({"academic_hospital"})
    assert hash(flt) == hash(CenterFilter(kinds=frozenset({"academic_hospital"}),
                                          therapies=frozenset({"hsct_autologous"})))  # fmt: skip


def test_count_centers(empty_store):
    add(empty_store, "A")
    add(empty_store, "B")
    with empty_store.session() as s:
        assert count_centers(s) == 2


# --- the search index itself ---------------------------------------------------------------


def test_result_rows_and_detail_pane_agree_on_staleness_at_the_boundary(empty_store):
    """One rule: verified exactly 12 months ago is stale everywhere, a day later is not."""
    from directory_app.core.search.shapes import is_stale, months_before

    boundary = months_before(TODAY, 12)
    add(empty_store, "Boundary", last_verified=boundary)
    add(empty_store, "Day after", last_verified=boundary + timedelta(days=1))
    stale = {r.name: r.stale for r in find(empty_store)}
    assert stale == {"Boundary": True, "Day after": False}
    assert is_stale(boundary, TODAY) and not is_stale(boundary + timedelta(days=1), TODAY)


def test_an_unlocated_center_in_a_country_outside_the_radius_is_never_within(empty_store):
    """'Within 300 mi of Cleveland' never lists or counts a Norwegian hospital whose exact place
    is unknown, not even when unlocated centers are asked for; a U.S. one might be inside."""
    cleveland = (41.5034, -81.6081)
    add(empty_store, "Near", point(cleveland, 10), country="United States")
    add(empty_store, "Akershus", city="Lørenskog", country="Norway")
    add(empty_store, "Somewhere in Ohio", city="Nowhere", region="OH", country="United States")
    add(empty_store, "Somewhere in California", region="CA", country="United States")
    add(empty_store, "Country unknown")
    flt = CenterFilter(origin=cleveland, radius_km=300 * 1.609344, as_of=TODAY)
    with empty_store.session() as s:
        assert unlocated_left_out(s, flt) == 2
        shown = search(s, replace(flt, show_unlocated=True))
        paged = search(s, replace(flt, show_unlocated=True, limit=10))
        by_name = search(s, replace(flt, show_unlocated=True, sort="name"))
        anywhere = search(s, replace(flt, radius_km=None))
    expected = ["Near", "Country unknown", "Somewhere in Ohio"]
    assert [r.name for r in shown] == [r.name for r in paged] == expected
    assert sorted(r.name for r in by_name) == sorted(expected)
    # Without a radius nothing is "outside": every center is listed, the unlocated last.
    assert len(anywhere) == 5
    oslo = CenterFilter(origin=(59.91, 10.75), radius_km=100, show_unlocated=True, as_of=TODAY)
    with empty_store.session() as s:
        assert [r.name for r in search(s, oslo)] == ["Akershus", "Country unknown"]

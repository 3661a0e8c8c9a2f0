"""Trials with all their known sites, nearest first: named facilities and sites the registry
names only by city, on SQLite and PostgreSQL, and the `trials` command over the bundled data."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from directory_app.cli import main
from directory_app.core.directory.models import Center, Trial, TrialPlace, TrialSite
from directory_app.core.geo.distance import KM_PER_MILE
from directory_app.core.search.shapes import SearchError
from directory_app.core.search.trials import TrialFilter, city_label, find_trials

TODAY = date(2025, 12, 1)
CHICAGO = (41.8781, -87.6298)
PALO_ALTO = (37.4419, -122.1430)


@pytest.fixture
def directory(empty_store: Any) -> Any:
    """Northwestern University in Chicago, with three trials of different kinds of sites."""
    with empty_store.session() as s:
        nu = Center(name="Northwestern University", city="Chicago", region="IL",
                    country="United States", latitude=41.8955, longitude=-87.6199)  # fmt: skip
        stanford = Center(name="Stanford University", city="Stanford", region="CA",
                          country="United States", latitude=37.4275, longitude=-122.1697)
        hsct = Trial(nct_id="NCT00000001", status="completed", last_update=date(2020, 8, 12),
                     title="Hematopoietic stem cell transplantation in multiple sclerosis",
                     conditions=["Multiple Sclerosis"], sites_total=8,
                     interventions=["Procedure: autologous hematopoietic stem cell transplant"],
                     sponsor="Northwestern University", record_source="MS table")  # fmt: skip
        # Named at Stanford; known only by city in Chicago, linked to its sponsor there.
        hsct.sites = [TrialSite(center=stanford, facility="Stanford University")]
        s.add_all([nu, stanford, hsct])
        s.flush()
        hsct.sites.append(TrialSite(center=nu, facility="Northwestern University",
                                    city="Chicago", inferred_from="sponsor_city"))  # fmt: skip
        hsct.places = [TrialPlace(city="Chicago", region="IL", country="United States",
                                  latitude=CHICAGO[0], longitude=CHICAGO[1],
                                  location_source="gazetteer", center=nu,
                                  inferred_from="sponsor_city")]  # fmt: skip
        cart = Trial(nct_id="NCT00000002", status="recruiting", last_update=date(2025, 8, 29),
                     title="Anti-CD19 CAR T cells in refractory multiple sclerosis",
                     conditions=["Multiple Sclerosis"], sites_total=20,
                     interventions=["Biological: CD19 CAR T cells"])  # fmt: skip
        cart.places = [TrialPlace(city="Palo Alto", region="CA", country="United States",
                                  latitude=PALO_ALTO[0], longitude=PALO_ALTO[1],
                                  location_source="gazetteer")]  # fmt: skip
        crohn = Trial(nct_id="NCT00000003", status="not_yet_recruiting",
                      title="Adipose-derived MSC for perianal Crohn's disease",
                      conditions=["Crohn Disease"], last_update=date(2025, 1, 1),
                      interventions=["Biological: adipose-derived mesenchymal stem cells"])
        crohn.places = [TrialPlace(city="Atlantis", country="Nowhere")]  # not placed
        s.add_all([cart, crohn])
    return empty_store


def _find(store: Any, **kw: Any) -> list[Any]:
    with store.session() as s:
        return find_trials(s, TrialFilter(**kw), TODAY)


def test_every_trial_with_its_known_sites_and_the_registrys_count(directory):
    rows = {r.nct_id: r for r in _find(directory)}
    assert list(rows) == ["NCT00000001", "NCT00000002", "NCT00000003"]
    hsct = rows["NCT00000001"]
    assert (hsct.sites_known, hsct.sites_listed) == (2, 8)
    labels = sorted(site.label for site in hsct.sites)
    assert labels == ["Stanford University", "site in Chicago, IL"], "the inferred link once"
    chicago = next(site for site in hsct.sites if not site.named)
    assert chicago.center_name == "Northwestern University" and chicago.center_id is not None
    assert chicago.link_note == "inferred from sponsor and city"
    stanford = next(site for site in hsct.sites if site.named)
    assert stanford.inferred_from is None and stanford.center_name == "Stanford University"
    assert rows["NCT00000002"].sites[0].center_id is None, "a city-only site is no center"
    assert (rows["NCT00000003"].sites_known, rows["NCT00000003"].sites_listed) == (1, None)
    assert rows["NCT00000003"].sites[0].latitude is None


def test_status_carries_its_record_date_and_goes_stale(directory):
    rows = {r.nct_id: r for r in _find(directory)}
    assert rows["NCT00000001"].status_as_of == date(2020, 8, 12)
    assert rows["NCT00000001"].status_stale
    assert rows["NCT00000002"].status_as_of == date(2025, 8, 29)
    assert not rows["NCT00000002"].status_stale


def test_condition_therapy_and_status_filters(directory):
    def ids(**kw: Any) -> list[str]:
        return [r.nct_id for r in _find(directory, **kw)]

    assert ids(therapies=frozenset({"hsct_autologous"})) == ["NCT00000001"]
    assert ids(conditions=frozenset({"crohns_disease"})) == ["NCT00000003"]
    assert ids(conditions=frozenset({"multiple_sclerosis"})) == ["NCT00000001", "NCT00000002"]
    assert ids(status="recruiting") == ["NCT00000002"]
    assert ids(status="active") == ["NCT00000002", "NCT00000003"]
    with pytest.raises(SearchError, match="accepted: any, recruiting, active"):
        _find(directory, status="open")


def test_near_orders_trials_and_sites_by_nearest_site_and_radius_keeps_near_ones(directory):
    rows = _find(directory, origin=CHICAGO)
    assert [r.nct_id for r in rows] == ["NCT00000001", "NCT00000002", "NCT00000003"]
    hsct = rows[0]
    assert [s.label for s in hsct.sites] == ["site in Chicago, IL", "Stanford University"]
    assert hsct.sites[0].distance_km == pytest.approx(0.0, abs=0.01)
    assert hsct.sites[1].distance_mi == pytest.approx(1850, rel=0.02)
    assert rows[2].sites[0].distance_km is None, "an unplaced site has no distance"
    near = _find(directory, origin=CHICAGO, radius_km=50 * KM_PER_MILE)
    assert [r.nct_id for r in near] == ["NCT00000001"]
    west = _find(directory, origin=PALO_ALTO, radius_km=50 * KM_PER_MILE)
    assert [r.nct_id for r in west] == ["NCT00000002", "NCT00000001"], "Stanford is near too"


def test_city_label_names_us_state_or_country():
    assert city_label("Chicago", "IL", "United States") == "site in Chicago, IL"
    assert city_label("Lyon", "Rhône", "France") == "site in Lyon, France"
    assert city_label(None, None, None) == "site (city unknown)"


# --- the command over the bundled directory ---------------------------------------------------


def _trials(store: Any, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--db", store.url, "trials", *args])
    out, _err = capsys.readouterr()
    return code, out


def test_trials_command_finds_hsct_for_ms_with_its_sites_places(seeded_store, capsys):
    code, out = _trials(seeded_store, capsys, "--therapy", "hsct_autologous",
                        "--condition", "multiple_sclerosis", "--json")  # fmt: skip
    assert code == 0
    trials = {t["nct_id"]: t for t in json.loads(out)["trials"]}
    beat_ms = trials["NCT04047628"]
    assert beat_ms["status"] == "recruiting" and beat_ms["status_as_of"] == "2025-08-29"
    assert (beat_ms["sites_known"], beat_ms["sites_listed"]) == (1, 20)
    [site] = beat_ms["sites"]
    assert (site["label"], site["named"]) == ("site in Palo Alto, CA", False)
    assert site["center_id"] is None
    assert site["latitude"] == pytest.approx(37.44, abs=0.1)
    assert "hsct_autologous" in beat_ms["therapies"]
    assert all("multiple_sclerosis" in t["conditions"] for t in trials.values())


def test_trials_command_near_chicago_keeps_the_chicago_hsct_trials(seeded_store, capsys):
    code, out = _trials(seeded_store, capsys, "--therapy", "hsct_autologous", "--near",
                        "Chicago, IL", "--radius", "50mi", "--json")  # fmt: skip
    assert code == 0
    trials = json.loads(out)["trials"]
    assert "NCT00017628" in {t["nct_id"] for t in trials}
    for trial in trials:
        assert trial["sites"][0]["distance_mi"] <= 50, "nearest site first, within the radius"


def test_trials_command_text_says_site_in_city_and_sites_listed(seeded_store, capsys):
    code, out = _trials(seeded_store, capsys, "--therapy", "hsct_autologous", "--near", "94301")
    assert code == 0
    block = out.split("NCT04047628", 1)[1].split("\nNCT", 1)[0]
    assert "Recruiting (as of 2025-08-29" in block
    assert "1 of 20 sites listed in the registry known" in block
    assert "- site in Palo Alto, CA; " in block and " mi" in block


def test_trials_command_refuses_bad_options_in_one_line(seeded_store, capsys):
    for args, message in (
        (["--status", "open"], "--status: unknown value 'open'; accepted: any, recruiting, active"),
        (["--radius", "5mi"], "--radius needs --near PLACE"),
        (["--therapy", "magic"], "--therapy: "),
    ):
        code = main(["--db", seeded_store.url, "trials", *args])
        err = capsys.readouterr().err
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1

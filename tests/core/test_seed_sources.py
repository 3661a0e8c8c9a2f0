"""The bundled directory from two registry downloads: the 2022 MSC export and the 2025 table of
multiple sclerosis studies, one record per study (the newer wins), each trial naming its source,
and sites known only by their city kept as located places of the trial, never as centers."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from directory_app.core.directory.vocab import Phase, TrialStatus
from directory_app.core.registry.city_sites import (
    SPONSOR_CITY,
    place_dict,
    sponsor_center,
    sponsor_center_index,
)
from directory_app.core.registry.combine import Sourced, combine
from directory_app.core.registry.ctgov import RecordError, SiteRecord, StudyRecord
from directory_app.core.registry.flat_csv import iter_flat_studies
from directory_app.core.storage.seed import read_seed

DATA = Path(__file__).resolve().parents[1] / "data" / "ctgov"
SAMPLE = DATA / "ms-flat-sample-2025-09.csv"


def _by_id(studies):
    return {s.nct_id: s for s in studies}


def test_flat_table_names_only_the_first_sites_city_and_the_count():
    studies = _by_id(iter_flat_studies(SAMPLE))
    beat_ms = studies["NCT04047628"]
    assert beat_ms.status is TrialStatus.RECRUITING
    assert beat_ms.phases == (Phase.PHASE3,)
    assert beat_ms.sites_total == 20
    assert beat_ms.last_update == date(2025, 8, 29)
    assert beat_ms.sites == (
        SiteRecord(facility="", city="Palo Alto", region="California", country="United States"),
    )
    assert beat_ms.sponsor == "National Institute of Allergy and Infectious Diseases (NIAID)"
    assert any(i.startswith("Procedure: ") for i in beat_ms.interventions)
    assert studies["NCT00273364"].sites_total == 1


def test_flat_table_errors_name_file_row_and_column(tmp_path: Path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "ms.csv"
    bad.write_text(f"{lines[0]}\n{lines[1].replace('NCT', 'XCT', 1)}\n", encoding="utf-8")
    with pytest.raises(RecordError) as err:
        list(iter_flat_studies(bad))
    assert (err.value.file, err.value.row, err.value.field) == ("ms.csv", 1, "NCTId")
    missing = tmp_path / "short.csv"
    missing.write_text("NCTId,BriefTitle\nNCT00000001,x\n", encoding="utf-8")
    with pytest.raises(RecordError, match="short.csv, field 'OverallStatus': required column"):
        list(iter_flat_studies(missing))


def _study(nct: str, status: TrialStatus, day: date | None, sites=(), **kw) -> StudyRecord:
    return StudyRecord(nct_id=nct, title="t", acronym=kw.pop("acronym", None), status=status,
                       phases=kw.pop("phases", ()), conditions=("Multiple Sclerosis",),
                       interventions=kw.pop("interventions", ()), sponsor=None, last_update=day,
                       url="u", sites=sites, **kw)  # fmt: skip


def test_the_newer_record_wins_and_the_older_fills_only_what_the_newer_lacks():
    named = SiteRecord(facility="Tisch MS Research Center", city="New York", country="US")
    old = Sourced(_study("NCT1", TrialStatus.ACTIVE_NOT_RECRUITING, date(2021, 10, 6),
                         sites=(named,), acronym="OLD", phases=(Phase.PHASE1,),
                         min_age_years=18.0), "2022")  # fmt: skip
    city_only = SiteRecord(facility="", city="New York", country="US")
    elsewhere = SiteRecord(facility="", city="Boston", country="US")
    new = Sourced(_study("NCT1", TrialStatus.COMPLETED, date(2025, 6, 11),
                         sites=(city_only, elsewhere), phases=(Phase.PHASE2,),
                         sites_total=3), "2025")  # fmt: skip
    [merged] = combine([old], [new])
    assert merged.source == "2025"
    assert merged.study.status is TrialStatus.COMPLETED
    assert merged.study.phases == (Phase.PHASE2,)
    assert merged.study.last_update == date(2025, 6, 11)
    assert merged.study.acronym == "OLD" and merged.study.min_age_years == 18.0
    assert merged.study.sites_total == 3
    # The named site is kept; the city-only site in its city adds nothing; Boston stays.
    assert merged.study.sites == (named, elsewhere)
    # Given the other way round (an older record in the later download), the newer still wins.
    [again] = combine([new], [old])
    assert again.study.status is TrialStatus.COMPLETED and again.source == "2025"


def test_a_city_only_site_is_placed_at_its_city_and_linked_only_to_its_sponsor_there():
    site = SiteRecord(facility="", city="Chicago", region="Illinois", country="United States")
    place = place_dict(site)
    assert place["region"] == "IL" and place["location_source"] == "gazetteer"
    assert place["latitude"] == pytest.approx(41.88, abs=0.1)
    centers = [
        {"uid": "nu", "name": "Northwestern University", "city": "Chicago",
         "country": "United States"},
        {"uid": "nu-evanston", "name": "Northwestern University", "city": "Evanston",
         "country": "United States"},
        {"uid": "rush", "name": "Rush University Medical Center", "city": "Chicago",
         "country": "United States"},
    ]  # fmt: skip
    index = sponsor_center_index(centers)
    study = _study("NCT1", TrialStatus.COMPLETED, None, sites=(site,))
    assert sponsor_center(study, site, index) is None, "no sponsor, no link"
    by_nu = dataclasses.replace(study, sponsor="The Northwestern University")
    assert sponsor_center(by_nu, site, index) == "nu"
    boston = SiteRecord(facility="", city="Boston", country="United States")
    assert sponsor_center(by_nu, boston, index) is None, "the sponsor is not in that city"
    twice = sponsor_center_index([*centers, {**centers[0], "uid": "nu2"}])
    assert sponsor_center(by_nu, site, twice) is None, "two candidates: no link"


# --- the bundled seed -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed():
    return read_seed()


def test_seed_holds_both_downloads_and_names_each_trials_source(seed):
    trials = {t["nct_id"]: t for t in seed["trials"]}
    sources = {t.get("record_source") for t in trials.values()}
    assert sources == {
        "ClinicalTrials.gov MSC studies export 2022-09",
        "ClinicalTrials.gov MS studies table 2025-09",
    }
    assert seed["meta"]["studies_by_source"] == {
        name: sum(1 for t in trials.values() if t["record_source"] == name) for name in sources
    }
    # In both downloads: the 2025 record is newer, so its status and date win; the 2022
    # export's named sites stay.
    tisch = trials["NCT03355365"]
    assert (tisch["status"], tisch["last_update"]) == ("completed", "2025-06-11")
    assert tisch["record_source"] == "ClinicalTrials.gov MS studies table 2025-09"
    linked = [c for c in seed["centers"] if any(t["nct_id"] == "NCT03355365" for t in c["trials"])]
    assert [c["city"] for c in linked] == ["New York"]
    assert trials["NCT04749667"]["status"] == "active_not_recruiting"
    # Only in the 2025 table: a trial with its city-only site.
    beat_ms = trials["NCT04047628"]
    assert beat_ms["sites_total"] == 20
    assert [(p["city"], p["region"]) for p in beat_ms["places"]] == [("Palo Alto", "CA")]
    assert beat_ms["places"][0]["latitude"] is not None


def test_seed_never_makes_a_center_of_a_city_only_site(seed):
    for center in seed["centers"]:
        assert center["name"].strip()
        for link in center["trials"]:
            assert link["facility"].strip()
    # Every center has a link naming its facility as the registry wrote it (not inferred).
    for center in seed["centers"]:
        assert any("inferred_from" not in link for link in center["trials"]), center["name"]


def test_seed_links_a_city_only_site_to_its_sponsor_and_says_so(seed):
    uids = {c["uid"]: c for c in seed["centers"]}
    linked = [(t, p) for t in seed["trials"] for p in t.get("places", []) if p["center_uid"]]
    assert linked, "Thomas Jefferson University sponsors a trial in Philadelphia"
    for trial, place in linked:
        center = uids[place["center_uid"]]
        assert place["inferred_from"] == SPONSOR_CITY
        assert center["city"] == place["city"]
        [link] = [lk for lk in center["trials"] if lk["nct_id"] == trial["nct_id"]]
        assert link["inferred_from"] == SPONSOR_CITY and link["facility"] == trial["sponsor"]
    jefferson = [uids[p["center_uid"]]["name"] for t, p in linked if t["nct_id"] == "NCT04857489"]
    assert jefferson == ["Thomas Jefferson University"]


def test_on_equal_record_dates_the_first_download_is_kept():
    """Same record version in both: the richer 2022 export (named sites, ages) stays, so
    importing that export again changes nothing."""
    day = date(2015, 8, 7)
    first = Sourced(_study("NCT1", TrialStatus.COMPLETED, day, interventions=("Other: a",)), "22")
    second = Sourced(
        _study("NCT1", TrialStatus.COMPLETED, day, interventions=("Other: a", "Other: a")), "25"
    )
    [kept] = combine([first], [second])
    assert kept.source == "22" and kept.study.interventions == ("Other: a",)

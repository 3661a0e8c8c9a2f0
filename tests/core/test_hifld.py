"""Matching U.S. trial sites to the bundled HIFLD hospital list.

A wrong match would give a patient the wrong address, so these tests pin down both the matches
that must be found and the near misses that must be refused."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from directory_app.core.registry import hifld
from directory_app.core.registry.ctgov import iter_studies
from directory_app.core.registry.hifld import (
    ALIASES,
    HIFLD_FILE,
    Hospital,
    load_hospitals,
    match_hospital,
)

ROOT = Path(__file__).resolve().parents[2]
CLASSIC = ROOT / "tests" / "data" / "ctgov" / "classic-autoimmune.csv"


def matched_name(facility: str, city: str, state: str) -> str | None:
    hospital = match_hospital(facility, city, state)
    return hospital.name if hospital else None


# --- the bundled list ------------------------------------------------------------------------


def test_bundled_list_has_the_trimmed_columns_sorted_by_id() -> None:
    with HIFLD_FILE.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        ids = [int(row[0]) for row in reader]
    assert header == ["ID", "NAME", "ADDRESS", "CITY", "STATE", "ZIP", "TELEPHONE", "TYPE",
                      "STATUS", "LATITUDE", "LONGITUDE", "WEBSITE", "BEDS"]  # fmt: skip
    assert len(ids) == 8013
    assert ids == sorted(ids)


def test_missing_values_are_empty_and_zip_codes_keep_leading_zeros() -> None:
    text = HIFLD_FILE.read_text(encoding="utf-8")
    assert "NOT AVAILABLE" not in text
    assert ",-999," not in text and not text.rstrip().endswith(",-999")
    mgh = next(h for h in load_hospitals() if h.name == "MASSACHUSETTS GENERAL HOSPITAL")
    assert mgh.zip == "02114"


def test_hospitals_load_once_and_carry_typed_fields() -> None:
    assert load_hospitals() is load_hospitals()
    mayo = next(h for h in load_hospitals() if h.id == "255902")
    assert mayo == Hospital(
        id="255902", name="MAYO CLINIC HOSPITAL ROCHESTER", address="1216 2ND STREET SW",
        city="ROCHESTER", state="MN", zip="55902", telephone="(507) 255-1991",
        type="GENERAL ACUTE CARE", status="OPEN", latitude=44.02055915, longitude=-92.48272029,
        website="http://www.mayoclinic.org", beds=2059,
    )  # fmt: skip
    shepherd = next(h for h in load_hospitals() if h.name == "SHEPHERD CENTER")
    assert shepherd.website is None


def test_build_script_trims_cleans_and_orders(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_hifld", ROOT / "db" / "build_hifld.py")
    assert spec and spec.loader
    build_hifld = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_hifld)
    source = tmp_path / "hifld.csv"
    header = ("X,Y,OBJECTID,ID,NAME,ADDRESS,CITY,STATE,ZIP,TELEPHONE,TYPE,STATUS,POPULATION,"
              "COUNTY,LATITUDE,LONGITUDE,WEBSITE,OWNER,BEDS")  # fmt: skip
    rows = [
        "1,2,1,20,B HOSPITAL,1 MAIN ST,TOWN,MA,2114,NOT AVAILABLE,GENERAL ACUTE CARE,OPEN,5,X,"
        "42.1,-71.1,NOT AVAILABLE,GOV,-999",
        '1,2,2,3,A HOSPITAL,"2 MAIN ST, PO BOX 1",TOWN,MA,02115,(617) 555-0100,CHILDREN,OPEN,5,X,'
        "42.2,-71.2,http://a.example,GOV,40",
    ]
    source.write_bytes(("\ufeff" + header + "\n" + "\n".join(rows) + "\n").encode("utf-8"))
    out = tmp_path / "out.csv"
    assert build_hifld.build(source, out) == 2
    with out.open(encoding="utf-8", newline="") as fh:
        written = list(csv.DictReader(fh))
    assert [r["ID"] for r in written] == ["3", "20"]
    assert written[0]["ADDRESS"] == "2 MAIN ST, PO BOX 1"
    assert written[1] == {"ID": "20", "NAME": "B HOSPITAL", "ADDRESS": "1 MAIN ST",
                          "CITY": "TOWN", "STATE": "MA", "ZIP": "02114", "TELEPHONE": "",
                          "TYPE": "GENERAL ACUTE CARE", "STATUS": "OPEN", "LATITUDE": "42.1",
                          "LONGITUDE": "-71.1", "WEBSITE": "", "BEDS": ""}  # fmt: skip
    hospitals = load_hospitals.__wrapped__(out)
    assert hospitals[1].telephone is None and hospitals[1].beds is None


# --- matches that must be found --------------------------------------------------------------


@pytest.mark.parametrize(
    ("facility", "city", "state", "expected"),
    [
        ("Mayo Clinic", "Rochester", "Minnesota", "MAYO CLINIC HOSPITAL ROCHESTER"),
        ("Mayo Clinic", "Rochester", "MN", "MAYO CLINIC HOSPITAL ROCHESTER"),
        ("Mayo Clinic in Florida", "Jacksonville", "Florida", "MAYO CLINIC"),
        ("University of Minnesota", "Minneapolis", "Minnesota",
         "UNIVERSITY OF MINNESOTA MEDICAL CENTER-FAIRVIEW-EAST BANK-ER"),
        ("Massachusetts General Hospital", "Boston", "Massachusetts",
         "MASSACHUSETTS GENERAL HOSPITAL"),
        ("Brigham and Womens Hospital", "Boston", "Massachusetts", "BRIGHAM AND WOMEN'S HOSPITAL"),
        ("Holy Name Hospital", "Teaneck", "New Jersey", "HOLY NAME MEDICAL CENTER"),
        ("Emory University", "Atlanta", "Georgia", "EMORY UNIVERSITY HOSPITAL"),
        ("Duke University Medical Center", "Durham", "North Carolina", "DUKE UNIVERSITY HOSPITAL"),
        ("University of Chicago", "Chicago", "Illinois",
         "THE UNIVERSITY OF CHICAGO MEDICAL CENTER"),
        ("M D Anderson Cancer Center", "Houston", "Texas",
         "UNIVERSITY OF TEXAS M.D. ANDERSON CANCER CENTER"),
        ("Memorial Hermann Hospital", "Houston", "Texas",
         "MEMORIAL HERMANN - TEXAS MEDICAL CENTER"),
        ("Cleveland Clinic", "Cleveland", "Ohio", "CLEVELAND CLINIC FOUNDATION"),
        ("UCSF", "San Francisco", "California", "UCSF MEDICAL CENTER"),
        ("Roswell Park", "Buffalo", "New York", "ROSWELL PARK CANCER INSTITUTE"),
    ],
)  # fmt: skip
def test_known_sites_match_their_hospital(
    facility: str, city: str, state: str, expected: str
) -> None:
    assert matched_name(facility, city, state) == expected


def test_same_name_elsewhere_in_the_state_matches_when_it_is_the_only_one() -> None:
    """Registry sites often give the big neighbouring city; HIFLD gives the suburb."""
    hospital = match_hospital("Cedars-Sinai Medical Center", "Los Angeles", "California")
    assert hospital is not None
    assert (hospital.name, hospital.city) == ("CEDAR SINAI MEDICAL CENTER", "WEST HOLLYWOOD")


def test_the_city_picks_the_campus() -> None:
    assert matched_name("Beth Israel Deaconess Medical Center", "Needham", "Massachusetts") == (
        "BETH ISRAEL DEACONESS HOSPITAL - NEEDHAM"
    )
    assert matched_name("Beth Israel Deaconess Medical Center", "Boston", "Massachusetts") == (
        "BETH ISRAEL DEACONESS MED CTR - EAST"
    )


def test_duplicate_entries_at_one_address_are_one_hospital() -> None:
    hospital = match_hospital("Children's Hospital Los Angeles", "Los Angeles", "California")
    assert hospital is not None and hospital.address == "4650 W SUNSET BLVD"


def test_academic_aliases_apply_only_in_their_own_city() -> None:
    assert matched_name("Medical University of South Carolina", "Charleston", "South Carolina") == (
        "MUSC MEDICAL CENTER"
    )
    assert (
        matched_name("Medical University of South Carolina", "Columbia", "South Carolina") is None
    )


def test_every_alias_points_at_an_open_hospital_in_its_state() -> None:
    by_id = {h.id: h for h in load_hospitals()}
    for name, state, hospital_id in ALIASES:
        hospital = by_id[hospital_id]
        assert (hospital.state, hospital.status) == (state, "OPEN"), name


# --- near misses that must be refused --------------------------------------------------------


@pytest.mark.parametrize(
    ("facility", "city", "state", "why"),
    [
        ("Mayo Clinic", "Rochester", "New York", "same city name, wrong state"),
        ("Mayo Clinic", "Scottsdale", "Arizona", "HIFLD lists Mayo only in Phoenix"),
        ("New York Presbyterian Hospital", "New York", "New York", "several campuses"),
        ("Methodist Childrens Hospital of South Texas", "San Antonio", "Texas",
         "a children's hospital is not the general Methodist Hospital"),
        ("Greater Chesapeake Associates", "Baltimore", "Maryland",
         "a practice sharing only the word 'Greater' with GREATER BALTIMORE MEDICAL CENTER"),
        ("University of Texas Health Science Center", "Houston", "Texas",
         "not MD Anderson, though both are 'University of Texas'"),
        ("Emory University", "Atlanta", "", "no state"),
        ("Medical Center", "Boston", "Massachusetts", "nothing distinctive"),
        ("Children's Hospital", "Philadelphia", "Pennsylvania", "nothing distinctive"),
        ("Oregon State Hospital Portland", "Portland", "Oregon", "closed"),
        ("Clinical Research of West Florida", "Clearwater", "Florida", "not a hospital"),
        ("Mayo Clinic", "Rochester", "Ontario", "not a U.S. state"),
    ],
)  # fmt: skip
def test_uncertain_sites_do_not_match(facility: str, city: str, state: str, why: str) -> None:
    assert match_hospital(facility, city, state) is None, why


def test_psychiatric_and_rehabilitation_entries_are_not_fuzzy_matches() -> None:
    """ "Emory University" must never land on EMORY REHABILITATION HOSPITAL."""
    hospital = match_hospital("Emory University", "Atlanta", "Georgia")
    assert hospital is not None and hospital.type == "GENERAL ACUTE CARE"
    assert match_hospital("UF Health Shands", "Gainesville", "Florida") is not None
    assert matched_name("UF Health Shands", "Gainesville", "Florida") == "UF HEALTH SHANDS HOSPITAL"


# --- the real fixture ------------------------------------------------------------------------


def test_us_sites_of_the_fixture_studies() -> None:
    """Expected outcome for every U.S. site in the real fixture export."""
    expected = {
        ("Emory University", "Atlanta"): "EMORY UNIVERSITY HOSPITAL",
        ("Medical University of South Carolina", "Charleston"): "MUSC MEDICAL CENTER",
        ("Mayo Clinic", "Rochester"): "MAYO CLINIC HOSPITAL ROCHESTER",
        ("UH Hospitals Cleveland", "Cleveland"): None,  # "UH" is not spelled out anywhere
        ("MetroHealth Medical Center", "Cleveland"): "METROHEALTH MEDICAL CENTER",
        ("University of Florida", "Gainesville"): "UF HEALTH SHANDS HOSPITAL",
        ("Children's Healthcare of Atlanta at Egleston", "Atlanta"):
            "CHILDREN'S HEALTHCARE OF ATLANTA AT EGLESTON",
        ("Winship Cancer Institute of Emory University", "Atlanta"): None,  # a cancer unit
        ("Shepherd Center", "Atlanta"): "SHEPHERD CENTER",
        ("UMass Memorial Medical Center", "Worcester"): None,  # two campuses in Worcester
        ("Rocky Mountain MS Clinic", "Salt Lake City"): None,  # an outpatient clinic
    }  # fmt: skip
    seen = {}
    for study in iter_studies(CLASSIC):
        for site in study.sites:
            if site.country == "United States":
                seen[(site.facility, site.city)] = matched_name(
                    site.facility, site.city, site.region or ""
                )
    assert seen == expected


def test_index_skips_closed_hospitals() -> None:
    indexed = {e.hospital.id for entries in hifld._index().values() for e in entries}
    closed = {h.id for h in load_hospitals() if h.status == "CLOSED"}
    assert closed and not closed & indexed


def test_a_generic_name_does_not_match_across_cities() -> None:
    """New Hampshire has a single open MEMORIAL HOSPITAL; a site of that name in another town is
    another hospital, so the "unique in the state" rule needs a distinctive name."""
    (memorial,) = [
        h for h in load_hospitals()
        if h.name == "MEMORIAL HOSPITAL" and h.state == "NH" and h.status == "OPEN"
    ]  # fmt: skip
    assert match_hospital("Memorial Hospital", memorial.city, "NH") == memorial
    assert match_hospital("Memorial Hospital", "Concord", "NH") is None

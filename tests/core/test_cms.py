"""Joining U.S. centers to the bundled CMS hospital list: CCN, hospital type, contacts, kind.

A wrong join would give a patient another hospital's phone, so these tests pin down the joins
that must be made (exact name in the same city or ZIP, exact address and ZIP) and the near
misses that must be refused (a similar name, another state, a shared building)."""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from directory_app.core import paths
from directory_app.core.directory.vocab import CenterKind
from directory_app.core.present.center_facts import center_facts
from directory_app.core.registry.cms import (
    BY_ADDRESS,
    BY_NAME,
    CMS_FILE,
    CmsHospital,
    address_key,
    kind_for,
    load_cms,
    match_cms,
)


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, paths.DB_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def hospital(name: str, kind: str | None) -> CmsHospital:
    return CmsHospital("999999", name, "1 MAIN ST", "TOWN", "OH", "44106", None, kind, None)


# --- the bundled list ------------------------------------------------------------------------


def test_bundled_list_keeps_leading_zeros_and_is_sorted_by_ccn() -> None:
    rows = load_cms()
    assert len(rows) == 5421
    assert rows[0].ccn == "010001" and rows[0].zip == "36301"
    ccns = [r.ccn for r in rows]
    assert ccns == sorted(ccns) and len(set(ccns)) == len(ccns)


def test_build_trims_the_cms_file_reproducibly(tmp_path: Path) -> None:
    source = tmp_path / "cms.csv"
    with source.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Facility ID", "Facility Name", "Address", "City/Town", "State",
                         "ZIP Code", "County/Parish", "Telephone Number", "Hospital Type",
                         "Hospital Ownership", "Emergency Services"])  # fmt: skip
        writer.writerow(["330101", "B HOSPITAL", "2 ELM  ST", "ALBANY", "NY", "12208", "X",
                         "(518) 555-0100", "Acute Care Hospitals", "Proprietary", "Yes"])
        writer.writerow(["10001", "A HOSPITAL", "1 OAK ST", "DOTHAN", "AL", "6301", "Y",
                         "", "Childrens", "Government", "No"])  # fmt: skip
    build = _module("build_cms").build
    first, second = tmp_path / "one.csv", tmp_path / "two.csv"
    assert build(source, first) == 2
    build(source, second)
    assert first.read_bytes() == second.read_bytes()
    lines = first.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "CCN,NAME,ADDRESS,CITY,STATE,ZIP,TELEPHONE,TYPE,OWNERSHIP"
    assert lines[1] == "010001,A HOSPITAL,1 OAK ST,DOTHAN,AL,06301,,Childrens,Government"
    assert lines[2].startswith("330101,B HOSPITAL,2 ELM ST,ALBANY")


def test_build_names_the_missing_column(tmp_path: Path) -> None:
    source = tmp_path / "cms.csv"
    source.write_text("Facility ID,Facility Name\n1,A\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="missing columns Address"):
        _module("build_cms").build(source, tmp_path / "out.csv")


# --- matching ---------------------------------------------------------------------------------


def test_same_name_in_the_same_city_matches() -> None:
    found = match_cms("Rush University Medical Center", "Chicago", "IL")
    assert found is not None and found.rule == BY_NAME
    assert found.hospital.ccn == "140119"
    assert found.hospital.telephone == "(312) 942-5000"


def test_same_name_in_the_same_zip_matches_when_the_city_is_spelled_otherwise() -> None:
    found = match_cms("Rush University Medical Center", "Chicago Heights", "IL", "60612")
    assert found is not None and found.hospital.ccn == "140119"


def test_a_similar_name_alone_is_no_match() -> None:
    assert match_cms("Rush Medical Center", "Chicago", "IL") is None
    assert match_cms("Rush University", "Chicago", "IL") is None


def test_the_same_name_in_another_state_or_city_is_no_match() -> None:
    assert match_cms("Rush University Medical Center", "Chicago", "IN") is None
    assert match_cms("Rush University Medical Center", "Peoria", "IL", "61602") is None
    assert match_cms("Rush University Medical Center", "Chicago", None) is None


def test_the_same_address_and_zip_match_a_differently_named_center() -> None:
    found = match_cms("Mayo Clinic Florida", "Jacksonville", "FL", "32224", "4500 San Pablo Road")
    assert found is not None and found.rule == BY_ADDRESS
    assert found.hospital.ccn == "100151"
    elsewhere = match_cms("Mayo Clinic Florida", "Jacksonville", "FL", "32225", "4500 San Pablo Rd")
    assert elsewhere is None


def test_an_address_two_cms_hospitals_share_is_no_match() -> None:
    by_address: dict[tuple[str | None, str], int] = {}
    for h in load_cms():
        if h.address:
            key = (h.zip, address_key(h.address))
            by_address[key] = by_address.get(key, 0) + 1
    zip_code, street = next(k for k, n in sorted(by_address.items(), key=str) if n > 1 and k[0])
    shared = [h for h in load_cms() if (h.zip, address_key(h.address or "")) == (zip_code, street)]
    assert match_cms("Some Research Institute", shared[0].city, shared[0].state, zip_code,
                     shared[0].address) is None  # fmt: skip


def test_address_key_agrees_on_street_words_and_ignores_the_suite() -> None:
    assert address_key("1653 West Congress Parkway, Suite 200") == address_key(
        "1653 W CONGRESS PKWY"
    )


def test_kind_is_academic_only_where_the_hospitals_own_name_says_so() -> None:
    assert kind_for(hospital("UNIVERSITY OF KENTUCKY HOSPITAL", "Acute Care Hospitals")) == (
        CenterKind.ACADEMIC_HOSPITAL
    )
    assert kind_for(hospital("CLEVELAND CLINIC", "Acute Care Hospitals")) == CenterKind.HOSPITAL
    assert kind_for(hospital("TEXAS CHILDRENS HOSPITAL", "Childrens")) == CenterKind.HOSPITAL
    assert kind_for(hospital("HILL CREST BEHAVIORAL HEALTH", "Psychiatric")) is None


# --- the seed build's step --------------------------------------------------------------------


def _center(name: str, city: str, region: str, kind: str | None = None) -> dict[str, object]:
    return {"name": name, "city": city, "region": region, "country": "United States",
            "postal_code": None, "address": None, "phone": None, "kind": kind,
            "kind_source": "registry" if kind else None, "kind_source_ref": None,
            "source_ref": "ClinicalTrials.gov NCT00000001"}  # fmt: skip


def test_apply_cms_sets_identifier_type_contacts_and_a_missing_kind() -> None:
    step = _module("seed_cms")
    rush = _center("Rush University Medical Center", "Chicago", "IL", "academic_hospital")
    clinic = _center("Cleveland Clinic", "Cleveland", "OH")
    unknown = _center("Neurology Associates of Somewhere", "Chicago", "IL")
    abroad = {**_center("Cleveland Clinic", "Cleveland", "OH"), "country": "Canada"}
    stats = step.apply_cms([rush, clinic, unknown, abroad])
    assert rush["ccn"] == "140119" and rush["hospital_type"] == "Acute Care Hospitals"
    assert rush["phone"] == "(312) 942-5000" and rush["contact_source"] == "cms"
    assert rush["address"] == "1653 WEST CONGRESS PARKWAY" and rush["postal_code"] == "60612"
    assert rush["kind"] == "academic_hospital" and rush["kind_source"] == "registry"
    assert rush["source_ref"] == "ClinicalTrials.gov NCT00000001; CMS CCN 140119"
    assert clinic["kind"] == "hospital" and clinic["kind_source"] == "cms"
    assert clinic["kind_source_ref"] == f"CMS CCN {clinic['ccn']}"
    assert "ccn" not in unknown and unknown["kind"] is None and "ccn" not in abroad
    meta = stats.as_meta()
    assert meta == {
        "us_centers": 3, "matched_by_name": 2, "matched_by_address": 0,
        "kinds_from_cms": 1, "centers_with_kind": 2, "centers_kind_unknown": 2,
    }  # fmt: skip
    assert step.cms_summary(meta) == (
        "CMS: 2 of 3 U.S. centers matched (2 by name, 0 by address), 1 kinds from CMS; "
        "2 centers have a kind, 2 unknown"
    )


def test_the_bundled_seed_counts_what_its_centers_carry() -> None:
    data = json.loads(paths.SEED_FILE.read_text(encoding="utf-8"))
    centers = data["centers"]
    meta = data["meta"]["cms"]
    joined = [c for c in centers if c.get("ccn")]
    assert len(joined) == meta["matched_by_name"] + meta["matched_by_address"] > 30
    assert all(c["contact_source"] == "cms" and c["hospital_type"] for c in joined)
    assert meta["centers_with_kind"] == sum(1 for c in centers if c.get("kind"))
    assert meta["centers_kind_unknown"] == sum(1 for c in centers if not c.get("kind"))
    assert meta["kinds_from_cms"] == sum(1 for c in centers if c.get("kind_source") == "cms")
    assert any(s["name"] == "CMS Hospital General Information" for s in data["meta"]["sources"])
    codes = {h.ccn for h in load_cms(CMS_FILE)}
    assert {c["ccn"] for c in joined} <= codes


def test_center_facts_name_cms_as_the_source_of_address_and_phone() -> None:
    rush = _center("Rush University Medical Center", "Chicago", "IL", "academic_hospital")
    _module("seed_cms").apply_cms([rush])
    facts = center_facts(rush)
    contact = next(s for s in facts.sections if s.key == "contact")
    rows = {f.key: f for f in contact.facts}
    assert rows["phone"].value == "(312) 942-5000"
    assert rows["phone"].source == "CMS Hospital General Information (CCN 140119)"
    assert rows["address"].source == "CMS Hospital General Information (CCN 140119)"
    assert rows["hospital"].value == "Acute Care Hospitals; CCN 140119"
    plain = center_facts(_center("Neurology Associates", "Chicago", "IL"))
    plain_rows = {f.key for s in plain.sections for f in s.facts}
    assert "hospital" not in plain_rows

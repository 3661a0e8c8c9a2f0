"""The Open Referral HSDS export: the shape other directory tools expect, consistent links
between its tables, stable ids, and our provenance carried into plain-language descriptions."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from directory_app.cli import main
from directory_app.core.exchange.hsds import to_hsds
from directory_app.core.importing.importer import run_import
from directory_app.core.storage.opening import open_store
from directory_app.core.storage.seed import read_seed
from tests.hsds_schema import hsds_errors

UUID_LENGTH = 36


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    return read_seed()


@pytest.fixture(scope="module")
def hsds(seed: dict[str, Any]) -> dict[str, Any]:
    return to_hsds(seed)


def test_every_center_becomes_an_organization_with_one_physical_location(seed, hsds):
    tables = ("organizations", "services", "locations", "service_at_location", "phones")
    assert all(isinstance(hsds[t], list) for t in tables)
    assert len(hsds["organizations"]) == len(hsds["locations"]) == len(seed["centers"])
    for org in hsds["organizations"]:
        assert org["name"] and org["description"] and len(org["id"]) == UUID_LENGTH
    assert {loc["location_type"] for loc in hsds["locations"]} == {"physical"}


def test_links_between_tables_all_resolve(hsds):
    orgs = {o["id"] for o in hsds["organizations"]}
    services = {s["id"] for s in hsds["services"]}
    locations = {loc["id"] for loc in hsds["locations"]}
    assert all(s["organization_id"] in orgs and s["status"] == "active" for s in hsds["services"])
    assert all(loc["organization_id"] in orgs for loc in hsds["locations"])
    for link in hsds["service_at_location"]:
        assert link["service_id"] in services and link["location_id"] in locations
    assert {link["service_id"] for link in hsds["service_at_location"]} == services
    for phone in hsds["phones"]:
        assert phone["number"] and (phone.get("organization_id") in orgs or phone.get("contact_id"))
    ids = [
        row["id"]
        for table in ("organizations", "services", "locations", "service_at_location", "phones")
        for row in hsds[table]
    ]
    assert len(ids) == len(set(ids))


def test_ids_are_stable_between_exports(seed, hsds):
    assert to_hsds(seed) == hsds


def test_addresses_use_iso_country_codes_and_hifld_details(hsds):
    addresses = [a for loc in hsds["locations"] for a in loc["addresses"]]
    assert addresses and all(len(a["country"]) == 2 for a in addresses if a["country"])
    street = [a for a in addresses if a["address_1"]]
    assert street and all(a["country"] == "US" for a in street)


def test_services_say_where_their_facts_came_from(hsds):
    therapies = [s for s in hsds["services"] if s["name"].startswith("MSC")]
    assert therapies and all("inferred from NCT" in s["description"] for s in therapies)
    trials = [s for s in hsds["services"] if s["name"] == "Registered clinical trials"]
    assert trials and all("not an approved treatment" in s["description"] for s in trials)
    # Each status carries the date of its registry record; the bundled 2022 ones are stale.
    assert all(re.search(r"NCT\d{8} \(.*? \(as of 20\d\d-\d\d-\d\d; stale, check the "
                         r"registry\)\)", s["description"]) for s in trials)  # fmt: skip


def test_people_and_costs_are_carried_over():
    center = {
        "uid": "f" * 32,
        "name": "Test Center",
        "kind": "transplant_center",
        "city": "Rochester",
        "region": "MN",
        "country": "United States",
        "phone": "507-555-0100",
        "cost_min_usd": 40000,
        "cost_max_usd": 90000,
        "insurance_accepted": True,
        "age_min": 18,
        "age_max": 70,
        "last_verified": "2026-01-05",
        "source": "verified",
        "therapies": [
            {"therapy": "hsct_autologous", "source": "verified", "verified_on": "2026-01-05"}
        ],
        "contacts": [
            {
                "role": "financial_counselor",
                "name": "J. Roe",
                "phone": "507-555-0199",
                "email": None,
            }
        ],
        "trials": [],
    }
    doc = to_hsds({"centers": [center], "trials": []})
    (service,) = doc["services"]
    assert (
        service["name"] == "HSCT (autologous)" and "verified by a person" in service["description"]
    )
    assert service["fees_description"].startswith(
        "Cost (USD): $40,000 – $90,000; Insurance accepted: Yes"
    )
    assert (service["minimum_age"], service["maximum_age"]) == (18, 70)
    assert service["assured_date"] == "2026-01-05"
    assert doc["contacts"][0]["title"] == "Financial counselor"
    assert sorted(p["number"] for p in doc["phones"]) == ["507-555-0100", "507-555-0199"]


def test_cli_writes_hsds(tmp_path: Path, capsys):
    db = tmp_path / "d.db"
    store = open_store(db, seed=False)
    run_import(store, Path(__file__).parents[1] / "data" / "ctgov" / "v2-single-study.json")
    store.close()
    out = tmp_path / "directory.hsds.json"
    assert main(["--db", str(db), "export", "--format", "hsds", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["hsds_version"] == "3.0" and data["organizations"]
    assert "hsds" in capsys.readouterr().out
    assert hsds_errors(data) == []


def test_bundled_directory_validates_against_the_hsds_schemas_with_no_errors(hsds):
    assert hsds["organizations"] and hsds["services"]
    assert hsds_errors(hsds) == []


def test_unknown_facts_are_left_out_not_written_as_null():
    center = {
        "uid": "e" * 32,
        "name": "Sparse Center",
        "city": "Seoul",
        "country": "Korea, Republic of",
        "source": "registry",
    }
    doc = to_hsds({"centers": [center], "trials": []})
    assert hsds_errors(doc) == []
    (org,) = doc["organizations"]
    assert "email" not in org and "website" not in org
    (location,) = doc["locations"]
    assert "latitude" not in location and "longitude" not in location
    assert location["addresses"] == []  # no street on record: no address with an empty line
    assert "Seoul" in location["description"]
    (service,) = doc["services"]
    assert None not in service.values()


def test_a_street_address_carries_the_alpha2_country():
    center = {
        "uid": "d" * 32,
        "name": "Street Center",
        "address": "1 Example Road",
        "city": "Seoul",
        "country": "Korea, Republic of",
        "latitude": 37.5,
        "longitude": 127.0,
        "source": "registry",
    }
    doc = to_hsds({"centers": [center], "trials": []})
    assert hsds_errors(doc) == []
    (address,) = doc["locations"][0]["addresses"]
    assert address["country"] == "KR" and address["address_1"] == "1 Example Road"


def test_the_validator_catches_what_the_schema_forbids():
    doc = to_hsds({"centers": [{"uid": "c" * 32, "name": "X", "source": "registry"}]})
    doc["organizations"][0]["email"] = None
    doc["locations"][0]["addresses"] = [
        {"id": "a", "address_1": "", "city": "", "state_province": "", "postal_code": "",
         "country": "Republic of", "address_type": "physical"}
    ]  # fmt: skip
    errors = hsds_errors(doc)
    assert any(e.startswith("organizations[0].email:") for e in errors)
    assert any("country: not an ISO" in e for e in errors)
    assert any("address_1: empty" in e for e in errors)


def test_other_registered_names_are_the_organizations_alternate_name(seed, hsds):
    by_name = {o["name"]: o for o in hsds["organizations"]}
    uh = by_name["University Hospitals Cleveland Medical Center, Case Comprehensive Cancer Center"]
    assert uh["alternate_name"] == "UH Hospitals Cleveland"
    with_aliases = sum(1 for c in seed["centers"] if c.get("aliases"))
    assert sum(1 for o in hsds["organizations"] if "alternate_name" in o) == with_aliases > 20

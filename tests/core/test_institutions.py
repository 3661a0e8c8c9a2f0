"""One institution, one center: which registry sites are merged at seed build, and why not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from directory_app.core import paths
from directory_app.core.registry.institutions import (
    BY_ADDRESS,
    BY_CANCER_CENTER,
    BY_CCN,
    BY_HOSPITAL,
    cancer_center_name,
    institution_key,
    merge_same_institution,
)


def site(name: str, city: str = "Cleveland", *, nct: str = "NCT00000001", **fields: Any) -> dict:
    """A center in exchange form as the seed build makes it for one registry site."""
    hifld = fields.pop("hifld", None)
    ref = f"ClinicalTrials.gov {nct}" + (f"; HIFLD hospital {hifld}" if hifld else "")
    center: dict[str, Any] = {
        "uid": f"uid-{name}-{city}", "name": name, "city": city, "region": "OH",
        "country": "United States", "kind": None, "latitude": None, "longitude": None,
        "address": None, "postal_code": None, "source": "registry", "source_ref": ref,
        "therapies": [], "conditions": [], "team": [], "contacts": [], "red_flags": [],
        "trials": [{"nct_id": nct, "facility": name}],
    }  # fmt: skip
    center.update(fields)
    return center


def merged(*centers: dict, rules: tuple[str, ...] | None = None) -> dict[str, dict]:
    table = {c["uid"]: c for c in centers}
    if rules is None:
        merge_same_institution(table)
    else:
        merge_same_institution(table, rules=rules)
    return {c["name"]: c for c in table.values()}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("UH Hospitals Cleveland", "University Hospitals Cleveland Medical Center"),
        ("University Hospitals Cleveland Medical Center, Case Comprehensive Cancer Center",
         "UHHS Hospitals Cleveland"),
        ("Gastroenterology Center of the Midsouth", "Gastroenterology Center of the Midsouth, PC"),
    ],
)
def test_names_of_one_institution_have_one_key(a: str, b: str) -> None:
    assert institution_key(a) == institution_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("University Hospitals Cleveland Medical Center", "Cleveland Clinic"),
        ("UHHS Westlake Medical Center", "UHHS Chagrin Highlands Medical Center"),
        ("MetroHealth Medical Center", "Mercy Medical Center"),
    ],
)
def test_names_of_different_institutions_keep_different_keys(a: str, b: str) -> None:
    assert institution_key(a) != institution_key(b)


def test_a_name_that_is_only_a_department_names_no_institution() -> None:
    assert institution_key("Department of Hematopoietic Stem Cell Transplantation") == ""
    assert institution_key("Department of Neurology, Mayo Clinic") == institution_key("Mayo Clinic")


def test_a_cancer_center_is_named_by_its_own_word_not_a_generic_one() -> None:
    assert cancer_center_name("Lake/University Ireland Cancer Center") == "ireland"
    assert cancer_center_name(
        "Ireland Cancer Center at University Hosptials Case Medical Center, Case Comprehensive"
        " Cancer Center") == "ireland"  # fmt: skip
    assert cancer_center_name("Sylvester Comprehensive Cancer Center") == "sylvester"
    assert cancer_center_name("University Cancer Center") is None
    assert cancer_center_name("Comprehensive Cancer Center") is None
    # The part after the comma names the consortium, not the institution.
    assert cancer_center_name("Cleveland Clinic, Case Comprehensive Cancer Center") is None


def test_sites_of_one_institution_become_one_center_with_the_other_names_as_aliases() -> None:
    out = merged(
        site("UH Hospitals Cleveland", nct="NCT05000001"),
        site("University Hospitals Cleveland Medical Center, Case Comprehensive Cancer Center",
             nct="NCT05000002"),
        site("Cleveland Clinic", nct="NCT05000003"),
    )
    assert set(out) == {
        "University Hospitals Cleveland Medical Center, Case Comprehensive Cancer Center",
        "Cleveland Clinic",
    }
    uh = out["University Hospitals Cleveland Medical Center, Case Comprehensive Cancer Center"]
    assert [a["name"] for a in uh["aliases"]] == ["UH Hospitals Cleveland"]
    assert uh["aliases"][0]["source"] == "registry"
    assert uh["aliases"][0]["source_ref"] == "ClinicalTrials.gov NCT05000001"
    assert [t["nct_id"] for t in uh["trials"]] == ["NCT05000001", "NCT05000002"]
    # Each trial link keeps the facility as the registry wrote it (a split needs it).
    assert {t["facility"] for t in uh["trials"]} == {
        "UH Hospitals Cleveland",
        "University Hospitals Cleveland Medical Center, Case Comprehensive Cancer Center",
    }
    assert "aliases" not in out["Cleveland Clinic"] or not out["Cleveland Clinic"]["aliases"]


def test_each_rule_joins_and_the_merge_says_which() -> None:
    table = {c["uid"]: c for c in (
        site("Mayo Clinic", "Rochester", hifld="1055901"),
        site("Mayo Medical Center", "Rochester", hifld="1055901"),
        site("Roswell Park", "Buffalo", address="Elm & Carlton Streets", postal_code="14263"),
        site("RPCI", "Buffalo", address="ELM  &  Carlton streets", postal_code="14263-0001"),
        site("Lake/University Ireland Cancer Center"),
        site("Ireland Cancer Center at University Hospitals Case Medical Center"),
    )}  # fmt: skip
    merges, moved = merge_same_institution(table)
    groups = {frozenset({m.kept, name}): rule for m in merges for name, rule in m.merged}
    assert groups == {
        frozenset({"Mayo Clinic", "Mayo Medical Center"}): BY_HOSPITAL,
        frozenset({"Roswell Park", "RPCI"}): BY_ADDRESS,
        frozenset({"Lake/University Ireland Cancer Center",
                   "Ireland Cancer Center at University Hospitals Case Medical Center"}):
            BY_CANCER_CENTER,
    }  # fmt: skip
    assert len(table) == 3 and len(moved) == 3
    lines = [m.line() for m in merges]
    assert "merged into 'Mayo Medical Center' (Rochester, OH): 'Mayo Clinic' (same HIFLD" \
           " hospital)" in lines  # fmt: skip


def test_a_merge_keeps_the_other_sites_hospital_match() -> None:
    out = merged(
        site("University of Chicago Medical Center", "Chicago", nct="NCT01"),
        site("University of Chicago Hospitals", "Chicago", nct="NCT02", hifld="123",
             address="5841 S Maryland Ave", postal_code="60637", latitude=41.78, longitude=-87.6,
             location_source="hifld", phone="(773) 702-1000", website=None,
             contact_source="hifld", kind="hospital", kind_source="registry",
             kind_source_ref="NCT02"),
    )
    assert len(out) == 1
    kept = next(iter(out.values()))
    assert kept["name"] == "University of Chicago Hospitals"  # the hospital-list match leads
    assert [a["name"] for a in kept["aliases"]] == ["University of Chicago Medical Center"]
    assert "HIFLD hospital 123" in kept["source_ref"]


@pytest.mark.parametrize(
    "pair",
    [
        ("University Hospitals Cleveland Medical Center", "University Hospitals Cleveland Medical"
         " Center", "Columbus"),  # the same name in another city is another center
        ("Rainbow Babies and Children's Hospital", "Rainbow Babies Hospital", "Cleveland"),
        ("Department of Hematopoietic Stem Cell Transplantation",
         "Department of Hematopoietic Stem Cell Transplantation, Navy General Hospital",
         "Cleveland"),
        ("University Hospital", "University Hospitals", "Cleveland"),  # no word of its own
    ],
)
def test_names_that_do_not_show_one_institution_stay_apart(pair: tuple[str, str, str]) -> None:
    a, b, city_b = pair
    table = {c["uid"]: c for c in (site(a), site(b, city_b))}
    merges, _ = merge_same_institution(table)
    assert merges == [] and len(table) == 2


def test_the_cms_number_joins_only_when_asked_after_the_cms_step() -> None:
    a = site("Summa Health System", "Akron", ccn="360020")
    b = site("Akron City Hospital", "Akron", ccn="360020")
    assert len(merged(dict(a), dict(b))) == 2
    out = merged(a, b, rules=(BY_CCN,))
    assert len(out) == 1
    assert next(iter(out.values()))["aliases"][0]["name"] in {a["name"], b["name"]}


def test_merging_twice_changes_nothing_more() -> None:
    table = {c["uid"]: c for c in (site("UH Hospitals Cleveland"),
                                   site("University Hospitals Cleveland Medical Center"))}
    merge_same_institution(table)
    before = json.dumps(table, sort_keys=True)
    merges, _ = merge_same_institution(table)
    assert merges == [] and json.dumps(table, sort_keys=True) == before


def test_the_bundled_directory_has_one_center_per_cleveland_institution() -> None:
    """The issue's examples, in the committed seed: each is one center, the others aliases."""
    seed = json.loads((paths.DB_DIR / "seed" / "directory.json").read_text(encoding="utf-8"))
    cleveland = {c["name"]: c for c in seed["centers"] if c["city"] == "Cleveland"}
    assert "UH Hospitals Cleveland" not in cleveland
    assert "Lake/University Ireland Cancer Center" not in cleveland
    uh = cleveland[
        "University Hospitals Cleveland Medical Center, Case Comprehensive Cancer Center"]
    assert [a["name"] for a in uh["aliases"]] == ["UH Hospitals Cleveland"]
    ireland = next(c for n, c in cleveland.items() if n.startswith("Ireland Cancer Center"))
    assert [a["name"] for a in ireland["aliases"]] == ["Lake/University Ireland Cancer Center"]
    # Every merge is listed in the seed's meta (and printed by the build), with its rule.
    lines = seed["meta"]["merged_centers"]
    assert any("'UH Hospitals Cleveland' (same institution name)" in line for line in lines)
    assert any("'Lake/University Ireland Cancer Center' (same named cancer center)" in line
               for line in lines)
    # No alias is also the name of another center of its city (the merge would be half-done).
    names = {(c["name"], c["city"]) for c in seed["centers"]}
    for c in seed["centers"]:
        for alias in c.get("aliases") or []:
            assert (alias["name"], c["city"]) not in names, (c["name"], alias["name"])



def test_the_readme_states_the_bundled_directorys_counts() -> None:
    """The README's numbers are the committed seed's, so a rebuild cannot leave them stale."""
    seed = json.loads((paths.DB_DIR / "seed" / "directory.json").read_text(encoding="utf-8"))
    readme = " ".join((paths.DB_DIR.parent / "README.md").read_text(encoding="utf-8").split())
    meta = seed["meta"]
    assert f"{len(seed['trials'])} trials, {len(seed['centers'])} centers." in readme
    by_source = meta["studies_by_source"]
    assert f"the {by_source['ClinicalTrials.gov MSC studies export 2022-09']} autoimmune" in readme
    assert f"the {by_source['ClinicalTrials.gov MS studies table 2025-09']} stem cell" in readme
    merged = [c for c in seed["centers"] if c.get("aliases")]
    names = sum(len(c["aliases"]) for c in merged)
    assert len(meta["merged_centers"]) == len(merged)
    assert f"({len(merged)} centers took {names} other names;" in readme

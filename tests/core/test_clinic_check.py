"""Checking a clinic: the bundled FDA letters, matching by name, place and website, the red
flags they put on directory centers, and `directory-app check-clinic`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from directory_app.cli import main
from directory_app.core.clinic_check.letters import (
    LetterFileError,
    bundled_letters,
    firm_key,
    read_letters,
)
from directory_app.core.clinic_check.lookup import letters_for, name_match, regulator_flags
from directory_app.core.clinic_check.warning_signs import WARNING_SIGNS
from directory_app.core.directory.models import Center, CenterAlias, RedFlag

USSC_LETTER = ("https://www.fda.gov/inspections-compliance-enforcement-and-criminal-"
               "investigations/warning-letters/us-stem-cell-clinic-llc-524470-08242017")


def test_the_bundled_letters_are_read_with_how_each_was_reported():
    letters = bundled_letters()
    assert len(letters) == 28
    press = [x for x in letters if x.press_reported]
    assert len(press) == 7 and all("[SECONDARY" not in x.product for x in letters)
    assert sum(x.court_action for x in letters) == 2
    celltex = next(x for x in letters if x.firm.startswith("Celltex"))
    assert celltex.summary == "FDA warning letter dated 2012-09-24, reported by " \
        "houston.culturemap.com"
    court = next(x for x in letters if x.court_action and x.letter_date.year == 2021)
    assert court.summary.startswith("Court action: 11th Cir.") and "FDA" not in court.summary


def test_firm_names_compare_without_legal_forms_and_partly_only_when_long():
    assert firm_key("US Stem Cell Clinic, LLC") == "us stem cell clinic"
    assert firm_key("U.S. Stem Cell Clinic") == "us stem cell clinic"  # initials run together
    assert firm_key("Kristin C. Comella") == "kristin c comella"  # one initial stays a word
    assert name_match("US Stem Cell Clinic", "US Stem Cell Clinic, LLC") == "same name"
    assert name_match("US Stem Cell Clinic of Sunrise", "US Stem Cell Clinic") == \
        "part of the name"
    # Two words are too few to match inside a longer name.
    assert name_match("Stem Cell", "US Stem Cell Clinic") is None
    assert name_match("Mayo Clinic", "Kimera Labs, Inc.") is None


def test_us_stem_cell_clinic_has_its_2017_letter_and_a_dba_name_is_found():
    found = letters_for("US Stem Cell Clinic")
    assert [(m.letter.letter_date.isoformat(), m.letter.letter_type) for m in found] == [
        ("2021-06-02", "Court action: 11th Cir. affirmed permanent injunction (No. 19-13276, "
         "998 F.3d 1302)"), ("2017-08-24", "Warning Letter")]  # fmt: skip
    assert found[1].letter.source_url == USSC_LETTER
    dba = letters_for("Utah Cell Bank")
    assert [m.letter.letter_date.isoformat() for m in dba] == ["2021-08-10"]


def test_a_website_is_found_in_the_letter_text_or_as_the_firm_name():
    assert [m.how for m in letters_for(website="https://www.invitrx.com/stem")] == [
        "website named in the letter"]
    assert letters_for(website="stemcellpowernow.com")[0].letter.firm == \
        "Dynamic Stem Cell Therapy"
    assert letters_for(website="https://usstemcellclinic.com")[0].how == \
        "website carries the firm's name"
    assert letters_for(website="mayoclinic.org") == []


def test_a_red_flag_needs_the_name_and_the_place_of_the_letter():
    at_sunrise = {"name": "US Stem Cell Clinic", "city": "Sunrise", "region": "FL"}
    flags = regulator_flags(at_sunrise)
    assert [(f["kind"], f["evidence_url"]) for f in flags] == [("regulator_warning", USSC_LETTER)]
    assert flags[0]["description"].startswith("FDA warning letter dated 2017-08-24: ")
    assert "fraud" not in flags[0]["description"].lower()
    assert regulator_flags({**at_sunrise, "city": "Tampa"}) == []
    assert regulator_flags({**at_sunrise, "region": "CA"}) == []
    # The letter to "Young Foundational Health Center" names no city: no flag anywhere.
    assert regulator_flags({"name": "Young Foundational Health Center", "city": "Miami",
                            "region": "FL"}) == []  # fmt: skip


def test_a_malformed_letters_file_names_file_row_and_field(tmp_path: Path):
    bad = tmp_path / "letters.csv"
    bad.write_text("firm,city,state,letter_date,letter_type,product,source_url,evidence_quote\n"
                   "A Clinic,Miami,FL,24 August 2017,Warning Letter,SVF,https://x.example,q\n",
                   encoding="utf-8")  # fmt: skip
    with pytest.raises(LetterFileError, match=r"letters.csv, row 2, field 'letter_date'"):
        read_letters(bad)


def test_the_warning_signs_link_fda_and_isscr():
    hosts = {s.url.split("/")[2] for s in WARNING_SIGNS}
    assert {"www.fda.gov", "www.isscr.org", "www.closerlookatstemcells.org"} <= hosts
    assert any("pay" in s.text for s in WARNING_SIGNS)


@pytest.fixture
def directory(empty_store: Any) -> Any:
    with empty_store.session() as s:
        # Its stored flag is the 2017 letter (same link): it counts once, as in the table.
        s.add(Center(name="US Stem Cell Clinic LLC", city="Sunrise", region="FL",
                     country="United States", website="https://usstemcell.example",
                     red_flags=[RedFlag(kind="regulator_warning", description="x",
                                        evidence_url=USSC_LETTER, source="fda")]))  # fmt: skip
        s.add(Center(name="Mayo Clinic", city="Rochester", region="MN", country="United States"))
    return empty_store


def test_check_clinic_prints_the_2017_letter_with_its_link_and_the_checklist(directory, capsys):
    assert main(["--db", directory.url, "check-clinic", "US Stem Cell Clinic"]) == 0
    out = capsys.readouterr().out
    assert f"- FDA warning letter dated 2017-08-24 ({USSC_LETTER})" in out
    assert "an allegation by FDA, not a court finding" in out
    assert "center 1: US Stem Cell Clinic LLC (Sunrise, FL), matched by same name; 1 red flag" \
        in out
    assert out.count("[ ] ") == len(WARNING_SIGNS)
    assert "fraud" not in out.lower()


def test_check_clinic_json_by_website_and_the_empty_question(directory, capsys):
    assert main(["--db", directory.url, "check-clinic", "--website", "usstemcell.example",
                 "--json"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in data["directory"]] == ["US Stem Cell Clinic LLC"]
    assert data["directory"][0]["matched_by"] == "same website"
    assert len(data["warning_signs"]) == len(WARNING_SIGNS)
    assert main(["--db", directory.url, "check-clinic", "Mayo Clinic", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["letters"] == [] and data["directory"][0]["city"] == "Rochester"
    assert main(["--db", directory.url, "check-clinic"]) == 2
    assert "give a clinic name or its website" in capsys.readouterr().err


def test_a_directory_center_says_which_letter_matches_its_name_and_place(empty_store, capsys):
    with empty_store.session() as s:
        s.add(Center(name="US Stem Cell Clinic", city="Sunrise", region="FL",
                     country="United States"))
        s.add(Center(name="US Stem Cell Clinic", city="Miami", region="FL",
                     country="United States"))  # fmt: skip
    assert main(["--db", empty_store.url, "check-clinic", "US Stem Cell Clinic"]) == 0
    out = capsys.readouterr().out
    sunrise, miami = out.split("- center 1: ")[1].split("- center 2: ")
    # No flag is stored on it, yet the letter matching its name and place counts, as in the
    # results table's Red flags column.
    assert sunrise.startswith(
        "US Stem Cell Clinic (Sunrise, FL), matched by same name; 1 red flag\n")
    assert ("    its name, city and state match the letter's: FDA warning letter dated "
            f"2017-08-24 ({USSC_LETTER})\n") in sunrise
    assert miami.startswith("US Stem Cell Clinic (Miami, FL), matched by same name\n")
    assert "match the letter's" not in miami.split("\n\n")[0]
    assert main(["--db", empty_store.url, "check-clinic", "US Stem Cell Clinic", "--json"]) == 0
    centers = json.loads(capsys.readouterr().out)["directory"]
    assert [[x["date"] for x in c["letters_matching_name_and_place"]] for c in centers] == [
        ["2017-08-24"], []]


def test_a_center_is_found_by_another_name_it_is_registered_under(empty_store, capsys):
    with empty_store.session() as s:
        s.add(Center(name="Lakeside Regenerative Institute", city="Sunrise", region="FL",
                     country="United States",
                     aliases=[CenterAlias(name="Sunrise Stem Cell Works", source="registry")]))
    assert main(["--db", empty_store.url, "check-clinic", "Sunrise Stem Cell Works"]) == 0
    out = capsys.readouterr().out
    assert ("- center 1: Lakeside Regenerative Institute (Sunrise, FL), matched by same name "
            "(another name it is registered under: Sunrise Stem Cell Works)") in out

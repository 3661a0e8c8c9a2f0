"""`directory-app search`: the command line over the search, on a small directory of its own."""

from __future__ import annotations

import json
from typing import Any

import pytest
from geographiclib.geodesic import Geodesic

from directory_app.cli import main
from directory_app.core.directory.models import (
    Center,
    TeamMember,
    TherapyOffering,
    Trial,
    TrialSite,
)

MAYO_ZIP = "55905"  # Rochester, MN
MAYO = (44.0225, -92.4662)  # near the ZIP centroid; the tests only compare with each other


def _at(miles: float, azimuth: float = 0.0) -> tuple[float, float]:
    g = Geodesic.WGS84.Direct(MAYO[0], MAYO[1], azimuth, miles * 1609.344)
    return g["lat2"], g["lon2"]


@pytest.fixture
def directory(empty_store: Any) -> Any:
    """Five centers around Rochester, MN, one without coordinates."""
    with empty_store.session() as s:
        trial = Trial(nct_id="NCT00000001", title="Autologous HSCT in scleroderma",
                      status="recruiting")  # fmt: skip
        hospital = Center(name="Rochester Transplant Center", kind="transplant_center",
                          city="Rochester", region="MN", country="United States",
                          insurance_accepted=True, cost_min_usd=120_000)  # fmt: skip
        hospital.latitude, hospital.longitude = _at(2)
        hospital.therapies = [TherapyOffering(therapy="hsct_autologous", source="verified")]
        hospital.team = [
            TeamMember(role="specialty", discipline="rheumatology"),
            TeamMember(role="specialty", discipline="hematology_transplant"),
            TeamMember(role="service", discipline="nurse_navigator", source="registry"),
        ]
        hospital.trial_sites = [TrialSite(trial=trial, facility="Rochester Transplant Center")]
        s.add(hospital)
        for name, miles, kind in (("Winona Clinic", 40, "autoimmune_clinic"),
                                  ("Minneapolis Hospital", 140, "academic_hospital"),
                                  ("Des Moines Clinic", 160, "autoimmune_clinic")):  # fmt: skip
            lat, lon = _at(miles, azimuth=miles)
            s.add(Center(name=name, kind=kind, latitude=lat, longitude=lon, city=name.split()[0],
                         country="United States"))  # fmt: skip
        s.add(Center(name="Unplaced Clinic", kind="autoimmune_clinic"))
    return empty_store


def run(store: Any, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--db", store.url, "search", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_near_place_prints_an_aligned_table_nearest_first(directory, capsys):
    code, out, err = run(directory, capsys, "--near", MAYO_ZIP, "--radius", "100mi")
    assert (code, err) == (0, "")
    title, header, *rows, relax, left_out = out.splitlines()
    assert relax == "2 results. Within 200 mi: 4; at any distance: 5"  # fewer than 3: explained
    assert title.startswith("2 of 5 centers within 100mi of Rochester, MN")
    assert header.split()[:6] == ["Name", "Kind", "City", "mi", "Trials", "active/all"]
    assert [r.split("  ")[0] for r in rows] == ["Rochester Transplant Center", "Winona Clinic"]
    miles_end = header.index("mi") + 2  # the distance column is right-aligned under "mi"
    assert rows[0][:miles_end].endswith("2.0") and rows[1][:miles_end].endswith("40.0")
    assert "recruiting" in rows[0] and " 1/1 " in rows[0] and " 0/0 " in rows[1]
    assert left_out == "1 center without a known location not shown (--show-unlocated lists them)"
    code, out, _ = run(directory, capsys, "--near", MAYO_ZIP, "--radius", "100mi",
                       "--show-unlocated")  # fmt: skip
    assert code == 0 and out.splitlines()[-1].startswith("Unplaced Clinic")
    assert "location unknown" in out.splitlines()[-1]


def test_radius_json_rows_are_all_within_and_count_the_unlocated(directory, capsys):
    code, out, _ = run(directory, capsys, "--near", MAYO_ZIP, "--radius", "150mi", "--json")
    data = json.loads(out)
    assert code == 0 and data["unlocated_excluded"] == 1
    assert (data["shown"], data["total"]) == (3, 5) == (len(data["centers"]), 5)
    assert all(r["distance_mi"] is not None and r["distance_mi"] <= 150 for r in data["centers"])
    code, out, _ = run(directory, capsys, "--json")
    assert json.loads(out)["unlocated_excluded"] == 0  # no radius: nothing is left out


def test_default_radius_with_near_is_150_miles(directory, capsys):
    code, out, _ = run(directory, capsys, "--near", MAYO_ZIP, "--unknown", "drop")
    assert code == 0 and "within 150mi of" in out
    assert "Minneapolis Hospital" in out and "Des Moines Clinic" not in out


def test_radius_in_km_and_json_rows(directory, capsys):
    code, out, _ = run(directory, capsys, "--near", MAYO_ZIP, "--radius", "70km", "--json",
                       "--unknown", "drop")  # fmt: skip
    rows = json.loads(out)["centers"]
    assert code == 0 and [r["name"] for r in rows] == [
        "Rochester Transplant Center",
        "Winona Clinic",
    ]
    required = {"id", "name", "kind", "city", "region", "country", "latitude", "longitude",
                "distance_km", "distance_mi", "matched", "unknown"}  # fmt: skip
    assert required <= rows[0].keys()
    assert rows[1]["distance_mi"] == pytest.approx(40, rel=0.01)
    assert rows[1]["distance_km"] == pytest.approx(40 * 1.609344, rel=0.01)
    assert rows[0]["matched"] == ["within 70 km"]


def test_criteria_options_reach_the_search(directory, capsys):
    code, out, _ = run(
        directory, capsys, "--near", MAYO_ZIP, "--kind", "transplant_center", "--kind",
        "academic_hospital", "--therapy", "hsct_autologous", "--trial", "recruiting",
        "--specialty", "rheumatology", "--specialty", "hematology_transplant",
        "--service", "nurse_navigator", "--min-disciplines", "3", "--max-cost", "150000",
        "--insurance", "--age", "40", "--exclude-red-flags", "--text", "scleroderma",
        "--sort", "name", "--limit", "5", "--json",
    )  # fmt: skip
    [row] = json.loads(out)["centers"]
    assert code == 0 and row["name"] == "Rochester Transplant Center"
    assert "Nurse navigator [inferred]" in row["matched"]
    assert row["unknown"] == ["age range unknown"]
    code, out, _ = run(directory, capsys, "--service", "nurse_navigator", "--verified-only")
    assert code == 0 and out.startswith("0 of 5 centers")


def test_trial_options_name_the_matching_trial(directory, capsys):
    code, out, _ = run(directory, capsys, "--trial", "recruiting", "--therapy",
                       "hsct_autologous", "--json")  # fmt: skip
    [row] = json.loads(out)["centers"]
    assert code == 0 and row["matched_trials"] == ["NCT00000001"]
    # The one trial has no phase on record: a phase criterion finds no trial to match.
    code, out, _ = run(directory, capsys, "--trial", "recruiting", "--phase", "phase2")
    assert code == 0 and out.startswith("0 of 5 centers")
    code, _, err = run(directory, capsys, "--phase", "phase9")
    assert code == 2 and "--phase: " in err


def test_labels_are_accepted_as_well_as_codes(directory, capsys):
    code, out, _ = run(directory, capsys, "--kind", "Transplant center", "--json")
    rows = json.loads(out)["centers"]
    assert code == 0 and [r["name"] for r in rows] == ["Rochester Transplant Center"]


def test_hostile_text_is_just_text(directory, capsys):
    for text, found in (("OR(", 0), ("multi-agent", 0), ("NEAR", 0), ('"', 5), ("*", 5)):
        code, out, err = run(directory, capsys, "--text", text)
        assert (code, err) == (0, "")
        assert out.startswith(f"{found} of 5 centers")  # no words at all: no text criterion


@pytest.mark.parametrize(
    "args, message",
    [
        (["--therapy", "magic"], "--therapy: unknown Therapy 'magic'; accepted: msc_bone_marrow,"),
        (["--near", "Rochester"], "Rochester, MN"),
        (["--near", "Atlantis, Nowhere"], "--near: no place named 'Atlantis, Nowhere'"),
        (["--near", MAYO_ZIP, "--radius", "-5mi"], "--radius: distance must not be negative"),
        (["--near", MAYO_ZIP, "--radius", "far"], "--radius: can't read the distance 'far'"),
        (["--radius", "10mi"], "--radius needs --near PLACE"),
        (["--trial", "maybe"], "--trial: unknown value 'maybe'; accepted: any, recruiting, none"),
        (["--sort", "price"], "accepted: distance, name, verified, trials"),
        (["--unknown", "skip"], "accepted: keep, drop"),
        (["--min-disciplines", "two"], "--min-disciplines expects a whole number"),
        (["--limit", "-1"], "--limit expects a whole number"),
    ],
)
def test_bad_arguments_print_one_line_and_exit_2(directory, capsys, args, message):
    code, out, err = run(directory, capsys, *args)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("directory-app: error: ")
    assert message in err

"""`directory-app match`: the patient-profile command over a small sample directory and over
the bundled directory, table and JSON, and one-line errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from directory_app.cli import main
from directory_app.core.directory.models import Center, ConditionTreated, Trial, TrialSite


def run(url: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--db", url, "match", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def directory(empty_store: Any) -> Any:
    with empty_store.session() as s:
        c = Center(name="Sample MS Center", city="Cleveland", region="OH",
                   latitude=41.50, longitude=-81.60)  # fmt: skip
        c.conditions = [ConditionTreated(condition="multiple_sclerosis", source="verified")]
        for nct, low, high in (("NCT00000011", 18, 40), ("NCT00000012", 18, 55)):
            t = Trial(nct_id=nct, title=f"Sample MS study {nct}", status="recruiting",
                      conditions=["Multiple Sclerosis"], min_age_years=low, max_age_years=high)
            c.trial_sites.append(TrialSite(trial=t, facility=c.name, contacts=[
                {"name": "Sample Coordinator", "role": "CONTACT", "phone": "555-0100",
                 "email": None}]))  # fmt: skip
        far = Center(name="Sample Faraway Center", latitude=34.05, longitude=-118.24)
        far.conditions = [ConditionTreated(condition="multiple_sclerosis", source="verified")]
        s.add_all([c, far])
    return empty_store


def test_json_names_fits_fails_unknown_and_trials_that_fit(directory, capsys):
    code, out, err = run(directory.url, capsys, "--age", "45", "--sex", "female", "--condition",
                         "multiple_sclerosis", "--near", "44106", "--radius", "300mi",
                         "--failed", "2", "--json")  # fmt: skip
    assert code == 0, err
    [row] = json.loads(out)  # the Los Angeles center is beyond 300 mi
    assert row["name"] == "Sample MS Center" and row["distance_mi"] < 5
    assert [t["nct_id"] for t in row["trials_that_fit"]] == ["NCT00000012"]
    [young] = row["trials_that_do_not_fit"]
    assert young["fails"] == [{"criterion": "age", "fact": "age 45 outside 18–40, NCT00000011",
                               "source": "NCT00000011"}]  # fmt: skip
    assert {f["criterion"] for f in row["fits"]} == {"distance", "condition", "age"}
    assert {u["criterion"] for u in row["unknown"]} == {"prior treatments"}
    assert row["fails"] == []


def test_table_lists_reasons_and_fitting_trial(directory, capsys):
    code, out, _ = run(directory.url, capsys, "--age", "45", "--condition",
                       "Multiple sclerosis")  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "2 centers, best fit first; 2 with no failing criterion"
    assert "fits    age 45 within 18–55, NCT00000012 [NCT00000012]" in out
    assert "trial   NCT00000012 (recruiting) Sample MS study NCT00000012" in out
    assert ("contact Sample Coordinator (contact), 555-0100 [ClinicalTrials.gov NCT00000012]"
            in out)  # fmt: skip


@pytest.mark.parametrize(
    "args, message",
    [(["--sex", "x"], "--sex: unknown value 'x'"), (["--age", "old"], "--age expects"),
     (["--radius", "5mi"], "--radius needs --near"), (["--near", "nowhere-xyz"], "--near:"),
     (["--condition", "ms"], "--condition: unknown Condition 'ms'")],
)  # fmt: skip
def test_bad_arguments_are_one_line_exit_2(directory, capsys, args, message):
    code, out, err = run(directory.url, capsys, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_bundled_directory_example_names_fact_or_trial_with_distance(seeded_store, capsys):
    code, out, err = run(seeded_store.url, capsys, "--age", "45", "--sex", "female",
                         "--condition", "multiple_sclerosis", "--near", "44106", "--radius",
                         "300mi", "--failed", "2", "--insurance", "--json", "--limit", "10")
    assert code == 0, err
    rows = json.loads(out)
    clean = [r for r in rows if not r["fails"]]
    assert clean, "the bundled directory has multiple sclerosis centers near Cleveland"
    for r in rows:
        assert r["distance_mi"] is not None and r["distance_mi"] <= 300
    for r in clean:
        cond = [f for f in r["fits"] if f["criterion"] == "condition"]
        assert cond and (cond[0]["source"] or r["trials_that_fit"])
    # a trial site the registry names only by its city, with no center behind it, is an
    # answer too: NCT00288626 lists a site in Columbus, OH (about 127 mi away)
    sites = [r for r in rows if r["kind"] == "trial_site"]
    assert any(r["city"] == "Columbus" and r["id"] is None for r in sites)
    for r in sites:
        trials = r["trials_that_fit"] + r["trials_that_do_not_fit"]
        assert trials and all(t["nct_id"].startswith("NCT") for t in trials)

"""A match in words: the row summary, the detail pane's explanation, the questions to ask, and
a saved profile that holds the profile's fields and nothing else."""

from __future__ import annotations

import json
from datetime import date
from html import unescape

import pytest

from directory_app.core.matching.checks import Check
from directory_app.core.matching.explain import (
    STANDING_QUESTIONS,
    explanation_html,
    questions,
    read_profile_file,
    summary,
    write_profile_file,
)
from directory_app.core.matching.matcher import CenterMatch, TrialMatch
from directory_app.core.matching.profile import MatchError


def answer() -> CenterMatch:
    ms = TrialMatch("NCT09200001", "Sample MS study", "recruiting", "recruiting",
                    "https://clinicaltrials.gov/study/NCT09200001", date(2026, 9, 1),
                    [Check("status", "fits", "site recruiting, NCT09200001", "NCT09200001"),
                     Check("age", "fits", "age 45 within 18–55, NCT09200001", "NCT09200001")],
                    contacts=[{"name": "Sample Coordinator", "role": "Contact",
                               "phone": "216-555-0199", "email": None}],
                    inclusion=["Relapsing MS"], exclusion=["Pregnancy"])  # fmt: skip
    crohn = TrialMatch("NCT09200002", "Sample Crohn study", "recruiting", None, None, None,
                       [Check("condition", "fails", "NCT09200002 studies Crohn disease, not "
                              "Multiple sclerosis", "NCT09200002")])  # fmt: skip
    return CenterMatch(7, "u", "Sample Center", "Cleveland", "OH", 1.3, [
        Check("condition", "fits", "treats Multiple sclerosis", "verified"),
        Check("age", "unknown", "center's accepted ages unknown", "registry"),
        Check("insurance", "unknown", "insurance acceptance unknown", "registry"),
        Check("cost", "fails", "quoted $90,000, above $50,000", "verified"),
    ], [ms, crohn])  # fmt: skip


def test_summary_names_what_does_not_fit_first():
    assert summary(answer()) == "1 does not fit · 1 fit · 2 unknown"


def test_questions_ask_what_the_record_leaves_open_then_the_standing_ones():
    asked = questions(answer())
    assert asked[0] == "Which ages does the center accept for this treatment?"
    assert asked[1] == "The record says: quoted $90,000, above $50,000. Is that still so?"
    assert asked[2:] == list(STANDING_QUESTIONS)  # insurance asked once, by the standing list
    assert any("no cost" in q for q in STANDING_QUESTIONS)
    assert any("stay" in q and "follow-up" in q for q in STANDING_QUESTIONS)


def test_explanation_states_each_verdict_with_its_source_and_the_trial_in_full():
    html = unescape(explanation_html(answer()))
    for words in ("Does not fit", "quoted $90,000, above $50,000", "Unknown",
                  "center's accepted ages unknown", "Fits", "treats Multiple sclerosis",
                  "verified", "Recruiting (site; as of 2026-09-01)",
                  "Sample Coordinator (contact), 216-555-0199",
                  "ClinicalTrials.gov NCT09200001, as of 2026-09-01", "Relapsing MS",
                  "Pregnancy", "Trials (1 of 2 fit)",
                  "1 more trial here studies other conditions"):  # fmt: skip
        assert words in html, words
    assert "Sample Crohn study" not in html  # another condition's trial is counted, not shown


def test_saved_profile_holds_its_fields_only_and_a_name_is_refused(tmp_path):
    path = tmp_path / "profile.json"
    write_profile_file(path, {"age": 45, "condition": "multiple_sclerosis", "name": "Jane"})
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "age": 45, "condition": "multiple_sclerosis"}  # fmt: skip
    assert read_profile_file(path) == {"age": 45, "condition": "multiple_sclerosis"}
    path.write_text(json.dumps({"age": 45, "name": "Jane"}), encoding="utf-8")
    with pytest.raises(MatchError, match=r"profile.json, field 'name': not a profile field"):
        read_profile_file(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(MatchError, match=r"profile.json: not a saved profile"):
        read_profile_file(path)

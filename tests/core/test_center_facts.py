"""The one presenter of a center's facts: labelled rows, one vocabulary for yes/no/unknown,
provenance in one phrase, staleness of a verification and of every trial status."""

from __future__ import annotations

from datetime import date

import pytest

from directory_app.core.present import words
from directory_app.core.present.center_facts import (
    LETTER_MATCH_SOURCE,
    center_facts,
    contact_line,
)
from tests.editing_samples import sample_center

TODAY = date(2026, 6, 1)


def rows(c: dict) -> dict[str, str]:
    facts = center_facts(c, TODAY)
    return {f.key: f.value for s in facts.sections for f in s.facts if not f.item}


def test_one_word_each_for_yes_no_and_unknown():
    got = rows(sample_center())
    assert got["requires_failed_conventional"] == "Yes"
    assert got["financial_assistance"] == "No"
    assert got["payment_plans"] == "Unknown"
    assert got["trial_reduced_cost"] == words.UNKNOWN
    # the editor's Yes / No / Unknown drop-down offers the same three words
    from directory_app.gui.edit_widgets import UNKNOWN as EDITOR_UNKNOWN

    assert EDITOR_UNKNOWN == words.UNKNOWN


def test_missing_values_are_unknown_and_marked_as_not_known():
    facts = center_facts({"name": "Bare", "phone": "  "}, TODAY)
    phone = facts.fact("phone")
    assert (phone.value, phone.known) == ("Unknown", False)
    assert facts.kind.value == "Unknown" and not facts.kind.known
    therapies = facts.section("therapies").facts
    assert [(f.value, f.known, f.item) for f in therapies] == [("None recorded", False, True)]
    assert facts.section("therapies").items("therapy") == []


@pytest.mark.parametrize(("low", "high", "shown"), [
    (80000, 150000, "$80,000 – $150,000"), (None, 90000, "up to $90,000"),
    (80000, None, "from $80,000"), (90000, 90000, "$90,000"), (None, None, "Unknown"),
])
def test_cost_says_which_end_is_known(low, high, shown):
    assert rows(sample_center(cost_min_usd=low, cost_max_usd=high))["cost"] == shown


def test_provenance_reads_the_same_for_every_fact_kind():
    c = sample_center(
        source="verified", last_verified="2026-03-02", verified_by="A. Reviewer",
        therapies=[{"therapy": "hsct_autologous", "source": "verified",
                    "verified_on": "2026-03-02"},
                   {"therapy": "msc_bone_marrow", "source": "registry",
                    "source_ref": "NCT07654321"}],
        team=[{"role": "specialty", "discipline": "neurology", "source": "hifld"}],
    )
    facts = center_facts(c, TODAY)
    assert facts.record_source == "verified 2026-03-02 by A. Reviewer"
    sources = [f.source for f in facts.section("therapies").facts]
    assert sources == ["verified 2026-03-02", "inferred from NCT07654321"]
    assert facts.section("team").items("specialty")[0].source == "HIFLD hospital list"
    assert words.provenance(None) == "source unknown"


def test_verification_older_than_twelve_months_is_stale():
    assert not center_facts(sample_center(last_verified="2025-06-02"), TODAY).stale
    assert center_facts(sample_center(last_verified="2025-06-01"), TODAY).stale
    never = center_facts(sample_center(last_verified=None), TODAY)
    assert never.stale and never.last_verified is None
    assert never.fact("last_verified").value == "never"


def test_trial_statuses_are_dated_by_their_record_and_flagged_when_stale():
    c = sample_center(
        trials=[{"nct_id": "NCT00000001", "site_status": "recruiting", "facility": "Lakeside"},
                {"nct_id": "NCT00000002"}],
        trial_records={
            "NCT00000001": {"status": "active_not_recruiting", "phases": ["phase1", "phase2"],
                            "last_update": "2026-01-10", "conditions": ["Lupus"]},
            "NCT00000002": {"status": "completed", "last_update": "2025-05-31"},
        },
    )
    fresh, old = center_facts(c, TODAY).trials
    assert fresh.status == "Recruiting (as of 2026-01-10)"  # the site's status applies
    assert fresh.trial_status == "Active, not recruiting (as of 2026-01-10)"
    assert (fresh.phases, fresh.conditions, fresh.stale) == ("Phase 1, Phase 2", ("Lupus",),
                                                              False)
    assert fresh.url == "https://clinicaltrials.gov/study/NCT00000001"
    assert old.status == "Completed (as of 2025-05-31; stale, check the registry)"
    assert old.stale and old.site_status is None


def test_a_trial_without_a_record_date_is_stale_and_says_so():
    c = sample_center(trials=[{"nct_id": "NCT00000003", "site_status": "recruiting"}])
    (trial,) = center_facts(c, TODAY).trials
    assert trial.stale and "date unknown" in trial.status


def test_contacts_come_in_role_order_with_the_parts_on_record():
    c = sample_center(contacts=[
        {"role": "financial_counselor", "name": "John Roe", "phone": "507-555-0199"},
        {"role": "coordinator", "name": "Jane Doe", "email": "jane@example.org"},
    ])
    people = center_facts(c, TODAY).section("contact").items("person")
    assert [(p.label, p.value) for p in people] == [
        ("Referral coordinator", "Jane Doe · jane@example.org"),
        ("Financial counselor", "John Roe · 507-555-0199"),
    ]
    assert contact_line({}) == "Unknown"


def test_red_flags_keep_their_evidence_link():
    c = sample_center(red_flags=[{"kind": "regulator_warning", "description": "FDA letter",
                                  "evidence_url": "https://example.org/letter"}])
    (flag,) = center_facts(c, TODAY).red_flags
    assert (flag.label, flag.value, flag.url) == ("Regulator warning letter", "FDA letter",
                                                  "https://example.org/letter")


USSC_LETTER = ("https://www.fda.gov/inspections-compliance-enforcement-and-criminal-"
               "investigations/warning-letters/us-stem-cell-clinic-llc-524470-08242017")


def test_an_fda_letter_shows_on_a_center_only_where_its_name_and_city_match():
    here = {"name": "U.S. Stem Cell Clinic", "city": "Sunrise", "region": "FL",
            "country": "United States"}
    (flag,) = center_facts(here, TODAY).red_flags
    assert flag.value.startswith("FDA warning letter dated 2017-08-24: ")
    assert "an allegation by FDA, not a court finding" in flag.value
    assert (flag.label, flag.url, flag.source) == ("Regulator warning letter", USSC_LETTER,
                                                   LETTER_MATCH_SOURCE)
    # the same name elsewhere, or another name in Sunrise, is not that firm
    assert center_facts({**here, "city": "Miami"}, TODAY).red_flags == []
    assert center_facts({**here, "name": "Sunrise Medical Clinic"}, TODAY).red_flags == []
    # a letter already stored on the center is not shown twice
    stored = {**here, "red_flags": [{"kind": "regulator_warning", "description": "on file",
                                     "evidence_url": USSC_LETTER, "source": "fda"}]}
    assert [f.value for f in center_facts(stored, TODAY).red_flags] == ["on file"]


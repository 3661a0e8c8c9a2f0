"""The patient's referral sheet, laid out on real PDF pages: the chosen answers with why each
fits, their fitting trials with status 'as of' the record's date and the registry's site
contacts, the eligibility lists, the questions to ask each center, no identity of the
patient, and no page holding only a trailing part of an answer."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from directory_app.cli import main
from directory_app.core.directory.models import (
    Center,
    ConditionTreated,
    Trial,
    TrialPlace,
    TrialSite,
)
from directory_app.core.matching.matcher import match
from directory_app.core.matching.profile import PatientProfile
from directory_app.report import pages
from directory_app.report.patient_sheet import build_patient_sheet, profile_lines

CLEVELAND = (41.5045, -81.6081)
PREPARED = date(2026, 12, 4)
PROFILE = PatientProfile(age=45, sex="female", condition="multiple_sclerosis", failed_treatments=2,
                         origin=CLEVELAND, radius_km=300 * 1.609344, insurance=True,
                         as_of=PREPARED)  # fmt: skip


def sample_directory(store: Any) -> None:
    """Two sample centers (one with a fitting trial and its site contact) and a sample trial
    site with no center."""
    trial = Trial(nct_id="NCT09100001", title="Sample HSCT study in relapsing MS",
                  status="recruiting", conditions=["Relapsing Multiple Sclerosis"],
                  min_age_years=18, max_age_years=55, sex="all", last_update=date(2026, 9, 1),
                  inclusion_criteria=["Relapsing MS", "Two failed disease-modifying therapies"],
                  exclusion_criteria=["Pregnancy"])  # fmt: skip
    with store.session() as s:
        near = Center(name="Sample Lakeside Center", city="Cleveland", region="OH",
                      country="United States", latitude=41.5, longitude=-81.6,
                      phone="216-555-0100", insurance_accepted=True)  # fmt: skip
        near.conditions = [ConditionTreated(condition="multiple_sclerosis", source="verified")]
        near.trial_sites.append(TrialSite(
            trial=trial, facility="Sample Lakeside Center", site_status="recruiting",
            contacts=[{"name": "Sample Coordinator", "role": "Contact",
                       "phone": "216-555-0199", "email": "ms-trial@example.org"}]))  # fmt: skip
        other = Center(name="Sample Erie Clinic", city="Erie", region="PA",
                       country="United States", latitude=42.13, longitude=-80.09)  # fmt: skip
        other.conditions = [ConditionTreated(condition="multiple_sclerosis", source="verified")]
        old = Trial(nct_id="NCT09100002", title="Sample closed MS study", status="completed",
                    conditions=["Multiple Sclerosis"], last_update=date(2019, 5, 2))  # fmt: skip
        s.add_all([near, other, TrialPlace(trial=old, city="Columbus", region="OH",
                                           country="United States", latitude=39.96,
                                           longitude=-83.0)])  # fmt: skip


def test_sheet_says_why_each_fits_with_trials_contacts_and_questions(qapp, empty_store,
                                                                     tmp_path):  # fmt: skip
    sample_directory(empty_store)
    with empty_store.session() as s:
        answers = match(s, PROFILE)
        sheet = build_patient_sheet(s, answers, profile_lines(PROFILE, "44106"),
                                    prepared=PREPARED)  # fmt: skip
    assert [m.name for m in answers] == ["Sample Lakeside Center", "Sample Erie Clinic",
                                         "trial site in Columbus, OH"]  # fmt: skip
    texts = pages.page_texts(sheet)
    whole = "\n".join(texts)
    assert "Profile matched: age 45, female, Multiple sclerosis, 2 conventional treatments " \
           "failed, within 300 mi of 44106, wants to use insurance." in whole
    assert "1. Sample Lakeside Center" in whole and "3. trial site in Columbus, OH" in whole
    first = whole[whole.index("1. Sample"):whole.index("2. Sample")]
    assert "accepts insurance" in first and "treats Multiple sclerosis" in first
    assert "Status: Recruiting (site; as of 2026-09-01)" in first
    assert "Sample Coordinator (contact), 216-555-0199, ms-trial@example.org" in first
    assert "ClinicalTrials.gov NCT09100001, as of 2026-09-01" in first
    assert "Two failed disease-modifying therapies" in first and "Pregnancy" in first
    assert "Questions to ask Sample Lakeside Center" in first
    assert "is treatment within the trial at no cost" in first
    assert "How long is the stay near the center" in first
    site = whole[whole.index("3. trial site"):]
    assert "Completed (as of 2019-05-02): does not fit (trial completed)" in site
    assert "Questions to ask the trial's contacts" in site
    # three short answers share pages: as few pages as the content needs, every page opening
    # with an answer's heading or the sheet's own, page numbers on each
    assert len(texts) <= 2
    for t in texts:
        assert re.match(r"\s*(Referral sheet|\d+\. )", t), t[:80]
    # no identity: there is no name on it, and none could be given
    assert "Patient:" not in whole and "Name" not in whole
    images = pages.render_pages(sheet, width=850)
    assert len(images) == len(texts)
    for i, image in enumerate(images):
        image.save(str(tmp_path / f"patient-sheet-{i + 1}.png"))


def test_match_writes_the_sheet_for_the_bundled_example(qapp, seeded_store, tmp_path, capsys):
    out = tmp_path / "sheet.pdf"
    code = main(["--db", seeded_store.url, "match", "--age", "45", "--sex", "female",
                 "--condition", "multiple_sclerosis", "--near", "44106", "--radius", "300mi",
                 "--failed", "2", "--insurance", "--json", "--sheet", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.lstrip().startswith("[")  # the JSON stays one document
    count = len(re.findall(rb"/Type\s*/Page\b", out.read_bytes()))
    assert re.search(rf"sheet\.pdf: referral sheet for \d+ answers, {count} page", captured.err)
    assert 1 <= count <= 3


def test_missing_folder_for_the_sheet_is_one_line(seeded_store, tmp_path, capsys):
    code = main(["--db", seeded_store.url, "match", "--condition", "lupus",
                 "--sheet", str(tmp_path / "nope" / "s.pdf")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "--sheet: folder" in err and len(err.strip().splitlines()) == 1

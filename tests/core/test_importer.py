"""Importing ClinicalTrials.gov downloads: every format, matching sites to centers, idempotence,
respect for what people verified, undo, and malformed files that change nothing."""

from __future__ import annotations

import copy
import json
import shutil
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from directory_app.core import paths
from directory_app.core.directory.editing import load_center, save_center
from directory_app.core.directory.models import (
    Center,
    ConditionTreated,
    ImportBatch,
    Trial,
    TrialSite,
)
from directory_app.core.exchange.directory_form import dump_directory
from directory_app.core.importing.importer import (
    DIRECTORY_JSON,
    NothingToUndo,
    detect_import_format,
    run_import,
    run_undo_last,
)
from directory_app.core.importing.site_matching import names_close
from directory_app.core.registry.ctgov import SiteRecord
from directory_app.core.registry.sites import place_site
from directory_app.core.storage.opening import open_store

DATA = Path(__file__).parents[1] / "data" / "ctgov"
SHARED_EXPORT = paths.DB_DIR / "sources" / "ctgov-msc-trials-2022.csv"
#: 17 studies in each fixture format; NCT04447833 (ARDS/COVID) is the one not autoimmune.
AUTOIMMUNE_STUDIES = 16
NOT_AUTOIMMUNE = "NCT04447833"


def state(store: Any) -> dict[str, Any]:
    """Everything a user can see, plus how many import batches exist."""
    with store.session() as s:
        return {
            "directory": dump_directory(s),
            "batches": s.scalar(select(func.count()).select_from(ImportBatch)),
        }


def counts(store: Any) -> dict[str, int]:
    with store.session() as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Center, Trial, TrialSite)
        }


def v2_page() -> dict[str, Any]:
    return json.loads((DATA / "v2-page.json").read_text(encoding="utf-8"))


def study(page: dict[str, Any], nct_id: str) -> dict[str, Any]:
    return next(
        s
        for s in page["studies"]
        if s["protocolSection"]["identificationModule"]["nctId"] == nct_id
    )


def write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def one_study(nct: str, sites: list[dict[str, Any]], **status: Any) -> dict[str, Any]:
    """A minimal API v2 study about lupus with the given locations."""
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct, "briefTitle": f"MSC for lupus {nct}"},
            "statusModule": {
                "overallStatus": status.get("status", "RECRUITING"),
                "lastUpdatePostDateStruct": {"date": status.get("date", "2023-01-10")},
            },
            "conditionsModule": {"conditions": ["Systemic Lupus Erythematosus"]},
            "designModule": {"phases": status.get("phases", ["PHASE2"])},
            "armsInterventionsModule": {
                "interventions": [
                    {"type": "BIOLOGICAL", "name": "Umbilical cord mesenchymal stem cells"}
                ]
            },
            "contactsLocationsModule": {"locations": sites},
        }
    }


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled directory loaded once per module; tests get copies (seeding takes ~1 s)."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    open_store(path).close()
    return path


@pytest.fixture
def seeded_store(seeded_file: Path, tmp_path: Path) -> Any:
    """A database holding the bundled directory, as a user gets it on first start."""
    target = tmp_path / "seeded.db"
    shutil.copyfile(seeded_file, target)
    store = open_store(target)
    yield store
    store.close()


# --- formats -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pages")
    with zipfile.ZipFile(DATA / "v2-two-pages.zip") as archive:
        archive.extractall(folder)
    (folder / "README.txt").write_text("downloaded pages\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "name",
    [
        "classic-autoimmune.csv",
        "current-autoimmune.csv",
        "v2-page.json",
        "v2-two-pages.zip",
        "folder",
    ],
)
def test_every_registry_format_imports_the_same_trials(empty_store, name, pages_folder):
    path = pages_folder if name == "folder" else DATA / name
    report = run_import(empty_store, path)
    assert report.ok, report.errors
    assert report.studies_read == 17
    assert report.studies_skipped == 1
    assert report.trials_new == AUTOIMMUNE_STUDIES
    with empty_store.session() as s:
        ncts = set(s.scalars(select(Trial.nct_id)))
        assert NOT_AUTOIMMUNE not in ncts and len(ncts) == AUTOIMMUNE_STUDIES
        mayo = s.scalars(select(Center).where(Center.name == "Mayo Clinic")).one()
        assert mayo.city == "Rochester" and mayo.region == "MN"
        assert mayo.latitude is not None and mayo.source == "registry"
        facts = {c.condition for c in mayo.conditions}
        assert "crohns_disease" in facts


def test_small_v2_shapes_and_bom_csv_import(empty_store):
    for name, trials in (("v2-single-study.json", 1), ("v2-list.json", 2), ("classic-bom.csv", 3)):
        report = run_import(empty_store, DATA / name)
        assert report.ok, (name, report.errors)
        assert report.trials_new + report.trials_unchanged + report.trials_updated == trials, name
    # The trimmed v2 record of NCT01915927 has no completion date; the CSV's "December 2019"
    # fills that gap (an update), and no field the CSV lacks is blanked.
    assert report.trials_updated == 1
    with empty_store.session() as s:
        trial = s.scalar(select(Trial).where(Trial.nct_id == "NCT01915927"))
        assert trial.completion_date == date(2019, 12, 1)
        assert trial.start_date == date(2013, 7, 1)


def test_format_is_read_from_content_not_extension(tmp_path):
    disguised = tmp_path / "studies.txt"
    shutil.copy(DATA / "v2-page.json", disguised)
    assert detect_import_format(disguised) == "v2_json"
    csv_as_json = tmp_path / "export.json"
    shutil.copy(DATA / "current-autoimmune.csv", csv_as_json)
    assert detect_import_format(csv_as_json) == "current_csv"
    ours = tmp_path / "ours.csv"
    ours.write_text('{"centers": [], "format": "directory-app/1"}', encoding="utf-8")
    assert detect_import_format(ours) == DIRECTORY_JSON


def test_all_conditions_keeps_every_study_and_default_counts_skipped(empty_store):
    report = run_import(empty_store, DATA / "classic-autoimmune.csv", all_conditions=True)
    assert report.trials_new == 17 and report.studies_skipped == 0
    with empty_store.session() as s:
        assert s.scalar(select(Trial).where(Trial.nct_id == NOT_AUTOIMMUNE)) is not None
    # A study already in the directory is updated whatever its conditions.
    again = run_import(empty_store, DATA / "classic-autoimmune.csv")
    assert again.studies_skipped == 0 and again.trials_unchanged == 17


# --- matching ------------------------------------------------------------------------------


def test_shared_export_into_seeded_database_creates_no_duplicate_centers(seeded_store):
    before = counts(seeded_store)
    report = run_import(seeded_store, SHARED_EXPORT)
    assert report.ok and report.studies_read == 1389
    assert report.centers_new == 0
    assert report.sites_matched == report.sites_read - report.sites_without_facility
    assert report.trials_new == 0 and report.trials_updated == 0
    assert counts(seeded_store) == before


@pytest.mark.parametrize("name", ["current-autoimmune.csv", "v2-page.json"])
def test_other_formats_of_seeded_studies_match_seeded_centers(seeded_store, name):
    before = counts(seeded_store)
    report = run_import(seeded_store, DATA / name)
    assert report.centers_new == 0 and report.sites_matched == report.sites_read
    assert counts(seeded_store) == before


def test_sites_join_a_center_within_2_km_with_a_close_name(empty_store, tmp_path):
    site = {
        "facility": "University of Chicago",
        "city": "Chicago",
        "state": "Illinois",
        "country": "United States",
        "geoPoint": {"lat": 41.7886, "lon": -87.6045},
    }
    near = {
        **site,
        "facility": "University of Chicago Hospitals",
        "geoPoint": {"lat": 41.7900, "lon": -87.6040},
    }
    children = {**site, "facility": "University of Chicago Children's Hospital"}
    far = {
        **site,
        "facility": "University of Chicago Medicine",  # 18 km north
        "geoPoint": {"lat": 41.95, "lon": -87.65},
    }
    page = {
        "studies": [
            one_study("NCT90000001", [site]),
            one_study("NCT90000002", [near]),
            one_study("NCT90000003", [children]),
        ]
    }
    report = run_import(empty_store, write(tmp_path, "p.json", page))
    assert report.centers_new == 2  # the children's hospital is its own center
    assert report.sites_on_new_centers == 3
    with empty_store.session() as s:
        main = s.scalars(select(Center).where(Center.name == "University of Chicago")).one()
        assert {t.trial.nct_id for t in main.trial_sites} == {"NCT90000001", "NCT90000002"}
    far_page = {"studies": [one_study("NCT90000004", [far])]}
    assert run_import(empty_store, write(tmp_path, "far.json", far_page)).centers_new == 1


def test_spellings_of_vall_d_hebron_and_of_korea_join_the_bundled_centers(seeded_store, tmp_path):
    """The registry writes one hospital as "Vall d'Hebron", "Vall D´Hebron", "Vall dHebron",
    "Universitari(o)" or not, and one country as "Korea", "South Korea", "Republic of Korea" or
    "Korea, Republic of": none of these may make a second center."""
    barcelona = {"city": "Barcelona", "country": "Spain"}
    sites = [
        {"facility": "Hospital Universitari Vall d'Hebron", **barcelona},
        {"facility": "Hospital Vall d’Hebron", **barcelona},
        {"facility": "Hospital Vall dHebron", **barcelona},
        {"facility": "Vall d'Hebron Hospital", **barcelona},
        {"facility": "Seoul National University Hospital", "city": "Seoul",
         "country": "South Korea"},
        {"facility": "Asan Medical Center", "city": "Seoul", "country": "Republic of Korea"},
        {"facility": "Severance Hospital", "city": "Seoul", "country": "Korea"},
    ]
    before = counts(seeded_store)["centers"]
    report = run_import(seeded_store, write(tmp_path, "p.json", {"studies": [
        one_study("NCT90000010", sites)]}))
    assert report.ok and report.centers_new == 0, report.text()
    assert counts(seeded_store)["centers"] == before
    with seeded_store.session() as s:
        joined = s.scalars(select(Center).join(TrialSite).join(Trial).where(
            Trial.nct_id == "NCT90000010")).all()
    hebron = {c.name for c in joined if "Hebron" in c.name}
    assert hebron and all("Vall" in name for name in hebron)
    assert {c.country for c in joined if c.city == "Seoul"} == {"Korea, Republic of"}


def test_names_close_is_conservative():
    assert names_close("Mayo Clinic in Florida", "Mayo Clinic Florida")
    assert names_close("Wake Forest Univeristy School of Medicine", "Wake Forest University")
    assert not names_close(
        "Gangdong Kyung Hee University Hospital", "Kyung Hee University Hospital"
    )
    assert not names_close("St. Louis Children's Hospital", "St. Louis Hospital")


def test_geopoint_wins_for_coordinates_and_hifld_still_gives_address():
    site = SiteRecord(
        "Mayo Clinic",
        "Rochester",
        "Minnesota",
        None,
        "United States",
        latitude=44.0,
        longitude=-92.5,
    )
    placed = place_site(site)
    assert placed is not None
    assert (placed.latitude, placed.longitude, placed.source) == (44.0, -92.5, "registry")
    assert placed.hospital_id is not None and placed.address and placed.phone
    without = place_site(SiteRecord("Mayo Clinic", "Rochester", "Minnesota", None, "United States"))
    assert without is not None and without.source == "hifld"


def test_sites_that_cannot_be_placed_are_imported_and_listed(empty_store, tmp_path):
    lost = {"facility": "Clinic of Nowhere", "city": "Qwxzville", "country": "Atlantis"}
    report = run_import(
        empty_store, write(tmp_path, "p.json", {"studies": [one_study("NCT90000010", [lost])]})
    )
    assert report.ok and report.centers_new == 1 and report.sites_unplaced == 1
    assert [(u.facility, u.nct_id) for u in report.unplaced] == [
        ("Clinic of Nowhere", "NCT90000010")
    ]
    with empty_store.session() as s:
        center = s.scalars(select(Center)).one()
        assert center.latitude is None and center.location_source is None


# --- idempotence, updates, respect -----------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing(empty_store):
    first = run_import(empty_store, DATA / "v2-page.json")
    before = state(empty_store)["directory"]
    second = run_import(empty_store, DATA / "v2-page.json")
    assert second.trials_unchanged == AUTOIMMUNE_STUDIES and second.centers_new == 0
    assert second.trials_updated == second.links_updated == second.centers_updated == 0
    assert second.links_new == 0 and second.facts_added == 0
    assert state(empty_store)["directory"] == before
    assert first.centers_new > 0


def _batches(store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(ImportBatch)) or 0)


def test_a_reimport_that_changes_nothing_records_no_batch_and_says_so(empty_store):
    first = run_import(empty_store, DATA / "v2-page.json")
    assert first.batch_id is not None and not first.nothing_changed
    for _ in range(3):
        again = run_import(empty_store, DATA / "v2-page.json")
        assert again.ok and again.nothing_changed and again.batch_id is None
        assert "Nothing changed" in again.text() and "Import batch" not in again.text()
    assert _batches(empty_store) == 1
    dry = run_import(empty_store, DATA / "v2-page.json", dry_run=True)
    assert dry.nothing_changed and "nothing would change" in dry.text()
    assert run_undo_last(empty_store).batch_id == first.batch_id  # one undo: the real import


def test_a_noop_reimport_keeps_no_backup_and_rotates_none_out(tmp_path):
    from directory_app.core.storage.backup_folder import backup_dir, list_backups

    db = tmp_path / "d.db"
    store = open_store(db, seed=False)
    try:
        run_import(store, DATA / "v2-page.json")  # into an empty file: nothing to back up
        changed = run_import(store, DATA / "classic-autoimmune.csv", all_conditions=True)
        assert changed.backup is not None and not changed.nothing_changed
        kept = [b.path.name for b in list_backups(backup_dir(db), db.stem)]
        assert len(kept) == 1
        for _ in range(12):  # more than the rotation keeps
            again = run_import(store, DATA / "classic-autoimmune.csv", all_conditions=True)
            assert again.nothing_changed and again.backup is None
        assert [b.path.name for b in list_backups(backup_dir(db), db.stem)] == kept
        assert sorted(p.name for p in backup_dir(db).iterdir()) == kept
    finally:
        store.close()


def test_a_newer_export_updates_trial_status_phases_and_site_status(seeded_store, tmp_path):
    page = v2_page()
    changed = copy.deepcopy(study(page, "NCT04956744"))
    status = changed["protocolSection"]["statusModule"]
    status["overallStatus"] = "COMPLETED"
    status["lastUpdatePostDateStruct"]["date"] = "2024-05-01"
    changed["protocolSection"]["designModule"]["phases"] = ["PHASE1", "PHASE2"]
    for loc in changed["protocolSection"]["contactsLocationsModule"]["locations"]:
        loc["status"] = "COMPLETED"
    report = run_import(seeded_store, write(tmp_path, "newer.json", {"studies": [changed]}))
    assert report.trials_updated == 1 and report.links_updated == 3
    with seeded_store.session() as s:
        trial = s.scalars(select(Trial).where(Trial.nct_id == "NCT04956744")).one()
        assert trial.status == "completed" and trial.phases == ["phase1", "phase2"]
        assert {site.site_status for site in trial.sites} == {"completed"}
    older = copy.deepcopy(study(page, "NCT04956744"))  # the 2022 record
    again = run_import(seeded_store, write(tmp_path, "older.json", {"studies": [older]}))
    assert again.trials_older == 1 and again.trials_updated == 0


def test_fields_a_person_edited_or_verified_are_never_overwritten(seeded_store):
    with seeded_store.session() as s:
        # The bundled directory's one Mayo Clinic center in Rochester: the registry's "Mayo
        # Clinic" sites are one of its aliases, so the import below matches them to it.
        mayo_id = s.scalar(
            select(Center.id).where(Center.name == "Mayo Clinic in Rochester",
                                    Center.city == "Rochester")
        )
        assert "Mayo Clinic" in [a["name"] for a in load_center(s, mayo_id)["aliases"]]
        data = load_center(s, mayo_id)
        data.update(latitude=44.0225, longitude=-92.4668, phone="507-555-0100")
        data["conditions"] = [{"condition": "multiple_sclerosis"}]  # a person's list
        save_center(
            s,
            data,
            expected_version=data["version"],
            today=date(2026, 1, 5),
            verified_by="coordinator",
        )
    with seeded_store.session() as s:
        edited = load_center(s, mayo_id)
    report = run_import(seeded_store, DATA / "v2-page.json")
    with seeded_store.session() as s:
        after = load_center(s, mayo_id)
    for field in ("latitude", "longitude", "phone", "location_source", "conditions", "version"):
        assert after[field] == edited[field], field
    kept = {(d.center, d.field) for d in report.differences}
    mayo = "Mayo Clinic in Rochester"
    assert (mayo, "location") in kept and (mayo, "conditions") in kept


def test_a_verified_fact_is_not_duplicated_or_downgraded(empty_store, tmp_path):
    site = {
        "facility": "Lupus Care Institute",
        "city": "Boston",
        "state": "Massachusetts",
        "country": "United States",
        "geoPoint": {"lat": 42.36, "lon": -71.06},
    }
    run_import(
        empty_store, write(tmp_path, "a.json", {"studies": [one_study("NCT90000020", [site])]})
    )
    with empty_store.session() as s:
        fact = s.scalars(select(ConditionTreated)).one()
        fact.source, fact.source_ref = "verified", "coordinator"
    report = run_import(
        empty_store, write(tmp_path, "b.json", {"studies": [one_study("NCT90000021", [site])]})
    )
    assert report.facts_added == 0
    with empty_store.session() as s:
        assert [(f.source, f.condition) for f in s.scalars(select(ConditionTreated))] == [
            ("verified", "lupus")
        ]


# --- undo ------------------------------------------------------------------------------------


def test_undo_removes_what_the_import_added_and_restores_what_it_updated(seeded_store):
    before = state(seeded_store)["directory"]
    report = run_import(seeded_store, DATA / "v2-page.json", all_conditions=True)
    assert report.centers_updated > 0 and report.links_updated > 0 and report.trials_new == 1
    undo = run_undo_last(seeded_store)
    assert undo.trials_removed == 1 and undo.centers_restored == report.centers_updated
    assert undo.links_restored == report.links_updated
    after = state(seeded_store)["directory"]
    for center in after["centers"]:
        center.pop("version")  # a restore is a save: the edit counter moves on
    for center in before["centers"]:
        center.pop("version")
    assert after == before
    with pytest.raises(NothingToUndo):
        run_undo_last(seeded_store)


def test_undo_into_empty_database_leaves_it_empty_and_keeps_later_edits(empty_store, tmp_path):
    empty = state(empty_store)["directory"]
    run_import(empty_store, DATA / "classic-autoimmune.csv")
    run_undo_last(empty_store)
    assert state(empty_store)["directory"] == empty
    run_import(empty_store, DATA / "classic-autoimmune.csv")
    with empty_store.session() as s:
        center_id = s.scalar(select(Center.id).where(Center.name == "Mayo Clinic"))
        data = load_center(s, center_id)
        data["notes"] = "Called 2026-01-05: referrals by fax only."
        save_center(
            s,
            data,
            expected_version=data["version"],
            today=date(2026, 1, 5),
        )
    undo = run_undo_last(empty_store)
    assert any("Mayo Clinic" in item for item in undo.kept_later_edits)
    assert counts(empty_store)[Center.__tablename__] == 1


# --- dry run and malformed input --------------------------------------------------------------


def test_dry_run_reports_the_real_figures_and_writes_nothing(empty_store):
    before = state(empty_store)
    dry = run_import(empty_store, DATA / "v2-page.json", dry_run=True)
    assert state(empty_store) == before and dry.batch_id is None and dry.backup is None
    real = run_import(empty_store, DATA / "v2-page.json")
    figures = ("trials_new", "centers_new", "sites_matched", "sites_on_new_centers", "links_new")
    assert [getattr(dry, f) for f in figures] == [getattr(real, f) for f in figures]


def _malformed(tmp_path: Path) -> dict[str, Path]:
    truncated = tmp_path / "truncated.json"
    truncated.write_text((DATA / "v2-page.json").read_text(encoding="utf-8")[:20000])
    bad_zip = tmp_path / "damaged.zip"
    bad_zip.write_bytes((DATA / "v2-two-pages.zip").read_bytes()[:3000])
    late = v2_page()
    late["studies"].append({"protocolSection": {"identificationModule": {"nctId": "NCT123"}}})
    ours = tmp_path / "ours.json"
    ours.write_text(
        json.dumps(
            {
                "format": "directory-app/1",
                "trials": [],
                "centers": [{"uid": "a" * 32, "name": "X", "age_min": "ten"}],
            }
        )
    )
    return {
        "bad date": DATA / "classic-bad-date.csv",
        "bad NCT": DATA / "classic-bad-nct.csv",
        "not UTF-8": DATA / "classic-latin1.csv",
        "missing column": DATA / "classic-missing-locations.csv",
        "non-object": DATA / "v2-non-object.json",
        "wrong type": DATA / "v2-wrong-type.json",
        "truncated": truncated,
        "damaged zip": bad_zip,
        "bad last record": write(tmp_path, "late.json", late),
        "own JSON": ours,
    }


@pytest.mark.sqlite_only
def test_every_malformed_input_leaves_the_database_file_byte_for_byte(tmp_path):
    db = tmp_path / "directory.db"
    store = open_store(db, seed=False)
    run_import(store, DATA / "classic-autoimmune.csv")
    store.close()
    for label, path in _malformed(tmp_path).items():
        original = db.read_bytes()
        store = open_store(db, seed=False)
        report = run_import(store, path)
        store.close()
        assert not report.ok, label
        error = report.errors[0]
        assert error["file"] and error["message"], label
        assert db.read_bytes() == original, label


def test_malformed_input_names_file_row_and_field_and_changes_nothing(empty_store, tmp_path):
    run_import(empty_store, DATA / "classic-autoimmune.csv")
    before = state(empty_store)
    for label, path in _malformed(tmp_path).items():
        report = run_import(empty_store, path)
        assert not report.ok and state(empty_store) == before, label
    report = run_import(empty_store, DATA / "classic-bad-date.csv")
    assert report.errors == [
        {
            "file": "classic-bad-date.csv",
            "row": 3,
            "field": "Last Update Posted",
            "message": report.errors[0]["message"],
        }
    ]
    late = run_import(empty_store, _malformed(tmp_path)["bad last record"])
    assert late.errors[0]["row"] == 18  # the 18th record of the page


def test_v2_eligibility_and_site_contacts_are_stored_with_the_trial(empty_store, tmp_path):
    """API v2's eligibilityModule and a location's contacts reach the trial and its site:
    limits, sex, healthy volunteers, enrolment, dates, criteria split into two lists, and
    the site's registry contacts; a second site without contacts lists none."""
    site = {"facility": "Sample University Hospital", "city": "Rochester", "state": "Minnesota",
            "country": "United States", "status": "RECRUITING",
            "geoPoint": {"lat": 44.02, "lon": -92.47},
            "contacts": [{"name": "Sample Coordinator", "role": "CONTACT",
                          "phone": "507-555-0100", "email": "trials@example.org"}]}  # fmt: skip
    other = {"facility": "Sample County Clinic", "city": "Duluth", "state": "Minnesota",
             "country": "United States", "geoPoint": {"lat": 46.79, "lon": -92.1}}  # fmt: skip
    record = one_study("NCT09000001", [site, other])
    p = record["protocolSection"]
    p["eligibilityModule"] = {
        "minimumAge": "18 Years", "maximumAge": "55 Years", "sex": "FEMALE",
        "healthyVolunteers": False,
        "eligibilityCriteria": "Inclusion Criteria:\n\n* Age 18-55\n* SLE by ACR criteria,\n"
        "  active despite two therapies\n\nExclusion Criteria:\n\n* Pregnancy\n* Active infection",
    }  # fmt: skip
    p["designModule"]["enrollmentInfo"] = {"count": 40}
    p["statusModule"]["startDateStruct"] = {"date": "2023-02"}
    p["statusModule"]["completionDateStruct"] = {"date": "2026-12-31"}
    run_import(empty_store, write(tmp_path, "page.json", {"studies": [record]}))
    with empty_store.session() as s:
        t = s.scalars(select(Trial).where(Trial.nct_id == "NCT09000001")).one()
        assert (t.min_age_years, t.max_age_years, t.sex, t.healthy_volunteers, t.enrollment) == (
            18.0, 55.0, "female", False, 40)  # fmt: skip
        assert (t.start_date, t.completion_date) == (date(2023, 2, 1), date(2026, 12, 31))
        assert t.inclusion_criteria == [
            "Age 18-55", "SLE by ACR criteria, active despite two therapies"
        ]
        assert t.exclusion_criteria == ["Pregnancy", "Active infection"]
        assert t.eligibility_text.startswith("Inclusion Criteria:")
        by_facility = {x.facility: x for x in t.sites}
        near = by_facility["Sample University Hospital"]
        assert near.site_status == "recruiting"
        assert near.contacts == [{"name": "Sample Coordinator", "role": "Contact",
                                  "phone": "507-555-0100", "email": "trials@example.org"}]
        assert by_facility["Sample County Clinic"].contacts in ([], None)

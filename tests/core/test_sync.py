"""`directory-app sync`: a laptop's SQLite directory merged with the shared one (a second SQLite
file, and a real PostgreSQL server), both ways, by center uid - conflicts listed, never
overwritten."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from directory_app.cli import main
from directory_app.core.directory.editing import delete_center, load_center, save_center
from directory_app.core.directory.models import Center, TherapyOffering, Trial
from directory_app.core.exchange.directory_form import (
    add_directory,
    center_to_dict,
    load_centers,
    trial_to_dict,
)
from directory_app.core.importing.importer import run_import
from directory_app.core.importing.split_center import split_alias
from directory_app.core.search.query import search
from directory_app.core.search.shapes import CenterFilter
from directory_app.core.storage.engine import Store
from directory_app.core.storage.opening import open_store
from directory_app.core.sync.merge import (
    SYNC_STATE,
    SyncError,
    SyncReport,
    sync_directories,
    sync_stores,
)
from tests.editing_samples import sample_center

DATA = Path(__file__).resolve().parent.parent / "data" / "ctgov"
TODAY = date(2025, 3, 14)
TRIAL = {"nct_id": "NCT01234567", "title": "HSCT for MS", "status": "recruiting",
         "phases": ["phase2"], "conditions": ["multiple sclerosis"], "interventions": [],
         "last_update": "2024-05-01"}  # fmt: skip


def add(store: Store, uid: str, name: str, **fields: Any) -> None:
    center = sample_center(name=name, **fields) | {"uid": uid, "edited_fields": ["name"]}
    center["trials"] = [{"nct_id": TRIAL["nct_id"], "site_status": "recruiting",
                         "facility": name, "city": "Chicago"}]  # fmt: skip
    with store.session() as s:
        add_directory(s, {"trials": [TRIAL], "centers": [center]})


def edit(store: Store, uid: str, **changes: Any) -> None:
    """A person's save through the app: the version moves, the facts become verified."""
    with store.session() as s:
        center_id = s.scalar(select(Center.id).where(Center.uid == uid))
        assert center_id is not None
        data = load_center(s, center_id) | changes
        save_center(s, data, expected_version=None, today=TODAY)


def remove(store: Store, uid: str) -> None:
    with store.session() as s:
        center_id = s.scalar(select(Center.id).where(Center.uid == uid))
        assert center_id is not None
        delete_center(s, center_id, expected_version=None)


def directory(store: Store) -> dict[str, dict[str, Any]]:
    """Every center as the exchange form has it, without the row id and version (local)."""
    with store.session() as s:
        return {c.uid: {k: v for k, v in center_to_dict(c).items() if k not in ("id", "version")}
                for c in load_centers(s)}  # fmt: skip


def trials(store: Store) -> dict[str, dict[str, Any]]:
    """Every trial record with the registry's site count and the download it came from."""
    with store.session() as s:
        return {t.nct_id: trial_to_dict(t) | {"sites_total": t.sites_total,
                                              "record_source": t.record_source}
                for t in s.scalars(select(Trial))}  # fmt: skip


def state_rows(store: Store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(SYNC_STATE)) or 0


@pytest.fixture
def laptop(tmp_path: Path):
    store = open_store(tmp_path / "laptop.db", seed=False)
    yield store
    store.close()


@pytest.fixture
def shared(any_store: Store) -> Store:
    """The shared directory: a second SQLite file, or a real PostgreSQL database."""
    return any_store


@pytest.fixture
def synced(laptop: Store, shared: Store) -> tuple[Store, Store]:
    """Laptop and shared directory after a first sync: four centers on both."""
    for uid in ("a", "b"):
        add(laptop, uid, f"Laptop {uid.upper()} Hospital")
    for uid in ("c", "d"):
        add(shared, uid, f"Shared {uid.upper()} Clinic")
    report = sync_stores(laptop, shared)
    assert not report.conflicts
    return laptop, shared


def test_first_sync_copies_each_side_to_the_other_identically(synced):
    laptop, shared = synced
    assert set(directory(laptop)) == {"a", "b", "c", "d"}
    assert directory(laptop) == directory(shared)
    with shared.session() as s:
        trial = s.scalars(select(Trial)).one()
        assert (trial.nct_id, trial.last_update) == ("NCT01234567", date(2024, 5, 1))
    assert state_rows(laptop) == state_rows(shared) == 4


def test_sync_again_without_edits_changes_nothing(synced):
    laptop, shared = synced
    report = sync_stores(laptop, shared)
    assert report.to_target.count() == report.to_source.count() == 0
    assert report.unchanged == 4 and not report.conflicts


def test_round_trip_merges_edits_both_ways_and_reports_the_conflict(synced, capsys):
    laptop, shared = synced
    edit(laptop, "a", phone="+1 312 555 0111")  # only the laptop changed a
    edit(shared, "c", notes="Shared notes")  # only the shared copy changed c
    edit(laptop, "b", phone="+1 312 555 0122")  # both changed b: a conflict
    edit(shared, "b", phone="+1 312 555 0133", notes="Another coordinator")
    remove(shared, "d")  # deleted on the shared side, untouched on the laptop
    add(laptop, "e", "Laptop E Hospital")  # new on the laptop

    assert main(["--db", laptop.url, "sync", "--to", shared.url, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["to_target"]["updated"] == ["a"] and report["to_target"]["added"] == ["e"]
    assert report["to_source"]["updated"] == ["c"] and report["to_source"]["deleted"] == ["d"]
    [conflict] = report["conflicts"]
    assert conflict["uid"] == "b" and "both sides" in conflict["reason"]
    assert set(conflict["fields"]) >= {"phone", "notes"}

    mine, theirs = directory(laptop), directory(shared)
    assert mine.keys() == theirs.keys() == {"a", "b", "c", "e"}
    for uid in "ace":
        assert mine[uid] == theirs[uid]
    assert mine["a"]["phone"] == "+1 312 555 0111" and mine["c"]["notes"] == "Shared notes"
    assert mine["b"]["phone"] == "+1 312 555 0122", "a conflict overwrites nothing"
    assert theirs["b"]["phone"] == "+1 312 555 0133"


def test_prefer_resolves_a_conflict_and_the_next_sync_is_clean(synced):
    laptop, shared = synced
    edit(laptop, "b", phone="+1 312 555 0122")
    edit(shared, "b", phone="+1 312 555 0133")
    assert len(sync_stores(laptop, shared).conflicts) == 1
    report = sync_stores(laptop, shared, prefer="from")
    assert report.to_target.updated == ["b"] and not report.conflicts
    assert directory(shared)["b"]["phone"] == "+1 312 555 0122"
    assert sync_stores(laptop, shared).to_target.count() == 0


def test_deleted_on_one_side_and_edited_on_the_other_is_a_conflict(synced):
    laptop, shared = synced
    remove(laptop, "c")
    edit(shared, "c", notes="Still here")
    report = sync_stores(laptop, shared)
    [conflict] = report.conflicts
    assert conflict.uid == "c" and "deleted on the from side" in conflict.reason
    assert "c" not in directory(laptop) and directory(shared)["c"]["notes"] == "Still here"


def test_dry_run_reports_but_writes_nothing(synced, capsys):
    laptop, shared = synced
    edit(laptop, "a", phone="+1 312 555 0111")
    before = directory(shared)
    assert main(["--db", laptop.url, "sync", "--to", shared.url, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "1 centers updated: a" in out.replace("  ", " ") and "dry run" in out
    assert directory(shared) == before


def test_one_way_sync_writes_only_the_target(synced):
    laptop, shared = synced
    edit(laptop, "a", phone="+1 312 555 0111")
    edit(shared, "c", notes="Shared notes")
    report = sync_stores(laptop, shared, one_way=True)
    assert report.to_target.updated == ["a"] and report.left_for_two_way == ["c"]
    assert directory(laptop)["c"]["notes"] != "Shared notes"
    assert sync_stores(laptop, shared).to_source.updated == ["c"], "still merged later"


def test_newer_trial_record_wins_in_either_direction(synced):
    laptop, shared = synced
    with shared.session() as s:
        trial = s.scalars(select(Trial)).one()
        trial.status, trial.last_update = "completed", date(2025, 1, 9)
    report = sync_stores(laptop, shared)
    assert report.to_source.trials_updated == ["NCT01234567"]
    with laptop.session() as s:
        assert s.scalars(select(Trial.status)).one() == "completed"


def test_the_later_registry_check_travels_both_ways(synced):
    laptop, shared = synced
    with shared.session() as s:
        s.scalars(select(Trial)).one().checked_on = date(2026, 12, 1)
    sync_stores(laptop, shared)
    with laptop.session() as s:
        assert s.scalars(select(Trial.checked_on)).one() == date(2026, 12, 1)
        s.scalars(select(Trial)).one().checked_on = date(2026, 12, 2)
    report = sync_stores(laptop, shared)
    assert report.to_target.trials_updated == report.to_source.trials_updated == []
    for store in (laptop, shared):
        with store.session() as s:
            assert s.scalars(select(Trial.checked_on)).one() == date(2026, 12, 2)


def test_an_interrupted_sync_is_completed_by_the_next_one(synced):
    """The second commit failing leaves the sides unequal; the next sync converges and loses
    no edit."""
    laptop, shared = synced
    edit(shared, "c", notes="Shared notes")
    edit(laptop, "a", phone="+1 312 555 0111")
    with laptop.factory() as mine, shared.factory() as theirs:
        sync_directories(mine, theirs, SyncReport("laptop", "shared"))
        theirs.commit()
        mine.rollback()  # the laptop's commit never happened
    report = sync_stores(laptop, shared)
    assert not report.conflicts
    assert directory(laptop) == directory(shared)
    assert directory(laptop)["c"]["notes"] == "Shared notes"
    assert directory(laptop)["a"]["phone"] == "+1 312 555 0111"


def test_a_file_copy_cannot_be_synced_with_its_original(synced, tmp_path, capsys):
    laptop, _shared = synced
    laptop.close()
    copy = tmp_path / "copy.db"
    copy.write_bytes(Path(str(laptop.path)).read_bytes())
    assert main(["--db", str(laptop.path), "sync", "--to", str(copy)]) == 2
    assert "same directory id" in capsys.readouterr().err


def test_one_way_with_prefer_to_is_refused(laptop, shared):
    with pytest.raises(SyncError, match="--prefer from"):
        sync_stores(laptop, shared, one_way=True, prefer="to")


def test_city_only_sites_and_the_registrys_site_count_travel_with_a_trial(laptop, shared):
    """A trial known only as 'a site in Chicago, IL; 8 sites' reaches the other side whole,
    its place linked to the same center (by uid) and still saying the link was inferred."""
    add(shared, "nu", "Northwestern University")
    city_only = {
        "nct_id": "NCT07654321", "title": "HSCT in MS", "status": "completed", "phases": [],
        "conditions": ["Multiple Sclerosis"], "interventions": [], "last_update": "2020-08-12",
        "sites_total": 8, "record_source": "MS table 2025-09",
        "places": [{"city": "Chicago", "region": "IL", "country": "United States",
                    "latitude": 41.88, "longitude": -87.63, "location_source": "gazetteer",
                    "center_uid": "nu", "inferred_from": "sponsor_city"}],
    }  # fmt: skip
    with shared.session() as s:
        add_directory(s, {"trials": [city_only], "centers": []})
    add(laptop, "a", "Laptop A Hospital")
    sync_stores(laptop, shared)
    with laptop.session() as s:
        trial = s.scalars(select(Trial).where(Trial.nct_id == "NCT07654321")).one()
        assert (trial.sites_total, trial.record_source) == (8, "MS table 2025-09")
        [place] = trial.places
        assert (place.city, place.latitude, place.inferred_from) == ("Chicago", 41.88,
                                                                     "sponsor_city")
        assert place.center is not None and place.center.uid == "nu"
    assert sync_stores(laptop, shared).to_source.count() == 0, "the next sync is clean"


def test_registry_imports_on_both_sides_converge_without_a_conflict(laptop, shared, capsys):
    """The laptop imported the registry's v2 JSON page, the shared directory the same studies as
    the current CSV: both learnt the same centers, one with geoPoints and site contacts, the
    other with postal codes. No person made a difference, so the first sync merges them."""
    run_import(laptop, DATA / "v2-page.json", all_conditions=True)
    run_import(shared, DATA / "current-autoimmune.csv", all_conditions=True)
    before_laptop, before_shared = directory(laptop), directory(shared)
    assert before_laptop != before_shared

    assert main(["--db", laptop.url, "sync", "--to", shared.url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["conflicts"] == [] and report["trial_conflicts"] == []
    mine, theirs = directory(laptop), directory(shared)
    assert mine == theirs and trials(laptop) == trials(shared)
    uppsala = next(c for c in mine.values() if c["name"] == "Uppsala University Hospital")
    assert uppsala["location_source"] == "registry", "the geoPoint beats the gazetteer city"
    for uid, center in mine.items():
        for side in (before_laptop[uid], before_shared[uid]):
            known = {k for k, v in side.items() if v not in (None, "", [])} - {"trials"}
            assert known <= {k for k, v in center.items() if v not in (None, "", [])}, uid
            assert {t["nct_id"] for t in side["trials"]} <= {t["nct_id"] for t in center["trials"]}
    again = sync_stores(laptop, shared, full=True)
    assert again.to_target.count() == again.to_source.count() == 0 and not again.conflicts


def _two_records(laptop: Store, shared: Store, **theirs: Any) -> None:
    """The same trial on both sides with one last-update date; the shared record differs."""
    with laptop.session() as s:
        add_directory(s, {"trials": [TRIAL], "centers": []})
    with shared.session() as s:
        add_directory(s, {"trials": [TRIAL | theirs], "centers": []})


def _status(store: Store) -> str:
    with store.session() as s:
        return s.scalars(select(Trial.status)).one()


def test_same_last_update_with_different_statuses_is_reported_not_left_silent(
    laptop, shared, capsys
):
    _two_records(laptop, shared, status="completed")
    assert main(["--db", laptop.url, "sync", "--to", shared.url]) == 1
    out = capsys.readouterr().out
    assert "conflict  NCT01234567  HSCT for MS: both records last updated 2024-05-01" in out
    assert "[status]" in out
    assert (_status(laptop), _status(shared)) == ("recruiting", "completed"), "nothing chosen"
    for _ in range(2):  # --full reports it as well, every time until it is settled
        report = sync_stores(laptop, shared, full=True)
        [conflict] = report.trial_conflicts
        assert conflict.uid == "NCT01234567" and conflict.fields == ["status"]


@pytest.mark.parametrize(("prefer", "kept"), [("from", "recruiting"), ("to", "completed")])
def test_prefer_settles_two_records_of_the_same_date(laptop, shared, prefer, kept):
    _two_records(laptop, shared, status="completed")
    report = sync_stores(laptop, shared, prefer=prefer)
    assert not report.trial_conflicts
    assert _status(laptop) == _status(shared) == kept
    report = sync_stores(laptop, shared)
    assert not report.trial_conflicts and report.to_target.count() == 0
    assert report.to_source.count() == 0


def test_records_of_the_same_date_fill_each_other_without_a_conflict(laptop, shared):
    """A format that lacks a field (the sponsor, the registry's site count) says nothing about
    it: the record that has it completes the other."""
    _two_records(laptop, shared, sponsor="University Hospital", sites_total=3)
    report = sync_stores(laptop, shared)
    assert not report.trial_conflicts
    assert report.to_source.trials_updated == ["NCT01234567"]
    assert trials(laptop) == trials(shared)
    assert trials(laptop)["NCT01234567"]["sponsor"] == "University Hospital"


def _registry_finds(store: Store, uid: str, **fields: Any) -> None:
    """What an import does to a center it knows: a registry therapy and fields it lacked,
    the version bumped; no person's edit."""
    with store.session() as s:
        center = s.scalars(select(Center).where(Center.uid == uid)).one()
        if fields.pop("therapy", False):
            center.therapies.append(TherapyOffering(therapy="msc_unspecified", source="registry",
                                                    source_ref=TRIAL["nct_id"]))  # fmt: skip
        for name, value in fields.items():
            setattr(center, name, value)
        center.version += 1


def test_a_persons_edit_beside_registry_facts_is_still_a_conflict(laptop, shared):
    """Registry facts merge, a person's word does not: the conflict names only the edited
    field."""
    run_import(laptop, DATA / "v2-page.json", all_conditions=True)
    run_import(shared, DATA / "current-autoimmune.csv", all_conditions=True)
    uid = next(u for u, c in directory(laptop).items()
               if c["name"] == "Uppsala University Hospital")  # fmt: skip
    edit(shared, uid, phone="+46 18 611 0000")
    report = sync_stores(laptop, shared)
    [conflict] = report.conflicts
    assert conflict.uid == uid and "phone" in conflict.fields
    assert "latitude" not in conflict.fields and "trials" not in conflict.fields
    assert directory(shared)[uid]["phone"] == "+46 18 611 0000"
    assert directory(laptop)[uid]["phone"] is None



def test_a_persons_edit_beside_a_registry_therapy_is_still_a_conflict(laptop, shared):
    """Registry facts merge, a person's word does not: the conflict names only the edited
    field."""
    add(laptop, "s", "Sample Lakeside Hospital")
    add(shared, "s", "Sample Lakeside Hospital")
    _registry_finds(laptop, "s", therapy=True, postal_code=None)
    edit(shared, "s", phone="+1 312 555 0177")
    report = sync_stores(laptop, shared)
    [conflict] = report.conflicts
    assert conflict.uid == "s" and "phone" in conflict.fields
    assert "therapies" not in conflict.fields
    assert directory(shared)["s"]["phone"] == "+1 312 555 0177"
    assert directory(laptop)["s"]["phone"] != "+1 312 555 0177"


def test_registry_facts_added_on_both_sides_since_the_last_sync_merge(laptop, shared):
    """Synced once; then one side's import finds a therapy at a center and the other side's
    finds its postal code. Both changed the center since the last sync, but only in registry
    facts: the next sync merges them."""
    add(laptop, "s", "Sample Lakeside Hospital", postal_code=None)
    assert not sync_stores(laptop, shared).conflicts
    _registry_finds(laptop, "s", therapy=True)
    _registry_finds(shared, "s", postal_code="60611")
    report = sync_stores(laptop, shared)
    assert not report.conflicts
    assert report.to_target.updated == report.to_source.updated == ["s"]
    merged = directory(laptop)["s"]
    assert merged == directory(shared)["s"] and merged["postal_code"] == "60611"
    assert "msc_unspecified" in {t["therapy"] for t in merged["therapies"]}
    again = sync_stores(laptop, shared)
    assert again.to_target.count() == again.to_source.count() == 0


def test_other_registered_names_and_a_split_travel_both_ways(laptop, shared):
    """A merged center's aliases reach the other side, where the text search finds them; a
    split made there comes back as two centers, the alias gone from the first."""
    add(laptop, "m", "Lakeside University Hospital",
        aliases=[{"name": "LUH Westgate Campus", "source": "registry",
                  "source_ref": "ClinicalTrials.gov NCT01234567", "verified_on": None}])
    assert not sync_stores(laptop, shared).conflicts
    assert directory(shared)["m"]["aliases"][0]["name"] == "LUH Westgate Campus"
    with shared.session() as s:
        rows = search(s, CenterFilter(text="westgate", as_of=TODAY))
        assert [r.name for r in rows] == ["Lakeside University Hospital"]
        split_alias(s, rows[0].id, "LUH Westgate Campus")
    assert not sync_stores(laptop, shared).conflicts
    mine = {c["name"]: c for c in directory(laptop).values()}
    assert set(mine) == {"Lakeside University Hospital", "LUH Westgate Campus"}
    assert "aliases" not in mine["Lakeside University Hospital"]
    assert directory(laptop) == directory(shared)

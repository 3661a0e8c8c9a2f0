"""Saving a person's edits: validation, verification stamps, conflicts, delete and restore."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm.exc import StaleDataError

from directory_app.core.directory.editing import (
    CenterNotFound,
    EditConflict,
    delete_center,
    load_center,
    restore_center,
    revert_center,
    save_center,
)
from directory_app.core.directory.models import Center, TherapyOffering
from directory_app.core.directory.validation import ValidationError
from directory_app.core.exchange.directory_form import add_directory
from tests.editing_samples import sample_center

TODAY = date(2025, 3, 14)

REGISTRY_DOC = {
    "trials": [
        {"nct_id": "NCT01234567", "title": "HSCT for MS", "status": "recruiting",
         "phases": ["phase2"], "conditions": [], "interventions": []},
    ],
    "centers": [
        {
            "uid": "reg0001", "name": "Registry Center", "city": "Boston",
            "country": "United States", "kind": "transplant_center", "kind_source": "registry",
            "source": "registry",
            "source_ref": "NCT01234567", "edited_fields": [],
            "therapies": [{"therapy": "hsct_autologous", "delivery": None,
                           "source": "registry", "source_ref": "NCT01234567"}],
            "conditions": [{"condition": "multiple_sclerosis", "source": "registry",
                            "source_ref": "NCT01234567"}],
            "trials": [{"nct_id": "NCT01234567", "site_status": "recruiting",
                        "facility": "Registry Center Boston", "city": "Boston"}],
        }
    ],
}  # fmt: skip


def create(store, **changes) -> int:
    with store.session() as s:
        return save_center(s, sample_center(**changes), expected_version=None, today=TODAY)


def registry_center(store) -> int:
    with store.session() as s:
        add_directory(s, REGISTRY_DOC)
        return s.scalar(select(Center.id).where(Center.uid == "reg0001"))


def loaded(store, center_id: int) -> dict:
    with store.session() as s:
        return load_center(s, center_id)


def test_new_center_is_saved_as_verified_today(empty_store):
    center_id = create(empty_store)
    data = loaded(empty_store, center_id)
    assert data["name"] == "Lakeside University Hospital"
    assert data["version"] == 1
    assert data["source"] == "verified"
    assert data["last_verified"] == TODAY.isoformat()
    assert len(data["uid"]) == 32
    assert {"name", "latitude", "therapies", "contacts"} <= set(data["edited_fields"])
    assert data["therapies"][0]["source"] == "verified"
    assert data["therapies"][0]["verified_on"] == TODAY.isoformat()


def test_edit_marks_changed_fields_and_facts_verified_and_keeps_the_rest(empty_store):
    center_id = registry_center(empty_store)
    data = loaded(empty_store, center_id)
    data["phone"] = "617-555-0199"
    data["conditions"].append({"condition": "lupus"})
    with empty_store.session() as s:
        save_center(s, data, expected_version=1, today=TODAY, verified_by="J. Chen")
    after = loaded(empty_store, center_id)
    assert after["phone"] == "617-555-0199"
    assert after["version"] == 2
    assert after["source"] == "registry"  # where the record came from does not change
    assert (after["last_verified"], after["verified_by"]) == ("2025-03-14", "J. Chen")
    assert after["edited_fields"] == ["conditions", "phone"]
    by_code = {c["condition"]: c for c in after["conditions"]}
    assert by_code["lupus"]["source"] == "verified"
    assert by_code["lupus"]["verified_on"] == "2025-03-14"
    assert by_code["multiple_sclerosis"]["source"] == "registry"  # untouched fact keeps its origin
    assert after["therapies"][0]["source"] == "registry"
    assert after["trials"] == data["trials"]


def test_changing_a_therapy_delivery_updates_the_fact_in_place(empty_store):
    center_id = registry_center(empty_store)
    data = loaded(empty_store, center_id)
    data["therapies"] = [{"therapy": "hsct_autologous", "delivery": "intravenous"}]
    with empty_store.session() as s:
        save_center(s, data, expected_version=1, today=TODAY)
    therapy = loaded(empty_store, center_id)["therapies"][0]
    assert (therapy["delivery"], therapy["source"]) == ("intravenous", "verified")


def test_changed_kind_and_location_record_a_person_as_their_source(empty_store):
    center_id = registry_center(empty_store)
    with empty_store.session() as s:
        save_center(s, {"id": center_id, "name": "Registry Center", "kind": "academic_hospital",
                        "latitude": 42.33, "longitude": -71.1}, expected_version=1, today=TODAY)
    after = loaded(empty_store, center_id)
    assert (after["kind_source"], after["location_source"]) == ("verified", "verified")
    assert after["city"] == "Boston"  # fields absent from the edit are left as they were


def test_blank_text_is_stored_as_unknown(empty_store):
    center_id = create(empty_store, address="   ", notes="  keep me  ")
    data = loaded(empty_store, center_id)
    assert data["address"] is None
    assert data["notes"] == "keep me"


def test_invalid_edit_is_refused_and_nothing_is_written(empty_store):
    center_id = create(empty_store)
    data = loaded(empty_store, center_id)
    data.update(latitude=123.0, name="Changed")
    with pytest.raises(ValidationError) as info, empty_store.session() as s:
        save_center(s, data, expected_version=1, today=TODAY)
    assert [e.field for e in info.value.errors] == ["latitude"]
    assert loaded(empty_store, center_id)["name"] == "Lakeside University Hospital"


def test_edit_of_an_older_version_is_refused_with_a_clear_message(empty_store):
    center_id = create(empty_store)
    mine = loaded(empty_store, center_id)
    theirs = loaded(empty_store, center_id)
    theirs["phone"] = "312-555-0177"
    with empty_store.session() as s:
        save_center(s, theirs, expected_version=1, today=TODAY)
    mine["phone"] = "312-555-0999"
    with pytest.raises(EditConflict) as info, empty_store.session() as s:
        save_center(s, mine, expected_version=1, today=TODAY)
    assert str(info.value) == (
        "This center was changed elsewhere (saved version 2, you edited version 1); "
        "reload it and apply your change again. Nothing was overwritten."
    )
    assert loaded(empty_store, center_id)["phone"] == "312-555-0177"


def test_expected_version_defaults_to_the_version_in_the_data(empty_store):
    center_id = create(empty_store)
    stale = loaded(empty_store, center_id)
    with empty_store.session() as s:
        save_center(s, loaded(empty_store, center_id), expected_version=1, today=TODAY)
    with pytest.raises(EditConflict), empty_store.session() as s:
        save_center(s, stale, expected_version=None, today=TODAY)


def test_a_save_racing_another_writer_is_refused_by_the_version_column(empty_store):
    center_id = create(empty_store)
    data = loaded(empty_store, center_id)
    data["phone"] = "312-555-0999"

    def other_writer_commits_first(session, _ctx, _instances):
        with empty_store.engine.begin() as conn:
            conn.execute(update(Center).where(Center.id == center_id).values(
                version=Center.version + 1, phone="312-555-0123"))

    with pytest.raises(EditConflict) as info, empty_store.session() as s:
        event.listen(s, "before_flush", other_writer_commits_first, once=True)
        save_center(s, data, expected_version=1, today=TODAY)
    assert isinstance(info.value.__cause__, StaleDataError)  # caught by the backstop, not the check
    assert "changed elsewhere" in str(info.value)
    assert "Nothing was overwritten" in str(info.value)
    assert loaded(empty_store, center_id)["phone"] == "312-555-0123"


def test_version_moves_even_when_only_facts_change(empty_store):
    center_id = create(empty_store)
    data = loaded(empty_store, center_id)
    for _ in range(2):  # the second save changes no center column at all
        data["conditions"].append({"condition": "lupus" if _ == 0 else "psoriasis"})
        with empty_store.session() as s:
            save_center(s, data, expected_version=data["version"], today=TODAY)
        data = loaded(empty_store, center_id)
    assert data["version"] == 3


def test_editing_a_deleted_center_is_refused(empty_store):
    center_id = create(empty_store)
    data = loaded(empty_store, center_id)
    with empty_store.session() as s:
        delete_center(s, center_id, expected_version=1)
    with pytest.raises(EditConflict, match="deleted elsewhere"), empty_store.session() as s:
        save_center(s, data, expected_version=1, today=TODAY)


def test_delete_then_restore_brings_back_uid_id_facts_and_trial_links(empty_store):
    center_id = registry_center(empty_store)
    before = loaded(empty_store, center_id)
    with empty_store.session() as s:
        snapshot = delete_center(s, center_id, expected_version=1)
    assert snapshot == before
    with empty_store.session() as s:
        assert s.scalar(select(Center).where(Center.uid == "reg0001")) is None
        assert s.scalars(select(TherapyOffering)).all() == []
    with empty_store.session() as s:
        restored_id = restore_center(s, snapshot)
    assert restored_id == center_id
    after = loaded(empty_store, restored_id)
    assert {k: v for k, v in after.items() if k != "version"} == {
        k: v for k, v in before.items() if k != "version"
    }


def test_delete_of_a_changed_center_is_refused(empty_store):
    center_id = create(empty_store)
    with empty_store.session() as s:
        save_center(s, loaded(empty_store, center_id), expected_version=1, today=TODAY)
    conflict = pytest.raises(EditConflict, match="saved version 2, you edited version 1")
    with conflict, empty_store.session() as s:
        delete_center(s, center_id, expected_version=1)
    assert loaded(empty_store, center_id)["version"] == 2


def test_restoring_a_center_that_exists_again_is_refused(empty_store):
    center_id = create(empty_store)
    with empty_store.session() as s:
        snapshot = delete_center(s, center_id, expected_version=1)
    with empty_store.session() as s:
        restore_center(s, snapshot)
    with pytest.raises(EditConflict), empty_store.session() as s:
        restore_center(s, snapshot)


def test_revert_puts_back_values_and_provenance_exactly(empty_store):
    center_id = registry_center(empty_store)
    before = loaded(empty_store, center_id)
    edited = loaded(empty_store, center_id)
    edited.update(phone="617-555-0100", therapies=[], kind="academic_hospital")
    with empty_store.session() as s:
        save_center(s, edited, expected_version=1, today=TODAY, verified_by="J. Chen")
    with empty_store.session() as s:
        revert_center(s, before, expected_version=2)
    after = loaded(empty_store, center_id)
    assert after["version"] == 3
    assert {k: v for k, v in after.items() if k != "version"} == {
        k: v for k, v in before.items() if k != "version"
    }


def test_revert_is_refused_when_someone_else_saved_in_between(empty_store):
    center_id = create(empty_store)
    before = loaded(empty_store, center_id)
    with empty_store.session() as s:
        save_center(s, loaded(empty_store, center_id), expected_version=1, today=TODAY)
    with pytest.raises(EditConflict), empty_store.session() as s:
        revert_center(s, before, expected_version=1)


def test_load_center_of_unknown_id_raises(empty_store):
    with pytest.raises(CenterNotFound), empty_store.session() as s:
        load_center(s, 12345)

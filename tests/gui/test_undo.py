"""Undo and redo of center edits, adds and deletes, each step saved in the database."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtGui import QUndoStack
from sqlalchemy import select, update

from directory_app.core.directory.editing import load_center, save_center
from directory_app.core.directory.models import Center
from directory_app.core.exchange.directory_form import add_directory
from directory_app.gui.undo import AddCenterCommand, DeleteCenterCommand, EditCenterCommand
from directory_app.gui.undo_versions import VersionLedger
from tests.editing_samples import Recorder, sample_center

TODAY = date(2025, 3, 14)


@pytest.fixture
def window() -> Recorder:
    return Recorder()


@pytest.fixture
def stack(qtbot) -> QUndoStack:
    return QUndoStack()


def stored(store, center_id: int) -> dict:
    with store.session() as s:
        return load_center(s, center_id)


def exists(store, center_id: int) -> bool:
    with store.session() as s:
        return s.get(Center, center_id) is not None


def create(store, **changes) -> int:
    with store.session() as s:
        return save_center(s, sample_center(**changes), expected_version=None,
                           today=date(2024, 1, 2), verified_by="First Person")


def bump_version_elsewhere(store, center_id: int, phone: str = "999-555-0000") -> None:
    """Another coordinator saves the same center over a separate connection."""
    with store.session() as other:
        other.execute(update(Center).where(Center.id == center_id)
                      .values(phone=phone, version=Center.version + 1))


def edit_command(store, window, before: dict, **changes) -> EditCenterCommand:
    after = {**before, **changes}
    return EditCenterCommand(store, before, after, window.on_change, window.on_error,
                             today=TODAY, verified_by="J. Chen")


def test_edit_is_saved_then_undone_then_redone(empty_store, stack, window):
    center_id = create(empty_store)
    before = stored(empty_store, center_id)
    stack.push(edit_command(empty_store, window, before, phone="312-555-0199"))

    saved = stored(empty_store, center_id)
    assert saved["phone"] == "312-555-0199"
    assert (saved["last_verified"], saved["verified_by"]) == ("2025-03-14", "J. Chen")
    assert stack.undoText() == "Edit “Lakeside University Hospital”"

    stack.undo()
    undone = stored(empty_store, center_id)
    assert undone["phone"] == "+1 (312) 555-0100"
    assert (undone["last_verified"], undone["verified_by"]) == ("2024-01-02", "First Person")
    assert {k: v for k, v in undone.items() if k != "version"} == {
        k: v for k, v in before.items() if k != "version"
    }

    stack.redo()
    redone = stored(empty_store, center_id)
    assert {k: v for k, v in redone.items() if k != "version"} == {
        k: v for k, v in saved.items() if k != "version"
    }
    assert window.changed == [center_id] * 3
    assert window.errors == []


def test_edit_of_a_version_saved_elsewhere_is_refused_and_not_stacked(empty_store, stack, window):
    center_id = create(empty_store)
    before = stored(empty_store, center_id)
    bump_version_elsewhere(empty_store, center_id)
    command = edit_command(empty_store, window, before, phone="312-555-0199")
    stack.push(command)
    assert stack.count() == 0
    assert window.errors == [
        "This center was changed elsewhere (saved version 2, you edited version 1); "
        "reload it and apply your change again. Nothing was overwritten."
    ]
    assert command.error == window.errors[0]
    assert stored(empty_store, center_id)["phone"] == "999-555-0000"


def test_undo_after_someone_else_saved_is_refused_and_leaves_their_save(
    empty_store, stack, window
):
    center_id = create(empty_store)
    before = stored(empty_store, center_id)
    stack.push(edit_command(empty_store, window, before, phone="312-555-0199"))
    bump_version_elsewhere(empty_store, center_id, phone="777-555-0000")

    stack.undo()
    assert len(window.errors) == 1
    assert "changed elsewhere (saved version 3, you edited version 2)" in window.errors[0]
    assert stored(empty_store, center_id)["phone"] == "777-555-0000"
    assert stack.count() == 0  # the refused command is dropped, the stack stays truthful
    assert not stack.canUndo() and not stack.canRedo()


def test_redo_after_someone_else_saved_is_refused(empty_store, stack, window):
    center_id = create(empty_store)
    before = stored(empty_store, center_id)
    stack.push(edit_command(empty_store, window, before, phone="312-555-0199"))
    stack.undo()
    bump_version_elsewhere(empty_store, center_id, phone="777-555-0000")
    stack.redo()
    assert "changed elsewhere" in window.errors[-1]
    assert stored(empty_store, center_id)["phone"] == "777-555-0000"
    assert stack.count() == 0


def test_invalid_edit_reports_instead_of_raising(empty_store, stack, window):
    center_id = create(empty_store)
    before = stored(empty_store, center_id)
    stack.push(edit_command(empty_store, window, before, latitude=123.0))
    assert window.errors and window.errors[0].startswith("latitude: must be between")
    assert stack.count() == 0


def test_add_is_undone_by_deleting_and_redone_with_the_same_center(empty_store, stack, window):
    command = AddCenterCommand(empty_store, sample_center(name="Riverside Clinic"),
                               window.on_change, window.on_error, today=TODAY)
    stack.push(command)
    center_id = command.center_id
    assert center_id is not None
    added = stored(empty_store, center_id)
    assert added["name"] == "Riverside Clinic"
    assert stack.undoText() == "Add “Riverside Clinic”"

    stack.undo()
    assert not exists(empty_store, center_id)
    stack.redo()
    again = stored(empty_store, command.center_id)
    assert again["uid"] == added["uid"]
    assert command.center_id == center_id
    assert window.errors == []


def test_delete_is_undone_with_facts_and_trial_links_restored(empty_store, stack, window):
    with empty_store.session() as s:
        add_directory(s, {
            "trials": [{"nct_id": "NCT01234567", "title": "HSCT", "status": "recruiting"}],
            "centers": [{**sample_center(), "uid": "u1", "source": "registry",
                         "trials": [{"nct_id": "NCT01234567", "facility": "Lakeside"}]}],
        })  # fmt: skip
        center_id = s.scalar(select(Center.id).where(Center.uid == "u1"))
    before = stored(empty_store, center_id)
    command = DeleteCenterCommand(empty_store, center_id, before["version"], window.on_change,
                                  window.on_error)
    stack.push(command)
    assert not exists(empty_store, center_id)
    assert stack.undoText() == "Delete “Lakeside University Hospital”"

    stack.undo()
    restored = stored(empty_store, command.center_id)
    assert restored["trials"] == before["trials"]
    assert {k: v for k, v in restored.items() if k != "version"} == {
        k: v for k, v in before.items() if k != "version"
    }
    stack.redo()
    assert not exists(empty_store, command.center_id)
    assert window.errors == []


def test_delete_of_a_center_changed_elsewhere_is_refused(empty_store, stack, window):
    center_id = create(empty_store)
    bump_version_elsewhere(empty_store, center_id)
    stack.push(DeleteCenterCommand(empty_store, center_id, 1, window.on_change, window.on_error,
                                   name="Lakeside"))
    assert exists(empty_store, center_id)
    assert "changed elsewhere" in window.errors[0]
    assert stack.count() == 0


def test_a_failing_refresh_does_not_break_the_stack(empty_store, stack, window):
    center_id = create(empty_store)
    before = stored(empty_store, center_id)

    def broken_refresh(_center_id: int) -> None:
        raise RuntimeError("window gone")

    stack.push(EditCenterCommand(empty_store, before, {**before, "phone": "312-555-0142"},
                                 broken_refresh, window.on_error, today=TODAY))
    assert stack.count() == 1
    stack.undo()
    assert stored(empty_store, center_id)["phone"] == "+1 (312) 555-0100"


def three_edits(store, window, stack, center_id: int) -> tuple[VersionLedger, list[str]]:
    """Three saves of one center's phone through one history; returns the phones in order."""
    versions = VersionLedger()
    phones = [stored(store, center_id)["phone"]]
    for phone in ("312-555-0101", "312-555-0102", "312-555-0103"):
        before = stored(store, center_id)
        stack.push(EditCenterCommand(store, before, {**before, "phone": phone}, window.on_change,
                                     window.on_error, today=TODAY, versions=versions))
        phones.append(stored(store, center_id)["phone"])
    return versions, phones


@pytest.mark.parametrize("steps", [
    "uuu", "uuurrr", "uurr", "ururur", "uuururr", "uuurrruuu", "uruurrur",
])  # fmt: skip
def test_three_edits_undo_and_redo_in_any_order(empty_store, stack, window, steps):
    center_id = create(empty_store)
    _versions, phones = three_edits(empty_store, window, stack, center_id)
    assert phones[1:] == ["312-555-0101", "312-555-0102", "312-555-0103"]
    at = 3
    for step in steps:
        if step == "u":
            stack.undo()
            at -= 1
        else:
            stack.redo()
            at += 1
        assert window.errors == []
        assert stored(empty_store, center_id)["phone"] == phones[at]
        assert stack.index() == at
    assert stack.count() == 3


def test_undo_restores_verification_stamps_of_each_step(empty_store, stack, window):
    center_id = create(empty_store)
    three_edits(empty_store, window, stack, center_id)
    for _ in range(3):
        stack.undo()
    back = stored(empty_store, center_id)
    assert (back["last_verified"], back["verified_by"]) == ("2024-01-02", "First Person")


def test_after_two_undos_a_save_elsewhere_still_refuses_the_next_step(empty_store, stack, window):
    center_id = create(empty_store)
    three_edits(empty_store, window, stack, center_id)
    stack.undo()
    stack.undo()
    bump_version_elsewhere(empty_store, center_id, phone="777-555-0000")
    stack.redo()
    assert "changed elsewhere" in window.errors[-1]
    assert stored(empty_store, center_id)["phone"] == "777-555-0000"


def test_undo_never_reverts_past_a_change_saved_elsewhere_between_two_edits(
    empty_store, stack, window
):
    """A edits, someone else saves, the coordinator reloads and edits again (B). Undoing B is
    fine; undoing A would throw away the other person's save, so it is refused."""
    center_id = create(empty_store)
    versions = VersionLedger()
    before = stored(empty_store, center_id)
    stack.push(EditCenterCommand(empty_store, before, {**before, "email": "a@example.org"},
                                 window.on_change, window.on_error, today=TODAY,
                                 versions=versions))
    bump_version_elsewhere(empty_store, center_id, phone="777-555-0000")
    before = stored(empty_store, center_id)
    stack.push(EditCenterCommand(empty_store, before, {**before, "email": "b@example.org"},
                                 window.on_change, window.on_error, today=TODAY,
                                 versions=versions))
    stack.undo()
    assert window.errors == []
    assert stored(empty_store, center_id)["email"] == "a@example.org"
    stack.undo()
    assert "changed elsewhere" in window.errors[-1]
    assert stored(empty_store, center_id)["phone"] == "777-555-0000"
    assert stored(empty_store, center_id)["email"] == "a@example.org"


def test_edit_delete_and_add_share_one_history(empty_store, stack, window):
    versions = VersionLedger()
    add = AddCenterCommand(empty_store, sample_center(name="Riverside Clinic"),
                           window.on_change, window.on_error, today=TODAY, versions=versions)
    stack.push(add)
    center_id = add.center_id
    before = stored(empty_store, center_id)
    stack.push(EditCenterCommand(empty_store, before, {**before, "phone": "312-555-0101"},
                                 window.on_change, window.on_error, today=TODAY,
                                 versions=versions))
    stack.undo()  # the center is back as added, under a newer version
    loaded = stored(empty_store, center_id)
    stack.push(DeleteCenterCommand(empty_store, center_id, loaded["version"], window.on_change,
                                   window.on_error, versions=versions))
    assert not exists(empty_store, center_id)
    stack.undo()  # restored
    stack.undo()  # the add undone: deleted again
    assert not exists(empty_store, center_id)
    stack.redo()
    stack.redo()
    assert not exists(empty_store, center_id)
    stack.undo()
    assert stored(empty_store, center_id)["name"] == "Riverside Clinic"
    assert window.errors == []

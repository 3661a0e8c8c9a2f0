"""Undoable center edits for the window's QUndoStack.

Each redo/undo is one user action, so it opens and commits its own unit of work
(`with store.session()`), then calls `on_change(center_id)` so the window can refresh.

Undo and redo write exact snapshots back (`core.editing.revert_center` / `restore_center`):
undoing an edit must not pretend somebody verified the old values today. Every write still goes
through the version check, so an undo never overwrites a newer save by another coordinator.
All commands of one history share a `VersionLedger`: each undo/redo writes a new version, and
the ledger tells the next step that this version is the state it expects (after undoing B, the
center is in the state A left, under a newer number); a version saved elsewhere is refused.

Qt calls redo()/undo() and an exception must not escape into it. A refused step therefore
records `self.error`, calls `on_error(message)` for the window to show, and marks the command
obsolete: QUndoStack then drops it, and the stack keeps matching what is in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtGui import QUndoCommand
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from directory_app.core.directory.editing import (
    CenterNotFound,
    EditConflict,
    delete_center,
    load_center,
    restore_center,
    revert_center,
    save_center,
)
from directory_app.core.directory.models import Center
from directory_app.core.directory.validation import ValidationError
from directory_app.core.storage.engine import Store
from directory_app.core.storage.failures import storage_failure

from .undo_versions import State, VersionLedger

log = logging.getLogger(__name__)

ChangeCallback = Callable[[int], None]
ErrorCallback = Callable[[str], None]


class CenterCommand(QUndoCommand):
    """Shared plumbing: run one step in its own transaction; report a refusal, never raise."""

    def __init__(
        self,
        store: Store,
        text: str,
        on_change: ChangeCallback,
        on_error: ErrorCallback | None = None,
        versions: VersionLedger | None = None,
    ) -> None:
        super().__init__(text)
        self.store = store
        self.on_change = on_change
        self.on_error = on_error
        #: Shared by every command of one undo history (alone, a command can undo only itself).
        self.versions = versions if versions is not None else VersionLedger()
        #: Why the last step was refused (None while all went well).
        self.error: str | None = None
        self.center_id: int | None = None
        #: The version the last successful step left in the database.
        self.version: int | None = None
        #: What to tell the ledger once the running step is committed (center id, version).
        self._then: Callable[[int, int], object] | None = None

    def _run(self, step: Callable[[Session], int]) -> bool:
        """Run `step` (returns the center id) in one transaction; True if it was saved."""
        self._then = None
        try:
            with self.store.session() as s:
                center_id = step(s)
                version = s.scalar(select(Center.version).where(Center.id == center_id))
        except (EditConflict, ValidationError, CenterNotFound) as exc:
            return self._refuse(str(exc))
        except SQLAlchemyError as exc:
            plain = storage_failure(exc)
            if plain is not None:  # a full disk, a read-only place: the person's to fix
                log.warning("%s not saved: %s", self.text(), plain)
                return self._refuse(plain[0].upper() + plain[1:] + ".")
            log.exception("database error during %s", self.text())
            return self._refuse(
                f"The database refused the change ({exc.__class__.__name__}); nothing was saved."
            )
        except Exception as exc:  # Qt must never see an exception from redo/undo
            log.exception("unexpected error during %s", self.text())
            return self._refuse(f"The change failed ({exc}); nothing was saved.")
        self.error = None
        self.center_id, self.version = center_id, version
        if self._then is not None and version is not None:  # only what was committed
            self._then(center_id, version)
        try:
            self.on_change(center_id)
        except Exception:  # the change is saved; a failed refresh must not undo the bookkeeping
            log.exception("refreshing after %s failed", self.text())
        return True

    def _refuse(self, message: str) -> bool:
        self.error = message
        self.setObsolete(True)
        if self.on_error is not None:
            self.on_error(message)
        return False

    def _state(self, center_id: int, version: int) -> State:
        return self.versions.state(self.store.url, center_id, version)

    def _expect(self, s: Session, center_id: int, state: State) -> int:
        """The stored version, if the center is in `state`; EditConflict when it was changed
        or deleted by anybody but this history."""
        version = s.scalar(select(Center.version).where(Center.id == center_id))
        if version is None:
            raise EditConflict.deleted(state[1])
        if self._state(center_id, version) != state:
            raise EditConflict.changed(version, state[1])
        return version

    def _leaves(self, state: State) -> None:
        """Once committed, the version this step wrote stands for `state`."""
        self._then = lambda center_id, version: self.versions.wrote(
            self.store.url, center_id, version, state)

    def _creates(self, state: State | None, keep: Callable[[State], object]) -> None:
        """Once committed, the center (re-)created by this step stands for `state` (None: a
        new state), which is handed to `keep`."""
        self._then = lambda center_id, version: keep(
            self.versions.created(self.store.url, center_id, version, state))


class EditCenterCommand(CenterCommand):
    """A person's edit of one center: `before` is the loaded center (exchange form with id and
    version), `after` what the dialog returned."""

    def __init__(
        self,
        store: Store,
        before: dict[str, Any],
        after: dict[str, Any],
        on_change: ChangeCallback,
        on_error: ErrorCallback | None = None,
        *,
        today: date | None = None,
        verified_by: str | None = None,
        versions: VersionLedger | None = None,
        verified: Sequence[str] | None = None,
    ) -> None:
        super().__init__(store, f"Edit “{after.get('name') or before.get('name')}”", on_change,
                         on_error, versions)
        self.before = before
        self.after = after
        self.today = today
        self.verified_by = verified_by
        self.verified = None if verified is None else list(verified)  # sections; None: all
        self.center_id = before["id"]
        self._saved: dict[str, Any] | None = None  # what the first redo stored, for later redos
        self._before_state: State | None = None
        self._after_state: State | None = None

    def redo(self) -> None:
        self._run(self._first_save if self._saved is None else self._save_again)

    def _first_save(self, s: Session) -> int:
        center_id: int = self.before["id"]
        before_state = self._state(center_id, self.before["version"])
        center_id = save_center(
            s,
            {**self.after, "id": center_id},
            expected_version=self.before["version"],
            today=self.today or date.today(),
            verified_by=self.verified_by,
            verified=self.verified,
        )
        self._saved = load_center(s, center_id)

        def saved(center_id: int, version: int) -> None:
            self._before_state = before_state
            self._after_state = self._state(center_id, version)

        self._then = saved
        return center_id

    def _save_again(self, s: Session) -> int:
        assert self._saved is not None and self._before_state and self._after_state
        version = self._expect(s, self.before["id"], self._before_state)
        center_id = revert_center(s, self._saved, expected_version=version)
        self._leaves(self._after_state)
        return center_id

    def undo(self) -> None:
        self._run(self._undo)

    def _undo(self, s: Session) -> int:
        assert self._before_state and self._after_state
        version = self._expect(s, self.before["id"], self._after_state)
        center_id = revert_center(s, self.before, expected_version=version)
        self._leaves(self._before_state)
        return center_id


class AddCenterCommand(CenterCommand):
    """A new center from the dialog; undo deletes it, redo brings the same center back."""

    def __init__(
        self,
        store: Store,
        data: dict[str, Any],
        on_change: ChangeCallback,
        on_error: ErrorCallback | None = None,
        *,
        today: date | None = None,
        verified_by: str | None = None,
        versions: VersionLedger | None = None,
        verified: Sequence[str] | None = None,
    ) -> None:
        super().__init__(store, f"Add “{data.get('name') or 'new center'}”", on_change, on_error,
                         versions)
        self.data = {k: v for k, v in data.items() if k not in ("id", "version")}
        self.today = today
        self.verified_by = verified_by
        self.verified = None if verified is None else list(verified)  # sections; None: all
        self._snapshot: dict[str, Any] | None = None
        self._added: State | None = None  # the state the add left the new center in

    def _keep(self, state: State) -> None:
        self._added = state

    def redo(self) -> None:
        self._run(self._add if self._snapshot is None else self._restore)

    def _add(self, s: Session) -> int:
        center_id = save_center(
            s,
            self.data,
            expected_version=None,
            today=self.today or date.today(),
            verified_by=self.verified_by,
            verified=self.verified,
        )
        self._creates(None, self._keep)
        return center_id

    def _restore(self, s: Session) -> int:
        assert self._snapshot is not None
        center_id = restore_center(s, self._snapshot)
        self._creates(self._added, self._keep)
        return center_id

    def undo(self) -> None:
        self._run(self._delete)

    def _delete(self, s: Session) -> int:
        assert self.center_id is not None and self._added is not None
        version = self._expect(s, self.center_id, self._added)
        self._snapshot = delete_center(s, self.center_id, expected_version=version)
        return self.center_id


class DeleteCenterCommand(CenterCommand):
    """Deleting a center; undo re-creates it with the same uid, facts and trial links."""

    def __init__(
        self,
        store: Store,
        center_id: int,
        expected_version: int | None,
        on_change: ChangeCallback,
        on_error: ErrorCallback | None = None,
        *,
        name: str | None = None,
        versions: VersionLedger | None = None,
    ) -> None:
        super().__init__(store, f"Delete “{name}”" if name else "Delete center", on_change,
                         on_error, versions)
        self.center_id = center_id
        self.version = expected_version
        self._snapshot: dict[str, Any] | None = None
        self._deleted: State | None = None  # the state the center was in when deleted

    def redo(self) -> None:
        self._run(self._delete)

    def _delete(self, s: Session) -> int:
        assert self.center_id is not None
        if self._deleted is None and self.version is not None:
            self._deleted = self._state(self.center_id, self.version)
        if self._deleted is None:  # no version given: whatever is stored now
            self._snapshot = delete_center(s, self.center_id, expected_version=None)
            self._deleted = self._state(self.center_id, self._snapshot["version"])
        else:
            version = self._expect(s, self.center_id, self._deleted)
            self._snapshot = delete_center(s, self.center_id, expected_version=version)
        if self.text() == "Delete center":
            self.setText(f"Delete “{self._snapshot['name']}”")
        return self.center_id

    def undo(self) -> None:
        self._run(self._restore)

    def _restore(self, s: Session) -> int:
        assert self._snapshot is not None
        center_id = restore_center(s, self._snapshot)
        self._creates(self._deleted, lambda _state: None)
        return center_id


class SplitCenterCommand(CenterCommand):
    """Splitting one of a center's other registered names off as a center of its own
    (`core.importing.split_center`); undo merges it back exactly as it was."""

    def __init__(
        self,
        store: Store,
        before: dict[str, Any],
        alias: str,
        on_change: ChangeCallback,
        on_error: ErrorCallback | None = None,
        *,
        versions: VersionLedger | None = None,
    ) -> None:
        super().__init__(store, f"Split “{alias}” off “{before.get('name')}”", on_change,
                         on_error, versions)
        self.before = before
        self.alias = alias
        self.center_id = before["id"]
        #: The center split off (a new id each time the split is redone).
        self.new_id: int | None = None
        self._new: State | None = None  # the state the split left the new center in
        self._before_state: State | None = None
        self._after_state: State | None = None

    def redo(self) -> None:
        self._run(self._split)

    def _split(self, s: Session) -> int:
        # In the function: the split loads the classifier, needed only when a person splits.
        from directory_app.core.importing.split_center import split_alias

        center_id: int = self.before["id"]
        if self._before_state is None:
            self._before_state = self._state(center_id, self.before["version"])
        version = self._expect(s, center_id, self._before_state)
        result = split_alias(s, center_id, self.alias, expected_version=version,
                             new_id=self.new_id)
        new_version = s.scalar(select(Center.version).where(Center.id == result.new_id))
        assert new_version is not None
        # A redo re-creates the center split off under its id, in the state the split left it
        # (so a later edit of it, redone, finds it as it expects).
        again = self._new if result.new_id == self.new_id else None

        def split(center_id: int, version: int) -> None:
            self.new_id = result.new_id
            self._new = self.versions.created(self.store.url, result.new_id, new_version, again)
            if self._after_state is None:
                self._after_state = self._state(center_id, version)
            else:
                self.versions.wrote(self.store.url, center_id, version, self._after_state)

        self._then = split
        return center_id

    def undo(self) -> None:
        self._run(self._rejoin)

    def _rejoin(self, s: Session) -> int:
        # In the function, as in _split.
        from directory_app.core.importing.split_center import rejoin_split

        assert self.new_id is not None and self._new and self._after_state
        assert self._before_state is not None
        version = self._expect(s, self.before["id"], self._after_state)
        new_version = self._expect(s, self.new_id, self._new)
        center_id = rejoin_split(s, self.before, self.new_id, expected_version=version,
                                 expected_new_version=new_version)
        self._leaves(self._before_state)
        return center_id


class MergeCenterCommand(CenterCommand):
    """Folding a duplicate center (`other`, deleted) into the center it duplicates (`kept`,
    `core.importing.merge_center`); undo brings the duplicate back exactly, with its id."""

    def __init__(
        self,
        store: Store,
        other: dict[str, Any],
        kept: dict[str, Any],
        on_change: ChangeCallback,
        on_error: ErrorCallback | None = None,
        *,
        versions: VersionLedger | None = None,
    ) -> None:
        super().__init__(store, f"Merge “{other.get('name')}” into “{kept.get('name')}”",
                         on_change, on_error, versions)
        self.other = other
        self.kept = kept
        self.center_id = kept["id"]
        self._places: tuple[int, ...] = ()
        self._kept_before: State | None = None
        self._kept_after: State | None = None
        self._other_state: State | None = None

    def redo(self) -> None:
        self._run(self._merge)

    def _merge(self, s: Session) -> int:
        # In the function: merging is rare, and its module need not load with the window.
        from directory_app.core.importing.merge_center import merge_into

        if self._kept_before is None:
            self._kept_before = self._state(self.kept["id"], self.kept["version"])
            self._other_state = self._state(self.other["id"], self.other["version"])
        assert self._other_state is not None
        version = self._expect(s, self.kept["id"], self._kept_before)
        other_version = self._expect(s, self.other["id"], self._other_state)
        result = merge_into(s, self.kept["id"], self.other["id"], expected_version=version,
                            expected_other_version=other_version)
        self._places = result.moved_places

        def merged(center_id: int, version: int) -> None:
            if self._kept_after is None:
                self._kept_after = self._state(center_id, version)
            else:
                self.versions.wrote(self.store.url, center_id, version, self._kept_after)

        self._then = merged
        return result.kept_id

    def undo(self) -> None:
        self._run(self._unmerge)

    def _unmerge(self, s: Session) -> int:
        # In the function, as in _merge.
        from directory_app.core.importing.merge_center import unmerge

        assert self._kept_before and self._kept_after and self._other_state
        version = self._expect(s, self.kept["id"], self._kept_after)
        other_id = unmerge(s, self.kept, self.other, self._places, expected_version=version)
        other_version = s.scalar(select(Center.version).where(Center.id == other_id))
        assert other_version is not None
        kept_before, other_state = self._kept_before, self._other_state

        def unmerged(center_id: int, version: int) -> None:
            self.versions.wrote(self.store.url, center_id, version, kept_before)
            self.versions.created(self.store.url, other_id, other_version, other_state)

        self._then = unmerged
        return self.kept["id"]

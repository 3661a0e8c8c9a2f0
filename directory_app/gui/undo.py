"""Undoable center edits for the window's QUndoStack.

Each redo/undo is one user action, so it opens and commits its own unit of work
(`with store.session()`), then calls `on_change(center_id)` so the window can refresh.

Undo and redo write exact snapshots back (`core.editing.revert_center` / `restore_center`):
undoing an edit must not pretend somebody verified the old values today. Every write still goes
through the version check, so an undo never overwrites a newer save by another coordinator.

Qt calls redo()/undo() and an exception must not escape into it. A refused step therefore
records `self.error`, calls `on_error(message)` for the window to show, and marks the command
obsolete: QUndoStack then drops it, and the stack keeps matching what is in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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
    ) -> None:
        super().__init__(text)
        self.store = store
        self.on_change = on_change
        self.on_error = on_error
        #: Why the last step was refused (None while all went well).
        self.error: str | None = None
        self.center_id: int | None = None
        #: The version the last successful step left in the database.
        self.version: int | None = None

    def _run(self, step: Callable[[Session], int]) -> bool:
        """Run `step` (returns the center id) in one transaction; True if it was saved."""
        try:
            with self.store.session() as s:
                center_id = step(s)
                version = s.scalar(select(Center.version).where(Center.id == center_id))
        except (EditConflict, ValidationError, CenterNotFound) as exc:
            return self._refuse(str(exc))
        except SQLAlchemyError as exc:
            log.exception("database error during %s", self.text())
            return self._refuse(
                f"The database refused the change ({exc.__class__.__name__}); nothing was saved."
            )
        except Exception as exc:  # Qt must never see an exception from redo/undo
            log.exception("unexpected error during %s", self.text())
            return self._refuse(f"The change failed ({exc}); nothing was saved.")
        self.error = None
        self.center_id, self.version = center_id, version
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
    ) -> None:
        super().__init__(store, f"Edit “{after.get('name') or before.get('name')}”", on_change,
                         on_error)
        self.before = before
        self.after = after
        self.today = today
        self.verified_by = verified_by
        self.center_id = before["id"]
        self._saved: dict[str, Any] | None = None  # what the first redo stored, for later redos

    def redo(self) -> None:
        if self._saved is None:
            self._run(self._first_save)
        else:
            saved = self._saved
            self._run(lambda s: revert_center(s, saved, expected_version=self.version))

    def _first_save(self, s: Session) -> int:
        center_id = save_center(
            s,
            {**self.after, "id": self.before["id"]},
            expected_version=self.before["version"],
            today=self.today or date.today(),
            verified_by=self.verified_by,
        )
        self._saved = load_center(s, center_id)
        return center_id

    def undo(self) -> None:
        self._run(lambda s: revert_center(s, self.before, expected_version=self.version))


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
    ) -> None:
        super().__init__(store, f"Add “{data.get('name') or 'new center'}”", on_change, on_error)
        self.data = {k: v for k, v in data.items() if k not in ("id", "version")}
        self.today = today
        self.verified_by = verified_by
        self._snapshot: dict[str, Any] | None = None

    def redo(self) -> None:
        if self._snapshot is None:
            self._run(
                lambda s: save_center(
                    s,
                    self.data,
                    expected_version=None,
                    today=self.today or date.today(),
                    verified_by=self.verified_by,
                )
            )
        else:
            snapshot = self._snapshot
            self._run(lambda s: restore_center(s, snapshot))

    def undo(self) -> None:
        self._run(self._delete)

    def _delete(self, s: Session) -> int:
        assert self.center_id is not None
        self._snapshot = delete_center(s, self.center_id, expected_version=self.version)
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
    ) -> None:
        super().__init__(store, f"Delete “{name}”" if name else "Delete center", on_change,
                         on_error)
        self.center_id = center_id
        self.version = expected_version
        self._snapshot: dict[str, Any] | None = None

    def redo(self) -> None:
        self._run(self._delete)

    def _delete(self, s: Session) -> int:
        assert self.center_id is not None
        self._snapshot = delete_center(s, self.center_id, expected_version=self.version)
        if self.text() == "Delete center":
            self.setText(f"Delete “{self._snapshot['name']}”")
        return self.center_id

    def undo(self) -> None:
        snapshot = self._snapshot
        assert snapshot is not None
        self._run(lambda s: restore_center(s, snapshot))

"""Saved searches and the last search, kept in QSettings as JSON.

A search is stored as the filter panel's `state()` — plain strings, numbers and lists — so a
settings file stays readable and safe to load (JSON, never pickle), and a search saved with
"Rochester, MN" is resolved again when re-run. Unreadable entries are skipped, not fatal: a
hand-edited settings file must not stop the app from starting.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QMenu, QWidget

_log = logging.getLogger(__name__)

SAVED_KEY = "searches/saved"
LAST_KEY = "searches/last"


def _loads(raw: object) -> Any:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        _log.warning("settings: ignoring an unreadable saved search")
        return None


class SavedSearches:
    """Named searches (name -> panel state) plus the last search run."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def _all(self) -> dict[str, dict[str, Any]]:
        data = _loads(self.settings.value(SAVED_KEY))
        if not isinstance(data, dict):
            return {}
        return {str(k): v for k, v in data.items() if isinstance(v, dict)}

    def _write(self, data: dict[str, dict[str, Any]]) -> None:
        self.settings.setValue(SAVED_KEY, json.dumps(data, sort_keys=True))
        self.settings.sync()

    def names(self) -> list[str]:
        return sorted(self._all(), key=str.casefold)

    def get(self, name: str) -> dict[str, Any] | None:
        return self._all().get(name)

    def save(self, name: str, state: dict[str, Any]) -> str:
        """Store (or replace) a named search; returns the cleaned name."""
        name = " ".join(name.split())
        if not name:
            raise ValueError("a saved search needs a name")
        data = self._all()
        data[name] = dict(state)
        self._write(data)
        return name

    def rename(self, old: str, new: str) -> str:
        """Give a saved search another name; returns the cleaned new name.

        Raises ValueError for an empty name, a name already taken, or an unknown search."""
        new = " ".join(new.split())
        data = self._all()
        if not new:
            raise ValueError("a saved search needs a name")
        if old not in data:
            raise ValueError(f"no saved search named “{old}”")
        if new != old and new in data:
            raise ValueError(f"a saved search named “{new}” already exists")
        data[new] = data.pop(old)
        self._write(data)
        return new

    def delete(self, name: str) -> bool:
        data = self._all()
        if data.pop(name, None) is None:
            return False
        self._write(data)
        return True

    def last(self) -> dict[str, Any] | None:
        data = _loads(self.settings.value(LAST_KEY))
        return data if isinstance(data, dict) else None

    def set_last(self, state: dict[str, Any]) -> None:
        self.settings.setValue(LAST_KEY, json.dumps(state, sort_keys=True))


class DeleteSavedSearch(QUndoCommand):
    """Deleting a saved search from the menu, undone with Ctrl+Z like any other change."""

    def __init__(self, store: SavedSearches, name: str, after: Callable[[], object]) -> None:
        super().__init__(f"Delete saved search “{name}”")
        self.store, self.name, self._after = store, name, after
        self.state = store.get(name)

    def redo(self) -> None:
        self.store.delete(self.name)
        self._after()

    def undo(self) -> None:
        if self.state is not None:
            self.store.save(self.name, self.state)
        self._after()


class SavedSearchMenu(QMenu):
    """'Searches' menu: re-run a saved search, save the current one, rename or delete one.

    Rebuilt each time it opens, so it always shows what is stored."""

    def __init__(
        self,
        store: SavedSearches,
        run: Callable[[str], object],
        save_current: Callable[[], object],
        parent: QWidget | None = None,
        *,
        delete: Callable[[str], object] | None = None,
        rename: Callable[[str], object] | None = None,
    ) -> None:
        """`delete` and `rename` take a search's name (the window makes delete undoable and
        asks for the new name); without them a delete is immediate and rename is not offered."""
        super().__init__("&Searches", parent)
        self.store = store
        self._run = run
        self._save_current = save_current
        self._delete_hook = delete
        self._rename = rename
        self.aboutToShow.connect(self.rebuild)
        self.rebuild()

    def rebuild(self) -> None:
        self.clear()  # deletes the actions it owned, so every action is made afresh
        save = self.addAction("&Save current search…")
        save.triggered.connect(lambda _checked=False: self._save_current())
        names = self.store.names()
        self.addSeparator()
        if not names:
            empty = self.addAction("No saved searches")
            empty.setEnabled(False)
            return
        for name in names:
            action = self.addAction(name)
            action.triggered.connect(lambda _checked=False, n=name: self._run(n))
        if self._rename is not None:
            rename_menu = self.addMenu("&Rename saved search")
            for name in names:
                action = rename_menu.addAction(name)
                action.triggered.connect(lambda _checked=False, n=name: self._rename(n))
        delete_menu = self.addMenu("&Delete saved search")
        for name in names:
            action = delete_menu.addAction(name)
            action.triggered.connect(lambda _checked=False, n=name: self._delete(n))

    def _delete(self, name: str) -> None:
        if self._delete_hook is not None:
            self._delete_hook(name)
        else:
            self.store.delete(name)
        self.rebuild()

"""Which stored versions of a center one undo history wrote, shared by all its commands.

Every undo or redo writes a new row version (the version check needs that), so a command cannot
remember "the version I left behind": after a later command was undone, the center is back in
the state this command left, under a newer version number. The ledger records, per center,
each version the history wrote and the *state* it stands for (the state is named by the version
it was first saved as). A step then asks "is the center in the state I expect?" rather than
"is it at the number I wrote?", which lets undo and redo go any number of steps while a change
saved elsewhere (a version this history never wrote) is still refused.

A state is `(generation, version)`: a deleted center that is re-created starts counting its
versions again, and the generation keeps the old numbers from being mistaken for new ones.
Plain Python on purpose: the window builds one ledger before its first paint.
"""

from __future__ import annotations

State = tuple[int, int]


class VersionLedger:
    """Per center (of one database): the versions this history wrote and the states they are."""

    def __init__(self) -> None:
        self._aliases: dict[tuple[str, int], dict[int, State]] = {}
        self._generation: dict[tuple[str, int], int] = {}

    def state(self, db: str, center_id: int, version: int) -> State:
        """The state a stored version stands for: the one this history wrote it as, or (a
        version saved elsewhere, or the first one loaded) the version itself."""
        key = (db, center_id)
        written = self._aliases.get(key, {}).get(version)
        return written if written is not None else (self._generation.get(key, 0), version)

    def wrote(self, db: str, center_id: int, version: int, state: State) -> None:
        """This history saved `version`, which puts the center back in `state`."""
        self._aliases.setdefault((db, center_id), {})[version] = state

    def created(self, db: str, center_id: int, version: int, state: State | None = None) -> State:
        """This history (re-)created the center as `version`: older version numbers of that
        id no longer mean anything. Returns the state the new row stands for."""
        key = (db, center_id)
        self._generation[key] = self._generation.get(key, 0) + 1
        self._aliases[key] = {}
        if state is None:
            return self.state(db, center_id, version)
        self.wrote(db, center_id, version, state)
        return state

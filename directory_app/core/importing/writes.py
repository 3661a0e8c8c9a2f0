"""The writing half of the registry importer: what a chunk of studies changes, written in bulk,
and the journal that lets "undo last import" put everything back.

Why bulk statements rather than one ORM object per row: a 20,000-study file means some 100,000
trial sites and as many inferred facts, and multi-row INSERTs (SQLAlchemy's insertmanyvalues,
on SQLite and PostgreSQL alike) write those in seconds where per-object flushes take minutes.
They are Core inserts on the tables (`Model.__table__`): the ORM's bulk path splits RETURNING
inserts into many small statements and was six times slower here.
Updates of centers a person may be editing go through a version check (the same `version`
column the ORM guards edits with), so an edit saved during an import aborts the import rather
than being overwritten.

Undo needs to know exactly what an import did. Rows it created carry its batch id (centers,
trials, trial sites). For everything else the `Journal` keeps, per row, the values before and
after, plus the ids of facts it added to centers it did not create; it is stored in the batch's
summary JSON.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar, cast

from sqlalchemy import Table, func, insert, select, text, update
from sqlalchemy.orm import Session

from directory_app.core.directory.models import (
    Center,
    ConditionTreated,
    TeamMember,
    TherapyOffering,
    Trial,
    TrialSite,
    utcnow,
)
from directory_app.core.exchange.directory_form import CENTER_FIELDS
from directory_app.core.importing.report import UnplacedSite
from directory_app.core.importing.site_matching import CenterIndex, CenterRef

#: Center fields the registry may fill or improve on a center that already exists.
TRACKED: tuple[str, ...] = (
    "kind",
    "kind_source",
    "kind_source_ref",
    "address",
    "postal_code",
    "phone",
    "website",
    "latitude",
    "longitude",
    "location_source",
    "source_ref",
)
#: Exchange-form fact lists and their tables.
FACT_TABLES: dict[str, type[Any]] = {
    "therapies": TherapyOffering,
    "conditions": ConditionTreated,
    "team": TeamMember,
}
_IN_CHUNK = 500  # ids per IN (...) list
T = TypeVar("T")


class ConcurrentEdit(RuntimeError):
    """A center changed while the import was running; the whole import is rolled back."""


@dataclass(slots=True, eq=False)
class TrialRef:
    nct_id: str
    id: int | None = None


@dataclass(slots=True, eq=False)
class CenterState:
    """What the import knows and has changed of one center it touched."""

    ref: CenterRef
    values: dict[str, Any]
    edited: frozenset[str]
    facts: set[tuple[str, str]]
    version: int | None = None
    row: dict[str, Any] | None = None  # a new center not inserted yet (exchange form)
    original: dict[str, Any] | None = None  # a center that existed before: values as loaded
    dirty: set[str] = field(default_factory=set)
    new_facts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    unplaced: UnplacedSite | None = None

    @property
    def preexisting(self) -> bool:
        return self.original is not None


def fact_key(kind: str, row: dict[str, Any]) -> tuple[str, str]:
    """The identity of a fact within its center (what the unique constraints say)."""
    if kind == "therapies":
        return kind, row["therapy"]
    if kind == "conditions":
        return kind, row["condition"]
    return kind, f"{row['role']}:{row['discipline']}"


def chunks(ids: Iterable[T], size: int = _IN_CHUNK) -> Iterator[list[T]]:
    """Lists of at most `size` items (for IN (...) lists and executemany batches)."""
    batch: list[T] = []
    for i in ids:
        batch.append(i)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_states(session: Session, refs: list[CenterRef]) -> None:
    """Attach a CenterState to each pre-existing center in `refs`, in a few queries."""
    by_id = {ref.id: ref for ref in refs if ref.state is None and ref.id is not None}
    cols = [Center.id, Center.version, Center.edited_fields, *(getattr(Center, f) for f in TRACKED)]
    facts: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for ids in chunks(by_id):
        for key, model in FACT_TABLES.items():
            names = (
                ("role", "discipline")
                if key == "team"
                else (("therapy",) if key == "therapies" else ("condition",))
            )
            stmt = select(model.center_id, *(getattr(model, n) for n in names))
            for row in session.execute(stmt.where(model.center_id.in_(ids))):
                facts[row[0]].add(fact_key(key, dict(zip(names, row[1:], strict=True))))
        for row in session.execute(select(*cols).where(Center.id.in_(ids))):
            values = {f: getattr(row, f) for f in TRACKED}
            by_id[row.id].state = CenterState(
                ref=by_id[row.id],
                values=values,
                edited=frozenset(row.edited_fields or ()),
                facts=facts[row.id],
                version=row.version,
                original=dict(values),
            )


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class Journal:
    """Before/after values of updated rows and ids of facts added to existing centers."""

    def __init__(self) -> None:
        self.trials: dict[str, dict[str, dict[str, Any]]] = {}
        self.centers: dict[str, dict[str, dict[str, Any]]] = {}
        self.sites: dict[str, dict[str, Any]] = {}
        #: Trial links whose registry contacts the import replaced: before and after lists.
        self.site_contacts: dict[str, dict[str, Any]] = {}
        self.facts: dict[str, list[int]] = defaultdict(list)
        #: Centers this import created that it also updated: their version when it ended.
        self.created_versions: dict[str, int] = {}

    def record(self, kind: str, row_id: int, before: dict[str, Any], after: dict[str, Any]) -> None:
        """Remember a change; the first `before` of a row wins (it is the pre-import value)."""
        table = self.trials if kind == "trials" else self.centers
        entry = table.setdefault(str(row_id), {"before": {}, "after": {}})
        for f, value in after.items():
            entry["before"].setdefault(f, _json(before[f]))
            entry["after"][f] = _json(value)

    def site(self, site_id: int, before: str | None, after: str | None) -> None:
        entry = self.sites.setdefault(str(site_id), {"before": before, "after": after})
        entry["after"] = after

    def contacts(self, site_id: int, before: Any, after: Any) -> None:
        entry = self.site_contacts.setdefault(str(site_id), {"before": before, "after": after})
        entry["after"] = after

    def as_dict(self) -> dict[str, Any]:
        return {
            "trials": self.trials,
            "centers": self.centers,
            "sites": self.sites,
            "site_contacts": self.site_contacts,
            "facts": {FACT_TABLES[k].__tablename__: ids for k, ids in self.facts.items()},
            "created_versions": self.created_versions,
        }


class ChunkWriter:
    """Collects the rows and changes of one chunk of studies and writes them in bulk.

    On SQLite, new centers get their ids when they are created and are inserted only when the
    import finishes (`finish`), after all their facts and trial links: see `_reserve_id`. On
    PostgreSQL foreign keys cannot be deferred (they are not declared DEFERRABLE), so new
    centers are inserted first in each chunk and the search table's row triggers run for every
    fact and link - correct, but a bulk import there is several times slower than on SQLite."""

    def __init__(self, session: Session, batch_id: int, journal: Journal, index: CenterIndex):
        self.session = session
        self.batch_id = batch_id
        self.journal = journal
        self.index = index
        self.reserve = session.get_bind().dialect.name == "sqlite"
        self._next_id: int | None = None
        self.trials: list[tuple[TrialRef, dict[str, Any]]] = []
        self.centers: list[CenterState] = []  # new centers not inserted yet
        self.touched: dict[int, CenterState] = {}  # id() of state -> state with changes
        self.links: list[tuple[TrialRef, CenterRef, dict[str, Any]]] = []
        self.statuses: list[dict[str, Any]] = []
        self.contacts: list[dict[str, Any]] = []

    def new_trial(self, ref: TrialRef, row: dict[str, Any]) -> None:
        self.trials.append((ref, {**row, "import_batch_id": self.batch_id}))

    def new_center(self, state: CenterState) -> None:
        self.centers.append(state)
        if self.reserve:
            self._reserve_id(state)

    def touch(self, state: CenterState) -> None:
        self.touched[id(state)] = state

    def link(self, trial: TrialRef, center: CenterRef, row: dict[str, Any]) -> None:
        self.links.append((trial, center, {**row, "import_batch_id": self.batch_id}))

    def site_status(self, site_id: int, before: str | None, after: str | None) -> None:
        self.statuses.append({"id": site_id, "site_status": after})
        self.journal.site(site_id, before, after)

    def site_contacts(self, site_id: int, before: Any, after: list[dict[str, Any]]) -> None:
        self.contacts.append({"id": site_id, "contacts": after})
        self.journal.contacts(site_id, before, after)

    def flush(self) -> None:
        """Write what this chunk collected, parents before children, and start afresh."""
        s = self.session
        if self.trials:
            table = cast(Table, Trial.__table__)
            result = s.execute(
                insert(table).returning(table.c.nct_id, table.c.id), [row for _, row in self.trials]
            )
            ids = {nct_id: trial_id for nct_id, trial_id in result}
            for ref, _ in self.trials:
                ref.id = ids[ref.nct_id]
        if not self.reserve:
            self._insert_centers()
        for state in self.touched.values():
            if state.dirty and state.row is None:
                self._update_center(state)
        self._insert_facts()
        if self.links:
            rows = []
            for trial, center, row in self.links:
                assert trial.id is not None and center.id is not None
                rows.append({**row, "trial_id": trial.id, "center_id": center.id})
            s.execute(insert(cast(Table, TrialSite.__table__)), rows)
        if self.statuses:
            s.execute(update(TrialSite), self.statuses)
        if self.contacts:
            s.execute(update(TrialSite), self.contacts)
        s.flush()  # trial updates made on ORM objects
        self.trials, self.links, self.statuses, self.contacts = [], [], [], []
        self.touched = {}

    def finish(self) -> None:
        """Insert the new centers still waiting (SQLite); call once, after the last flush."""
        self.flush()
        self._insert_centers()

    def _reserve_id(self, state: CenterState) -> None:
        """SQLite only: give a new center its id now and defer foreign-key checks to the
        commit, so its facts and trial links can be written before the center itself.

        Why: the search table's triggers (migration 0002) recompute a center's search row and
        full-text entry on every fact or link inserted for it - for a center with many trials
        that is quadratic, and it made a 100,000-site import several times slower. Written
        before the center exists, those triggers find no search row and do nothing; the
        center's own insert trigger then builds its row once from everything already there.
        Taking ids as max(id) + n is safe because the import holds SQLite's single writer lock
        for its whole transaction (`locks.import_lock`), and the deferred checks still run at
        commit, so a dangling reference would fail the import rather than slip in."""
        if self._next_id is None:
            self.session.execute(text("PRAGMA defer_foreign_keys = ON"))
            current = self.session.scalar(select(func.coalesce(func.max(Center.id), 0)))
            self._next_id = int(current or 0) + 1
        state.ref.id = self._next_id
        self._next_id += 1
        self.index.inserted(state.ref)

    def _insert_centers(self) -> None:
        for part in chunks(self.centers, 2000):
            rows = []
            for state in part:
                assert state.row is not None
                row = {f: state.row.get(f) for f in CENTER_FIELDS if f != "version"}
                row.update(state.values, edited_fields=[], import_batch_id=self.batch_id)
                if state.ref.id is not None:
                    row["id"] = state.ref.id
                rows.append(row)
            c = Center.__table__.c
            stmt = insert(cast(Table, Center.__table__)).returning(c.uid, c.id, c.version)
            ids = {uid: (cid, ver) for uid, cid, ver in self.session.execute(stmt, rows)}
            for state in part:
                state.ref.id, state.version = ids[state.ref.uid]
                state.row = None
                state.dirty.clear()
                self.index.inserted(state.ref)
        self.centers = []

    def _update_center(self, state: CenterState) -> None:
        changes = {f: state.values[f] for f in sorted(state.dirty)}
        result = self.session.execute(
            update(Center)
            .where(Center.id == state.ref.id, Center.version == state.version)
            .values(**changes, version=Center.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentEdit(
                f"{state.ref.name!r} was changed by someone else during the import; nothing "
                "was imported - run the import again"
            )
        assert state.version is not None and state.ref.id is not None
        state.version += 1
        if state.original is not None:
            self.journal.record("centers", state.ref.id, state.original, changes)
        else:
            self.journal.created_versions[str(state.ref.id)] = state.version
        state.dirty.clear()

    def _insert_facts(self) -> None:
        plain: dict[str, list[dict[str, Any]]] = defaultdict(list)
        journalled: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for state in self.touched.values():
            for kind, row in state.new_facts:
                target = journalled if state.preexisting else plain
                target[kind].append({**row, "center_id": state.ref.id})
            state.new_facts.clear()
        for kind, rows in plain.items():
            self.session.execute(insert(FACT_TABLES[kind].__table__), rows)
        for kind, rows in journalled.items():
            table = FACT_TABLES[kind].__table__
            ids = self.session.scalars(insert(table).returning(table.c.id), rows).all()
            self.journal.facts[kind].extend(ids)

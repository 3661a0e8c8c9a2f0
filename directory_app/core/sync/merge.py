"""Merging two copies of the directory: a laptop's offline edits and the shared directory.

Centers are matched by `uid`, which every copy keeps. Each database remembers, per peer and per
uid, the center's version and a digest of its content right after their last sync (the
`sync_state` table, migration 0003); a peer is named by its `database_id` setting. With that
common ancestor the merge is a three-way decision per center:

- the same content on both sides: nothing to do;
- present on one side only: copied, unless both sides remember syncing it and the side that still
  has it is unchanged - then the other side deleted it, and the deletion is carried over;
- changed on one side only since the last sync: that side's version is taken;
- changed on both sides, deleted on one and edited on the other, or never synced and different:
  a conflict. It is listed with the fields that differ and nothing is overwritten, until the
  user repeats the sync with `prefer` naming the side to keep.

Digests, not version numbers, decide "changed": versions count saves in one database and mean
nothing in another, and a save that changed nothing is not a change. Versions only let an
unchanged center be skipped without loading it. Trials are registry records, merged by NCT id:
the one with the newer `last_update` wins.

What two sides learnt from the registry on their own is no conflict: a center that differs only
in registry facts is merged by the importer's rules, and two records of a trial with the same
last update are filled from each other (`registry_facts`). A difference no rule settles - a
person's edit, or one record saying another thing than the other with the same date - is listed
as a conflict, never left silently different.

Both transactions belong to the caller (`sync_stores` is the user action). Every write goes
through the ORM's version check, so a colleague's save during the sync aborts it rather than
being overwritten. The two commits cannot be one: if the second fails, the next sync still
decides correctly (a side whose state record is newer wins when neither changed since), at worst
bringing back a center whose deletion was being carried over - never losing an edit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal, NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from directory_app.core.directory.models import Center, Setting, Trial, new_uid, utcnow
from directory_app.core.exchange.directory_form import add_directory, center_to_dict
from directory_app.core.exchange.directory_form import load_centers as load_full_centers
from directory_app.core.storage.engine import Store, display_url
from directory_app.core.storage.locks import import_lock
from directory_app.core.sync.registry_facts import fill, merge_centers, merge_trial_values
from directory_app.core.sync.writes import (
    SYNC_STATE,
    chunks,
    copy_places,
    forget_state,
    overwrite_center,
    record_state,
    trial_values,
)

DATABASE_ID_KEY = "database_id"
Prefer = Literal["from", "to"]
__all__ = ["SYNC_STATE", "SyncError", "SyncReport", "sync_directories", "sync_stores"]


class SyncError(Exception):
    """The sync could not run or was interrupted; neither database was changed."""


class State(NamedTuple):
    version: int
    digest: str
    synced_at: datetime


@dataclass
class Conflict:
    """A center (uid, name) or a trial (NCT id, title) left alone on both sides: why, and which
    of its fields differ."""

    uid: str
    name: str
    reason: str
    fields: list[str]


@dataclass
class Changes:
    """What one side received."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    trials_added: list[str] = field(default_factory=list)
    trials_updated: list[str] = field(default_factory=list)

    def count(self) -> int:
        return sum(len(v) for v in asdict(self).values())


@dataclass
class SyncReport:
    """What a sync did (or, on a dry run, would do); sides named by URL, password hidden."""

    source: str
    target: str
    dry_run: bool = False
    to_target: Changes = field(default_factory=Changes)
    to_source: Changes = field(default_factory=Changes)
    conflicts: list[Conflict] = field(default_factory=list)
    trial_conflicts: list[Conflict] = field(default_factory=list)
    left_for_two_way: list[str] = field(default_factory=list)
    unchanged: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Side:
    """One database in the sync, as seen before any write."""

    session: Session
    peer: str  # the other database's id: this side's state rows for the pair
    changes: Changes
    centers: dict[str, tuple[int, int]] = field(default_factory=dict)  # uid -> (id, version)
    state: dict[str, State] = field(default_factory=dict)
    #: Each trial's last update on this side before the sync wrote anything.
    trial_dates: dict[str, date | None] = field(default_factory=dict)


def database_id(session: Session) -> str:
    """This database's stable name for its peers (created on first use)."""
    row = session.get(Setting, DATABASE_ID_KEY)
    if row is None:
        row = Setting(key=DATABASE_ID_KEY, value=new_uid())
        session.add(row)
        session.flush()
    return row.value


def content_digest(data: dict[str, Any]) -> str:
    """A digest of everything a center says (fields, facts, trial links), not of local
    bookkeeping (row id, version), so equal centers in two databases digest equally."""
    content = {k: v for k, v in data.items() if k not in ("id", "version")}
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _read_side(session: Session, peer: str, changes: Changes) -> Side:
    side = Side(session, peer, changes)
    side.centers = {u: (i, v) for u, i, v in session.execute(
        select(Center.uid, Center.id, Center.version))}  # fmt: skip
    rows = session.execute(
        select(SYNC_STATE.c.uid, SYNC_STATE.c.version, SYNC_STATE.c.digest,
               SYNC_STATE.c.synced_at).where(SYNC_STATE.c.peer == peer)
    )  # fmt: skip
    side.state = {uid: State(v, d, at) for uid, v, d, at in rows}
    return side


def _unchanged_by_version(uid: str, a: Side, b: Side) -> bool:
    """Both sides still hold the versions they had when they last agreed on this center."""
    sa, sb = a.state.get(uid), b.state.get(uid)
    here, there = a.centers.get(uid), b.centers.get(uid)
    return (
        sa is not None and sb is not None and here is not None and there is not None
        and sa.digest == sb.digest and here[1] == sa.version and there[1] == sb.version
    )  # fmt: skip


# --- trials ------------------------------------------------------------------------------------


def _newer_record(x: date | None, y: date | None) -> int:
    """> 0 when the first record is newer, < 0 when the second is, 0 when neither is (a record
    without a date is older than one with)."""
    if x == y:
        return 0
    if x is None or y is None:
        return 1 if y is None else -1
    return 1 if x > y else -1


def _newer_link(a: Side, b: Side) -> Callable[[str], int]:
    def newer(nct_id: str) -> int:
        return _newer_record(a.trial_dates.get(nct_id), b.trial_dates.get(nct_id))

    return newer


def _merge_trials(a: Side, b: Side, report: SyncReport, *, one_way: bool,
                  prefer: Prefer | None) -> None:  # fmt: skip
    """Registry records by NCT id: a trial missing on one side is copied; the newer last update
    wins; with the same date (or none) the two are filled from each other, and two different
    values are a trial conflict, settled only by `prefer`. The day a trial was last checked with
    the registry travels on its own: the later is kept (a check is not a change to the record)."""
    ta = {t.nct_id: t for t in a.session.scalars(select(Trial))}
    tb = {t.nct_id: t for t in b.session.scalars(select(Trial))}
    a.trial_dates = {n: t.last_update for n, t in ta.items()}
    b.trial_dates = {n: t.last_update for n, t in tb.items()}
    for nct_id in sorted(ta.keys() | tb.keys()):
        x, y = ta.get(nct_id), tb.get(nct_id)
        if x is None or y is None:
            have = x if x is not None else y
            dst = b if y is None else a
            if have is not None and not (one_way and dst is a):
                dst.session.add(Trial(**trial_values(have), checked_on=have.checked_on))
                dst.changes.trials_added.append(nct_id)
            continue
        later = max((d for d in (x.checked_on, y.checked_on) if d is not None), default=None)
        if later is not None:
            y.checked_on = later
            if not one_way:
                x.checked_on = later
        vx, vy = trial_values(x), trial_values(y)
        if vx == vy:
            continue
        order = _newer_record(x.last_update, y.last_update)
        if order != 0:
            merged = vx if order > 0 else vy
        else:
            merged, differ = merge_trial_values(vx, vy)
            if differ and prefer is None:
                when = x.last_update.isoformat() if x.last_update else "no date"
                report.trial_conflicts.append(Conflict(
                    nct_id, x.title or "", f"both records last updated {when}, and they "
                    "differ", differ))  # fmt: skip
                continue
            if differ:
                first, second = (vx, vy) if prefer == "from" else (vy, vx)
                merged, _ = fill(first, second)
        for side, trial, values in ((b, y, vy), (a, x, vx)):
            if values != merged and not (one_way and side is a):
                for name, value in merged.items():
                    setattr(trial, name, value)
                side.changes.trials_updated.append(nct_id)
    a.session.flush()
    b.session.flush()


def _merge_places(a: Side, b: Side, one_way: bool) -> None:
    """Trial sites known only by city: a trial without them takes the other side's."""
    ta = {t.nct_id: t for t in a.session.scalars(select(Trial))}
    tb = {t.nct_id: t for t in b.session.scalars(select(Trial))}
    copy_places(b.session, ta, tb)
    if not one_way:
        copy_places(a.session, tb, ta)
    a.session.flush()
    b.session.flush()


# --- centers -----------------------------------------------------------------------------------


class Plan(NamedTuple):
    action: Literal["same", "copy", "delete", "conflict", "merge"]
    frm: Side | None = None  # copy: from this side; delete: on this side
    reason: str = ""
    merged: dict[str, Any] | None = None  # merge: the center both sides take
    fields: list[str] | None = None  # conflict: the fields that truly differ


def _decide(uid: str, a: Side, b: Side, da: dict[str, Any] | None,
            db: dict[str, Any] | None, prefer: Prefer | None) -> Plan:  # fmt: skip
    """The three-way decision for one center (see the module docstring)."""
    sa, sb = a.state.get(uid), b.state.get(uid)
    dig_a = content_digest(da) if da else None
    dig_b = content_digest(db) if db else None
    base = sa.digest if sa and sb and sa.digest == sb.digest else None
    if dig_a == dig_b:
        return Plan("same")
    if da is None or db is None:
        has, lacks = (a, b) if da is not None else (b, a)
        kept_digest = dig_a if da is not None else dig_b
        if base is None:
            return Plan("copy", has)
        if kept_digest == base:
            return Plan("delete", has)
        plan = Plan("conflict", reason=f"deleted on the {_label(lacks, a)} side, changed on the "
                    f"{_label(has, a)} side")  # fmt: skip
    elif base is not None and dig_b == base:
        return Plan("copy", a)
    elif base is not None and dig_a == base:
        return Plan("copy", b)
    elif base is not None:
        plan = Plan("conflict", reason="changed on both sides since the last sync")
    elif sa and sb and dig_a == sa.digest and dig_b == sb.digest:
        # Neither changed since its own last sync, yet they differ: that sync stopped between
        # its two commits. The side whose record is newer holds what it decided.
        return Plan("copy", a if sa.synced_at >= sb.synced_at else b)
    else:
        plan = Plan("conflict", reason="not synced with each other before, and they differ")
    if da is not None and db is not None:
        merged, differ = merge_centers(da, db, _newer_link(a, b))
        if merged is not None:
            return Plan("merge", merged=merged)
        plan = plan._replace(fields=differ)
    if prefer is None:
        return plan
    winner = a if prefer == "from" else b
    return Plan("copy", winner) if (da if winner is a else db) is not None else Plan(
        "delete", b if winner is a else a)  # fmt: skip


def _label(side: Side, a: Side) -> str:
    return "from" if side is a else "to"


def _differing_fields(da: dict[str, Any] | None, db: dict[str, Any] | None) -> list[str]:
    if da is None or db is None:
        return []
    return sorted(k for k in da.keys() | db.keys()
                  if k not in ("id", "version") and da.get(k) != db.get(k))  # fmt: skip


def _apply(plans: dict[str, Plan], data: dict[tuple[int, str], dict[str, Any]],
           objects: dict[tuple[int, str], Center], a: Side, b: Side) -> set[str]:  # fmt: skip
    """Carry out copies and deletions; returns the uids now equal on both sides."""
    in_sync: set[str] = set()
    new_rows: dict[int, list[dict[str, Any]]] = {id(a): [], id(b): []}
    for uid, plan in plans.items():
        if plan.action == "same":
            in_sync.add(uid)
        elif plan.action == "delete" and plan.frm is not None:
            plan.frm.session.delete(objects[(id(plan.frm), uid)])
            plan.frm.changes.deleted.append(uid)
        elif plan.action == "copy" and plan.frm is not None:
            dst = b if plan.frm is a else a
            src_data = data[(id(plan.frm), uid)]
            own = objects.get((id(dst), uid))
            if own is None:
                new_rows[id(dst)].append(src_data)
                dst.changes.added.append(uid)
            else:
                overwrite_center(dst.session, own, src_data)
                dst.changes.updated.append(uid)
            in_sync.add(uid)
        elif plan.action == "merge" and plan.merged is not None:
            for side in (a, b):
                if data[(id(side), uid)] != plan.merged:
                    overwrite_center(side.session, objects[(id(side), uid)], plan.merged)
                    side.changes.updated.append(uid)
            in_sync.add(uid)
    for side in (a, b):
        if new_rows[id(side)]:
            add_directory(side.session, {"centers": new_rows[id(side)]})
        side.session.flush()
    return in_sync


def _load(side: Side, uids: list[str]) -> tuple[dict[str, Center], dict[str, dict[str, Any]]]:
    ids = [side.centers[u][0] for u in uids if u in side.centers]
    objects = {c.uid: c for c in load_full_centers(side.session, ids)} if ids else {}
    return objects, {u: center_to_dict(c) for u, c in objects.items()}


def _sync_chunk(uids: list[str], a: Side, b: Side, report: SyncReport, *,
                one_way: bool, prefer: Prefer | None, now: datetime) -> None:  # fmt: skip
    objects: dict[tuple[int, str], Center] = {}
    data: dict[tuple[int, str], dict[str, Any]] = {}
    for side in (a, b):
        objs, dicts = _load(side, uids)
        objects.update(((id(side), u), o) for u, o in objs.items())
        data.update(((id(side), u), d) for u, d in dicts.items())
    plans: dict[str, Plan] = {}
    for uid in uids:
        da, db = data.get((id(a), uid)), data.get((id(b), uid))
        plan = _decide(uid, a, b, da, db, prefer)
        writes_source = plan.action == "copy" and plan.frm is b or (
            plan.action == "delete" and plan.frm is a) or (
            plan.action == "merge" and da != plan.merged)  # fmt: skip
        if plan.action == "conflict":
            name = str((da or db or {}).get("name", ""))
            fields = plan.fields if plan.fields is not None else _differing_fields(da, db)
            report.conflicts.append(Conflict(uid, name, plan.reason, fields))
        elif one_way and writes_source:
            report.left_for_two_way.append(uid)
        else:
            plans[uid] = plan
    digests = {}
    for uid, plan in plans.items():
        src = a if plan.frm is None else plan.frm
        if plan.action == "merge" and plan.merged is not None:
            digests[uid] = content_digest(plan.merged)
        elif plan.action != "delete":
            digests[uid] = content_digest(data[(id(src), uid)])
    in_sync = _apply(plans, data, objects, a, b)
    report.unchanged += sum(plan.action == "same" for plan in plans.values())
    deleted = [u for u, p in plans.items() if p.action == "delete"]
    for side in (a, b):
        record_state(side.session, side.peer, {u: digests[u] for u in in_sync}, now)
        forget_state(side.session, side.peer, deleted)
        side.session.expunge_all()  # keep memory flat on a large directory


def sync_directories(source: Session, target: Session, report: SyncReport, *,
                     one_way: bool = False, prefer: Prefer | None = None,
                     full: bool = False) -> SyncReport:  # fmt: skip
    """Merge `source` and `target` (both ways unless `one_way`: then only `target` is written).

    Writes through both sessions without committing. `full` compares every center by content
    instead of skipping those whose versions are as last synced (use it after writes that
    bypass the ORM's version counter). Raises SyncError if a center changed meanwhile."""
    if one_way and prefer == "to":
        raise SyncError("a one-way sync never writes to the --from side; use --prefer from")
    import_lock(source, what="sync")
    import_lock(target, what="sync")
    ida, idb = database_id(source), database_id(target)
    if ida == idb:
        raise SyncError("both databases carry the same directory id: one is a file copy of "
                        "the other, and they cannot be told apart")  # fmt: skip
    a = _read_side(source, idb, report.to_source)
    b = _read_side(target, ida, report.to_target)
    now = utcnow()
    try:
        _merge_trials(a, b, report, one_way=one_way, prefer=prefer)
        uids = sorted(a.centers.keys() | b.centers.keys())
        todo = [u for u in uids if full or not _unchanged_by_version(u, a, b)]
        report.unchanged += len(uids) - len(todo)
        for part in chunks(todo):
            _sync_chunk(part, a, b, report, one_way=one_way, prefer=prefer, now=now)
        _merge_places(a, b, one_way)
    except StaleDataError as exc:
        raise SyncError("a center was changed by someone else while syncing; nothing was "
                        "written - run the sync again") from exc  # fmt: skip
    except (IntegrityError, DataError) as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else exc.__class__.__name__
        raise SyncError(f"a center or trial could not be written ({reason}); nothing was "
                        "written") from exc  # fmt: skip
    return report


def sync_stores(source: Store, target: Store, *, dry_run: bool = False, one_way: bool = False,
                prefer: Prefer | None = None, full: bool = False) -> SyncReport:  # fmt: skip
    """The user action: one transaction per database; both roll back on any error, and on a
    dry run. The shared (target) side commits first."""
    report = SyncReport(display_url(source.url), display_url(target.url), dry_run=dry_run)
    with source.factory() as sa, target.factory() as sb:
        try:
            sync_directories(sa, sb, report, one_way=one_way, prefer=prefer, full=full)
        except BaseException:
            sb.rollback()
            sa.rollback()
            raise
        if dry_run:
            sb.rollback()
            sa.rollback()
        else:
            sb.commit()
            sa.commit()
    return report


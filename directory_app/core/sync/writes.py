"""The writing half of `sync`: putting a center, a trial or a sync record into one database.

Kept apart from the decisions (`sync.py`) so each reads on its own. Every function writes
through the caller's session and never commits; the sync owns both transactions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, delete, insert, select
from sqlalchemy.orm import Session

from directory_app.core.directory.models import Center, Trial, TrialPlace, TrialSite, utcnow
from directory_app.core.exchange.directory_form import (
    CENTER_FIELDS,
    CHILDREN,
    DATE_FIELDS,
    FACT_FIELDS,
    PLACE_FIELDS,
    TRIAL_FIELDS,
)

CHUNK = 500
#: Per peer database and center uid: this side's version of the center and the digest both
#: sides agreed on at their last sync (migration 0003). No model class: only the sync uses it.
SYNC_STATE = Table(
    "sync_state",
    MetaData(),
    Column("peer", String(32), primary_key=True),
    Column("uid", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("synced_at", DateTime, nullable=False),
)
#: A trial link as `center_to_dict` writes it, besides the NCT id.
LINK_FIELDS = ("site_status", "facility", "city", "region", "country", "contacts", "inferred_from")
#: What a trial record carries besides `TRIAL_FIELDS`: the registry's count of sites and the
#: download the record was read from (they travel with the record).
TRIAL_EXTRA_FIELDS = ("sites_total", "record_source")


def chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def plain_value(name: str, value: Any) -> Any:
    """An exchange-form value as the model takes it: ISO dates parsed, lists copied (so two
    sessions never share one mutable JSON value)."""
    if name in DATE_FIELDS and isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return list(value) if isinstance(value, list) else value


def trial_values(trial: Trial) -> dict[str, Any]:
    return {f: plain_value(f, getattr(trial, f)) for f in (*TRIAL_FIELDS, *TRIAL_EXTRA_FIELDS)}


def copy_places(session: Session, theirs: dict[str, Trial], mine: dict[str, Trial]) -> int:
    """Give each trial of this side that has no city-only sites the other side's (run after
    the centers are merged, so a place linked to a center finds it here by uid). Returns how
    many trials got places."""
    copied = 0
    for nct_id, trial in sorted(theirs.items()):
        own = mine.get(nct_id)
        if own is None or own.places or not trial.places:
            continue
        for place in trial.places:
            values = {f: getattr(place, f) for f in PLACE_FIELDS if f != "center_uid"}
            center = None
            if place.center is not None:
                center = session.scalar(select(Center).where(Center.uid == place.center.uid))
            if center is None:
                values["inferred_from"] = None
            own.places.append(TrialPlace(**values, center=center))
        copied += 1
    return copied


def overwrite_center(session: Session, center: Center, data: dict[str, Any]) -> None:
    """Make an existing center say exactly what `data` says; its version moves once.

    Old facts and links are deleted (and flushed) before the new ones are added, because a
    flush inserts before it deletes and would trip the one-row-per-therapy constraints."""
    for name in CENTER_FIELDS:
        if name not in ("uid", "version"):
            setattr(center, name, plain_value(name, data.get(name)))
    center.updated_at = utcnow()
    for key in (*CHILDREN, "trial_sites"):
        getattr(center, key).clear()
    session.flush()
    for key, (model, names) in CHILDREN.items():
        getattr(center, key).extend(
            model(**{f: plain_value(f, row.get(f)) for f in names + FACT_FIELDS})
            for row in data.get(key) or []
        )
    links = data.get("trials") or []
    wanted = {link["nct_id"] for link in links}
    trials = {t.nct_id: t for t in session.scalars(select(Trial).where(Trial.nct_id.in_(wanted)))}
    center.trial_sites.extend(
        TrialSite(trial=trials[link["nct_id"]], **{f: link.get(f) for f in LINK_FIELDS})
        for link in links
    )


def forget_state(session: Session, peer: str, uids: Iterable[str]) -> None:
    for part in chunks(sorted(uids)):
        session.execute(
            delete(SYNC_STATE).where(SYNC_STATE.c.peer == peer, SYNC_STATE.c.uid.in_(part))
        )


def record_state(
    session: Session, peer: str, digests: dict[str, str], now: datetime
) -> None:
    """Replace this side's records for the centers in `digests`: the version stored now (after
    the sync's writes were flushed) and the digest both sides agree on."""
    forget_state(session, peer, digests)
    for part in chunks(sorted(digests)):
        versions = dict(
            session.execute(select(Center.uid, Center.version).where(Center.uid.in_(part))).all()
        )
        rows = [
            {"peer": peer, "uid": u, "version": versions[u], "digest": digests[u],
             "synced_at": now}
            for u in part if u in versions
        ]  # fmt: skip
        if rows:
            session.execute(insert(SYNC_STATE), rows)

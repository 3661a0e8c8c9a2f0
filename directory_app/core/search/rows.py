"""Turning the centers a search chose into `ResultRow`s: summary fields, facts, explanations.

The search has already read each chosen center's record: the `center_search` columns a result
row shows (`ROW_COLUMNS`, plus those its criteria explain), in the statement that chose it. The
address fields of `centers` take one query for the whole page, and the dates behind the trial
statuses one grouped query: never a query per row.
Records are read straight from the driver (`fetch.fetch_records`), and the loop below does per
row only what that row needs: an unpaged search over a wide radius returns tens of thousands of
rows, which the GUI's "loading the rest" and every export wait for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory_app.core.geo.places import KM_PER_MILE
from directory_app.core.search.criteria import Context, Criterion, Facts
from directory_app.core.search.distance_rank import format_distance
from directory_app.core.search.fetch import fetch_tuples
from directory_app.core.search.shapes import STALE_AFTER_MONTHS, ResultRow, months_before
from directory_app.core.search.sql import CENTERS as C
from directory_app.core.search.sql import Backend, code_tuple
from directory_app.core.search.staleness import (
    STATUS_STALE_AFTER_MONTHS,
    row_status_date,
    status_dates,
)
from directory_app.core.search.trial_match import TrialMatcher

#: The `center_search` columns every result row (and every sort key) reads.
ROW_COLUMNS: tuple[str, ...] = (
    "center_id", "latitude", "longitude", "name", "kind", "last_verified", "trials_active",
    "trial_links", "trials_recruiting", "red_flags", "therapies", "specialties", "services",
)  # fmt: skip
#: The `centers` columns a result row shows, read for the chosen records only.
ADDRESS_COLUMNS: tuple[str, ...] = ("uid", "city", "region", "country")


def _addresses(session: Session, backend: Backend, ids: Sequence[int]) -> dict[int, Any]:
    """(uid, city, region, country) of each center in `ids`: one query for all of them (the ids
    travel as one array parameter), read in id order, one lookup per row."""
    stmt = select(C.c.id, *(C.c[name] for name in ADDRESS_COLUMNS)).where(
        backend.ids_in(C.c.id, ids)
    )
    return {r[0]: r[1:] for r in fetch_tuples(session, stmt)}


def _result(values: dict[str, Any]) -> ResultRow:
    """A ResultRow without the frozen dataclass __init__ (21 object.__setattr__ calls, ~5 µs a
    row, which adds up over a full result set); the object is identical (a test checks)."""
    row = object.__new__(ResultRow)
    object.__setattr__(row, "__dict__", values)
    return row


def build_rows(
    session: Session,
    ctx: Context,
    criteria: Sequence[Criterion],
    chosen: Sequence[tuple[Any, float | None]],
    matcher: TrialMatcher | None = None,
) -> list[ResultRow]:
    """ResultRows for `chosen` (center_search record, km from the origin), in their order."""
    ids = [r.center_id for r, _ in chosen]
    addresses = _addresses(session, ctx.backend, ids) if ids else {}
    with_trials = [r.center_id for r, _ in chosen if r.trial_links]
    dates = status_dates(session, ctx.backend, with_trials)
    radius = ctx.flt.radius_km if ctx.flt.origin is not None else None
    within = None if radius is None else f"within {format_distance(radius, ctx.flt.units)}"
    rows: list[ResultRow] = []
    # `is_stale`'s rule with its cutoff computed once, not once per row.
    verified_cutoff = months_before(ctx.as_of, STALE_AFTER_MONTHS)
    status_cutoff = months_before(ctx.as_of, STATUS_STALE_AFTER_MONTHS)
    located: tuple[str, ...] = () if within is None else (within,)
    not_located: tuple[str, ...] = () if within is None else ("location unknown",)
    no_trials: tuple[str, ...] = ()
    letters = ctx.letter_flags
    append, new, set_attr = rows.append, object.__new__, object.__setattr__
    for r, km in chosen:
        cid = r.center_id
        uid, city, region, country = addresses[cid]
        # Per row only what it needs: most rows of a broad search have no criterion to
        # explain and no trial, so their explanations are shared constant tuples.
        matched, unknown = (located, ()) if km is not None else ((), not_located)
        if criteria:
            f = Facts(r)
            found, maybe = list(matched), list(unknown)
            for criterion in criteria:
                yes, no = criterion.explain(f)
                found.extend(yes)
                maybe.extend(no)
            matched, unknown = tuple(found), tuple(maybe)
        trials = no_trials
        recruiting = r.trials_recruiting > 0
        links = r.trial_links
        as_of = row_status_date(dates.get(cid), recruiting, r.trials_active) if links else None
        if matcher is not None:
            trials = matcher.trials.get(cid, no_trials)
            if trials:
                as_of = matcher.as_of.get(cid)
                why = (f"one trial meets every trial criterion: {trials[0]}" if len(trials) == 1
                       else f"{len(trials)} trials each meet every trial criterion: "
                       + ", ".join(trials))  # fmt: skip
                matched = (*matched, why)
            elif cid in matcher.recorded:
                matched = (*matched, "condition/therapy [recorded] by a person, no trial needed")
        verified = r.last_verified
        row = new(ResultRow)  # as `_result` builds it, inline: this loop runs per row
        append(row)
        set_attr(row, "__dict__", {
            "id": cid,
            "uid": uid,
            "name": r.name,
            "kind": r.kind,
            "city": city,
            "region": region,
            "country": country,
            "latitude": r.latitude,
            "longitude": r.longitude,
            "distance_km": km,
            "distance_mi": None if km is None else km / KM_PER_MILE,
            "active_trials": r.trials_active,
            "all_trials": links,
            "recruiting": recruiting,
            "last_verified": verified,
            "stale": verified is None or verified <= verified_cutoff,
            "red_flags": r.red_flags + letters.get(cid, 0) if letters else r.red_flags,
            "therapies": code_tuple(r.therapies),
            "specialties": code_tuple(r.specialties),
            "services": code_tuple(r.services),
            "matched": matched,
            "unknown": unknown,
            "matched_trials": trials,
            "status_as_of": as_of,
            "status_stale": links > 0 and (as_of is None or as_of <= status_cutoff),
        })  # fmt: skip
    return rows

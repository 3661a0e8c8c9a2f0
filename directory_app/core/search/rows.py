"""Turning the centers a search chose into `ResultRow`s: summary fields, facts, explanations.

The search has already read each chosen center's `center_search` row, which holds every fact a
result shows, folded per center; only the address fields come from `centers`, in one query for
the whole page (the ids travel as one array parameter). There is never a query per row.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from dataclasses import fields
from functools import lru_cache
from typing import Any

from sqlalchemy import Result, select
from sqlalchemy.orm import Session

from directory_app.core.search.criteria import Context, Criterion, Facts
from directory_app.core.search.distance_rank import format_distance, km_to_mi
from directory_app.core.search.shapes import STALE_AFTER_MONTHS, ResultRow, months_before
from directory_app.core.search.sql import CENTERS as C
from directory_app.core.search.sql import Backend, codes_of
from directory_app.core.search.staleness import (
    STATUS_STALE_AFTER_MONTHS,
    row_status_date,
    status_dates,
)
from directory_app.core.search.trial_match import TrialMatcher


@lru_cache(maxsize=8)
def _record_type(keys: tuple[str, ...]) -> type[tuple[Any, ...]]:
    return namedtuple("SearchRecord", keys)


def records(result: Result[Any]) -> list[Any]:
    """The rows of `result` as namedtuples. SQLAlchemy Row attribute access costs ~1 µs and a
    result row is read some thirty times; a namedtuple reads in ~50 ns."""
    make = _record_type(tuple(result.keys()))._make  # type: ignore[attr-defined]
    return list(map(make, result))


def _addresses(session: Session, backend: Backend, ids: Sequence[int]) -> dict[int, Any]:
    """uid, city, region and country of each center in `ids`: one query, one lookup per row."""
    stmt = select(C.c.id, C.c.uid, C.c.city, C.c.region, C.c.country).where(
        backend.ids_in(C.c.id, ids)
    )
    return {row.id: row for row in records(session.execute(stmt))}


_RESULT_FIELDS = frozenset(f.name for f in fields(ResultRow))


def _result(values: dict[str, Any]) -> ResultRow:
    """A ResultRow without the frozen dataclass __init__ (21 object.__setattr__ calls, ~5 µs a
    row, which adds up over a full result set); the object is identical (a test checks)."""
    assert values.keys() == _RESULT_FIELDS
    row = object.__new__(ResultRow)
    row.__dict__.update(values)
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
    for r, km in chosen:
        a = addresses[r.center_id]
        f = Facts(r)
        matched: list[str] = []
        unknown: list[str] = []
        if within is not None:
            if km is None:
                unknown.append("location unknown")
            else:
                matched.append(within)
        for criterion in criteria:
            yes, maybe = criterion.explain(f)
            matched.extend(yes)
            unknown.extend(maybe)
        trials: tuple[str, ...] = ()
        recruiting = r.trials_recruiting > 0
        as_of = row_status_date(dates.get(r.center_id), recruiting, r.trials_active)
        if matcher is not None:
            trials = matcher.trials.get(r.center_id, ())
            if trials:
                as_of = matcher.as_of.get(r.center_id)
            if trials:
                matched.append(f"one trial meets every trial criterion: {', '.join(trials)}")
            elif r.center_id in matcher.recorded:
                matched.append("condition/therapy [recorded] by a person, no trial needed")
        values = {
            "id": r.center_id,
            "uid": a.uid,
            "name": r.name,
            "kind": r.kind,
            "city": a.city,
            "region": a.region,
            "country": a.country,
            "latitude": r.latitude,
            "longitude": r.longitude,
            "distance_km": km,
            "distance_mi": None if km is None else km_to_mi(km),
            "active_trials": r.trials_active,
            "all_trials": r.trial_links,
            "recruiting": recruiting,
            "last_verified": r.last_verified,
            "stale": r.last_verified is None or r.last_verified <= verified_cutoff,
            "red_flags": r.red_flags,
            "therapies": tuple(codes_of(r.therapies)),
            "specialties": tuple(codes_of(r.specialties)),
            "services": tuple(codes_of(r.services)),
            "matched": tuple(matched),
            "unknown": tuple(unknown),
            "matched_trials": trials,
            "status_as_of": as_of,
            "status_stale": r.trial_links > 0 and (as_of is None or as_of <= status_cutoff),
        }
        rows.append(_result(values))
    return rows

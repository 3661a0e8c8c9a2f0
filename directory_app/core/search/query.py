"""Searching the directory: a `CenterFilter` goes in, `ResultRow`s (center + distance + why it
matched) come out. The GUI and the CLI call `search(session, flt)` inside their own transaction.

How a search runs, and why:
1. Every criterion becomes a SQL condition over `center_search`, a compact per-center copy of
   everything the search reads, kept current by triggers (`search_criteria`, migration 0002), so
   the database discards non-matching centers before Python sees them.
2. With an origin, SQL narrows candidates to a bounding box read from `center_search`'s
   map-cell clustered key (`search_sql`), and the exact ellipsoidal distance is computed for the
   survivors only (`search_distance`). For the common "nearest first, one page" request the box
   starts small around the origin and grows until it holds a full page, so a 500-mile search
   near a city reads a few hundred rows, not the tens of thousands inside 500 miles.
3. Trial-level criteria (condition, "recruiting", phase, therapy, the patient's age against a
   trial's age range, `fresh_within_months`) must hold for ONE trial together: SQL keeps a
   superset, then `trial_match` reads the survivors' trials and keeps a center only if one of
   its trials meets them all (or, for condition and therapy alone, a fact a person verified on
   the center does); rows name those trials (`matched_trials`). With a radius, "within" means
   located within: centers without coordinates are left out (counted by `unlocated_left_out`)
   unless `show_unlocated`, and never shown or counted when their country (U.S.: state) lies
   wholly outside the radius (`geo.country_reach`).
4. The chosen page becomes result rows (`search_rows`) from the search rows already read, plus
   one query for the addresses, whatever the page size.

An unpaged search (the GUI's "loading the rest", every export) may return tens of thousands of
rows, so the per-row cost is kept down: only the columns the rows and the criteria's
explanations read are selected (`Criterion.reads`), records come straight from the driver as
namedtuples (`fetch`), distances use Lambert's formula with the origin's terms computed once,
neighbours it cannot order are settled by Vincenty's formula (the geodesic only for the sub-
millimetre ties left), each part is sorted once, and the cycle collector is paused meanwhile.

Sorting happens in Python, with the case-folded name and then the id as tie-breakers, so the
order is total and the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from directory_app.core.geo.country_reach import may_lie_within
from directory_app.core.geo.places import bounding_box, geodesic_km
from directory_app.core.search.criteria import Context, Criterion, compile_criteria
from directory_app.core.search.distance_rank import (
    BAND,
    BOX_PAD,
    VINCENTY_ERROR_KM,
    VINCENTY_MAX_KM,
    WHOLE_EARTH_KM,
    could_swap,
    distance_within,
    lambert_from,
    vincenty_km,
)
from directory_app.core.search.fetch import collector_paused, fetch_records
from directory_app.core.search.letter_flags import letter_flags
from directory_app.core.search.rows import ROW_COLUMNS, build_rows
from directory_app.core.search.shapes import (
    SORT_KEYS,
    TRIAL_MODES,
    UNKNOWN_MODES,
    CenterFilter,
    ResultRow,
    SearchError,
    validate,
)
from directory_app.core.search.sql import CENTERS as C
from directory_app.core.search.sql import (
    IN_BOX,
    SEARCH,
    Box,
    backend_for,
    box_params,
    located,
    search_words,
    unlocated,
)
from directory_app.core.search.trial_match import TrialMatcher, matcher_for

__all__ = [
    "SORT_KEYS",
    "TRIAL_MODES",
    "UNKNOWN_MODES",
    "CenterFilter",
    "ResultRow",
    "SearchError",
    "count_centers",
    "count_matching",
    "search",
    "unlocated_left_out",
]

#: Radius of the first box of a nearest-first search; it grows until it holds a page.
FIRST_RING_KM = 20.0
#: What `TrialMatcher` reads of a search record (facts a person recorded on the center).
MATCHER_COLUMNS = ("conditions_verified", "therapies_verified")

Candidate = tuple[Any, float | None]  # (center_search record, km from the origin or None)


@dataclass(frozen=True)
class _Where:
    """A search's conditions: plain column tests, and the costlier set and text tests that SQL
    should only evaluate on rows the cheap ones (and the box) kept."""

    cheap: list[ColumnElement[bool]]
    costly: list[ColumnElement[bool]]
    #: The one-trial check run on the rows SQL kept (`trial_match`), when the search needs it.
    matcher: TrialMatcher | None = None
    #: The `center_search` columns to read: what result rows, sorting, the explanations of
    #: `criteria` and the matcher read, and nothing more (a broad search reads narrow rows).
    columns: tuple[str, ...] = ROW_COLUMNS

    @classmethod
    def of(cls, criteria: Sequence[Criterion], matcher: TrialMatcher | None = None) -> _Where:
        cheap = [c.where for c in criteria if not c.costly]
        names = dict.fromkeys(ROW_COLUMNS)
        for c in criteria:
            names.update(dict.fromkeys(c.reads))
        if matcher is not None:
            names.update(dict.fromkeys(MATCHER_COLUMNS))
        costly = [c.where for c in criteria if c.costly]
        return cls(cheap, costly, matcher, tuple(names))

    def keep(self, items: list[Candidate]) -> list[Candidate]:
        return items if self.matcher is None else self.matcher.keep(items)


def search(session: Session, flt: CenterFilter) -> list[ResultRow]:
    """The centers matching `flt`, sorted and cut to `flt.limit`, each explained.

    Raises SearchError (a ValueError) for a filter that cannot be run as given."""
    with collector_paused():
        chosen = _choose(session, flt, rows=True)
        if chosen is None:
            return []
        ctx, criteria, items, matcher = chosen
        return build_rows(session, ctx, criteria, items, matcher)


def reachable(session: Session, flt: CenterFilter) -> list[tuple[int, float | None]]:
    """The ids and distances (km, None when unknown) of the centers `search(session, flt)`
    would return, in its order, without building their rows: for callers that judge the
    centers themselves (patient matching), to whom the rows are most of the cost."""
    chosen = _choose(session, flt)
    return [] if chosen is None else [(r.center_id, km) for r, km in chosen[2]]


def count_matching(session: Session, flt: CenterFilter) -> int:
    """How many centers `search(session, flt)` would return, without building their rows
    (what "without this criterion: 12" counts; at 100,000 centers rows are most of the cost)."""
    with collector_paused():
        chosen = _choose(session, flt)
    return 0 if chosen is None else len(chosen[2])


def _choose(
    session: Session, flt: CenterFilter, rows: bool = False
) -> tuple[Context, list[Criterion], list[Candidate], TrialMatcher | None] | None:
    """The search up to its chosen, ordered candidates; None for a zero limit. `rows`: the
    caller builds result rows, whose red-flag count needs the letters matched."""
    validate(flt)
    ctx = _context(session, flt, rows)
    criteria = list(compile_criteria(ctx))
    if flt.limit == 0:
        return None
    matcher = matcher_for(session, ctx)
    if flt.origin is None:
        where = _Where.of(criteria, matcher)
        chosen = _ordered(ctx, where.keep(_candidates(session, _query(where))))
    else:
        chosen = _near(session, ctx, criteria, flt.origin, matcher)
    return ctx, criteria, chosen, matcher


def unlocated_left_out(session: Session, flt: CenterFilter) -> int:
    """How many centers without coordinates meet every other criterion of `flt` but were left
    out of its radius search ("21 without a known location not shown"); 0 when none were."""
    validate(flt)
    if flt.origin is None or flt.radius_km is None or flt.show_unlocated or flt.limit == 0:
        return 0
    ctx = _context(session, flt, rows=False)
    criteria = compile_criteria(ctx)
    matcher = matcher_for(session, ctx)
    where = _where_once(session, ctx, criteria, matcher)
    return len(_unlocated_within(session, ctx, where))


def _context(session: Session, flt: CenterFilter, rows: bool) -> Context:
    """What every criterion of `flt` reads. The letters' red flags are matched once, and only
    when rows show them or "exclude red flags" filters by them: counts (relax suggestions,
    unlocated left out) and patient matching do not pay for them otherwise."""
    backend = backend_for(session)
    letters = letter_flags(session, backend) if rows or flt.exclude_red_flags else {}
    return Context(
        flt, backend, flt.as_of or date.today(), tuple(search_words(flt.text)), letters
    )


def count_centers(session: Session) -> int:
    """How many centers the directory holds (for "12 of 4,210 centers")."""
    return session.scalar(select(func.count()).select_from(C)) or 0


# --------------------------------------------------------------------------------------------


def _query(where: _Where, area: ColumnElement[bool] | None = None) -> Select[Any]:
    """Search records passing every condition and inside `area`, only the columns `where`
    needs. The addresses are read afterwards for the chosen records only (`rows`): joining
    `centers` here measured slower, and a page needs a few of them, not every candidate's."""
    columns = (SEARCH.c[name] for name in where.columns)
    return select(*columns).where(*where.cheap, *([] if area is None else [area]), *where.costly)


def _candidates(
    session: Session, stmt: Select[Any], params: dict[str, Any] | None = None
) -> list[Candidate]:
    """The rows of `stmt`, no distance yet."""
    return [(row, None) for row in fetch_records(session, stmt, params)]


def _sort_key(sort: str) -> Callable[[Candidate], tuple[Any, ...]]:
    """A total order for candidates: the chosen key, then case-folded name, then id."""

    def by_name(c: Candidate) -> tuple[Any, ...]:
        return (c[0].name.casefold(), c[0].center_id)

    if sort == "verified":  # most recently verified first, never-verified last
        return lambda c: (
            (0, -c[0].last_verified.toordinal()) if c[0].last_verified else (1, 0),
            *by_name(c),
        )
    if sort == "trials":
        return lambda c: (-c[0].trials_active, -c[0].trial_links, *by_name(c))
    if sort == "distance":  # nearest first; no distance (no origin, no location) last
        return lambda c: ((0, c[1]) if c[1] is not None else (1, 0.0), *by_name(c))
    return by_name


def _ordered(ctx: Context, items: list[Candidate]) -> list[Candidate]:
    items.sort(key=_sort_key(ctx.flt.sort))
    return items if ctx.flt.limit is None else items[: ctx.flt.limit]


def _within(
    session: Session,
    where: _Where,
    origin: tuple[float, float],
    reach_km: float,
    in_box: Select[Any] | None = None,
    lambert: dict[int, float] | None = None,
) -> list[Candidate]:
    """Located candidates no farther than `reach_km` (WHOLE_EARTH_KM: any distance).
    `in_box`: the statement `_query(where, IN_BOX)`, when the caller has it; `lambert`:
    distances already computed by center id (a growing box reads its inner centers again)."""
    if reach_km * BOX_PAD >= WHOLE_EARTH_KM:
        rows = fetch_records(session, _query(where, located()))
        radius: float | None = None
    else:
        box = Box(*bounding_box(origin[0], origin[1], reach_km * BOX_PAD))
        stmt = in_box if in_box is not None else _query(where, IN_BOX)
        rows = fetch_records(session, stmt, box_params(box))
        radius = reach_km
    known = {} if lambert is None else lambert
    measure = lambert_from(*origin)
    found: list[Candidate] = []
    for row in rows:
        d = known.get(row.center_id)
        if d is None:
            d = known[row.center_id] = measure(row.latitude, row.longitude)
        if radius is None or abs(d - radius) > radius * BAND + 1e-9:
            if radius is None or d <= radius:  # clearly inside: no geodesic needed
                found.append((row, d))
            continue
        km, inside = distance_within(origin, row.latitude, row.longitude, radius, lambert=d)
        if inside:
            found.append((row, km))
    return where.keep(found)


def _unlocated_within(session: Session, ctx: Context, where: _Where) -> list[Candidate]:
    """Centers without coordinates passing `where` that may still lie within the radius: those
    whose country (U.S.: state) lies wholly outside it are not within it (`country_reach`).
    All of them when the search has no radius."""
    items = _candidates(session, _query(where, unlocated()))
    flt = ctx.flt
    if items and flt.origin is not None and flt.radius_km is not None:
        origin, radius = flt.origin, flt.radius_km
        ids = [row.center_id for row, _ in items]
        stmt = select(C.c.id, C.c.country, C.c.region).where(ctx.backend.ids_in(C.c.id, ids))
        places = {cid: (country, region) for cid, country, region in session.execute(stmt)}
        items = [c for c in items if may_lie_within(origin, radius, *places[c[0].center_id])]
    return where.keep(items)


def _km(c: Candidate) -> float:
    return math.inf if c[1] is None else c[1]


def _nearest_first(c: Candidate) -> tuple[Any, ...]:
    # `_sort_key("distance")` for candidates that all have a distance, without its nesting.
    return (c[1], c[0].name.casefold(), c[0].center_id)


def _by_distance(origin: tuple[float, float], located: list[Candidate]) -> list[Candidate]:
    """`located` nearest first, in exactly the geodesic's order.

    Lambert's formula orders all but neighbours whose distances lie within its error of each
    other (`could_swap`); each such run is re-measured with Vincenty's formula (~10 µs, within
    a millimetre of the geodesic) and re-sorted among itself, and only neighbours Vincenty
    still cannot tell apart (a millimetre) are measured with the geodesic (~120 µs). A run at
    one address needs none of it: its distances are equal whatever the formula."""
    located.sort(key=_nearest_first)
    return _refine(origin, located, could_swap, _vincenty_or_geodesic, _exact_ties)


def _vincenty_or_geodesic(origin: tuple[float, float], row: Any, km: float) -> float:
    if km < VINCENTY_MAX_KM:
        found = vincenty_km(*origin, row.latitude, row.longitude)
        if found is not None:
            return found
    return geodesic_km(*origin, row.latitude, row.longitude)


def _geodesic(origin: tuple[float, float], row: Any, km: float) -> float:
    return geodesic_km(*origin, row.latitude, row.longitude)


def _vincenty_ties(nearer: float, farther: float) -> bool:
    return farther - nearer <= 2 * VINCENTY_ERROR_KM


def _exact_ties(origin: tuple[float, float], run: list[Candidate]) -> list[Candidate]:
    return _refine(origin, run, _vincenty_ties, _geodesic, None)


def _refine(
    origin: tuple[float, float],
    located: list[Candidate],
    ties: Callable[[float, float], bool],
    measure: Callable[[tuple[float, float], Any, float], float],
    then: Callable[[tuple[float, float], list[Candidate]], list[Candidate]] | None,
) -> list[Candidate]:
    """Re-measure with `measure` each run of sorted `located` whose neighbours `ties` cannot
    order, re-sort the run, and pass it to `then` for the ties the new measure leaves. The
    measure's error is far below the gap to the run's outside neighbours, so it can only
    reorder the run itself."""
    kms = [_km(c) for c in located]
    tied = [i for i in range(1, len(kms)) if ties(kms[i - 1], kms[i])]
    for start, end in _runs(tied):
        places = {(c[0].latitude, c[0].longitude) for c in located[start:end]}
        if len(places) > 1:
            run: list[Candidate] = sorted(
                (
                    (row, measure(origin, row, kms[start + i]))
                    for i, (row, _) in enumerate(located[start:end])
                ),
                key=_nearest_first,
            )
            located[start:end] = run if then is None else then(origin, run)
    return located


def _runs(tied: list[int]) -> list[tuple[int, int]]:
    """[start, end) of each run of neighbours, from the indices i tied with i - 1."""
    runs: list[tuple[int, int]] = []
    for i in tied:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i - 1, i + 1))
    return runs


def _nearest(
    session: Session,
    where: _Where,
    origin: tuple[float, float],
    ceiling_km: float,
    limit: int,
) -> list[Candidate]:
    """The `limit` nearest located candidates within `ceiling_km`.

    Exact because each box holds its whole ring: once a ring holds `limit` candidates, all
    others are farther than every one of them."""
    ring = min(FIRST_RING_KM, ceiling_km)
    stmt = _query(where, IN_BOX)  # one statement, new box parameters per ring
    lambert: dict[int, float] = {}
    while True:
        found = _within(session, where, origin, ring, stmt, lambert)
        # Count only what lies clearly inside: the page's last center must be nearer than any
        # center outside the ring, however Lambert's formula rounded either distance.
        inside = sum(1 for _row, km in found if km is not None and km <= ring * (1 - BAND))
        if inside >= limit or ring >= ceiling_km:
            return _by_distance(origin, found)[:limit]
        # Grow by the area the page still needs (density assumed even), at least 2x, so a
        # sparse or selective search reaches its ceiling in a few steps.
        grow = 5.0 if not found else min(5.0, max(2.0, 1.3 * math.sqrt(limit / len(found))))
        ring = ring * grow if ring * grow < 0.7 * ceiling_km else ceiling_km


def _where_once(
    session: Session, ctx: Context, criteria: Sequence[Criterion], matcher: TrialMatcher | None
) -> _Where:
    """Conditions for a search that runs several statements (growing boxes, then the
    unlocated): the text query, when the backend can, runs once instead of in each."""
    where = _Where.of([c for c in criteria if not c.is_text], matcher)
    if not any(c.is_text for c in criteria):
        return where
    once = ctx.backend.text_once(session, list(ctx.words))
    text = [c.where for c in criteria if c.is_text] if once is None else [once]
    return replace(where, costly=where.costly + text)


def _near(
    session: Session,
    ctx: Context,
    criteria: Sequence[Criterion],
    origin: tuple[float, float],
    matcher: TrialMatcher | None,
) -> list[Candidate]:
    flt = ctx.flt
    ceiling = flt.radius_km if flt.radius_km is not None else WHOLE_EARTH_KM
    # Without a radius, centers without coordinates simply have no distance and sort last. Under
    # a radius "within" means located within: they are shown only when asked for.
    with_unlocated = flt.radius_km is None or flt.show_unlocated
    where = _where_once(session, ctx, criteria, matcher)
    if flt.sort == "distance" and flt.limit is not None:
        chosen = _nearest(session, where, origin, ceiling, flt.limit)
        if len(chosen) < flt.limit and with_unlocated:
            rest = _ordered(ctx, _unlocated_within(session, ctx, where))
            chosen.extend(rest[: flt.limit - len(chosen)])
        return chosen
    items = _within(session, where, origin, ceiling)
    rest = _unlocated_within(session, ctx, where) if with_unlocated else []
    if flt.sort != "distance":
        return _ordered(ctx, items + rest)
    # Nearest first, then those without a distance by name: each part sorted once.
    items = _by_distance(origin, items) + sorted(rest, key=_sort_key("name"))
    return items if flt.limit is None else items[: flt.limit]

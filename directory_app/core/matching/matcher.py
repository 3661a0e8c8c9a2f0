"""Match a `PatientProfile` against the directory: ranked centers, each with its trials.

How it runs, and why:
1. The search picks the candidate centers (distance from the patient's place within the travel
   radius, through the search's indexed box), so matching reads only centers the patient could
   reach. With a radius, centers without coordinates are left out (they could be anywhere, and
   a list padded with them hides the reachable ones); without a radius they stay, "distance
   unknown".
2. The candidates' facts, conditions and trial sites are read in a few bulk queries (chunks of
   ids), never one query per center, and every criterion is judged in Python by `checks`.
3. Each trial is judged on its own (status, condition, its own age limits, sex): a trial
   outside the patient's age drops out without touching the center's other trials.
Ranking: no failing criterion first, then fewest unknowns, then nearest, then name.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory_app.core.directory.models import Center, ConditionTreated, Trial, TrialSite
from directory_app.core.directory.vocab import Condition
from directory_app.core.matching import checks as ck
from directory_app.core.matching.checks import FAILS, FITS, UNKNOWN, Check
from directory_app.core.matching.profile import PatientProfile, validate_profile
from directory_app.core.registry.classify import conditions_from_text
from directory_app.core.search.query import CenterFilter, search

#: Ids per IN (...) list: well below SQLite's and PostgreSQL's parameter limits.
CHUNK = 900


@dataclass
class TrialMatch:
    """One trial at one center, judged for this patient."""

    nct_id: str
    title: str
    status: str
    site_status: str | None
    url: str | None
    last_update: date | None
    checks: list[Check] = field(default_factory=list)

    @property
    def fits(self) -> bool:
        """No criterion fails (unknowns allowed: they are questions to ask)."""
        return all(c.verdict != FAILS for c in self.checks)


@dataclass
class CenterMatch:
    """One center judged for this patient: its own criteria and its trials."""

    center_id: int
    uid: str
    name: str
    city: str | None
    region: str | None
    distance_km: float | None
    checks: list[Check] = field(default_factory=list)
    trials: list[TrialMatch] = field(default_factory=list)

    def _of(self, verdict: str) -> list[Check]:
        return [c for c in self.checks if c.verdict == verdict]

    @property
    def fits(self) -> list[Check]:
        return self._of(FITS)

    @property
    def fails(self) -> list[Check]:
        return self._of(FAILS)

    @property
    def unknown(self) -> list[Check]:
        return self._of(UNKNOWN)

    @property
    def fitting_trials(self) -> list[TrialMatch]:
        return [t for t in self.trials if t.fits]

    def rank_key(self) -> tuple[Any, ...]:
        km = math.inf if self.distance_km is None else self.distance_km
        return (bool(self.fails), len(self.unknown), km, self.name.casefold(), self.center_id)


def match(
    session: Session, profile: PatientProfile, limit: int | None = None, units: str = "mi"
) -> list[CenterMatch]:
    """Centers (with their trials) judged and ranked for `profile`, cut to `limit`.

    Raises MatchError for a malformed profile."""
    validate_profile(profile)
    flt = CenterFilter(
        origin=profile.origin, radius_km=profile.radius_km, sort="name",
        unknown="keep" if profile.radius_km is None else "drop",
        as_of=profile.as_of, units=units,
    )  # fmt: skip
    rows = search(session, flt)
    distance = {r.id: r.distance_km for r in rows}
    ids = list(distance)
    centers = {c.id: c for c in _load(session, select(Center), Center.id, ids)}
    conditions: dict[int, list[Any]] = defaultdict(list)
    for ct in _load(session, select(ConditionTreated), ConditionTreated.center_id, ids):
        conditions[ct.center_id].append(ct)
    sites: dict[int, list[tuple[Any, Any]]] = defaultdict(list)
    stmt = select(TrialSite, Trial).join(Trial, TrialSite.trial_id == Trial.id)
    for site, trial in _load_rows(session, stmt, TrialSite.center_id, ids):
        sites[site.center_id].append((site, trial))
    results = [
        _judge(profile, centers[i], distance[i], conditions[i], sites[i], units)
        for i in ids
        if i in centers
    ]
    results.sort(key=CenterMatch.rank_key)
    return results if limit is None else results[:limit]


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _load(session: Session, stmt: Any, column: Any, ids: Sequence[int]) -> Iterator[Any]:
    for part in _chunks(ids):
        yield from session.scalars(stmt.where(column.in_(part)))


def _load_rows(session: Session, stmt: Any, column: Any, ids: Sequence[int]) -> Iterator[Any]:
    for part in _chunks(ids):
        yield from session.execute(stmt.where(column.in_(part)))


def _judge(
    p: PatientProfile,
    c: Any,
    km: float | None,
    conditions: list[Any],
    sites: list[tuple[Any, Any]],
    units: str,
) -> CenterMatch:
    src = ck.center_source(c)
    m = CenterMatch(c.id, c.uid, c.name, c.city, c.region, km)
    if p.origin is not None:
        m.checks.append(ck.distance_check(km, p.radius_km, units, c.location_source or "unknown"))
    m.trials = sorted(
        (_judge_trial(p, site, trial) for site, trial in sites),
        key=lambda t: (not t.fits, t.nct_id),
    )
    if p.condition is not None:
        m.checks.append(_center_condition(p.condition, conditions, m.trials))
    if p.age is not None:
        m.checks.append(_center_age(p.age, c, src, m.trials))
    if p.failed_treatments is not None:
        m.checks.append(ck.failed_check(p.failed_treatments, c.requires_failed_conventional, src))
    if p.insurance:
        m.checks.append(ck.insurance_check(c.insurance_accepted, c.insurance_notes, src))
    if p.max_cost_usd is not None:
        m.checks.append(ck.cost_check(p.max_cost_usd, c.cost_min_usd, c.cost_max_usd, src))
    return m


def _center_condition(wanted: str, facts: list[Any], trials: list[TrialMatch]) -> Check:
    """The center treats the condition (a recorded fact), or runs a trial for it that fits."""
    label = Condition.label_of(wanted)
    for f in facts:
        if f.condition == wanted:
            where = ck.fact_source(f.source, f.source_ref, f.verified_on)
            return Check("condition", FITS, f"treats {label}", where)
    for t in trials:
        if t.fits:
            return Check("condition", FITS, f"open trial for {label}: {t.nct_id}", t.nct_id)
    return Check("condition", FAILS, f"no record of treating {label} or a fitting trial", "")


def _center_age(age: int, c: Any, src: str, trials: list[TrialMatch]) -> Check:
    """The center's own accepted ages when recorded; otherwise the age limits of a trial there
    that fits the patient (the registry's fact), else unknown."""
    if c.age_min is not None or c.age_max is not None:
        return ck.age_check(age, c.age_min, c.age_max, "center's accepted ages", src)
    for t in trials:
        if t.fits:
            for chk in t.checks:
                if chk.criterion == "age" and chk.verdict == FITS:
                    return chk
    return Check("age", UNKNOWN, "center's accepted ages unknown", src)


def _judge_trial(p: PatientProfile, site: Any, t: Any) -> TrialMatch:
    tm = TrialMatch(t.nct_id, t.title, t.status, site.site_status, t.url, t.last_update)
    tm.checks.append(ck.status_check(t.nct_id, t.status, site.site_status))
    if p.condition is not None:
        codes = {str(x) for x in conditions_from_text(t.conditions or [])}
        tm.checks.append(ck.trial_condition_check(t.nct_id, p.condition, codes, t.conditions))
    if p.age is not None:
        tm.checks.append(ck.age_check(p.age, t.min_age_years, t.max_age_years, t.nct_id, t.nct_id))
    if p.sex is not None:
        sex = getattr(t, "sex", None)
        if sex in (None, ""):
            tm.checks.append(Check("sex", UNKNOWN, f"sex eligibility not recorded, {t.nct_id}",
                                   t.nct_id))  # fmt: skip
        else:
            ok = sex == "all" or sex == p.sex
            tm.checks.append(Check("sex", FITS if ok else FAILS, f"{t.nct_id} enrols {sex}",
                                   t.nct_id))  # fmt: skip
    return tm


def as_json(m: CenterMatch) -> dict[str, Any]:
    """A result as the CLI's JSON prints it: every decision with its fact and source."""

    def checks(cs: list[Check]) -> list[dict[str, str]]:
        return [{"criterion": c.criterion, "fact": c.fact, "source": c.source} for c in cs]

    def trial(t: TrialMatch) -> dict[str, Any]:
        return {
            "nct_id": t.nct_id, "title": t.title, "status": t.status,
            "site_status": t.site_status, "url": t.url,
            "status_as_of": t.last_update.isoformat() if t.last_update else None,
            "fits": checks([c for c in t.checks if c.verdict == FITS]),
            "fails": checks([c for c in t.checks if c.verdict == FAILS]),
            "unknown": checks([c for c in t.checks if c.verdict == UNKNOWN]),
        }  # fmt: skip

    km = m.distance_km
    return {
        "id": m.center_id, "uid": m.uid, "name": m.name, "city": m.city, "region": m.region,
        "distance_km": None if km is None else round(km, 1),
        "distance_mi": None if km is None else round(km / 1.609344, 1),
        "fits": checks(m.fits), "fails": checks(m.fails), "unknown": checks(m.unknown),
        "trials_that_fit": [trial(t) for t in m.fitting_trials],
        "trials_that_do_not_fit": [trial(t) for t in m.trials if not t.fits],
    }  # fmt: skip

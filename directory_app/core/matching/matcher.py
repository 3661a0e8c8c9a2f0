"""Match a `PatientProfile` against the directory: ranked centers, each with its trials.

How it runs, and why:
1. The search picks the candidate centers (distance from the patient's place within the travel
   radius, through the search's indexed box), so matching reads only centers the patient could
   reach. With a radius, centers without coordinates are left out (they could be anywhere, and
   a list padded with them hides the reachable ones); without a radius they stay, "distance
   unknown".
2. The candidates' facts, conditions and trial sites are read in a few bulk queries (chunks of
   ids), never one query per center, and every criterion is judged in Python by `checks`.
3. Each trial is judged on its own (the site's status, condition, its own age limits, sex,
   healthy-volunteer-only studies), once per trial and not once per site: a trial outside the
   patient's age drops out without touching the center's other trials. A trial carries its
   site's registry contacts and its inclusion/exclusion lists, for the follow-up.
4. A trial site the registry names only by its city, with no center of the directory behind
   it (`TrialPlace` without a center), is an answer too: "trial site in Columbus, OH", judged
   on its trials alone, every fact a center would give (insurance, cost) unknown. Sites of
   one city are one answer, since a coordinator calls the trial, not the place.
Ranking: no failing criterion first, then fewest unknowns, then nearest, then name.
"""

from __future__ import annotations

import math
from collections import defaultdict, namedtuple
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from directory_app.core.directory.models import (
    Center,
    ConditionTreated,
    Trial,
    TrialPlace,
    TrialSite,
)
from directory_app.core.directory.vocab import Condition
from directory_app.core.geo.distance import haversine_km
from directory_app.core.matching import checks as ck
from directory_app.core.matching.checks import FAILS, FITS, UNKNOWN, Check
from directory_app.core.matching.profile import PatientProfile, validate_profile
from directory_app.core.registry.classify import conditions_from_text
from directory_app.core.search.fetch import collector_paused
from directory_app.core.search.query import CenterFilter, reachable
from directory_app.core.search.sql import backend_for
from directory_app.core.search.trials import city_label

#: What `CenterMatch.kind` says: a center of the directory, or a trial site known only by its
#: city, with no center on record.
CENTER, TRIAL_SITE = "center", "trial_site"


@dataclass
class TrialMatch:
    """One trial at one center, judged for this patient, with what a coordinator needs to
    follow it up: the site's registry contacts and the trial's eligibility lists."""

    nct_id: str
    title: str
    status: str
    site_status: str | None
    url: str | None
    last_update: date | None
    checks: list[Check] = field(default_factory=list)
    facility: str = ""
    #: The registry's contacts for this trial at this site ({"name", "role", "phone",
    #: "email"}); empty when the record names none.
    contacts: list[dict[str, str | None]] = field(default_factory=list)
    inclusion: list[str] = field(default_factory=list)
    exclusion: list[str] = field(default_factory=list)

    @property
    def fits(self) -> bool:
        """No criterion fails (unknowns allowed: they are questions to ask)."""
        return all(c.verdict != FAILS for c in self.checks)

    @property
    def unknown_count(self) -> int:
        return sum(1 for c in self.checks if c.verdict == UNKNOWN)

    @property
    def contacts_source(self) -> str:
        """Where the site contacts come from: the trial's registry record, as of its date."""
        when = f", as of {self.last_update.isoformat()}" if self.last_update else ""
        return f"ClinicalTrials.gov {self.nct_id}{when}"


@dataclass
class CenterMatch:
    """One center judged for this patient: its own criteria and its trials. With `kind`
    TRIAL_SITE, a trial site without a center (`center_id` and `uid` None, `name` "trial site
    in CITY"): its trials are the whole answer."""

    center_id: int | None
    uid: str | None
    name: str
    city: str | None
    region: str | None
    distance_km: float | None
    checks: list[Check] = field(default_factory=list)
    trials: list[TrialMatch] = field(default_factory=list)
    kind: str = CENTER
    country: str | None = None

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
        order = -1 if self.center_id is None else self.center_id
        return (bool(self.fails), len(self.unknown), km, self.name.casefold(), order)


#: The tables matching reads, as Core tables: rows of just the columns it needs, executed on
#: the connection (no ORM loading), keep a profile matched against 10,000 centers well inside
#: the search's latency budget.
_C, _CT = Center.__table__.c, ConditionTreated.__table__.c
_TS, _T = TrialSite.__table__.c, Trial.__table__.c
_CENTER_COLUMNS = (
    _C.id, _C.uid, _C.name, _C.city, _C.region, _C.country, _C.age_min, _C.age_max, _C.source,
    _C.source_ref, _C.last_verified, _C.verified_by, _C.location_source,
    _C.requires_failed_conventional, _C.insurance_accepted, _C.insurance_notes,
    _C.cost_min_usd, _C.cost_max_usd,
)  # fmt: skip
_CONDITION_COLUMNS = (_CT.center_id, _CT.condition, _CT.source, _CT.source_ref, _CT.verified_on)
_SITE_COLUMNS = (_TS.center_id, _TS.trial_id, _TS.site_status, _TS.facility, _TS.contacts)
_TRIAL_COLUMNS = (
    _T.id, _T.nct_id, _T.title, _T.status, _T.conditions, _T.min_age_years, _T.max_age_years,
    _T.sex, _T.healthy_volunteers, _T.last_update, _T.url, _T.inclusion_criteria,
    _T.exclusion_criteria,
)  # fmt: skip
_TP = TrialPlace.__table__.c
_PLACE_COLUMNS = (_TP.trial_id, _TP.city, _TP.region, _TP.country, _TP.latitude, _TP.longitude)


@dataclass(frozen=True)
class _JudgedTrial:
    """A trial's verdicts that do not depend on the site, worked out once per trial, and
    whether it studies the patient's condition."""

    row: Any
    checks: tuple[Check, ...]
    studies_condition: bool


def match(
    session: Session,
    profile: PatientProfile,
    limit: int | None = None,
    units: str = "mi",
    include_unrelated: bool = False,
) -> list[CenterMatch]:
    """Centers (with their trials) judged and ranked for `profile`, cut to `limit`.

    With a condition, a center that neither treats it nor runs any trial of it is no answer
    and is left out before it is judged (a list of every hospital in reach would bury the ones
    that are), unless `include_unrelated`. Raises MatchError for a malformed profile."""
    validate_profile(profile)
    with collector_paused():  # tens of thousands of small objects, none of them cyclic
        return _match(session, profile, limit, units, include_unrelated)


def _match(
    session: Session, profile: PatientProfile, limit: int | None, units: str,
    include_unrelated: bool,
) -> list[CenterMatch]:
    distance = _reachable(session, profile, units)
    of = _where_ids(session, distance)
    conditions: dict[int, list[Any]] = defaultdict(list)
    if profile.condition is not None:  # only the patient's condition is ever looked at
        stmt = select(*_CONDITION_COLUMNS).where(_CT.condition == profile.condition)
        for ct in _rows(session, stmt, of(_CT.center_id)):
            conditions[ct.center_id].append(ct)
    sites: dict[int, list[Any]] = defaultdict(list)
    for site in _rows(session, select(*_SITE_COLUMNS), of(_TS.center_id)):
        sites[site.center_id].append(site)
    trial_stmt: Any = select(*_TRIAL_COLUMNS)
    if distance is not None:
        trial_ids = {s.trial_id for group in sites.values() for s in group}
        trial_stmt = trial_stmt.where(backend_for(session).ids_in(_T.id, trial_ids))
    trials = {t.id: _judge_trial(profile, t) for t in _rows(session, trial_stmt, None)}
    ids = list(distance) if distance is not None else None
    wanted = profile.condition
    if wanted is not None and not include_unrelated:
        keep = {
            cid for cid, facts in conditions.items() if any(f.condition == wanted for f in facts)
        } | {
            cid for cid, group in sites.items()
            if any(trials[s.trial_id].studies_condition for s in group if s.trial_id in trials)
        }  # fmt: skip
        ids = [i for i in ids if i in keep] if ids is not None else sorted(keep)
        of = _where_ids(session, dict.fromkeys(ids))
    centers = {c.id: c for c in _rows(session, select(*_CENTER_COLUMNS), of(_C.id))}
    order = ids if ids is not None else list(centers)
    km = distance or {}
    results = [
        _judge(profile, centers[i], km.get(i), conditions[i], sites[i], trials, units)
        for i in order
        if i in centers
    ]
    results += _site_answers(session, profile, units, include_unrelated, trials)
    results.sort(key=CenterMatch.rank_key)
    return results if limit is None else results[:limit]


def _site_answers(
    session: Session, p: PatientProfile, units: str, include_unrelated: bool,
    judged: dict[int, _JudgedTrial],
) -> list[CenterMatch]:
    """Trial sites with no center on record, within reach, one answer per city. With a
    radius, a site without coordinates is left out, as centers are."""
    stmt: Any = select(*_PLACE_COLUMNS).where(_TP.center_id.is_(None))
    if p.origin is not None and p.radius_km is not None:
        span = p.radius_km / 110.5 + 0.01  # degrees of latitude, a box the index can use
        stmt = stmt.where(_TP.latitude.between(p.origin[0] - span, p.origin[0] + span))
    by_city: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for place in _rows(session, stmt, None):
        by_city[(place.city, place.region, place.country)].append(place)
    missing = {pl.trial_id for group in by_city.values() for pl in group} - set(judged)
    if missing:
        ids = backend_for(session).ids_in(_T.id, missing)
        rows = _rows(session, select(*_TRIAL_COLUMNS), ids)
        judged.update((t.id, _judge_trial(p, t)) for t in rows)
    answers = []
    for (city, region, country), places in by_city.items():
        km = _place_km(p, places)
        if p.radius_km is not None and (km is None or km > p.radius_km):
            continue
        trials = [judged[pl.trial_id] for pl in places if pl.trial_id in judged]
        if p.condition is not None and not include_unrelated:
            trials = [t for t in trials if t.studies_condition]
        if trials:
            answers.append(_judge_site(p, (city, region, country), km, trials, units))
    return answers


def _place_km(p: PatientProfile, places: list[Any]) -> float | None:
    """Distance to a city's sites (one place: the city's coordinates); None when unknown."""
    if p.origin is None:
        return None
    known = [haversine_km(*p.origin, pl.latitude, pl.longitude) for pl in places
             if pl.latitude is not None and pl.longitude is not None]  # fmt: skip
    return min(known) if known else None


def _judge_site(
    p: PatientProfile, where: tuple[str | None, str | None, str | None], km: float | None,
    trials: list[_JudgedTrial], units: str,
) -> CenterMatch:
    """A city's center-less trial sites judged as one answer: distance, then the center's
    criteria answered from its trials alone; what only a center could say is unknown."""
    city, region, country = where
    label = city_label(city, region, country)
    m = CenterMatch(None, None, f"trial {label}", city, region, km, kind=TRIAL_SITE,
                    country=country)  # fmt: skip
    if p.origin is not None:
        m.checks.append(ck.distance_check(km, p.radius_km, units, "city of the registry's site"))
    m.trials = sorted(
        {j.row.nct_id: _trial_at_site(None, j) for j in trials}.values(),
        key=lambda t: (not t.fits, t.unknown_count, t.nct_id),
    )
    nobody = "no center on record for this site"
    if p.condition is not None:
        m.checks.append(_site_condition(p.condition, m.trials))
    if p.age is not None:
        fitting = _center_age(p.age, None, "", m.trials)
        unknown = Check("age", UNKNOWN, "age limits of a fitting trial unknown", "")
        m.checks.append(fitting if fitting.verdict == FITS else unknown)
    if p.failed_treatments is not None:
        m.checks.append(Check("prior treatments", UNKNOWN,
                              f"prior-treatment requirement unknown ({nobody})", ""))  # fmt: skip
    if p.insurance:
        m.checks.append(Check("insurance", UNKNOWN, f"insurance acceptance unknown ({nobody})", ""))
    if p.max_cost_usd is not None:
        m.checks.append(Check("cost", UNKNOWN, f"cost unknown ({nobody})", ""))
    return m


def _reachable(
    session: Session, p: PatientProfile, units: str
) -> dict[int, float | None] | None:
    """Center id -> km from the patient's place for the centers within reach, in the search's
    order; None for "every center" (no place given), read without the search at all."""
    if p.origin is None:
        return None
    flt = CenterFilter(
        origin=p.origin, radius_km=p.radius_km, sort="name",
        unknown="keep" if p.radius_km is None else "drop", as_of=p.as_of, units=units,
    )  # fmt: skip
    return dict(reachable(session, flt))


def _where_ids(
    session: Session, ids: dict[int, Any] | None
) -> Callable[[Any], ColumnElement[bool] | None]:
    """A condition "`column` is one of the ids", passed as one parameter; none for all."""
    backend = backend_for(session)
    if ids is None:
        return lambda column: None
    return lambda column: backend.ids_in(column, ids)


def _rows(session: Session, stmt: Any, where: ColumnElement[bool] | None) -> list[Any]:
    """The rows as namedtuples, which read several times faster than SQLAlchemy rows (JSON and
    date columns converted by SQLAlchemy, hence not the search's raw driver fetch)."""
    result = session.connection().execute(stmt if where is None else stmt.where(where))
    make = _record_type(tuple(result.keys()))._make
    return list(map(make, result))


@lru_cache(maxsize=16)
def _record_type(keys: tuple[str, ...]) -> Any:
    return namedtuple("MatchRecord", keys)


@lru_cache(maxsize=4096)
def _condition_codes(conditions: tuple[str, ...]) -> frozenset[str]:
    """The condition codes a trial's listed conditions name. Cached: folding the text is the
    dearest step of judging a trial, and a window re-matches as the profile is edited."""
    return frozenset(str(x) for x in conditions_from_text(list(conditions)))


def _judge(
    p: PatientProfile,
    c: Any,
    km: float | None,
    conditions: list[Any],
    sites: list[Any],
    trials: dict[int, _JudgedTrial],
    units: str,
) -> CenterMatch:
    src = ck.center_source(c)
    m = CenterMatch(c.id, c.uid, c.name, c.city, c.region, km, country=c.country)
    if p.origin is not None:
        m.checks.append(ck.distance_check(km, p.radius_km, units, c.location_source or "unknown"))
    m.trials = sorted(
        (_trial_at_site(s, trials[s.trial_id]) for s in sites if s.trial_id in trials),
        key=lambda t: (not t.fits, t.unknown_count, t.nct_id),
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


def _site_condition(wanted: str, trials: list[TrialMatch]) -> Check:
    """A center-less site fits the condition only through a trial of it there that fits."""
    label = Condition.label_of(wanted)
    for t in trials:
        if t.fits:
            return Check("condition", FITS, f"open trial for {label}: {t.nct_id}", t.nct_id)
    why = "; ".join(
        f"{t.nct_id}: " + next(c.fact for c in t.checks if c.verdict == FAILS).replace(
            f", {t.nct_id}", "")
        for t in trials[:3]
    )  # fmt: skip
    return Check("condition", FAILS, f"no fitting trial for {label} at this site ({why})", "")


def _center_age(age: int, c: Any, src: str, trials: list[TrialMatch]) -> Check:
    """The center's own accepted ages when recorded; otherwise the age limits of a trial there
    that fits the patient (the registry's fact), else unknown."""
    if c is not None and (c.age_min is not None or c.age_max is not None):
        return ck.age_check(age, c.age_min, c.age_max, "center's accepted ages", src)
    for t in trials:
        if t.fits:
            for chk in t.checks:
                if chk.criterion == "age" and chk.verdict == FITS:
                    return chk
    return Check("age", UNKNOWN, "center's accepted ages unknown", src)


def _judge_trial(p: PatientProfile, t: Any) -> _JudgedTrial:
    codes = _condition_codes(tuple(t.conditions or ())) if p.condition else frozenset()
    return _JudgedTrial(t, tuple(_trial_checks(p, t, codes)), p.condition in codes)


def _trial_checks(p: PatientProfile, t: Any, codes: frozenset[str]) -> Iterator[Check]:
    """The verdicts on the trial itself (the same at every site): condition, its own age
    limits, sex, and whether it takes patients at all."""
    conditions = list(t.conditions or [])
    if ck.healthy_only(t.healthy_volunteers, conditions):
        yield ck.volunteers_check(t.nct_id)
    if p.condition is not None:
        yield ck.trial_condition_check(t.nct_id, p.condition, codes, conditions)
    if p.age is not None:
        yield ck.age_check(p.age, t.min_age_years, t.max_age_years, t.nct_id, t.nct_id)
    if p.sex is not None:
        yield ck.sex_check(t.nct_id, p.sex, t.sex)


def _trial_at_site(site: Any, judged: _JudgedTrial) -> TrialMatch:
    """The trial at one site: its site's status first, then the trial's own verdicts. `site`
    None: a site the registry names only by city (no site status, facility or contacts)."""
    t = judged.row
    status = site.site_status if site is not None else None
    tm = TrialMatch(
        t.nct_id, t.title, t.status, status, t.url, t.last_update,
        facility=(site.facility or "") if site is not None else "",
        contacts=list(site.contacts or []) if site is not None else [],
        inclusion=list(t.inclusion_criteria or []), exclusion=list(t.exclusion_criteria or []),
    )  # fmt: skip
    tm.checks.append(ck.status_check(t.nct_id, t.status, status))
    tm.checks.extend(judged.checks)
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
            "site": t.facility, "site_contacts": t.contacts,
            "site_contacts_source": t.contacts_source if t.contacts else None,
            "inclusion_criteria": t.inclusion, "exclusion_criteria": t.exclusion,
            "fits": checks([c for c in t.checks if c.verdict == FITS]),
            "fails": checks([c for c in t.checks if c.verdict == FAILS]),
            "unknown": checks([c for c in t.checks if c.verdict == UNKNOWN]),
        }  # fmt: skip

    km = m.distance_km
    return {
        "kind": m.kind, "id": m.center_id, "uid": m.uid, "name": m.name, "city": m.city,
        "region": m.region, "country": m.country,
        "distance_km": None if km is None else round(km, 1),
        "distance_mi": None if km is None else round(km / 1.609344, 1),
        "fits": checks(m.fits), "fails": checks(m.fails), "unknown": checks(m.unknown),
        "trials_that_fit": [trial(t) for t in m.fitting_trials],
        "trials_that_do_not_fit": [trial(t) for t in m.trials if not t.fits],
    }  # fmt: skip

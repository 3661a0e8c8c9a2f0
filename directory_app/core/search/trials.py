"""Trials, with every site the directory knows of, nearest first: the `trials` command and
the window's Trials tab.

A center search answers "where can this patient go"; this answers "which trials are there,
and where do they run". A trial's sites are of two kinds:
- named sites: a facility the registry named, linked to its center (coordinates the center's);
- city-only sites (`TrialPlace`): "a site in Chicago, IL", placed at its city, linked to a
  center only where that was inferred from the sponsor being that center, in that city.
Each trial says how many sites it has that the directory can place or name ("sites known"),
beside how many the registry lists ("sites listed", when the source gave the count), so a
trial with 20 sites of which one is known never reads as a one-site trial.

Conditions and therapies are read from each trial's registry text with the same classifier as
the one-trial rule of a center search, so both views agree on what a trial is about. Every
status carries the date of the record it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory_app.core.directory.models import Trial, TrialPlace, TrialSite
from directory_app.core.directory.vocab import ACTIVE_TRIAL_STATUSES, TrialStatus
from directory_app.core.geo.distance import KM_PER_MILE, haversine_km
from directory_app.core.geo.regions import US_COUNTRY
from directory_app.core.registry.classify import conditions_of, therapies_from_text
from directory_app.core.search.shapes import SearchError
from directory_app.core.search.staleness import status_stale

#: `TrialFilter.status` values: any status, recruiting now, or still running.
STATUS_MODES: tuple[str, ...] = ("any", "recruiting", "active")
_ACTIVE = frozenset(getattr(s, "value", s) for s in ACTIVE_TRIAL_STATUSES)
#: How an inferred link is shown.
INFERRED_LABELS: dict[str, str] = {"sponsor_city": "inferred from sponsor and city"}


@dataclass(frozen=True)
class TrialFilter:
    """What a trial list asks for; every part optional. Codes are `vocab` codes."""

    conditions: frozenset[str] = frozenset()
    therapies: frozenset[str] = frozenset()
    status: str = "any"
    origin: tuple[float, float] | None = None
    radius_km: float | None = None

    def check(self) -> None:
        if self.status not in STATUS_MODES:
            raise SearchError(
                f"unknown trial status {self.status!r}; accepted: {', '.join(STATUS_MODES)}"
            )
        if self.radius_km is not None and (self.origin is None or self.radius_km < 0):
            raise SearchError("a radius needs an origin and must not be negative")


@dataclass(frozen=True)
class SiteRow:
    """One known site of a trial."""

    #: The facility as the registry wrote it, or "site in Chicago, IL" for a city-only site.
    label: str
    named: bool
    city: str | None
    region: str | None
    country: str | None
    latitude: float | None
    longitude: float | None
    distance_km: float | None
    center_id: int | None
    center_name: str | None
    #: How the center link was made when it was not the registry's ("sponsor_city").
    inferred_from: str | None
    site_status: str | None

    @property
    def distance_mi(self) -> float | None:
        return None if self.distance_km is None else self.distance_km / KM_PER_MILE

    @property
    def link_note(self) -> str:
        """'inferred from sponsor and city' for an inferred link, else ''."""
        return INFERRED_LABELS.get(self.inferred_from or "", self.inferred_from or "")


@dataclass(frozen=True)
class TrialRow:
    """A trial and its known sites, nearest first (unplaced sites last)."""

    nct_id: str
    title: str
    status: str
    #: The last-update date of the record the status was read from.
    status_as_of: date | None
    status_stale: bool
    phases: tuple[str, ...]
    conditions: tuple[str, ...]
    therapies: tuple[str, ...]
    sponsor: str | None
    url: str | None
    record_source: str | None
    sites: tuple[SiteRow, ...]
    #: Sites the directory names or places (named sites + city-only sites).
    sites_known: int
    #: Sites the registry lists, when the source said; else None.
    sites_listed: int | None

    @property
    def nearest_km(self) -> float | None:
        return self.sites[0].distance_km if self.sites else None

    @property
    def status_label(self) -> str:
        return TrialStatus.label_of(self.status)


def city_label(city: str | None, region: str | None, country: str | None) -> str:
    """ "site in Chicago, IL" (U.S.: state) or "site in Lyon, France"; "site (city unknown)"."""
    local = region if country in (None, US_COUNTRY) else country
    place = ", ".join(p for p in (city, local) if p)
    return f"site in {place}" if place else "site (city unknown)"


@lru_cache(maxsize=16_384)
def _codes(
    title: str, conditions: tuple[str, ...], interventions: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    found = conditions_of(conditions, title)
    therapies = therapies_from_text(list(interventions), title, found)
    return tuple(sorted(c.value for c in found)), tuple(sorted(t.value for t in therapies))


def _distance(flt: TrialFilter, lat: float | None, lon: float | None) -> float | None:
    if flt.origin is None or lat is None or lon is None:
        return None
    return haversine_km(flt.origin[0], flt.origin[1], lat, lon)


def _named(site: TrialSite, flt: TrialFilter) -> SiteRow:
    center = site.center
    return SiteRow(
        label=site.facility, named=True, city=site.city or center.city,
        region=site.region or center.region, country=site.country or center.country,
        latitude=center.latitude, longitude=center.longitude,
        distance_km=_distance(flt, center.latitude, center.longitude),
        center_id=center.id, center_name=center.name, inferred_from=None,
        site_status=site.site_status,
    )  # fmt: skip


def _city_only(place: TrialPlace, flt: TrialFilter) -> SiteRow:
    center = place.center
    return SiteRow(
        label=city_label(place.city, place.region, place.country), named=False,
        city=place.city, region=place.region, country=place.country,
        latitude=place.latitude, longitude=place.longitude,
        distance_km=_distance(flt, place.latitude, place.longitude),
        center_id=center.id if center is not None else None,
        center_name=center.name if center is not None else None,
        inferred_from=place.inferred_from if center is not None else None, site_status=None,
    )  # fmt: skip


def _site_order(row: SiteRow) -> tuple[int, float, str]:
    return (row.distance_km is None, row.distance_km or 0.0, row.label.casefold())


def _row(trial: Trial, flt: TrialFilter, today: date) -> TrialRow:
    conditions, therapies = _codes(
        trial.title or "", tuple(trial.conditions or ()), tuple(trial.interventions or ())
    )
    # A link inferred from the sponsor is the same site as its city-only place: shown once.
    named = [_named(s, flt) for s in trial.sites if s.inferred_from is None]
    sites = sorted([*named, *(_city_only(p, flt) for p in trial.places)], key=_site_order)
    return TrialRow(
        nct_id=trial.nct_id, title=trial.title, status=trial.status,
        status_as_of=trial.last_update, status_stale=status_stale(trial.last_update, today),
        phases=tuple(trial.phases or ()), conditions=conditions, therapies=therapies,
        sponsor=trial.sponsor, url=trial.url, record_source=trial.record_source,
        sites=tuple(sites), sites_known=len(sites), sites_listed=trial.sites_total,
    )  # fmt: skip


def _status_ok(status: str, mode: str) -> bool:
    if mode == "recruiting":
        return status == TrialStatus.RECRUITING.value
    if mode == "active":
        return status in _ACTIVE
    return True


def find_trials(session: Session, flt: TrialFilter, today: date | None = None) -> list[TrialRow]:
    """The trials that meet `flt`, nearest known site first (by NCT id without an origin).

    With a radius, a trial is kept when one of its known sites lies within it; its other
    sites are still listed, farther ones after."""
    flt.check()
    today = today or date.today()
    stmt = (
        select(Trial)
        .options(
            selectinload(Trial.sites).selectinload(TrialSite.center),
            selectinload(Trial.places).selectinload(TrialPlace.center),
        )
        .order_by(Trial.nct_id)
    )
    if flt.status == "recruiting":
        stmt = stmt.where(Trial.status == TrialStatus.RECRUITING.value)
    elif flt.status == "active":
        stmt = stmt.where(Trial.status.in_(sorted(_ACTIVE)))
    rows = []
    for trial in session.scalars(stmt):
        row = _row(trial, flt, today)
        if flt.conditions and not flt.conditions & set(row.conditions):
            continue
        if flt.therapies and not flt.therapies & set(row.therapies):
            continue
        if not _status_ok(row.status, flt.status):
            continue
        if flt.radius_km is not None and (
            row.nearest_km is None or row.nearest_km > flt.radius_km
        ):
            continue
        rows.append(row)
    if flt.origin is not None:
        rows.sort(key=lambda r: (r.nearest_km is None, r.nearest_km or 0.0, r.nct_id))
    return rows

"""The search's public shapes: what a user asks for (`CenterFilter`) and what comes back
(`ResultRow`), plus the checks that turn a malformed request into a `SearchError`.

They live apart from the query code so that the GUI, the CLI and every search module can import
them without pulling in SQL, and without circular imports between the search modules.
`directory_app.core.search.query` re-exports all of them; import them from there.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, fields
from datetime import date

from directory_app.core.directory.vocab import (
    Accreditation,
    CenterKind,
    Condition,
    Phase,
    Specialty,
    SupportService,
    Therapy,
    Vocab,
)

SORT_KEYS: tuple[str, ...] = ("distance", "name", "verified", "trials")
TRIAL_MODES: tuple[str, ...] = ("any", "recruiting", "none")
UNKNOWN_MODES: tuple[str, ...] = ("keep", "drop")
UNITS: tuple[str, ...] = ("mi", "km")
#: A center not verified for this long is flagged stale in results.
STALE_AFTER_MONTHS = 12


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (clamped to that month's last day)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last_day))


def is_stale(last_verified: date | None, as_of: date) -> bool:
    """Never verified by a person, or last verified 12 months or more before `as_of`.

    The one rule behind every stale flag (result table, detail pane, referral sheet), so the
    views can never disagree about a center on the boundary day."""
    return last_verified is None or last_verified <= months_before(as_of, STALE_AFTER_MONTHS)


class SearchError(ValueError):
    """The filter cannot be run as given (bad sort key, negative radius, unknown code...).

    The message is one line naming the accepted values, fit to show the user as is."""


@dataclass(frozen=True)
class CenterFilter:
    """Everything a user can ask of the directory; every criterion is optional and all combine.

    Code sets (`kinds`, `therapies`, ...) hold vocabulary codes (`core.directory.vocab`).
    Unknown values (a NULL cost, setting, age range, kind, accreditation, insurance answer, or no
    coordinates under a radius) are neither matched nor dropped silently: with `unknown="keep"`
    the center stays and the criterion is listed in `ResultRow.unknown`; with `"drop"` it goes.
    Fact lists (therapies, conditions, team) hold what is known to exist, so a center without a
    matching fact simply does not match; with `verified_only` registry-inferred facts don't count.
    """

    text: str = ""
    kinds: frozenset[str] = frozenset()
    therapies: frozenset[str] = frozenset()
    conditions: frozenset[str] = frozenset()
    trials: str | None = None
    #: Trial phases (`Phase` codes); like condition and status, checked against one trial.
    phases: frozenset[str] = frozenset()
    specialties: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    min_disciplines: int = 0
    verified_only: bool = False
    accreditations: frozenset[str] = frozenset()
    outpatient_only: bool = False
    max_cost_usd: int | None = None
    insurance: bool = False
    financial_assistance: bool = False
    age: int | None = None
    exclude_red_flags: bool = False
    verified_within_months: int | None = None
    #: Keep only centers with a trial whose registry record was updated in the last N months
    #: (a trial-level criterion: together with condition, status... for one trial).
    fresh_within_months: int | None = None
    origin: tuple[float, float] | None = None
    #: Applies only together with `origin`; a radius with no origin is ignored, so a GUI may keep
    #: its radius setting while the place box is empty.
    radius_km: float | None = None
    unknown: str = "keep"
    #: Under a radius, centers without coordinates could be anywhere: "within R" means located
    #: within, so they are left out (and counted by `unlocated_left_out`) unless asked for.
    show_unlocated: bool = False
    sort: str = "distance"
    limit: int | None = None
    #: Unit for the explanations ("within 150 mi"); distances are always given in both.
    units: str = "mi"
    #: The day "verified within N months" and staleness count from; None means today.
    as_of: date | None = None

    def __post_init__(self) -> None:
        # Accept any iterable of codes (a GUI naturally holds sets or lists) but keep the filter
        # hashable and immutable, so it can serve as a cache key.
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "frozenset[str]" and not isinstance(value, frozenset):
                object.__setattr__(self, f.name, frozenset(value or ()))
        if self.origin is not None and not isinstance(self.origin, tuple):
            object.__setattr__(self, "origin", tuple(self.origin))


@dataclass(frozen=True)
class ResultRow:
    """One matching center as the GUI and CLI show it, with why it matched.

    `matched` lists the criteria that held ("within 150 mi", "HSCT (autologous) [inferred]"),
    `unknown` those whose value is unknown for this center ("cost unknown")."""

    id: int
    uid: str
    name: str
    kind: str | None
    city: str | None
    region: str | None
    country: str | None
    latitude: float | None
    longitude: float | None
    distance_km: float | None
    distance_mi: float | None
    active_trials: int
    #: Every trial the center takes part in, whatever its status (`active_trials` counts the
    #: not-yet-recruiting, recruiting, by-invitation and active-not-recruiting ones).
    all_trials: int
    recruiting: bool
    last_verified: date | None
    stale: bool
    red_flags: int
    therapies: tuple[str, ...]
    specialties: tuple[str, ...]
    services: tuple[str, ...]
    matched: tuple[str, ...]
    unknown: tuple[str, ...]
    #: NCT ids of this center's trials that satisfy every trial-level criterion at once
    #: (`core.search.trial_match`); empty when the search names none or a recorded fact matched.
    matched_trials: tuple[str, ...]
    #: The registry record date behind the row's trial status (matched trials', else
    #: recruiting, else active, else any trial's newest update); None without trials.
    status_as_of: date | None
    #: That status is 12 months old or more, or undated (`core.search.staleness`).
    status_stale: bool


_CODE_SETS: dict[str, type[Vocab]] = {
    "kinds": CenterKind,
    "therapies": Therapy,
    "conditions": Condition,
    "specialties": Specialty,
    "services": SupportService,
    "accreditations": Accreditation,
    "phases": Phase,
}


def _choice(name: str, value: object, accepted: tuple[str, ...]) -> None:
    if value not in accepted:
        raise SearchError(f"unknown {name} {value!r}; accepted: {', '.join(accepted)}")


def _not_negative(name: str, value: float | None) -> None:
    if value is not None and (math.isnan(value) or value < 0):
        raise SearchError(f"{name} must be a non-negative number, got {value!r}")


def validate(flt: CenterFilter) -> None:
    """Raise SearchError for the first thing wrong with `flt`; say what would be accepted."""
    _choice("sort key", flt.sort, SORT_KEYS)
    _choice("unknown-value mode", flt.unknown, UNKNOWN_MODES)
    _choice("units", flt.units, UNITS)
    if flt.trials is not None:
        _choice("trial criterion", flt.trials, TRIAL_MODES)
    for field_name, vocab in _CODE_SETS.items():
        accepted = vocab.codes()
        for code in sorted(getattr(flt, field_name)):
            if code not in accepted:
                raise SearchError(
                    f"unknown {vocab.__name__} {code!r}; accepted: {', '.join(accepted)}"
                )
    _not_negative("radius", flt.radius_km)
    if flt.radius_km is not None and math.isinf(flt.radius_km):
        raise SearchError("radius must be a finite distance; leave it empty for no limit")
    _not_negative("minimum number of disciplines", flt.min_disciplines)
    _not_negative("maximum cost", flt.max_cost_usd)
    _not_negative("age", flt.age)
    _not_negative("months since verification", flt.verified_within_months)
    _not_negative("months since the registry update", flt.fresh_within_months)
    _not_negative("limit", flt.limit)
    # Bounds far beyond any real request, so a huge number typed or passed on the command line
    # is refused here rather than overflowing SQL integers or date arithmetic.
    for name, value, high in (
        ("minimum number of disciplines", flt.min_disciplines, 1_000),
        ("maximum cost", flt.max_cost_usd, 10**12),
        ("age", flt.age, 200),
        ("months since verification", flt.verified_within_months, 12_000),
        ("months since the registry update", flt.fresh_within_months, 12_000),
        ("limit", flt.limit, 10**9),
    ):
        if value is not None and value > high:
            raise SearchError(f"{name} must be at most {high:,}")
    if flt.origin is not None:
        if len(flt.origin) != 2:
            raise SearchError(f"origin must be (latitude, longitude), got {flt.origin!r}")
        lat, lon = flt.origin
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise SearchError(f"origin ({lat}, {lon}) is outside latitude/longitude range")

"""The patient profile a match starts from, and the checks that refuse a malformed one.

The profile holds no identity: no name, no birth date, no address beyond the place distances
are measured from. It is kept in memory unless the user explicitly saves it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from directory_app.core.directory.vocab import Condition

SEXES: tuple[str, ...] = ("female", "male")


class MatchError(ValueError):
    """The profile cannot be matched as given; the message is one line fit to show the user."""


@dataclass(frozen=True)
class PatientProfile:
    """What is known about one patient; every field is optional and None means "not given".

    `failed_treatments` counts conventional therapies that did not work; `insurance` means the
    patient wants to use insurance; `max_cost_usd` is the most they can pay out of pocket."""

    age: int | None = None
    sex: str | None = None
    condition: str | None = None
    failed_treatments: int | None = None
    notes: str = ""
    origin: tuple[float, float] | None = None
    radius_km: float | None = None
    insurance: bool = False
    max_cost_usd: int | None = None
    #: The day trial status and staleness are judged on; None means today.
    as_of: date | None = None


def validate_profile(p: PatientProfile) -> None:
    """Raise MatchError for the first thing wrong with `p`, naming what would be accepted."""
    if p.sex is not None and p.sex not in SEXES:
        raise MatchError(f"unknown sex {p.sex!r}; accepted: {', '.join(SEXES)}")
    if p.condition is not None and p.condition not in Condition.codes():
        raise MatchError(
            f"unknown Condition {p.condition!r}; accepted: {', '.join(Condition.codes())}"
        )
    for name, value, high in (
        ("age", p.age, 130),
        ("number of failed treatments", p.failed_treatments, 100),
        ("maximum cost", p.max_cost_usd, 10**9),
        ("radius", p.radius_km, 20_100),
    ):
        if value is None:
            continue
        if isinstance(value, float) and math.isnan(value):
            raise MatchError(f"{name} must be a number")
        if value < 0 or value > high:
            raise MatchError(f"{name} must be between 0 and {high:,}, got {value}")
    if p.origin is not None:
        lat, lon = p.origin
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise MatchError(f"place ({lat}, {lon}) is outside latitude/longitude range")

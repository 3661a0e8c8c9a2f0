"""One verdict per criterion: fits, does not fit, or unknown, with the fact and its source.

Kept apart from the loading code so every rule reads as one small function. The rule behind
every one of them: an unknown fact is "unknown", never "fits"; only a recorded fact can fit or
fail. Fact lists (conditions treated) record what is known to exist, so a condition that is
not on record does not fit (the search treats it the same way).
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from directory_app.core.directory.vocab import ACTIVE_TRIAL_STATUSES, Condition, TrialStatus
from directory_app.core.search.distance_rank import format_distance

FITS, FAILS, UNKNOWN = "fits", "fails", "unknown"


class Check(NamedTuple):
    """One criterion's verdict for a center or a trial, with the fact it rests on. A named
    tuple: a match over 10,000 centers makes some 60,000 of them, and a frozen dataclass costs
    several times as much to create."""

    criterion: str
    verdict: str
    fact: str
    source: str


def center_source(c: Any) -> str:
    """Provenance of a center-level fact: who verified it and when, or that it was inferred."""
    if c.source == "verified" and c.last_verified:
        by = f" by {c.verified_by}" if c.verified_by else ""
        return f"verified{by} {c.last_verified.isoformat()}"
    return f"{c.source}" + (f" ({c.source_ref})" if c.source_ref else "")


def fact_source(source: str, ref: str | None, verified_on: date | None) -> str:
    parts = [source]
    if ref:
        parts.append(ref)
    if verified_on:
        parts.append(f"verified {verified_on.isoformat()}")
    return ", ".join(parts)


def age_check(age: int, low: float | None, high: float | None, who: str, source: str) -> Check:
    """Age against a range; one missing bound means the source lists no limit on that side,
    both missing means the range is unknown."""
    if low is None and high is None:
        return Check("age", UNKNOWN, f"age limits unknown, {who}", source)
    text = f"{_num(low) if low is not None else 'any'}–{_num(high) if high is not None else 'any'}"
    inside = (low is None or age >= low) and (high is None or age <= high)
    verdict = FITS if inside else FAILS
    word = "within" if inside else "outside"
    return Check("age", verdict, f"age {age} {word} {text}, {who}", source)


def _num(x: float) -> str:
    return f"{x:g}"


def distance_check(km: float | None, radius_km: float | None, units: str, src: str) -> Check:
    if km is None:
        return Check("distance", UNKNOWN, "location unknown, distance unknown", src)
    if radius_km is None:
        return Check("distance", FITS, f"{format_distance(km, units)} away", src)
    inside = km <= radius_km
    word = "within" if inside else "beyond"
    return Check(
        "distance",
        FITS if inside else FAILS,
        f"{format_distance(km, units)} away, {word} {format_distance(radius_km, units)}",
        src,
    )


def failed_check(failed: int, requires: bool | None, src: str) -> Check:
    if requires is None:
        return Check("prior treatments", UNKNOWN, "prior-treatment requirement unknown", src)
    if not requires:
        return Check("prior treatments", FITS, "no failed conventional therapy required", src)
    ok = failed >= 1
    fact = f"requires failed conventional therapy; patient failed {failed}"
    return Check("prior treatments", FITS if ok else FAILS, fact, src)


def insurance_check(accepted: bool | None, notes: str | None, src: str) -> Check:
    extra = f" ({notes})" if notes else ""
    if accepted is None:
        return Check("insurance", UNKNOWN, "insurance acceptance unknown" + extra, src)
    fact = ("accepts insurance" if accepted else "does not accept insurance") + extra
    return Check("insurance", FITS if accepted else FAILS, fact, src)


def cost_check(max_usd: int, low: int | None, high: int | None, src: str) -> Check:
    """Fits when even the highest quoted cost is affordable; fails when even the lowest is not;
    a range straddling the limit, or no quote, is unknown."""
    if low is None and high is None:
        return Check("cost", UNKNOWN, "cost unknown", src)
    quoted = f"${low:,}" if high is None or high == low else f"${low or 0:,}–${high:,}"
    if low is not None and low > max_usd:
        return Check("cost", FAILS, f"quoted {quoted}, above ${max_usd:,}", src)
    if high is not None and high <= max_usd:
        return Check("cost", FITS, f"quoted {quoted}, within ${max_usd:,}", src)
    return Check("cost", UNKNOWN, f"quoted {quoted}; may exceed ${max_usd:,}", src)


def status_check(nct: str, status: str, site_status: str | None) -> Check:
    """The site's own status when the registry gives one, else the trial's."""
    code = site_status or status
    label = TrialStatus.label_of(code)
    where = "site" if site_status else "trial"
    if code == TrialStatus.UNKNOWN or not code:
        return Check("status", UNKNOWN, f"{where} status unknown, {nct}", nct)
    ok = code in ACTIVE_TRIAL_STATUSES and code != TrialStatus.ACTIVE_NOT_RECRUITING
    return Check("status", FITS if ok else FAILS, f"{where} {label.lower()}, {nct}", nct)


def trial_condition_check(
    nct: str, wanted: str, codes: frozenset[str], named: list[str]
) -> Check:
    label = Condition.label_of(wanted)
    if wanted in codes:
        return Check("condition", FITS, f"{nct} studies {label}", nct)
    studied = "; ".join(named[:3]) or "no condition listed"
    return Check("condition", FAILS, f"{nct} studies {studied}, not {label}", nct)


def sex_check(nct: str, patient_sex: str, trial_sex: str | None) -> Check:
    """The trial's sex eligibility; a trial that states none is unknown, not open to all."""
    if not trial_sex:
        return Check("sex", UNKNOWN, f"sex eligibility not recorded, {nct}", nct)
    if trial_sex == "all":
        return Check("sex", FITS, f"{nct} enrols all sexes", nct)
    ok = trial_sex == patient_sex
    return Check("sex", FITS if ok else FAILS, f"{nct} enrols {trial_sex} participants only", nct)


#: Condition names the registry uses for studies of people without a disease.
_HEALTHY_TERMS = frozenset({
    "healthy", "healthy volunteer", "healthy volunteers", "healthy subjects",
    "healthy participants", "healthy adults",
})  # fmt: skip


def healthy_only(healthy_volunteers: bool | None, conditions: list[str]) -> bool:
    """A study of healthy volunteers alone: it takes them, and every condition it lists names
    healthy people (a study that takes healthy volunteers besides patients still fits)."""
    named = [c.strip().casefold() for c in conditions if c.strip()]
    return bool(healthy_volunteers) and bool(named) and all(c in _HEALTHY_TERMS for c in named)


def volunteers_check(nct: str) -> Check:
    """A healthy-volunteer-only study cannot take a patient."""
    return Check("healthy volunteers", FAILS, f"{nct} enrols healthy volunteers only", nct)

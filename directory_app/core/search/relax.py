"""Why a search found (almost) nothing: how many centers each criterion, dropped alone, would let
through ("0 results. Without 'HSCT (autologous)': 12; within 600 mi: 3").

Why: an empty table says nothing about which criterion removed everything, and a coordinator
then guesses, or gives up on a patient. This module re-runs the search once per active
criterion, with only that criterion relaxed, and reports the counts. It runs only for small
results (`RELAX_BELOW`), so a broad search never pays for it. The GUI shows the list as links
that apply the relaxed filter; the command line prints it after the table (`relax` in JSON).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
from directory_app.core.search.distance_rank import format_distance
from directory_app.core.search.query import count_matching
from directory_app.core.search.shapes import CenterFilter
from directory_app.core.search.sql import SEARCH, codes_of

#: Results smaller than this are explained.
RELAX_BELOW = 3

_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(CenterFilter)}

#: Code-set fields: the vocabulary that names their codes.
_VOCABS: dict[str, type[Vocab]] = {
    "kinds": CenterKind,
    "therapies": Therapy,
    "conditions": Condition,
    "phases": Phase,
    "specialties": Specialty,
    "services": SupportService,
    "accreditations": Accreditation,
}
#: Fields where each code is required on its own ("has all of"): relaxed one code at a time.
_ALL_OF = ("specialties", "services")

_PLAIN: dict[str, Callable[[Any], str]] = {
    "text": lambda v: f"the words '{v}'",
    "trials": lambda v: {"recruiting": "recruiting now", "none": "no trials"}.get(v, "in trials"),
    "min_disciplines": lambda v: f"at least {v} disciplines",
    "verified_only": lambda v: "verified facts only",
    "outpatient_only": lambda v: "outpatient",
    "max_cost_usd": lambda v: f"cost at most ${v:,}",
    "insurance": lambda v: "insurance accepted",
    "financial_assistance": lambda v: "financial assistance",
    "age": lambda v: f"age {v}",
    "exclude_red_flags": lambda v: "no red flags",
    "verified_within_months": lambda v: f"verified in the last {v} months",
    "fresh_within_months": lambda v: f"registry record updated in the last {v} months",
}


@dataclass(frozen=True)
class Relaxation:
    """One criterion relaxed: what it says, the filter without it, and how many that finds."""

    label: str
    count: int
    filter: CenterFilter
    #: The one filter field relaxed and its new value (a GUI sets its control from these).
    field: str = ""
    value: Any = None

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "count": self.count}


def _changed(flt: CenterFilter, relaxed: CenterFilter) -> tuple[str, Any]:
    for name in _DEFAULTS:
        if getattr(flt, name) != getattr(relaxed, name):
            return name, getattr(relaxed, name)
    return "", None


def _without(flt: CenterFilter, name: str, value: Any) -> CenterFilter:
    changes: dict[str, Any] = {name: value}
    return replace(flt, **changes)


def _codes_label(field: str, codes: frozenset[str]) -> str:
    vocab = _VOCABS[field]
    return " or ".join(f"'{vocab.label_of(c)}'" for c in sorted(codes))


def _candidates(flt: CenterFilter) -> list[tuple[str, CenterFilter]]:
    """(label, relaxed filter) for every active criterion of `flt`, in the filter's order."""
    out: list[tuple[str, CenterFilter]] = []
    for name, default in _DEFAULTS.items():
        value = getattr(flt, name)
        if name in _VOCABS and value:
            if name in _ALL_OF and len(value) > 1:
                for code in sorted(value):
                    label = f"without '{_VOCABS[name].label_of(code)}'"
                    out.append((label, _without(flt, name, value - {code})))
            else:
                out.append((f"without {_codes_label(name, value)}", _without(flt, name, default)))
        elif name in _PLAIN and value not in (default, None, "", False, 0):
            out.append((f"without {_PLAIN[name](value)}", _without(flt, name, default)))
    if flt.origin is not None and flt.radius_km is not None:
        wider = max(flt.radius_km * 2, 1.0)
        out.append((f"within {format_distance(wider, flt.units)}", replace(flt, radius_km=wider)))
        out.append(("at any distance", replace(flt, radius_km=None)))
    return out


def relaxations(session: Session, flt: CenterFilter) -> list[Relaxation]:
    """For each active criterion of `flt`, how many centers match with it alone relaxed.

    Empty when the filter has no criterion to relax. Each count runs the real search (every
    other criterion, the one-trial rule and "within" as located-within still hold)."""
    found = []
    for label, relaxed in _candidates(flt):
        count = count_matching(session, replace(relaxed, limit=None))
        found.append(Relaxation(label, count, relaxed, *_changed(flt, relaxed)))
    return found


def relax_text(shown: int, found: list[Relaxation]) -> str:
    """'0 results. Without 'HSCT (autologous)': 12; within 600 mi: 3' for the CLI and GUI."""
    head = f"{shown} result{'s' * (shown != 1)}."
    if not found:
        return head
    body = "; ".join(f"{r.label}: {r.count:,}" for r in found)
    return f"{head} {body[0].upper()}{body[1:]}"


#: The filter lists whose options can match nothing in a given directory.
OPTION_LISTS: tuple[str, ...] = ("therapies", "conditions", "specialties", "services")


def option_counts(session: Session) -> dict[str, dict[str, int]]:
    """Per filter list, how many centers in the directory carry each code, so the lists can
    mark an option that matches nothing ("(0)") before anyone builds a search around it.
    One grouped query per list over the search table's folded fact sets."""
    out: dict[str, dict[str, int]] = {}
    for name in OPTION_LISTS:
        col = SEARCH.c[name]
        counts = {code: 0 for code in _VOCABS[name].codes()}
        for folded, n in session.execute(select(col, func.count()).group_by(col)):
            for code in codes_of(folded):
                counts[code] = counts.get(code, 0) + int(n)
        out[name] = counts
    return out

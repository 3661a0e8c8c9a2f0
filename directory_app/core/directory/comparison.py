"""What the side-by-side comparison adds to the facts of each center (`shortlist.compare_rows`).

A coordinator comparing centers for one patient asks "how far is each from home?" and "which of
their trials fit: what condition, what phase, still recruiting as of when?". So the comparison
gains a distance row (from the search origin, in the search's unit, with kilometres) and a
trials row that names each trial's conditions, phases and the site's status with the date of
the registry record it comes from. Rows no center has anything for ("unknown" everywhere) say
nothing a coordinator can use; they are folded into one line naming them, so the table shows
what is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from directory_app.core.directory.shortlist import CompareRow
from directory_app.core.geo.distance import KM_PER_MILE, geodesic_km
from directory_app.core.present.center_facts import TrialFact, trial_facts
from directory_app.core.present.words import NONE_RECORDED, UNKNOWN

#: Cell texts that say nothing is known (the presenter's words for a missing fact).
EMPTY_TEXTS = frozenset({UNKNOWN.lower(), NONE_RECORDED.lower()})
NOT_KNOWN_LABEL = "Unknown for all centers"
DISTANCE_LABEL = "Distance from search origin"
TRIALS_LABEL = "Trials"
MAX_CONDITIONS = 3  # per trial; a trial listing more says "+N more"


def _row(label: str, values: Sequence[str]) -> CompareRow:
    return CompareRow(label, tuple(values), differs=len(set(values)) > 1)


def distance_row(
    centers: Sequence[dict[str, Any]], origin: tuple[float, float], units: str = "mi"
) -> CompareRow:
    """'12 mi (19 km)' from the search origin per center; 'location unknown' without
    coordinates (never a guess)."""
    values = []
    for c in centers:
        lat, lon = c.get("latitude"), c.get("longitude")
        if lat is None or lon is None:
            values.append("location unknown")
            continue
        km = geodesic_km(origin[0], origin[1], float(lat), float(lon))
        if units == "km":
            values.append(f"{km:,.0f} km")
        else:
            values.append(f"{km / KM_PER_MILE:,.0f} mi ({km:,.0f} km)")
    return _row(DISTANCE_LABEL, values)


def _trial_line(t: TrialFact) -> str:
    """'NCT01234567 · Multiple sclerosis, Lupus · Phase 2 · Recruiting (as of 2022-04-05)'."""
    parts = [t.nct_id]
    if t.conditions:
        more = len(t.conditions) - MAX_CONDITIONS
        parts.append(", ".join(t.conditions[:MAX_CONDITIONS]) + (f" +{more} more" if more > 0
                                                                  else ""))
    else:
        parts.append("condition not stated")
    parts.append(t.phases or "phase not stated")
    parts.append(t.status)
    return " · ".join(parts)


def trials_row(centers: Sequence[dict[str, Any]], today: date | None = None) -> CompareRow:
    """Each center's trials with condition, phase and status (dated by the registry record,
    from the detail loader's `trial_records`), one trial per line."""
    values = []
    for c in centers:
        lines = [_trial_line(t) for t in trial_facts(c, today)]
        values.append("\n".join(lines) if lines else NONE_RECORDED)
    return _row(TRIALS_LABEL, values)


def is_empty(row: CompareRow) -> bool:
    """True when no center has anything for this row."""
    return all(v.strip().lower() in EMPTY_TEXTS for v in row.values)


def fold_unknown(rows: Sequence[CompareRow]) -> tuple[list[CompareRow], list[str]]:
    """The rows with something known, and the labels of those unknown for every center; with
    any such labels, one last row names them."""
    kept = [r for r in rows if not is_empty(r)]
    folded = [r.label for r in rows if is_empty(r)]
    if folded:
        text = ", ".join(folded)
        kept.append(CompareRow(NOT_KNOWN_LABEL, (text,) * len(rows[0].values), differs=False))
    return kept, folded


def comparison(
    centers: Sequence[dict[str, Any]], base: Sequence[CompareRow],
    origin: tuple[float, float] | None = None, units: str = "mi", today: date | None = None,
) -> tuple[list[CompareRow], list[str]]:
    """The comparison's rows: distance first (with an origin), the `base` fact rows with their
    trials row replaced by the detailed one, the all-unknown rows folded into one at the end.
    Returns the rows and the folded labels."""
    rows = [distance_row(centers, origin, units)] if origin is not None else []
    trials = trials_row(centers, today)
    replaced = False
    for row in base:
        if row.label == TRIALS_LABEL:
            if not replaced:
                rows.append(trials)
            replaced = True
        else:
            rows.append(row)
    if not replaced:
        rows.append(trials)
    return fold_unknown(rows)

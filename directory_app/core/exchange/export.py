"""Exporting the directory, or the centers a search finds, as our CSV, our JSON or HSDS.

    export_to(session, "csv", path, ids=None)      # ids: only these centers (and their trials)
    flt = filter_from_json('{"therapies": ["hsct_autologous"], "origin": [44.02, -92.46],
                             "radius_km": 250}')
    ids = matching_ids(session, flt)

The filter is `core.search.CenterFilter` written as a JSON object, so a script can save the same
search the GUI runs. Every file is written atomically (`atomic.py`).
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from directory_app.core.exchange.json_file import export_document, write_json
from directory_app.core.search.shapes import CenterFilter

FORMATS: tuple[str, ...] = ("csv", "json", "hsds")


class FilterError(ValueError):
    """A filter that cannot be turned into a CenterFilter; the message names the field."""


def filter_from_json(text: str) -> CenterFilter:
    """A `CenterFilter` from a JSON object of its fields (lists for code sets, [lat, lon] for
    `origin`, "YYYY-MM-DD" for `as_of`). Raises FilterError for anything else."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FilterError(f"filter is not valid JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(raw, dict):
        raise FilterError('filter must be a JSON object, e.g. {"therapies": ["msc_adipose"]}')
    accepted = {f.name: f for f in fields(CenterFilter)}
    unknown = sorted(set(raw) - set(accepted))
    if unknown:
        raise FilterError(
            f"unknown filter field {unknown[0]!r}; accepted: {', '.join(sorted(accepted))}"
        )
    values: dict[str, Any] = {}
    for name, value in raw.items():
        kind = str(accepted[name].type)
        if value is not None and "frozenset" in kind:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise FilterError(f"filter field {name!r} must be a list of codes")
            value = frozenset(value)
        elif name == "origin" and value is not None:
            if not isinstance(value, list) or len(value) != 2:
                raise FilterError("filter field 'origin' must be [latitude, longitude]")
            value = (float(value[0]), float(value[1]))
        elif name == "as_of" and value is not None:
            try:
                value = date.fromisoformat(value)
            except (TypeError, ValueError):
                raise FilterError("filter field 'as_of' must be a date like 2026-01-31") from None
        values[name] = value
    try:
        return CenterFilter(**values)
    except (TypeError, ValueError) as exc:
        raise FilterError(f"filter: {exc}") from None


def matching_ids(session: Session, flt: CenterFilter) -> list[int]:
    """Ids of every center `flt` matches (its `limit` applies if set)."""
    # In the function: the search (its SQL and distance ranking) loads only for an export of
    # search results, not for 'import', whose command module imports this one.
    from directory_app.core.search.query import search

    try:
        return [row.id for row in search(session, flt)]
    except ValueError as exc:  # SearchError: the filter cannot be run as given
        raise FilterError(str(exc)) from None


def export_to(
    session: Session, fmt: str, path: str | Path, ids: list[int] | None = None
) -> dict[str, int]:
    """Write the directory (or `ids`) to `path` in `fmt`; returns what was written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; accepted: {', '.join(FORMATS)}")
    data = export_document(session, ids)
    if fmt == "json":
        write_json(data, path)
    elif fmt == "csv":
        # Here and below: only the writer of the format asked for is loaded.
        from directory_app.core.exchange.csv_file import write_csv

        write_csv(data, path)
    else:
        from directory_app.core.exchange.hsds import to_hsds, write_hsds  # as above

        write_hsds(to_hsds(data), path)
    return {"centers": len(data["centers"]), "trials": len(data["trials"])}

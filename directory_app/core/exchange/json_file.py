"""The app's own JSON export and import (`exchange.py`'s form, written to and read from files).

Export writes `dump_directory` as sorted, indented UTF-8 JSON - the same bytes for the same
directory, so two exports can be diffed - atomically (`atomic.py`). Two things a database keeps
for itself are left out, because they mean nothing in another database and would make an
export of a re-imported directory differ from the original: row ids and the per-center edit
counter `version`. Everything else is kept, including provenance, `edited_fields`, verification
dates and the per-section verification (`verified_sections`), so export -> import into an empty
database -> export gives the same file (on the same day).

Every trial record and every trial link also says how old its status is: `status_as_of` (the
date of the registry record the status comes from) and `status_stale` (12 months old or more,
or undated, on the day of the export: check the registry). A reader of the file must not take
a 2022 "recruiting" for today's. Both are derived, so an import ignores them.

Import reads the whole document (our own files are the size of a directory, not of a registry
download) and checks every record before anything is written; a problem raises `RecordError`
naming the file, the record (1-based, within its list) and the member's path. The record
checkers here are shared with the CSV reader (`io_csv.py`), which calls them per CSV row.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from directory_app.core.directory.validation import validate_center
from directory_app.core.directory.verification import SECTION_KEYS
from directory_app.core.exchange.directory_form import (
    CENTER_FIELDS,
    CHILDREN,
    DATE_FIELDS,
    FACT_FIELDS,
    FORMAT,
    PLACE_FIELDS,
    SITE_CONTACT_FIELDS,
    TRIAL_RECORD_FIELDS,
    dump_directory,
)
from directory_app.core.registry.fields import NCT_ID, FieldContext, RecordError
from directory_app.core.registry.streams import UNPAIRED_SURROGATE, has_unpaired_surrogate
from directory_app.core.search.staleness import status_stale
from directory_app.core.storage.atomic import atomic_text

#: Center fields an export leaves out (per-database bookkeeping).
NOT_EXPORTED = frozenset({"version", "id"})
INT_FIELDS = frozenset(
    {"typical_stay_days", "age_min", "age_max", "cost_min_usd", "cost_max_usd", "enrollment",
     "sites_total"}
)  # fmt: skip
FLOAT_FIELDS = frozenset({"latitude", "longitude", "min_age_years", "max_age_years"})
BOOL_FIELDS = frozenset(
    {
        "requires_failed_conventional",
        "insurance_accepted",
        "payment_plans",
        "financial_assistance",
        "trial_reduced_cost",
        "healthy_volunteers",
    }
)
#: Numbers outside these ranges are refused: the map and distance search cannot use them.
NUMBER_RANGES: dict[str, tuple[float, float]] = {
    "latitude": (-90.0, 90.0),
    "longitude": (-180.0, 180.0),
}
LIST_FIELDS = frozenset(
    {"edited_fields", "phases", "conditions", "interventions", "inclusion_criteria",
     "exclusion_criteria"}
)  # fmt: skip
#: Lists of objects whose members are text (a trial site's registry contacts).
OBJECT_LIST_FIELDS: dict[str, tuple[str, ...]] = {"contacts": SITE_CONTACT_FIELDS}
LINK_FIELDS: tuple[str, ...] = (
    "nct_id", "site_status", "facility", "city", "region", "country", "contacts", "inferred_from",
)  # fmt: skip
#: A trial's own fields in a file: its record, and what the registry said of its sites.
TRIAL_FILE_FIELDS: tuple[str, ...] = (*TRIAL_RECORD_FIELDS, "sites_total", "record_source")
SEXES = ("all", "female", "male")
#: Fields a record cannot do without.
REQUIRED: dict[str, tuple[str, ...]] = {
    "center": ("uid", "name"),
    "trial": ("nct_id", "title", "status"),
    "therapies": ("therapy",),
    "conditions": ("condition",),
    "team": ("role", "discipline"),
    "contacts": ("role",),
    "red_flags": ("kind", "description"),
    "aliases": ("name",),
    "trials": ("nct_id", "facility"),
}
EXPORTED_CENTER_FIELDS: tuple[str, ...] = tuple(f for f in CENTER_FIELDS if f not in NOT_EXPORTED)


# --- export ----------------------------------------------------------------------------------


def status_age(last_update: str | None, today: date) -> dict[str, Any]:
    """`status_as_of` and `status_stale` of a status from a record updated on `last_update`."""
    day = date.fromisoformat(last_update[:10]) if last_update else None
    return {"status_as_of": last_update, "status_stale": status_stale(day, today)}


def export_document(
    session: Session, ids: list[int] | None = None, today: date | None = None
) -> dict[str, Any]:
    """The directory (or the centers `ids` and their trials) as an export document; statuses
    are judged stale or not on `today` (default: the day of the export)."""
    day = today or date.today()
    data = dump_directory(session, meta={"exported_by": "directory-app"}, ids=ids)
    updated = {t["nct_id"]: t.get("last_update") for t in data["trials"]}
    for trial in data["trials"]:
        trial.update(status_age(trial.get("last_update"), day))
    for center in data["centers"]:
        for field in NOT_EXPORTED:
            center.pop(field, None)
        for link in center.get("trials", []):
            link.update(status_age(updated.get(link["nct_id"]), day))
    data["meta"]["centers"] = len(data["centers"])
    data["meta"]["trials"] = len(data["trials"])
    return data


def dumps(data: dict[str, Any]) -> str:
    """Deterministic JSON text (sorted keys, one-space indent, UTF-8 characters kept)."""
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_json(data: dict[str, Any], path: str | Path) -> None:
    with atomic_text(path) as fh:
        fh.write(dumps(data))


# --- record checks (shared with the CSV reader) ----------------------------------------------


def check_value(ctx: FieldContext, field: str, value: Any) -> Any:
    """`value` as the database stores `field` (dates as ISO text here); RecordError if it is
    the wrong kind of value."""
    if value is None:
        return None
    if field in BOOL_FIELDS:
        ok = isinstance(value, bool)
        expected = "true or false"
    elif field in INT_FIELDS:
        ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63
        expected = "a whole number"
    elif field in FLOAT_FIELDS:
        low, high = NUMBER_RANGES.get(field, (-math.inf, math.inf))
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        try:
            value = float(value) if ok else value
        except OverflowError:
            ok = False
        ok = ok and math.isfinite(value) and low <= value <= high
        expected = "a number" if math.isinf(high) else f"a number from {low:g} to {high:g}"
    elif field in LIST_FIELDS:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        expected = "a list of text values"
    elif field in OBJECT_LIST_FIELDS:
        return _object_list(ctx, field, value)
    else:
        ok = isinstance(value, str)
        expected = "text"
    if not ok:
        raise ctx.error(field, f"expected {expected}, found {_shown(value)}")
    if field in DATE_FIELDS:
        try:
            date.fromisoformat(value[:10])
        except ValueError:
            raise ctx.error(field, f"{value!r} is not a date (expected YYYY-MM-DD)") from None
    return value


def _object_list(ctx: FieldContext, field: str, value: Any) -> list[dict[str, str | None]]:
    """A list of objects with text (or null) members, reduced to the known members."""
    members = OBJECT_LIST_FIELDS[field]
    if not isinstance(value, list):
        raise ctx.error(field, f"expected a list of objects, found {_shown(value)}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise ctx.error(f"{field}[{i}]", f"expected an object, found {_shown(item)}")
        for m in members:
            if item.get(m) is not None and not isinstance(item[m], str):
                raise ctx.error(f"{field}[{i}].{m}", f"expected text, found {_shown(item[m])}")
        out.append({m: item.get(m) for m in members})
    return out


def _shown(value: Any) -> str:
    """The start of a JSON value for an error message, whatever its size or depth."""
    try:
        return json.dumps(value)[:40]
    except (ValueError, RecursionError):
        return type(value).__name__


def check_record(ctx: FieldContext, kind: str, raw: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """One record (`kind` as in REQUIRED) reduced to `fields`, each checked; unknown members
    are ignored, required ones must be present and not empty."""
    if not isinstance(raw, dict):
        raise RecordError(ctx.file, ctx.row, ctx.prefix or None, "expected an object")
    out = {f: check_value(ctx, f, raw.get(f)) for f in fields}
    for f in REQUIRED.get(kind, ()):
        if out.get(f) in (None, ""):
            raise ctx.error(f, "required and missing")
    if kind == "trial" or kind == "trials":
        nct = out["nct_id"]
        if not NCT_ID.fullmatch(nct):
            raise ctx.error("nct_id", f"{nct!r} is not an NCT id (expected NCT and 8 digits)")
    if kind == "trial" and out.get("sex") not in (None, *SEXES):
        raise ctx.error("sex", f"{out['sex']!r} is not one of: {', '.join(SEXES)}")
    if kind == "center" and out.get("edited_fields") is None:
        out["edited_fields"] = []
    return out


def check_sections(ctx: FieldContext, value: Any) -> dict[str, str]:
    """A center's per-section verification ({section: "YYYY-MM-DD"}), checked: known sections
    only, each with a date; RecordError naming the section otherwise."""
    if not isinstance(value, dict):
        raise ctx.error("verified_sections", f"expected an object, found {_shown(value)}")
    out: dict[str, str] = {}
    for key, when in value.items():
        where = f"verified_sections.{key}"
        if key not in SECTION_KEYS:
            raise ctx.error(where, f"unknown section; expected one of {', '.join(SECTION_KEYS)}")
        try:
            date.fromisoformat(when)
        except (TypeError, ValueError):
            raise ctx.error(where, f"{_shown(when)} is not a date (expected YYYY-MM-DD)") from None
        out[key] = when
    return dict(sorted(out.items()))


def child_fields(key: str) -> tuple[str, ...]:
    """The fields of one of a center's lists (`CHILDREN` keys and "trials" links)."""
    if key == "trials":
        return LINK_FIELDS
    return CHILDREN[key][1] + FACT_FIELDS


# --- import ----------------------------------------------------------------------------------


def check_document(data: Any, name: str) -> dict[str, Any]:
    """A checked copy of an export document; RecordError for the first problem found."""
    if not isinstance(data, dict) or not isinstance(data.get("centers", []), list):
        raise RecordError(
            name, None, None, "not a directory export (expected an object with a 'centers' list)"
        )
    fmt = data.get("format")
    if fmt is not None and (not isinstance(fmt, str) or not fmt.startswith("directory-app/")):
        raise RecordError(name, None, "format", f"unknown format {fmt!r}")
    raw_trials = data.get("trials") or []
    if not isinstance(raw_trials, list):
        raise RecordError(name, None, "trials", "expected a list")
    trials = []
    for i, raw in enumerate(raw_trials):
        ctx = FieldContext(name, i + 1, prefix=f"trials[{i}]")
        trial = check_record(ctx, "trial", raw, TRIAL_FILE_FIELDS)
        trial["places"] = _places(name, i, raw.get("places"))
        trials.append(trial)
    known = {t["nct_id"] for t in trials}
    centers = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("centers") or []):
        ctx = FieldContext(name, i + 1, prefix=f"centers[{i}]")
        center = check_record(ctx, "center", raw, EXPORTED_CENTER_FIELDS)
        if center["uid"] in seen:
            raise ctx.error("uid", f"{center['uid']!r} appears twice in the file")
        seen.add(center["uid"])
        for key in (*CHILDREN, "trials"):
            items = raw.get(key) or []
            if not isinstance(items, list):
                raise ctx.error(key, "expected a list")
            rows = []
            for j, item in enumerate(items):
                sub = FieldContext(name, i + 1, prefix=f"centers[{i}].{key}[{j}]")
                rows.append(check_record(sub, key, item, child_fields(key)))
                if key == "trials" and rows[-1]["nct_id"] not in known:
                    raise sub.error("nct_id", "links to a trial the file does not list")
            center[key] = rows
        sections = raw.get("verified_sections")
        if sections is not None:
            center["verified_sections"] = check_sections(ctx, sections)
        # The same rules as the editor: a file must not bring in what a person could not type
        # (unknown codes, age 500, a javascript: website).
        problems = validate_center(center)
        if problems:
            raise ctx.error(problems[0].field, problems[0].message)
        centers.append(center)
    return {"format": FORMAT, "meta": data.get("meta") or {}, "trials": trials, "centers": centers}


def _places(name: str, i: int, raw: Any) -> list[dict[str, Any]]:
    """A trial's city-only sites, each reduced to `PLACE_FIELDS` and checked."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise RecordError(name, i + 1, f"trials[{i}].places", "expected a list")
    out = []
    for j, item in enumerate(raw):
        ctx = FieldContext(name, i + 1, prefix=f"trials[{i}].places[{j}]")
        out.append(check_record(ctx, "places", item, PLACE_FIELDS))
    return out


def read_json(path: str | Path) -> dict[str, Any]:
    """Read and check an export document."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordError(
            path.name, None, None, f"not valid UTF-8 at byte {exc.start}; save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise RecordError(path.name, None, None, f"cannot read the file: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(
            path.name, None, None, f"invalid JSON at line {exc.lineno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise RecordError(
            path.name, None, None, "invalid JSON: lists or objects nested too deeply"
        ) from None
    except ValueError as exc:  # e.g. an integer longer than Python converts (4300 digits)
        raise RecordError(
            path.name, None, None, f"invalid JSON: {str(exc).split(';')[0]}"
        ) from None
    if has_unpaired_surrogate(text, data):
        raise RecordError(path.name, None, None, f"invalid JSON: {UNPAIRED_SURROGATE}")
    return check_document(data, path.name)

"""The app's own CSV export and import: the whole directory in one spreadsheet-friendly file.

Shape: one record per row, "long" rather than wide, so that nothing is lost and every fact keeps
its own provenance. The `record` column says what a row is - `trial`, `center`, or one of a
center's lists: `therapy`, `condition`, `team`, `contact`, `red_flag`, `site` (a trial link) -
and `center_uid` ties a list row to its center. The other columns are the union of the fields;
a row fills the ones its record has. Filtering a spreadsheet on `record = center` gives a plain
table of centers. Rows come out in a fixed order (trials by NCT id, then each center by uid
followed by its lists), so the same directory always gives the same bytes.

Cell encoding, chosen so that export -> import -> export is lossless:
- empty cell = no value (NULL); true/false; whole and decimal numbers as Python writes them
  (`repr`, which reads back to the identical float); lists as JSON arrays (`["phase1"]`);
  dates as YYYY-MM-DD.
- Formula neutralising. A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and
  some treat a leading tab or carriage return the same way) as a formula, so a center's notes
  could run code on the reader's machine ("CSV injection"). Every *text* cell starting with one
  of those characters - or with a single quote, so the rule stays reversible - is written with
  one extra leading single quote (`'=HYPERLINK(...)`), which spreadsheets show as text. An empty
  text value (not NULL) is written as a lone `'`. The importer removes exactly one leading
  quote from every text cell that has one, which restores the original value exactly. Numbers
  are not text cells and are never quoted, so a longitude of -92.46 stays a number.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from directory_app.core.exchange.directory_form import CHILDREN, FORMAT, TRIAL_RECORD_FIELDS
from directory_app.core.exchange.json_file import (
    BOOL_FIELDS,
    EXPORTED_CENTER_FIELDS,
    FLOAT_FIELDS,
    INT_FIELDS,
    LIST_FIELDS,
    OBJECT_LIST_FIELDS,
    check_document,
    check_record,
    child_fields,
)
from directory_app.core.registry.fields import FieldContext, RecordError
from directory_app.core.storage.atomic import atomic_text

#: Record names for a center's lists (exchange keys -> `record` column values).
LIST_RECORDS: dict[str, str] = {
    "therapies": "therapy",
    "conditions": "condition",
    "team": "team",
    "contacts": "contact",
    "red_flags": "red_flag",
    "aliases": "alias",
    "trials": "site",
}
RECORD_KEYS = {v: k for k, v in LIST_RECORDS.items()}
#: Characters that make a spreadsheet treat a cell as a formula, plus the quote itself.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: Spreadsheets skip these before deciding that a cell is a formula (" =1+1" still runs).
_LEADING_BLANKS = " \t\r\n\u00a0\u3000"


#: Columns an export writes that an import does not read back: how old a trial or site status
#: is, judged on the day of the export (`json_file.status_age`).
STATUS_AGE_COLUMNS = ("status_as_of", "status_stale")


def _columns() -> list[str]:
    cols = ["record", "center_uid"]
    fields = [f for f in EXPORTED_CENTER_FIELDS if f != "uid"] + ["verified_sections"]
    for key in (*CHILDREN, "trials"):
        fields += child_fields(key)
    fields += [*TRIAL_RECORD_FIELDS, *STATUS_AGE_COLUMNS]
    for f in fields:
        if f not in cols:
            cols.append(f)
    return cols


COLUMNS: tuple[str, ...] = tuple(_columns())
HEADER_START = "record,center_uid,"


def neutralise(text: str) -> str:
    """Text as written to a cell: one quote added before a formula-like start (after any
    leading blanks, and the fullwidth ＝＋－＠ some spreadsheets also accept) or a quote."""
    if text == "" or any(t.startswith(FORMULA_START) for t in (text, text.lstrip(_LEADING_BLANKS))):
        return "'" + text
    return text


def restore(cell: str) -> str:
    """The inverse of `neutralise` (for non-empty cells)."""
    return cell[1:] if cell.startswith("'") else cell


def encode(field: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return neutralise(str(value))


def decode(ctx: FieldContext, field: str, cell: str) -> Any:
    """A cell back to its value; RecordError naming the column if it cannot be read."""
    if cell == "":
        return None
    try:
        if field in BOOL_FIELDS:
            return {"true": True, "false": False}[cell.strip().lower()]
        if field in INT_FIELDS:
            return int(cell)
        if field in FLOAT_FIELDS:
            return float(cell)
        if field in LIST_FIELDS or field in OBJECT_LIST_FIELDS:
            value = json.loads(cell)
            if not isinstance(value, list):
                raise ValueError
            return value
    except (KeyError, ValueError):
        kind = (
            "true or false"
            if field in BOOL_FIELDS
            else 'a list like ["a", "b"]'
            if field in LIST_FIELDS
            else 'a list like [{"name": "A", "phone": "1"}]'
            if field in OBJECT_LIST_FIELDS
            else "a number"
        )
        raise ctx.error(field, f"{cell[:40]!r} is not {kind}") from None
    return restore(cell)


# --- export ----------------------------------------------------------------------------------


def rows(data: dict[str, Any]) -> Iterator[dict[str, str]]:
    """The CSV rows of an export document (see `io_json.export_document`)."""
    trial_columns = (*TRIAL_RECORD_FIELDS, *STATUS_AGE_COLUMNS)
    for trial in data["trials"]:
        yield {"record": "trial", **{f: encode(f, trial.get(f)) for f in trial_columns}}
    for center in data["centers"]:
        uid = neutralise(center["uid"])
        row = {f: encode(f, center.get(f)) for f in EXPORTED_CENTER_FIELDS if f != "uid"}
        sections = center.get("verified_sections")
        row["verified_sections"] = "" if sections is None else json.dumps(sections, sort_keys=True)
        yield {"record": "center", "center_uid": uid, **row}
        for key, record in LIST_RECORDS.items():
            for item in center.get(key, []):
                fields = child_fields(key) + (STATUS_AGE_COLUMNS if key == "trials" else ())
                yield {
                    "record": record,
                    "center_uid": uid,
                    **{f: encode(f, item.get(f)) for f in fields},
                }


def write_csv(data: dict[str, Any], path: str | Path) -> None:
    """Write an export document as our CSV, atomically. UTF-8 without BOM, CRLF row ends
    (RFC 4180, what spreadsheets expect)."""
    with atomic_text(path) as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, restval="", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows(data))


# --- import ----------------------------------------------------------------------------------


def is_directory_csv(head: str) -> bool:
    """Whether text starting a file is the header of our CSV."""
    return head.lstrip("\ufeff").startswith(HEADER_START)


def read_csv(path: str | Path) -> dict[str, Any]:
    """Read our CSV back into an export document; RecordError names the row and column."""
    path = Path(path)
    name = path.name
    trials: list[dict[str, Any]] = []
    centers: dict[str, dict[str, Any]] = {}
    orphans: dict[str, int] = {}  # uid -> first row of a list record whose center is missing
    links: list[tuple[int, str]] = []  # (row, NCT id) of every trial link
    row_no = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in ("record", "center_uid") if c not in (reader.fieldnames or [])]
            if missing:
                raise RecordError(name, None, missing[0], "required column is missing")
            for row_no, cells in enumerate(reader, start=1):
                _read_row(FieldContext(name, row_no), cells, trials, centers, orphans, links)
    except UnicodeDecodeError as exc:
        raise RecordError(
            name,
            row_no + 1,
            None,
            f"not valid UTF-8 (byte {exc.start} of the row); save the file as UTF-8",
        ) from None
    except csv.Error as exc:
        raise RecordError(name, row_no + 1, None, f"malformed CSV: {exc}") from None
    for uid, first in orphans.items():
        if "uid" not in centers[uid]:  # list rows came, the center row never did
            raise RecordError(name, first, "center_uid", f"no center row for {uid!r}")
    known = {t["nct_id"] for t in trials}
    for row, nct_id in links:
        if nct_id not in known:
            raise RecordError(name, row, "nct_id", "links to a trial the file does not list")
    document = {"format": FORMAT, "meta": {}, "trials": trials, "centers": list(centers.values())}
    return check_document(document, name)


def _read_row(
    ctx: FieldContext,
    cells: dict[str, Any],
    trials: list[dict[str, Any]],
    centers: dict[str, dict[str, Any]],
    orphans: dict[str, int],
    links: list[tuple[int, str]],
) -> None:
    if None in cells:
        raise RecordError(ctx.file, ctx.row, None, "more cells than the header has columns")
    record = (cells.get("record") or "").strip()
    uid = restore(cells.get("center_uid") or "")

    def fields(kind: str, names: tuple[str, ...]) -> dict[str, Any]:
        values = {f: decode(ctx, f, cells.get(f) or "") for f in names}
        return check_record(ctx, kind, values, names)

    if record == "trial":
        trials.append(fields("trial", TRIAL_RECORD_FIELDS))
    elif record == "center":
        if not uid:
            raise ctx.error("center_uid", "required and missing")
        if uid in centers and "name" in centers[uid]:
            raise ctx.error("center_uid", f"{uid!r} appears twice in the file")
        center = centers.setdefault(uid, {key: [] for key in LIST_RECORDS})
        names = tuple(f for f in EXPORTED_CENTER_FIELDS if f != "uid")
        values = {f: decode(ctx, f, cells.get(f) or "") for f in names}
        center.update(check_record(ctx, "center", {**values, "uid": uid}, (*names, "uid")))
        sections = cells.get("verified_sections") or ""
        if sections:
            try:
                center["verified_sections"] = json.loads(sections)  # checked with the document
            except ValueError:
                raise ctx.error(
                    "verified_sections", f"{sections[:40]!r} is not an object like "
                    '{"contact": "2026-01-31"}'
                ) from None
    elif record in RECORD_KEYS:
        if not uid:
            raise ctx.error("center_uid", "required and missing")
        key = RECORD_KEYS[record]
        center = centers.setdefault(uid, {k: [] for k in LIST_RECORDS})
        if "name" not in center:
            orphans.setdefault(uid, ctx.row)
        item = fields(key, child_fields(key))
        if key == "trials":
            links.append((ctx.row, item["nct_id"]))
        center[key].append(item)
    else:
        expected = ", ".join(["trial", "center", *RECORD_KEYS])
        raise ctx.error("record", f"unknown record {record!r} (expected one of: {expected})")

"""Read the flat table made from the ClinicalTrials.gov API v2: one row per study, with
only the FIRST site's city, state and country and the registry's count of sites.

Such a table (for example every multiple sclerosis study, as of a day) says where a trial runs
only as "a site in Chicago, Illinois; 8 sites listed". The reader keeps exactly that: each study
has at most one `SiteRecord`, with an empty `facility` (the registry's facility is not in the
file), and `StudyRecord.sites_total` holds the count. Nothing here invents a facility.

Columns: NCTId, BriefTitle, OfficialTitle, OverallStatus (API enums), StartDate,
CompletionDate, LastUpdatePostDate, Phase ("PHASE1|PHASE2", "NA"), EnrollmentCount ("40.0"),
LeadSponsorName, Conditions, InterventionNames, InterventionTypes, LocationCountry,
LocationCity, LocationState, TotalLocations; multi-valued cells are separated by `|`.
Bad input raises `RecordError` naming the file, the 1-based data row and the column.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from directory_app.core.registry.fields import (
    FieldContext,
    RecordError,
    SiteRecord,
    StudyRecord,
    format_intervention,
    parse_date,
    parse_nct_id,
    parse_phases,
    parse_status,
    study_url,
)

#: Columns a flat table must have; the others are read when present.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "NCTId", "BriefTitle", "OverallStatus", "LastUpdatePostDate", "Conditions",
    "InterventionNames", "InterventionTypes", "LocationCity", "LocationCountry", "TotalLocations",
)  # fmt: skip

T = TypeVar("T")


def is_flat_header(header: list[str]) -> bool:
    """Whether a CSV header row is the flat API v2 table's."""
    return "NCTId" in header and "TotalLocations" in header


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split("|")] if text.strip() else []


def _count(text: str) -> int | None:
    """ "40.0" or "40" -> 40; "" -> None."""
    text = text.strip()
    if not text:
        return None
    number = float(text)  # ValueError for text that is no number
    if number < 0 or number != int(number):
        raise ValueError(f"{text!r} is not a whole number of 0 or more")
    return int(number)


def _whole(text: str) -> int | None:
    try:
        return _count(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number of 0 or more") from None


def _study(row: dict[str, str], ctx: FieldContext) -> StudyRecord:
    def get(column: str) -> str:
        return (row.get(column) or "").strip()

    def convert(column: str, func: Callable[[str], T]) -> T:
        result: T = ctx.convert(column, func, get(column))
        return result

    nct_id = parse_nct_id(ctx, "NCTId", get("NCTId"))
    names, kinds = _split(get("InterventionNames")), _split(get("InterventionTypes"))
    if kinds and len(kinds) != len(names):
        message = f"{len(kinds)} types for {len(names)} interventions in InterventionNames"
        raise ctx.error("InterventionTypes", message)
    interventions = tuple(
        format_intervention(kinds[i] if kinds else "", name) for i, name in enumerate(names)
    )
    total = convert("TotalLocations", _whole)
    sites: tuple[SiteRecord, ...] = ()
    if get("LocationCity") or get("LocationCountry"):
        sites = (
            SiteRecord(
                facility="",
                city=get("LocationCity"),
                region=get("LocationState") or None,
                country=get("LocationCountry"),
            ),
        )
    title = get("BriefTitle") or get("OfficialTitle")
    if not title:
        raise ctx.error("BriefTitle", "a study needs a title")
    return StudyRecord(
        nct_id=nct_id,
        title=title,
        acronym=None,
        status=convert("OverallStatus", parse_status),
        phases=convert("Phase", parse_phases),
        conditions=tuple(_split(get("Conditions"))),
        interventions=interventions,
        sponsor=get("LeadSponsorName") or None,
        last_update=convert("LastUpdatePostDate", parse_date),
        url=study_url(nct_id),
        sites=sites,
        sites_complete=False,
        enrollment=convert("EnrollmentCount", _whole),
        start_date=convert("StartDate", parse_date),
        completion_date=convert("CompletionDate", parse_date),
        sites_total=total,
    )


def iter_flat_studies(path: Path) -> Iterator[StudyRecord]:
    """Every study of a flat API v2 table, in file order."""
    name = path.name
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            for column in REQUIRED_COLUMNS:
                if column not in header:
                    raise RecordError(name, None, column, "required column is missing")
            for number, row in enumerate(reader, start=1):
                yield _study(row, FieldContext(name, number))
    except UnicodeDecodeError as exc:
        raise RecordError(name, None, None, f"{exc}; save the file as UTF-8") from None
    except csv.Error as exc:
        raise RecordError(name, None, None, f"malformed CSV: {exc}") from None
    except OSError as exc:
        raise RecordError(name, None, None, f"cannot read: {exc.strerror}") from None

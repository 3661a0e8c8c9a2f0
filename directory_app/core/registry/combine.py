"""One record per study when several registry downloads hold it: the newer record wins.

The bundled directory is built from downloads of different days (a 2022 export of MSC studies,
a 2025 table of multiple sclerosis studies). A study in both is one trial: its status, dates,
phases and other registry fields come from the record with the later last-update date (the
registry's own statement of which is newer); a field the newer record does not carry at all
(the flat table has no ages and no facility names) keeps the older record's value, and the
sites named by either record are all kept. `Sourced.source` names the download each trial's
record came from, so every trial can say where its status was read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from directory_app.core.registry.ctgov import SiteRecord, StudyRecord


@dataclass(frozen=True)
class Sourced:
    """A study and the name of the download its record was read from."""

    study: StudyRecord
    source: str


def _newer(a: Sourced, b: Sourced) -> tuple[Sourced, Sourced]:
    """(newer, older) by last-update date. On a tie both hold the same version of the record,
    and the one seen first is kept (downloads are given richest first: the 2022 export names
    every site and the ages, which the flat table lacks); with no dates, the later download."""
    if a.study.last_update is None or b.study.last_update is None:
        return (a, b) if b.study.last_update is None and a.study.last_update else (b, a)
    return (a, b) if a.study.last_update >= b.study.last_update else (b, a)


def _empty(value: object) -> bool:
    return value is None or value == () or value == ""


def _same_site(a: SiteRecord, b: SiteRecord) -> bool:
    return (a.facility.strip().casefold(), a.city.strip().casefold()) == (
        b.facility.strip().casefold(),
        b.city.strip().casefold(),
    )


def merge_records(a: Sourced, b: Sourced) -> Sourced:
    """One study from two records of it (`b` from the later download)."""
    newer, older = _newer(a, b)
    values = {}
    for f in dataclasses.fields(StudyRecord):
        if f.name == "sites":
            continue
        value = getattr(newer.study, f.name)
        values[f.name] = getattr(older.study, f.name) if _empty(value) else value
    named = [s for s in (*newer.study.sites, *older.study.sites) if s.facility.strip()]
    sites: list[SiteRecord] = []
    for site in named:
        if not any(_same_site(site, kept) for kept in sites):
            sites.append(site)
    cities = {s.city.strip().casefold() for s in sites}
    # A city-only site is kept only where no named site of the study is in that city.
    sites += [
        s
        for s in (*newer.study.sites, *older.study.sites)
        if not s.facility.strip() and s.city.strip().casefold() not in cities
        and not any(_same_site(s, kept) for kept in sites)
    ]
    values["sites"] = tuple(sites)
    values["sites_complete"] = False
    return Sourced(StudyRecord(**values), newer.source)


def combine(*downloads: Iterable[Sourced]) -> list[Sourced]:
    """Every study of the downloads (given oldest and richest first) once, in NCT id order."""
    by_id: dict[str, Sourced] = {}
    for download in downloads:
        for item in download:
            have = by_id.get(item.study.nct_id)
            by_id[item.study.nct_id] = item if have is None else merge_records(have, item)
    return [by_id[k] for k in sorted(by_id)]

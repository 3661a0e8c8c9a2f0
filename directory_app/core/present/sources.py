"""What each data source contributed to the open directory, counted from its rows.

`info` and the About box list the bundled sources from the seed's metadata (name, date,
licence, use). That metadata describes the directory as it shipped; the counts here are read
from the database itself, so after an import, an edit or a sync they still say how many trials
came from which registry download, how many centers a hospital list placed or supplied contacts
for, and how many centers carry an FDA letter. A source is matched to its rows by the
provenance the rows carry (`Trial.record_source`, `Center.location_source`, `contact_source`,
`kind_source`, `ccn`, `RedFlag.source`), never by its name alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory_app.core.clinic_check.letters import bundled_letters
from directory_app.core.directory.models import Center, RedFlag, Trial, TrialPlace, TrialSite
from directory_app.core.directory.vocab import Provenance


@dataclass(frozen=True)
class SourceCount:
    """One source with what it supplied: `parts` are (count, what) pairs, in reading order."""

    name: str
    date: str | None
    parts: tuple[tuple[int, str], ...]

    def line(self) -> str:
        """'NAME (DATE): 238 trials, 630 trial sites' — the form `info` prints."""
        when = self.date or "date not stated in the file"
        said = ", ".join(f"{n:,} {what}" for n, what in self.parts) or "nothing in this database"
        return f"{self.name} ({when}): {said}"

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "date": self.date, "counts": {w: n for n, w in self.parts}}


def _count(session: Session, stmt: Any) -> int:
    return int(session.scalar(stmt) or 0)


def _centers(session: Session, *where: Any) -> int:
    return _count(session, select(func.count()).select_from(Center).where(*where))


def _registry_parts(session: Session, record_source: str | None) -> tuple[tuple[int, str], ...]:
    of_source = Trial.record_source.is_(None) if record_source is None else (
        Trial.record_source == record_source
    )
    trials = _count(session, select(func.count()).select_from(Trial).where(of_source))
    links = _count(
        session,
        select(func.count()).select_from(TrialSite).join(Trial).where(of_source),
    )
    places = _count(
        session, select(func.count()).select_from(TrialPlace).join(Trial).where(of_source)
    )
    linked = _count(
        session,
        select(func.count())
        .select_from(TrialPlace)
        .join(Trial)
        .where(of_source, TrialPlace.center_id.is_not(None)),
    )
    parts = [(trials, "trials"), (links, "links of a trial to a center")]
    if places:
        parts.append((places, "sites known only by city"))
        parts.append((linked, "of them linked to a center by sponsor and city"))
    return tuple(parts)


def _hifld_parts(session: Session) -> tuple[tuple[int, str], ...]:
    matched = _centers(session, Center.source_ref.like("%HIFLD hospital%"))
    return (
        (matched, "centers matched to a hospital"),
        (_centers(session, Center.location_source == Provenance.HIFLD.value), "placed by it"),
        (_centers(session, Center.contact_source == Provenance.HIFLD.value), "with its contacts"),
    )


def _cms_parts(session: Session) -> tuple[tuple[int, str], ...]:
    return (
        (_centers(session, Center.ccn.is_not(None)), "centers with a CMS Certification Number"),
        (_centers(session, Center.contact_source == Provenance.CMS.value), "with its contacts"),
        (_centers(session, Center.kind_source == Provenance.CMS.value), "with its kind"),
    )


def _gazetteer_parts(session: Session) -> tuple[tuple[int, str], ...]:
    places = _count(
        session,
        select(func.count())
        .select_from(TrialPlace)
        .where(TrialPlace.location_source == Provenance.GAZETTEER.value),
    )
    return (
        (_centers(session, Center.location_source == Provenance.GAZETTEER.value),
         "centers placed at their city"),
        (places, "trial sites placed at their city"),
    )  # fmt: skip


def _fda_parts(session: Session) -> tuple[tuple[int, str], ...]:
    flagged = _count(
        session,
        select(func.count(func.distinct(RedFlag.center_id))).where(
            RedFlag.source == Provenance.FDA.value
        ),
    )
    return (
        (len(bundled_letters()), "letters bundled"),
        (flagged, "centers with a red flag from one"),
    )


def _kind(source: Mapping[str, Any]) -> str:
    """Which rows a metadata entry's source supplied: its `provenance`, or read from its name
    (seeds built before sources carried one)."""
    given = source.get("provenance")
    if isinstance(given, str):
        return given
    name = str(source.get("name") or "").lower()
    for word, kind in (("clinicaltrials", "registry"), ("hifld", "hifld"), ("cms", "cms"),
                       ("geonames", "gazetteer"), ("fda", "fda")):  # fmt: skip
        if word in name:
            return kind
    return "other"


def source_counts(session: Session, sources: Sequence[Mapping[str, Any]]) -> list[SourceCount]:
    """Each source of the seed's metadata with its counts, then any registry download the
    database holds trials from that the metadata does not name (an import)."""
    out: list[SourceCount] = []
    named: set[str | None] = set()
    for source in sources:
        kind, name = _kind(source), str(source.get("name") or "unknown")
        date = source.get("date")
        date = str(date) if date else None
        if kind == "registry":
            record_source = source.get("record_source")
            if isinstance(record_source, str):  # else counted below, by what the rows say
                named.add(record_source)
                parts = _registry_parts(session, record_source)
                out.append(SourceCount(record_source, date, parts))
        elif kind == "hifld":
            out.append(SourceCount(name, date, _hifld_parts(session)))
        elif kind == "cms":
            out.append(SourceCount(name, date, _cms_parts(session)))
        elif kind == "gazetteer":
            out.append(SourceCount(name, date, _gazetteer_parts(session)))
        elif kind == "fda":
            out.append(SourceCount(name, date, _fda_parts(session)))
        else:
            out.append(SourceCount(name, date, ()))
    held = session.scalars(
        select(Trial.record_source).distinct().order_by(Trial.record_source)
    ).all()
    for record_source in held:
        if record_source in named:
            continue
        parts = _registry_parts(session, record_source)
        if parts[0][0]:
            label = record_source or "Trials without a recorded source (imports, edits)"
            out.append(SourceCount(label, None, parts))
    return out

"""Which parts of a center a person has verified, and when: verification per section.

Saving one corrected phone number used to stamp the whole center "verified today", so a record
nobody had checked lost its "never verified" badge and passed the "verified within" filter.
Now a person confirms sections — the editor's pages — and only those get today's date. The
center's `last_verified` (what the badge, the "verified within" filter and the stale marks read)
is the date of its *least recently* verified section, and None while any section has never been
verified: "verified 2026-12-03" promises that every part was checked on or after that day.

`centers.verified_sections` holds {section: ISO date} (migration 0008). NULL is a center saved
before sections existed: all of it was verified on `last_verified` (or never), which is exactly
what the old single date meant, so no stored date changes meaning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

#: The sections a person verifies, in the editor's page order: (key, label).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("identity", "Identity & place"),
    ("contact", "Contact"),
    ("treatment", "Treatment"),
    ("team", "Care team"),
    ("setting", "Setting & eligibility"),
    ("costs", "Costs & insurance"),
    ("quality", "Accreditation & red flags"),
    ("notes", "Notes"),
)
SECTION_KEYS: tuple[str, ...] = tuple(key for key, _label in SECTIONS)
SECTION_LABELS: dict[str, str] = dict(SECTIONS)


class UnknownSection(ValueError):
    """A section name that is not one of `SECTION_KEYS`."""


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return None


def section_dates(
    verified_sections: Mapping[str, Any] | None, last_verified: date | str | None
) -> dict[str, date | None]:
    """Every section's last verification date (None: never), from the stored map.

    A center without the map (saved before sections existed) was verified as a whole on
    `last_verified`, so every section takes that date."""
    if verified_sections is None:
        whole = _date(last_verified)
        return dict.fromkeys(SECTION_KEYS, whole)
    return {key: _date(verified_sections.get(key)) for key in SECTION_KEYS}


def overall(dates: Mapping[str, date | None]) -> date | None:
    """The center's `last_verified`: its least recently verified section, None if any never."""
    values = [dates.get(key) for key in SECTION_KEYS]
    if any(v is None for v in values):
        return None
    return min(v for v in values if v is not None)


def mark_verified(
    verified_sections: Mapping[str, Any] | None,
    last_verified: date | str | None,
    checked: Iterable[str],
    today: date,
) -> tuple[dict[str, str] | None, date | None]:
    """The stored map and `last_verified` after a person verified the `checked` sections today.

    Sections not checked keep their dates; raises UnknownSection for a name not in SECTIONS."""
    dates = section_dates(verified_sections, last_verified)
    for key in checked:
        if key not in dates:
            raise UnknownSection(f"unknown section {key!r}; expected one of "
                                 f"{', '.join(SECTION_KEYS)}")
        dates[key] = today
    return compact(dates), overall(dates)


def compact(dates: Mapping[str, date | None]) -> dict[str, str] | None:
    """The stored form: None when every section shares one date or none has any (that is what
    a NULL map means), so verifying a whole record stores exactly what it always did."""
    values = {dates.get(key) for key in SECTION_KEYS}
    if len(values) == 1:
        return None
    return {key: d.isoformat() for key, d in dates.items() if d is not None}


def describe(verified_sections: Mapping[str, Any] | None, last_verified: date | str | None,
             ) -> list[tuple[str, date | None]]:
    """(label, date or None) per section, for views that list what was verified when."""
    dates = section_dates(verified_sections, last_verified)
    return [(label, dates[key]) for key, label in SECTIONS]

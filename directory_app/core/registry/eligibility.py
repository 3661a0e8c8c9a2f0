"""Trial eligibility as the registry states it: sex, enrolment, and the criteria text split
into inclusion and exclusion lists.

ClinicalTrials.gov keeps eligibility criteria as one block of free text
(`eligibilityModule.eligibilityCriteria`), by convention "Inclusion Criteria:" followed by a
bullet list, then "Exclusion Criteria:" and another. A coordinator reads them as two lists, so
they are split once at import; the text itself is stored too, because a record that does not
follow the convention (no headings, numbered paragraphs, a third heading) must still be shown
whole rather than guessed into the wrong list. Splitting never invents or reorders a criterion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The registry's sex codes (API v2 enums, CSV words) → the directory's.
_SEXES = {"all": "all", "both": "all", "female": "female", "male": "male"}

_HEADING = re.compile(
    r"^\s*(?:key\s+|main\s+|general\s+)?(inclusion|exclusion)\s+criteria\b[^:\n]*:?\s*$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[*\-\u2022\u25cf\u25aa]|\d{1,3}[.)]|[a-z][.)])\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Criteria:
    """Criteria text split for display; both lists empty when the text has no headings."""

    inclusion: tuple[str, ...] = ()
    exclusion: tuple[str, ...] = ()


def parse_sex(text: str) -> str | None:
    """ "ALL", "All", "Female" ... → "all", "female", "male"; "" → None (not stated)."""
    key = text.strip().casefold()
    if not key:
        return None
    try:
        return _SEXES[key]
    except KeyError:
        raise ValueError(f"{text!r} is not a sex (expected All, Female or Male)") from None


def parse_enrollment(text: str) -> int | None:
    """ "40", "40.0" (the flattened exports write counts as floats) → 40; "" → None."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number of participants") from None
    if not value.is_integer() or not 0 <= value < 10**9:
        raise ValueError(f"{text!r} is not a number of participants")
    return int(value)


def split_criteria(text: str | None) -> Criteria:
    """Inclusion and exclusion items of a criteria text, each item one bullet (continuation
    lines joined). Lines before the first heading, or under neither heading, go to neither
    list: the stored text keeps them."""
    if not text:
        return Criteria()
    lists: dict[str, list[str]] = {"inclusion": [], "exclusion": []}
    current: list[str] | None = None
    item: list[str] = []

    def close() -> None:
        if current is not None and item:
            current.append(" ".join(item))
        item.clear()

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        heading = _HEADING.match(line)
        if heading:
            close()
            current = lists[heading.group(1).casefold()]
            continue
        if not line:
            close()
            continue
        bullet = _BULLET.match(line)
        if bullet:
            close()
            line = line[bullet.end() :].strip()
        if line:
            item.append(line)
    close()
    return Criteria(tuple(lists["inclusion"]), tuple(lists["exclusion"]))

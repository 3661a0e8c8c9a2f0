"""FDA warning and untitled letters to stem cell firms, bundled as their own records.

Read from `resources/fda/warning-letters.csv` (see its README): a small public list that
changes only with a new release, so it is a file read on demand rather than a table. Each row
is kept as the source gives it; nothing is inferred except how the row was reported (FDA's own
page or a reprint, a press report, or a court action) and the names a firm goes by.

A letter is FDA's allegation, not a verdict: `RegulatorLetter.summary` says "FDA warning
letter dated ..." and the views show the link next to it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from directory_app.core import paths
from directory_app.core.registry.names import fold

LETTERS_FILE = paths.RESOURCES / "fda" / "warning-letters.csv"
SECONDARY_MARK = "[SECONDARY SOURCE]"
COLUMNS = ("firm", "city", "state", "letter_date", "letter_type", "product", "source_url",
           "evidence_quote")  # fmt: skip


class LetterFileError(ValueError):
    """The letters file is malformed; the message names the file, row and field."""


@dataclass(frozen=True)
class RegulatorLetter:
    firm: str
    city: str | None
    state: str | None
    letter_date: date
    letter_type: str
    product: str
    source_url: str
    evidence_quote: str
    #: A news or trade-press report of the letter, not the letter itself.
    press_reported: bool

    @property
    def court_action(self) -> bool:
        return self.letter_type.lower().startswith("court action")

    @property
    def outlet(self) -> str:
        """The site the source link is on ("fdanews.com")."""
        host = urlsplit(self.source_url).hostname or ""
        return host.removeprefix("www.")

    @property
    def place(self) -> str:
        return ", ".join(p for p in (self.city, self.state) if p) or "place not given"

    @property
    def summary(self) -> str:
        """'FDA warning letter dated 2017-08-24' (a court action or press report says so)."""
        when = self.letter_date.isoformat()
        if self.court_action:
            text = f"{self.letter_type} dated {when}"
        else:
            kind = re.sub(r"\b(?:Warning|Untitled) Letter\b", lambda m: m.group(0).lower(),
                          self.letter_type)
            text = f"FDA {kind} dated {when}"
        return f"{text}, reported by {self.outlet}" if self.press_reported else text

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the row gives the firm: 'A dba B', 'A (also B, C)', 'A; B; C'."""
        parts = re.split(r"\s+d/?b/?a\s+|;|\(|\)|,\s*also\s+|\balso\b|\bwith\b", self.firm)
        return tuple(p.strip(" ,") for p in parts if len(p.strip(" ,")) > 2)


def _row_error(path: Path, row: int, field: str, why: str) -> LetterFileError:
    return LetterFileError(f"{path.name}, row {row}, field {field!r}: {why}")


def read_letters(path: Path = LETTERS_FILE) -> tuple[RegulatorLetter, ...]:
    """Every letter in the file, oldest first; `LetterFileError` for a malformed row."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise _row_error(path, 1, missing[0], "column missing from the header")
        letters = []
        for row_no, row in enumerate(reader, start=2):
            for field in ("firm", "letter_date", "letter_type", "source_url"):
                if not (row.get(field) or "").strip():
                    raise _row_error(path, row_no, field, "empty")
            try:
                when = date.fromisoformat(row["letter_date"].strip())
            except ValueError:
                raise _row_error(path, row_no, "letter_date", "not a YYYY-MM-DD date") from None
            if not row["source_url"].startswith(("http://", "https://")):
                raise _row_error(path, row_no, "source_url", "not a web link")
            product = row["product"].strip()
            letters.append(RegulatorLetter(
                firm=row["firm"].strip(), city=row["city"].strip() or None,
                state=row["state"].strip() or None, letter_date=when,
                letter_type=row["letter_type"].strip(),
                product=product.replace(SECONDARY_MARK, "").strip(),
                source_url=row["source_url"].strip(), evidence_quote=row["evidence_quote"].strip(),
                press_reported=SECONDARY_MARK in product,
            ))  # fmt: skip
    return tuple(sorted(letters, key=lambda x: (x.letter_date, x.firm)))


@lru_cache(maxsize=1)
def bundled_letters() -> tuple[RegulatorLetter, ...]:
    return read_letters()


_INITIALS = re.compile(r"\b(?:[a-z]\.){2,}")
_LEGAL = re.compile(
    r"\b(?:llc|inc|incorporated|corp|corporation|co|ltd|pllc|pc|pa|lp|llp|company|the|dba|md)\b"
)


@lru_cache(maxsize=8192)  # every center shown is compared with every letter's names
def firm_key(name: str) -> str:
    """A name reduced for comparison: folded, no punctuation, no legal form ('LLC', 'Inc.'),
    initials run together ('U.S.' is 'us', as the firms write it either way)."""
    text = _INITIALS.sub(lambda m: m.group(0).replace(".", ""), fold(name).replace("&", " and "))
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    return " ".join(_LEGAL.sub(" ", text).split())

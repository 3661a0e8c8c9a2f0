"""The records and field-level parsing for ClinicalTrials.gov downloads: statuses, phases,
dates, ages, interventions, and sniffing which of the three download formats a file is.

The same facts are spelled differently by each format ("Active, not recruiting" in the classic
CSV, ACTIVE_NOT_RECRUITING in the current CSV and API v2; "Phase 1|Phase 2" vs "PHASE1|PHASE2";
"March 4, 2021" vs "2021-03-04"). These functions map every spelling onto the `vocab` codes so a
study reads the same whichever file it came from. They raise ValueError with a message fit to
show a user; `ctgov` wraps it into a RecordError that says where the value was.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from directory_app.core.directory.vocab import Phase, TrialStatus

FORMAT_CLASSIC_CSV = "classic_csv"
FORMAT_CURRENT_CSV = "current_csv"
FORMAT_V2_JSON = "v2_json"
FORMAT_ZIP = "zip"
FORMAT_FOLDER = "folder"

NCT_ID = re.compile(r"NCT\d{8}")


class RecordError(ValueError):
    """A problem in an input file, located precisely enough for a person to fix it."""

    def __init__(self, file: str, row: int | None, field: str | None, message: str) -> None:
        self.file = file
        self.row = row
        self.field = field
        self.message = message
        where = [file]
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.file, self.row, self.field, self.message))


@dataclass(frozen=True, slots=True)
class SiteContact:
    """A person or desk the registry lists for one site of a study (API v2 only)."""

    name: str | None
    role: str | None
    phone: str | None
    email: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "role": self.role, "phone": self.phone, "email": self.email}


@dataclass(frozen=True, slots=True)
class SiteRecord:
    """One listed site of a study. Only API v2 JSON carries status, postal code, coordinates
    and contacts; `contacts` is None when the format has no contacts at all."""

    facility: str
    city: str
    region: str | None = None
    postal_code: str | None = None
    country: str = ""
    status: TrialStatus | None = None
    latitude: float | None = None
    longitude: float | None = None
    contacts: tuple[SiteContact, ...] | None = None


@dataclass(frozen=True, slots=True)
class StudyRecord:
    """One registered study, reduced to what the directory uses. Codes come from `vocab`."""

    nct_id: str
    title: str
    acronym: str | None
    status: TrialStatus
    phases: tuple[Phase, ...]
    conditions: tuple[str, ...]
    interventions: tuple[str, ...]  # "Type: Name", e.g. "Biological: Mesenchymal stem cells"
    sponsor: str | None
    last_update: date | None
    url: str
    min_age_years: float | None = None
    max_age_years: float | None = None
    sites: tuple[SiteRecord, ...] = ()
    #: True when `sites` is the registry's whole list (an API v2 record with its locations
    #: module), so a site missing from it is one the registry no longer lists. CSV downloads
    #: and the 2025 records with "1 of 20 sites" are not complete.
    sites_complete: bool = False
    # Eligibility and size; None wherever the format does not carry the field.
    sex: str | None = None  # "all", "female", "male"
    healthy_volunteers: bool | None = None
    enrollment: int | None = None
    start_date: date | None = None
    completion_date: date | None = None
    eligibility_text: str | None = None
    inclusion_criteria: tuple[str, ...] | None = None
    exclusion_criteria: tuple[str, ...] | None = None
    #: How many sites the registry lists, where the source says so though it names fewer
    #: (the flat API v2 table names only the first site's city). None: not said.
    sites_total: int | None = None


def study_url(nct_id: str) -> str:
    """The canonical public page of a study (old /show/ links redirect here)."""
    return f"https://clinicaltrials.gov/study/{nct_id}"


@dataclass(frozen=True, slots=True)
class FieldContext:
    """Where a value came from, to build RecordErrors: the file, the row or record, and how a
    logical field is named there (a CSV column header, or a JSON path under `prefix`)."""

    file: str
    row: int
    columns: dict[str, str] | None = None
    prefix: str = ""

    def error(self, field: str, message: str) -> RecordError:
        column = self.columns.get(field, field) if self.columns else field
        if self.prefix:
            column = f"{self.prefix}.{column}"
        return RecordError(self.file, self.row, column, message)

    def convert(self, field: str, func: Callable[[str], Any], text: str) -> Any:
        try:
            return func(text)
        except ValueError as exc:
            raise self.error(field, str(exc)) from None


def parse_nct_id(ctx: FieldContext, field: str, value: Any) -> str:
    """The NCT id in `value`, upper-cased; RecordError naming `field` otherwise."""
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str) or not NCT_ID.fullmatch(text.upper()):
        raise ctx.error(field, f"{text!r} is not an NCT id (expected NCT followed by 8 digits)")
    return text.upper()


# Headers only one of the two CSV formats has.
_CLASSIC_ONLY = {"Title", "Status", "Sponsor/Collaborators", "URL", "Rank", "Gender"}
_CURRENT_ONLY = {"Study Title", "Study Status", "Study URL", "Sponsor", "Sex"}


def sniff_format(head: bytes) -> str | None:
    """Tell the format from the first bytes of a file; None if it is none of ours.

    JSON is recognised by its first character; a CSV by a header row that names "NCT Number"
    or at least one column unique to one of the two CSV layouts (so a file missing "NCT Number"
    is still recognised, and then rejected for the missing column).
    """
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return FORMAT_ZIP
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace").lstrip()
    if text[:1] in ("{", "["):
        return FORMAT_V2_JSON
    try:
        header = {h.strip() for h in next(csv.reader(io.StringIO(text)), [])}
    except csv.Error:
        return None
    if header & _CURRENT_ONLY:
        return FORMAT_CURRENT_CSV
    if header & _CLASSIC_ONLY or "NCT Number" in header:
        return FORMAT_CLASSIC_CSV
    return None


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")


_STATUS_ALIASES: dict[str, TrialStatus] = {
    **{_key(s.value): s for s in TrialStatus if s is not TrialStatus.REMOVED},
    **{_key(s.label): s for s in TrialStatus if s is not TrialStatus.REMOVED},
    "unknown_status": TrialStatus.UNKNOWN,
    "active": TrialStatus.ACTIVE_NOT_RECRUITING,
    # Expanded-access statuses the vocabulary has no member for; the nearest meaning is kept:
    # paused for now (like a suspended trial), and no longer offered as expanded access.
    "temporarily_not_available": TrialStatus.SUSPENDED,
    "approved_for_marketing": TrialStatus.NO_LONGER_AVAILABLE,
}


def parse_status(text: str) -> TrialStatus:
    """Map any spelling of a recruitment status to its code; an empty cell means unknown."""
    key = _key(text)
    if not key:
        return TrialStatus.UNKNOWN
    try:
        return _STATUS_ALIASES[key]
    except KeyError:
        raise ValueError(f"{text!r} is not a ClinicalTrials.gov recruitment status") from None


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "0": "0", "1": "1", "2": "2", "3": "3",
          "4": "4"}  # fmt: skip
_PHASE_BY_NUMBER = {"0": Phase.EARLY_PHASE1, "1": Phase.PHASE1, "2": Phase.PHASE2,
                    "3": Phase.PHASE3, "4": Phase.PHASE4}  # fmt: skip


def parse_phases(text: str) -> tuple[Phase, ...]:
    """Map a phase cell to codes in phase order: "Phase 1|Phase 2", "PHASE1|PHASE2",
    "Phase I/II", "Phase 2/3", "Early Phase 1", "Not Applicable", "NA" ... ("" → none)."""
    cleaned = re.sub(r"\bn\s*/\s*a\b|not[\s_]+applicable", "na", text.casefold())
    found: set[Phase] = set()
    for part in re.split(r"[|,;/&+]|\band\b", cleaned):
        word = re.sub(r"[\s_-]+", " ", part).strip()
        if not word:
            continue
        if word == "na":
            found.add(Phase.NA)
            continue
        early = re.fullmatch(r"early ?phase ?(1|i)", word)
        if early:
            found.add(Phase.EARLY_PHASE1)
            continue
        number = re.fullmatch(r"(?:phase ?)?(iv|iii|ii|i|[0-4])", word)
        if not number:
            raise ValueError(f"{text!r} is not a trial phase")
        found.add(_PHASE_BY_NUMBER[_ROMAN[number.group(1)]])
    order = list(Phase)
    return tuple(sorted(found, key=order.index))


_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}  # fmt: skip
_MONTHS.update({name[:3]: n for name, n in list(_MONTHS.items())} | {"sept": 9})


def parse_date(text: str) -> date | None:
    """Parse "2022-09-14", "2022-09", "September 14, 2022" or "September 2022" ("" → None).

    A month without a day means the first of that month, as the registry's own sorting does.
    """
    text = text.strip()
    if not text:
        return None
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", text)
    worded = re.fullmatch(r"([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})", text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3] or 1))
        if worded and worded[1].casefold() in _MONTHS:
            return date(int(worded[3]), _MONTHS[worded[1].casefold()], int(worded[2] or 1))
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a date (expected e.g. 2022-09-14 or September 14, 2022)")


_UNIT_YEARS = {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25,
               "hour": 1 / 8766, "minute": 1 / 525960}  # fmt: skip
_AGE = re.compile(r"(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\b", re.IGNORECASE)


def parse_age_years(text: str) -> float | None:
    """ "18 Years" → 18.0, "6 Months" → 0.5; "" or "N/A" → None (no limit)."""
    text = text.strip()
    if not text or _key(text) in ("n_a", "na", "none"):
        return None
    match = _AGE.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not an age (expected e.g. '18 Years')")
    return round(float(match[1]) * _UNIT_YEARS[match[2].casefold()], 3)


def parse_age_range(text: str) -> tuple[float | None, float | None]:
    """Read the CSV age cell: "18 Years to 65 Years (Adult)", "18 Years and older",
    "up to 18 Years", or just age groups ("Child, Adult") which set no limits."""
    text = text.replace("\xa0", " ").split("(")[0].strip()
    ages = [parse_age_years(m[0]) for m in _AGE.finditer(text)]
    low = text.casefold()
    if len(ages) >= 2:
        return ages[0], ages[1]
    if len(ages) == 1:
        return (None, ages[0]) if low.startswith("up to") else (ages[0], None)
    return None, None


def format_intervention(kind: str, name: str) -> str:
    """ "BIOLOGICAL", "x" → "Biological: x"; the classic CSV's own spelling for every format."""
    kind = kind.strip().replace("_", " ")
    name = " ".join(name.split())
    if not kind:
        return name
    return f"{kind.title() if kind.isupper() else kind}: {name}"

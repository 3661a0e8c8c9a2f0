"""Join U.S. centers to the CMS hospital list, for their hospital type, CCN and current contacts.

The CMS "Hospital General Information" file (`resources/cms_hospitals.csv`, built by
`db/build_cms.py`, public domain) lists every Medicare-certified U.S. hospital with its CMS
Certification Number (CCN), current address, phone and hospital type. CMS is the agency that
certifies these hospitals, so its address and phone are fresher than a trial registry's or
HIFLD's. A wrong join would give a patient the wrong hospital's phone, so the join accepts only
exact evidence, never a similarity score:

1. the same normalised name in the same state, and the same ZIP code or the same city; or
2. the same normalised street address and ZIP code (the address HIFLD gave the center), where
   no other CMS hospital shares that address.

Two or more candidates under either rule mean no match. The kind a match implies is
"hospital" for the general, critical access, children's, VA and military hospitals, and
"academic hospital" only where the hospital's own registered name says university or medical
school (`classify.kind_from_facility`); CMS records no teaching status, so nothing more is
read into a match.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from directory_app.core.directory.vocab import CenterKind
from directory_app.core.paths import RESOURCES
from directory_app.core.registry.classify import kind_from_facility
from directory_app.core.registry.names import fold, name_words, normalize_city

CMS_FILE = RESOURCES / "cms_hospitals.csv"
#: CMS hospital types that are hospitals a patient is referred to for treatment.
_HOSPITAL_TYPES = frozenset(
    {"Acute Care Hospitals", "Critical Access Hospitals", "Childrens",
     "Acute Care - Veterans Administration", "Acute Care - Department of Defense",
     "Rural Emergency Hospital"}
)  # fmt: skip
#: Street words spelled one way, so "123 Main Street" and "123 MAIN ST" agree.
_STREET_WORDS = {
    "street": "st", "avenue": "ave", "av": "ave", "boulevard": "blvd", "road": "rd",
    "drive": "dr", "lane": "ln", "place": "pl", "court": "ct", "parkway": "pkwy",
    "highway": "hwy", "circle": "cir", "square": "sq", "terrace": "ter", "north": "n",
    "south": "s", "east": "e", "west": "w", "northeast": "ne", "northwest": "nw",
    "southeast": "se", "southwest": "sw", "suite": "ste", "building": "bldg",
}  # fmt: skip
#: How a match was made, as recorded on the center.
BY_NAME = "name"
BY_ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class CmsHospital:
    """One CMS-certified hospital; empty cells of the source are None."""

    ccn: str
    name: str
    address: str | None
    city: str
    state: str
    zip: str | None
    telephone: str | None
    type: str | None
    ownership: str | None


@dataclass(frozen=True, slots=True)
class CmsMatch:
    """A center's CMS hospital and the rule that matched it (`BY_NAME` or `BY_ADDRESS`)."""

    hospital: CmsHospital
    rule: str


def name_key(name: str) -> str:
    """Normalised, stemmed words of a name: equality means "the same name"."""
    return " ".join(name_words(name))


def address_key(address: str) -> str:
    """A street address for comparison: folded, street words abbreviated, suites dropped."""
    text = re.sub(r"[^a-z0-9]+", " ", fold(address))
    words = [_STREET_WORDS.get(w, w) for w in text.split()]
    if "ste" in words:  # "Suite 200" is inside the same building
        words = words[: words.index("ste")]
    return " ".join(words)


def zip5(code: str | None) -> str | None:
    digits = (code or "").strip()[:5]
    return digits if len(digits) == 5 and digits.isdigit() else None


def _row(row: dict[str, str]) -> CmsHospital:
    def opt(column: str) -> str | None:
        return (row.get(column) or "").strip() or None

    return CmsHospital(
        ccn=row["CCN"].strip(), name=row["NAME"].strip(), address=opt("ADDRESS"),
        city=row["CITY"].strip(), state=row["STATE"].strip().upper(), zip=opt("ZIP"),
        telephone=opt("TELEPHONE"), type=opt("TYPE"), ownership=opt("OWNERSHIP"),
    )  # fmt: skip


@cache
def load_cms(path: Path = CMS_FILE) -> tuple[CmsHospital, ...]:
    """All hospitals of the bundled CMS list, read once per process (about 5,400 rows)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(_row(row) for row in csv.DictReader(fh))


@dataclass(frozen=True, slots=True)
class _Indexes:
    by_name: dict[tuple[str, str], tuple[CmsHospital, ...]]
    by_address: dict[tuple[str, str], tuple[CmsHospital, ...]]


@cache
def _indexes(path: Path = CMS_FILE) -> _Indexes:
    by_name: dict[tuple[str, str], list[CmsHospital]] = {}
    by_address: dict[tuple[str, str], list[CmsHospital]] = {}
    for h in load_cms(path):
        by_name.setdefault((h.state, name_key(h.name)), []).append(h)
        code = zip5(h.zip)
        if h.address and code:
            by_address.setdefault((code, address_key(h.address)), []).append(h)
    return _Indexes(
        {k: tuple(v) for k, v in by_name.items()}, {k: tuple(v) for k, v in by_address.items()}
    )


def match_cms(
    name: str,
    city: str | None,
    state: str | None,
    postal_code: str | None = None,
    address: str | None = None,
    path: Path = CMS_FILE,
) -> CmsMatch | None:
    """The CMS hospital a U.S. center is, by exact name or exact address, or None when unsure."""
    if not state:
        return None
    index = _indexes(path)
    code = zip5(postal_code)
    same_name = index.by_name.get((state.strip().upper(), name_key(name)), ())
    city_key = normalize_city(city or "")
    near = [h for h in same_name if (code and zip5(h.zip) == code) or
            (city_key and normalize_city(h.city) == city_key)]  # fmt: skip
    if len(near) == 1:
        return CmsMatch(near[0], BY_NAME)
    if len(near) > 1 or not (address and code):
        return None
    at_address = index.by_address.get((code, address_key(address)), ())
    if len(at_address) == 1 and at_address[0].state == state.strip().upper():
        return CmsMatch(at_address[0], BY_ADDRESS)
    return None


def kind_for(hospital: CmsHospital) -> CenterKind | None:
    """The center kind a CMS record supports: academic only when its own name says so."""
    if hospital.type not in _HOSPITAL_TYPES:
        return None
    if kind_from_facility(hospital.name) == CenterKind.ACADEMIC_HOSPITAL:
        return CenterKind.ACADEMIC_HOSPITAL
    return CenterKind.HOSPITAL

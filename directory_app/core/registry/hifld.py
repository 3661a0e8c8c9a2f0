"""Match U.S. trial sites to the HIFLD hospital list, for an address, phone and coordinates.

ClinicalTrials.gov names a site only by facility, city and state. The bundled HIFLD list
(`resources/hifld_hospitals.csv`, built by `db/build_hifld.py`) has the street address, phone,
website and coordinates of 8,000 U.S. hospitals. A wrong match would send a patient to the
wrong building, so matching is conservative and "no match" is the answer whenever in doubt:

1. The state must agree; closed hospitals are never offered.
2. The same normalised name wins: in the same city, or anywhere in the state when only one
   hospital there has that name and the name is distinctive (trial sites often give the nearby
   big city; "Memorial Hospital" elsewhere in the state is a different hospital).
3. Otherwise only hospitals in the same city are considered, and only general, children's and
   similar hospitals (not psychiatric, rehabilitation or long-term care). A candidate must share
   an identifying word with the site ("Mayo", "Hermann"; or a "University of <place>" phrase),
   and must not lack a facility-type word the site has (a "Children's Hospital" site is not the
   general hospital). Then, in order of preference:
   - a *close* candidate: the names differ only in generic and place words ("Holy Name
     Hospital" ~ "HOLY NAME MEDICAL CENTER", "Mayo Clinic" ~ "MAYO CLINIC HOSPITAL ROCHESTER");
     among several, the most similar one (`name_similarity`) if it is unique;
   - otherwise a single *containing* candidate: one name's words all appear in the other, not
     counting words such as "hospital" or "medical center" ("University of Minnesota" ~
     "UNIVERSITY OF MINNESOTA MEDICAL CENTER-FAIRVIEW-EAST BANK-ER"), or a token similarity of
     at least 0.8. Two or more such candidates ("New York Presbyterian Hospital" has several
     campuses) mean no match.
4. A short list of academic names that HIFLD spells as their teaching hospital (`ALIASES`,
   "Medical College of Wisconsin" → FROEDTERT MEMORIAL LUTHERAN HOSPITAL) is consulted before
   step 3, again only in the hospital's own city.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from directory_app.core.geo.regions import US_STATES, us_state_code
from directory_app.core.paths import RESOURCES
from directory_app.core.registry.names import (
    WEAK_WORDS,
    distinctive_tokens,
    is_type_word,
    name_similarity,
    name_words,
    normalize_city,
    stem,
)

HIFLD_FILE = RESOURCES / "hifld_hospitals.csv"
SIMILARITY_THRESHOLD = 0.8
#: HIFLD types never offered for a fuzzy match: a trial site is not a psychiatric, rehabilitation
#: or long-term care hospital unless its name says so exactly.
_FUZZY_EXCLUDED_TYPES = frozenset({"PSYCHIATRIC", "REHABILITATION", "LONG TERM CARE"})
#: Facility-type words naming a separate unit; a site whose name lacks them is not that unit.
_UNIT_WORDS = frozenset(
    {"transplant", "rehabilitation", "rehab", "psychiatric", "behavioral", "hospice", "dialysis",
     "children", "pediatric", "women", "eye", "ear", "simulation", "laboratory", "training",
     "outpatient"}
)  # fmt: skip
#: Words that say "an institution" without saying which; ignored when one name contains another.
_INSTITUTION_WORDS = frozenset(
    {"hospital", "medical", "center", "health", "healthcare", "system", "care", "campus", "inc",
     "llc", "main", "service", "clinic"}
)  # fmt: skip


#: Registry names of academic centers whose hospital HIFLD lists under another name: the
#: university or school's own teaching hospital on the same campus. Applied only when the site's
#: city is that hospital's city. (registry facility name, state, HIFLD ID)
ALIASES: tuple[tuple[str, str, str], ...] = (
    ("Medical University of South Carolina", "SC", "6929425"),  # MUSC Medical Center
    ("Medical College of Wisconsin", "WI", "7253226"),  # Froedtert Memorial Lutheran Hospital
    ("Memorial Sloan Kettering Cancer Center", "NY", "117510021"),  # Memorial Hospital for Cancer
    ("University of Florida", "FL", "35032610"),  # UF Health Shands Hospital
    ("Fred Hutchinson Cancer Research Center", "WA", "10298109"),  # Seattle Cancer Care Alliance
    ("Fred Hutchinson Cancer Center", "WA", "10298109"),
    ("Fred Hutchinson Cancer Research", "WA", "10298109"),
    ("University of Rochester", "NY", "5514607"),  # Strong Memorial Hospital
    ("University of Rochester Medical Center", "NY", "5514607"),
    ("Dartmouth-Hitchcock Medical Center", "NH", "107603766"),  # Mary Hitchcock Memorial Hospital
    ("University Hospital and Medical Center", "NY", "3611790"),  # Stony Brook University Hospital
    ("Stony Brook University Medical Center", "NY", "3611790"),
    ("University of Nebraska", "NE", "5768198"),  # The Nebraska Medical Center
    ("University of Nebraska Medical Center", "NE", "5768198"),
    ("Stanford University", "CA", "46894305"),  # Stanford Health Care, Stanford
    ("Stanford University Medical Center", "CA", "46894305"),
    ("University of Miami", "FL", "41033136"),  # University of Miami Hospital - UHealth Tower
    ("University of Miami Miller School of Medicine", "FL", "41033136"),
    ("Beth Israel Deaconess Medical Center", "MA", "502215"),  # the East (main) campus
    ("Columbia University Medical Center", "NY", "118810032"),  # NYP Columbia
    ("Columbia University Irving Medical Center", "NY", "118810032"),
    ("Columbia University", "NY", "118810032"),
    ("Weill Cornell Medical College", "NY", "118910021"),  # NYP Weill Cornell
    ("Weill Cornell Medicine", "NY", "118910021"),
    ("Weill Medical College of Cornell University", "NY", "118910021"),
    ("University of Southern California", "CA", "22490033"),  # Keck Hospital of USC
    ("Keck School of Medicine of USC", "CA", "22490033"),
    ("University of Southern California University Hospital", "CA", "22490033"),
    ("Wake Forest University", "NC", "1227157"),  # North Carolina Baptist Hospital
    ("Wake Forest University School of Medicine", "NC", "1227157"),
    ("Wake Forest Baptist Medical Center", "NC", "1227157"),
    ("Wake Forest University Health Sciences", "NC", "1227157"),
    ("Penn State Hershey Medical Center", "PA", "9317033"),  # Milton S. Hershey Medical Center
    ("Penn State Health Milton S. Hershey Medical Center", "PA", "9317033"),
    ("Texas Transplant Institute", "TX", "46278229"),  # at Methodist Hospital, San Antonio
    ("Carle Clinic Association", "IL", "4661801"),  # The Carle Foundation Hospital campus
    ("McGuire Research Institute", "VA", "16123225"),  # at Hunter Holmes McGuire VA hospital
)


@dataclass(frozen=True, slots=True)
class Hospital:
    """One HIFLD hospital; empty cells of the source are None."""

    id: str
    name: str
    address: str | None
    city: str
    state: str
    zip: str | None
    telephone: str | None
    type: str | None
    status: str | None
    latitude: float | None
    longitude: float | None
    website: str | None
    beds: int | None


@dataclass(frozen=True, slots=True)
class _Name:
    """A facility name prepared for comparison."""

    key: str  # stemmed words joined: equality means "same name"
    words: tuple[str, ...]
    tokens: frozenset[str]

    @classmethod
    def of(cls, name: str) -> _Name:
        words = tuple(name_words(name))
        return cls(" ".join(words), words, frozenset(words))


@dataclass(frozen=True, slots=True)
class _Entry:
    hospital: Hospital
    name: _Name
    city: str


def _number(text: str, kind: type[float] | type[int]) -> float | int | None:
    try:
        return kind(text) if text else None
    except ValueError:
        return None


def _row_to_hospital(row: dict[str, str]) -> Hospital:
    def opt(column: str) -> str | None:
        return (row.get(column) or "").strip() or None

    return Hospital(
        id=row["ID"].strip(),
        name=row["NAME"].strip(),
        address=opt("ADDRESS"),
        city=row["CITY"].strip(),
        state=row["STATE"].strip(),
        zip=opt("ZIP"),
        telephone=opt("TELEPHONE"),
        type=opt("TYPE"),
        status=opt("STATUS"),
        latitude=_number(opt("LATITUDE") or "", float),
        longitude=_number(opt("LONGITUDE") or "", float),
        website=_website(opt("WEBSITE")),
        beds=_number(opt("BEDS") or "", int),  # type: ignore[arg-type]
    )


def _website(text: str | None) -> str | None:
    """HIFLD writes some sites without a scheme ("www.vcuhealth.org"); the app opens and accepts
    only http(s) links, so a bare host gets "http://" (what a browser would assume)."""
    if not text or " " in text or "." not in text:
        return None
    return text if text.lower().startswith(("http://", "https://")) else f"http://{text}"


@cache
def load_hospitals(path: Path = HIFLD_FILE) -> tuple[Hospital, ...]:
    """All hospitals of the bundled list, read once per process (about 8,000 rows)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return tuple(_row_to_hospital(row) for row in csv.DictReader(fh))


@cache
def _index(path: Path = HIFLD_FILE) -> dict[str, tuple[_Entry, ...]]:
    by_state: dict[str, list[_Entry]] = {}
    for hospital in load_hospitals(path):
        if (hospital.status or "").upper() == "CLOSED":
            continue
        entry = _Entry(hospital, _Name.of(hospital.name), normalize_city(hospital.city))
        by_state.setdefault(hospital.state.upper(), []).append(entry)
    return {state: tuple(entries) for state, entries in by_state.items()}


@cache
def _aliases(path: Path = HIFLD_FILE) -> dict[tuple[str, str], _Entry]:
    by_id = {e.hospital.id: e for entries in _index(path).values() for e in entries}
    return {
        (_Name.of(name).key, state): by_id[hospital_id]
        for name, state, hospital_id in ALIASES
        if hospital_id in by_id
    }


def _common_run(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """The longest run of consecutive words the two names share."""
    best: tuple[str, ...] = ()
    for i in range(len(a)):
        for j in range(len(b)):
            k = 0
            while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
                k += 1
            if k > len(best):
                best = a[i : i + k]
    return best


def _grade(site: _Name, hospital: _Name, place: set[str]) -> int:
    """2 = close match, 1 = one name contains the other, 0 = not the same center."""
    if any(is_type_word(t) for t in site.tokens - hospital.tokens):
        return 0  # the site is a specialised unit the hospital's name does not mention
    if (hospital.tokens - site.tokens) & _UNIT_WORDS:
        return 0  # the hospital entry is a specialised unit the site does not mention
    # Identity: a shared identifying word ("Mayo"), or a shared phrase of two or more words
    # that is neither all generic nor all place names ("University of Minnesota",
    # "Cleveland Clinic", "Hershey Medical Center").
    shared_ids = distinctive_tokens(site.tokens & hospital.tokens, ignore=place | WEAK_WORDS)
    run = set(_common_run(site.words, hospital.words))
    phrase = len(run) >= 2 and bool(distinctive_tokens(run, ignore=WEAK_WORDS)) and not run <= place
    if not shared_ids and not phrase:
        return 0
    site_ids = distinctive_tokens(site.tokens)
    hospital_ids = distinctive_tokens(hospital.tokens)
    hospital_typed = any(is_type_word(t) for t in hospital.tokens - site.tokens)
    if (
        site_ids <= hospital.tokens | place
        and hospital_ids <= site.tokens | place
        and not hospital_typed
    ):
        return 2
    site_core = site.tokens - _INSTITUTION_WORDS
    hospital_core = hospital.tokens - _INSTITUTION_WORDS
    if site_core <= hospital.tokens | place or hospital_core <= site.tokens | place:
        return 1
    return 1 if name_similarity(site.key, hospital.key) >= SIMILARITY_THRESHOLD else 0


def match_hospital(
    facility: str, city: str, state: str, *, path: Path = HIFLD_FILE
) -> Hospital | None:
    """The HIFLD hospital that this trial site is, or None when not confidently known.

    `state` may be a name ("Minnesota") or a code ("MN"). See the module docstring for rules.
    """
    code = us_state_code(state)
    site = _Name.of(facility)
    if code is None or not site.key:
        return None
    entries = _index(path).get(code, ())
    city_key = normalize_city(city)

    exact = [e for e in entries if e.name.key == site.key]
    exact_here = [e for e in exact if e.city == city_key]
    if exact_here:
        return _only(exact_here)
    if len(exact) == 1 and distinctive_tokens(site.tokens):
        return exact[0].hospital  # "Memorial Hospital" elsewhere in the state is not enough

    alias = _aliases(path).get((site.key, code))
    if alias is not None and alias.city == city_key:
        return alias.hospital

    state_name = next(name for name, c in US_STATES.items() if c == code)
    place = {stem(w) for w in f"{city_key} {normalize_city(state_name)}".split()}
    graded: dict[int, list[_Entry]] = {1: [], 2: []}
    for entry in entries:
        if entry.city != city_key or (entry.hospital.type or "") in _FUZZY_EXCLUDED_TYPES:
            continue
        grade = _grade(site, entry.name, place)
        if grade:
            graded[grade].append(entry)
    if graded[2]:
        scores = [(name_similarity(site.key, e.name.key), e) for e in graded[2]]
        best = max(score for score, _ in scores)
        return _only([e for score, e in scores if score == best])
    return _only(graded[1])


_ADDRESS_WORDS = {"street": "st", "avenue": "ave", "road": "rd", "drive": "dr",
                  "boulevard": "blvd", "highway": "hwy", "north": "n", "south": "s", "east": "e",
                  "west": "w", "place": "pl", "lane": "ln", "parkway": "pkwy"}  # fmt: skip
_PREFERRED_TYPES = ("GENERAL ACUTE CARE", "CHILDREN", "WOMEN", "CRITICAL ACCESS", "SPECIAL")


def _address_key(hospital: Hospital) -> str:
    words = normalize_city(hospital.address or hospital.id).split()
    return " ".join(_ADDRESS_WORDS.get(w, w) for w in words)


def _only(entries: list[_Entry]) -> Hospital | None:
    """The single candidate, or None when several different hospitals qualify.

    HIFLD lists some buildings twice (a general and a psychiatric unit at one address, or a
    renamed duplicate); candidates at one address are one place, and the most complete general
    entry stands for it.
    """
    if len({_address_key(e.hospital) for e in entries}) != 1:
        return None

    def preference(entry: _Entry) -> tuple[int, int, int, int]:
        h = entry.hospital
        rank = _PREFERRED_TYPES.index(h.type) if h.type in _PREFERRED_TYPES else 9
        filled = sum(v is not None for v in (h.telephone, h.website, h.beds))
        return (rank, -filled, -(h.beds or 0), int(h.id) if h.id.isdigit() else 0)

    return min(entries, key=preference).hospital

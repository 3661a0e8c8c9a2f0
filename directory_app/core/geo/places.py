"""Turning what a person types ("44106", "Rochester, MN", "Uppsala, Sweden", "41.5, -81.6") into a
point on the map — entirely offline.

The app promises to work without a network, so places are looked up in the small gazetteer
shipped in `resources/gazetteer/` (see `gazetteer.py`; built by `db/build_gazetteer.py`) instead
of an online geocoder. It is read lazily, once per process, on the first lookup, so importing
this module stays cheap. Distance helpers live in `distance.py` and are re-exported here, since
callers think of "places and distances" together.

Every way of failing to find a place raises `PlaceError` (a `ValueError`) with a one-line message
that can be shown to the user as is; `AmbiguousPlace` additionally carries the candidates so the
GUI can offer a choice.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass

from directory_app.core.geo.distance import (
    EARTH_RADIUS_KM,
    KM_PER_MILE,
    bounding_box,
    geodesic_km,
    haversine_km,
    parse_distance,
)
from directory_app.core.geo.gazetteer import (
    GAZETTEER_DIR,
    City,
    Gazetteer,
    PlaceError,
    UsCity,
    compact,
    fold,
    gazetteer,
    key_function,
    names,
    zip_entry,
)

# A qualified name ("Springfield, USA") picks its most populous match only when that match is at
# least this many times larger than the runner-up; otherwise the user is asked to choose.
_DOMINANCE = 3

_HINT = "try a ZIP code, 'City, ST' or 'lat, lon'"

__all__ = [
    "EARTH_RADIUS_KM", "GAZETTEER_DIR", "KM_PER_MILE", "AmbiguousPlace", "Place", "PlaceError",
    "bounding_box", "complete_place", "country_code", "fold", "geodesic_km", "haversine_km",
    "is_us", "locate_city", "parse_distance", "resolve_place",
]  # fmt: skip


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
def country_code(name: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code for a country name, alias or code ("Korea, Republic of" -> "KR",
    "U.S." -> "US", "DEU" -> "DE"), or None when the name is not a country we know.

    ClinicalTrials.gov and people spell countries in many ways; everything downstream compares
    codes.
    """
    if not name or not isinstance(name, str):
        return None
    known = names().countries  # not the whole gazetteer: a search may ask this of any center
    return known.get(fold(name)) or known.get(compact(name))


def is_us(country: str | None) -> bool:
    """Whether `country` names the United States (ZIP codes and state codes apply there only).
    Puerto Rico and the other territories have ISO codes of their own and do not count."""
    return country_code(country) == "US"


def _state_code(g: Gazetteer, text: str | None) -> str | None:
    """The USPS code for a state or territory name or code ("Minnesota", "MN", "D.C.")."""
    if not text:
        return None
    return g.states.get(compact(text)) or g.states.get(fold(text))


def _region_codes(g: Gazetteer, region: str | None, country: str) -> set[str]:
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


def _us_place(city: UsCity) -> Place:
    return Place(f"{city.name}, {city.state}", round(city.lat, 4), round(city.lon, 4), "city")


def _world_place(g: Gazetteer, city: City) -> Place:
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


def _world_label(g: Gazetteer, city: City) -> str:
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


def _candidates_from(g: Gazetteer, cities: Iterable[City | UsCity]) -> list[_Candidate]:
    """Places for matching cities, most populous first, one per label (GeoNames sometimes lists a
    city and its own district under the same name)."""
    out: dict[str, _Candidate] = {}
    for city in cities:
        if isinstance(city, UsCity):
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


def _world_matches(g: Gazetteer, key: str, country: str | None) -> list[City]:
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


def _in_us(g: Gazetteer, key: str, state: str | None) -> list[_Candidate]:
    if state:
        entry = g.us_cities.get((key, state))
        if entry is not None:
            return [_Candidate(_us_place(entry), entry.population, entry.zips)]
        return _candidates_from(g, [c for c in _world_matches(g, key, "US") if c.admin1 == state])
    cities: list[City | UsCity] = list(g.us_by_key.get(key, []))
    if not cities:
        cities.extend(_world_matches(g, key, "US"))
    return _candidates_from(g, cities)


def _in_country(g: Gazetteer, key: str, country: str, regions: set[str]) -> list[_Candidate]:
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


def _zip_place(zip_code: str) -> Place:
    found = zip_entry(zip_code)
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
    # A ZIP code or coordinates need no gazetteer load (see `zip_entry`).
    if match := _ZIP.match(cleaned):
        return _zip_place(match.group(1))
    if match := _COORDINATES.match(cleaned):
        return _coordinates(match)
    if match := _LEADING_ZIP.match(cleaned):  # a completer entry: "44106 Cleveland, OH"
        return _zip_place(match.group(1))
    if cleaned.isdigit():
        raise PlaceError(f"{cleaned!r} is not a 5-digit US ZIP code; {_HINT}")
    g = gazetteer()

    parts = [p.strip() for p in cleaned.split(",")]
    parts = [p for p in parts if p]
    if len(parts) > 1:
        # "Cleveland, OH 44106": the ZIP is the most precise thing given.
        match = _TRAILING_ZIP.match(parts[-1])
        prefix = match.group(1) if match else ""
        if match and (not prefix or _state_code(g, prefix) or country_code(prefix) == "US"):
            return _zip_place(match.group(2))
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


def _resolve_bare(g: Gazetteer, text: str, key: str) -> Place:
    candidates = _candidates_from(g, g.world_by_key.get(key, []))
    if not candidates:
        # Small US towns are known only to the Postal Service, and other spellings ("Milano")
        # only to the alias list; count them only when no city of 15,000+ has the name, or every
        # "Boston" would be ambiguous.
        towns: list[City | UsCity] = [*g.aliases().get(key, []), *g.us_by_key.get(key, [])]
        candidates = _candidates_from(g, towns)
    return _choose(text, candidates, dominant=False)


def _qualified(g: Gazetteer, key: str, qualifier: str) -> list[_Candidate]:
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
    g = gazetteer()
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
    g = gazetteer()
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


def _completion_index(g: Gazetteer) -> tuple[list[str], list[tuple[int, int, str]]]:
    """Labels sorted by folded text, with (-population, -ZIP count, label) sort keys, built on
    the first completion request only. A label's folded text is its city's key plus the folded
    rest of the label, which repeats ("…, Ontario, Canada") and so is folded once per spelling."""
    if g.completion is None:
        key_of = key_function()
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

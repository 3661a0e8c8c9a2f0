"""Whether a center without coordinates could still lie within a search radius, from its country.

Why: a center the gazetteer could not place still has a known city and country. "Within 300 mi
of Cleveland" must never list (or count) a hospital in Norway just because its exact location is
unknown: Norway lies wholly outside that circle, so the hospital does too. A center whose country
(or, in the United States, whose state) reaches into the circle stays "location unknown", because
it might be inside.

A country's extent is the union of small lon/lat boxes: one per ring of its bundled map outline
(Natural Earth 1:110m; in the U.S. the Census state outlines), and one around each bundled
GeoNames city of the country, which covers islands and overseas parts the simplified outlines
drop. The answer errs on the side of "might be inside": boxes hold their rings entirely, the
distance to a box is the exact spherical minimum, and a margin covers the outline
simplification and the sphere's difference from the ellipsoid. A country with no outline and no
city in the gazetteer, or a name the app does not know, is never ruled out.

Computing the extents reads the whole gazetteer and both map outlines, longer than the rest of a
command-line search; so they are computed when the gazetteer is built and bundled as
`resources/gazetteer/extents.csv` (`write_extents`), with every box dropped that lies inside
another box of the same territory: the union, and so every answer, is the same.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from directory_app.core.geo.gazetteer import GAZETTEER_DIR, compact, fold, gazetteer, names
from directory_app.core.geo.map_geometry import BBox, countries, us_states
from directory_app.core.geo.places import EARTH_RADIUS_KM, country_code

#: Added to every distance test: outline simplification (0.03°, ~3 km), rings dropped for being
#: tiny, and cities just outside their country's outline all stay well inside this.
MARGIN_KM = 60.0
#: The sphere may be up to ~0.56% shorter than the ellipsoid's geodesic; allow 1%.
SPHERE_SLACK = 1.01
#: Half the side of the box around one gazetteer city, in degrees (~11 km of latitude).
CITY_BOX_DEG = 0.1
#: The precomputed extents (see the module's docstring).
EXTENTS_FILE = GAZETTEER_DIR / "extents.csv"


@dataclass(frozen=True)
class Extent:
    """Boxes that together hold all of a country's (or state's) territory."""

    boxes: tuple[BBox, ...]


def _lon_gap(lon: float, west: float, east: float) -> float:
    """Degrees of longitude from `lon` to the nearest edge of [west, east] (0 inside), taking
    the short way round the globe."""
    span = east - west
    if span >= 360.0:
        return 0.0
    offset = (lon - west) % 360.0
    if offset <= span:
        return 0.0
    return min(offset - span, 360.0 - offset)


def _central_angle(lat1: float, lat2: float, dlon: float) -> float:
    """Great-circle angle (radians) between two points `dlon` degrees of longitude apart."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(dlon)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * math.asin(min(1.0, math.sqrt(h)))


def km_to_box(lat: float, lon: float, box: BBox) -> float:
    """The shortest great-circle distance (km, on the app's sphere) from a point to a lon/lat box.

    For a fixed latitude the distance grows with the longitude difference, so the nearest point
    lies on the box's nearest meridian edge (or on the point's own meridian when the box spans
    it); along that meridian the distance has a single minimum, at the latitude `phi_star`
    below, so the nearest of that latitude (clamped into the box) and the two corners is exact.
    """
    gap = _lon_gap(lon, box.west, box.east)
    if gap == 0.0:
        if box.south <= lat <= box.north:
            return 0.0
        return math.radians(min(abs(lat - box.south), abs(lat - box.north))) * EARTH_RADIUS_KM
    p, d = math.radians(lat), math.radians(gap)
    phi_star = math.degrees(math.atan2(math.sin(p), math.cos(p) * math.cos(d)))
    options = {box.south, box.north, min(max(phi_star, box.south), box.north)}
    return min(_central_angle(lat, q, gap) for q in options) * EARTH_RADIUS_KM


def _ring_boxes(rings: Iterable[Iterable[tuple[float, float]]]) -> list[BBox]:
    boxes = []
    for ring in rings:
        box = BBox.around(ring)
        if box is not None:
            boxes.append(box)
    return boxes


def _city_box(lat: float, lon: float) -> BBox:
    return BBox(lon - CITY_BOX_DEG, lat - CITY_BOX_DEG, lon + CITY_BOX_DEG, lat + CITY_BOX_DEG)


@lru_cache(maxsize=1)
def _bundled_text() -> str | None:
    """The text of `EXTENTS_FILE` (rows sorted by kind and code), or None when it is missing."""
    try:
        return EXTENTS_FILE.read_text(encoding="utf-8")
    except OSError:
        return None


def _rows_of(text: str, kind: str) -> Iterable[list[str]]:
    return (row for row in csv.reader(text.splitlines()[1:]) if row[0] == kind)


def _parse(rows: Iterable[list[str]]) -> dict[str, Extent]:
    found: dict[str, list[BBox]] = {}
    for _kind, code, west, south, east, north in rows:
        found.setdefault(code, []).append(BBox(float(west), float(south), float(east),
                                               float(north)))
    return {code: Extent(tuple(boxes)) for code, boxes in found.items()}


@lru_cache(maxsize=1024)
def _extent(kind: str, code: str) -> Extent | None:
    """One territory's extent: from the bundled file, parsing only its own rows (a search asks
    for the few countries of its unlocated centers), else computed."""
    text = _bundled_text()
    if text is None:
        computed = computed_country_extents() if kind == "country" else computed_state_extents()
        return computed.get(code)
    prefix = f"\n{kind},{code},"
    start = text.find(prefix)
    if start < 0:
        return None
    stop = start
    while text.startswith(prefix, stop):
        stop = text.find("\n", stop + 1)
        if stop < 0:
            stop = len(text)
    return _parse(csv.reader(text[start + 1 : stop].splitlines())).get(code)


def country_extents() -> dict[str, Extent]:
    """ISO alpha-2 code -> the boxes of its outline rings and of its gazetteer cities."""
    text = _bundled_text()
    return computed_country_extents() if text is None else _parse(_rows_of(text, "country"))


def state_extents() -> dict[str, Extent]:
    """USPS state code -> the boxes of its Census outline rings and of its gazetteer cities."""
    text = _bundled_text()
    return computed_state_extents() if text is None else _parse(_rows_of(text, "state"))


def _contains(outer: BBox, inner: BBox) -> bool:
    return (outer.west <= inner.west and outer.south <= inner.south
            and inner.east <= outer.east and inner.north <= outer.north)


def reduced(extent: Extent) -> Extent:
    """The same territory without the boxes that lie inside another of its boxes: largest
    first, each kept only when no kept box holds it. A held box is never nearer to a point
    than the box holding it, so `may_lie_within` answers exactly as with all of them."""
    kept: list[BBox] = []
    by_area = sorted(dict.fromkeys(extent.boxes),
                     key=lambda b: (-(b.east - b.west) * (b.north - b.south),
                                    b.west, b.south, b.east, b.north))
    for box in by_area:
        if not any(_contains(other, box) for other in kept):
            kept.append(box)
    return Extent(tuple(kept))


def write_extents(path: Path = EXTENTS_FILE) -> int:
    """Compute every country's and state's extent, reduce it and write `path`; the box count."""
    rows = [
        (kind, code, box)
        for kind, extents in (("country", computed_country_extents()),
                              ("state", computed_state_extents()))
        for code in sorted(extents)
        for box in reduced(extents[code]).boxes
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["kind", "code", "west", "south", "east", "north"])
        for kind, code, box in rows:
            out.writerow([kind, code, repr(box.west), repr(box.south), repr(box.east),
                          repr(box.north)])
    return len(rows)


@lru_cache(maxsize=1)
def computed_country_extents() -> dict[str, Extent]:
    """`country_extents` computed from the map outlines and the gazetteer's cities."""
    boxes: dict[str, list[BBox]] = {}
    for outline in countries():
        # Natural Earth leaves France's and Norway's code empty; their names resolve.
        iso2 = country_code(outline.code) or country_code(outline.name)
        if iso2 is not None:
            boxes.setdefault(iso2, []).extend(_ring_boxes(outline.rings))
    for cities in gazetteer().world_by_key.values():
        for city in cities:
            boxes.setdefault(city.country, []).append(_city_box(city.lat, city.lon))
    return {code: Extent(tuple(found)) for code, found in boxes.items()}


@lru_cache(maxsize=1)
def computed_state_extents() -> dict[str, Extent]:
    """`state_extents` computed from the Census outlines and the gazetteer's US cities."""
    g = gazetteer()
    boxes: dict[str, list[BBox]] = {}
    for outline in us_states():
        code = _state(outline.name)
        if code is not None:
            boxes.setdefault(code, []).extend(_ring_boxes(outline.rings))
    for city in g.us_cities.values():
        boxes.setdefault(city.state, []).append(_city_box(city.lat, city.lon))
    return {code: Extent(tuple(found)) for code, found in boxes.items()}


def _state(name: str | None) -> str | None:
    """The USPS code for a state name or code, read from the gazetteer's tables the way
    `places` reads them ("Ohio", "OH", "D.C.")."""
    if not name:
        return None
    states = names().states
    return states.get(compact(name)) or states.get(fold(name))


def extent_of(country: str | None, region: str | None = None) -> Extent | None:
    """The territory a center with this country (and region) can be in; None when unknown."""
    iso2 = country_code(country)
    if iso2 is None:
        return None
    if iso2 == "US":
        state = _state(region)
        found = None if state is None else _extent("state", state)
        if found is not None:
            return found
    return _extent("country", iso2)


def may_lie_within(
    origin: tuple[float, float], radius_km: float, country: str | None, region: str | None = None
) -> bool:
    """False only when the center's country (U.S.: state) lies wholly outside `radius_km` of
    `origin`; True whenever any part of it may be inside, or its territory is unknown."""
    extent = extent_of(country, region)
    if extent is None or not extent.boxes:
        return True
    reach = radius_km * SPHERE_SLACK + MARGIN_KM
    lat, lon = origin
    return any(km_to_box(lat, lon, box) <= reach for box in extent.boxes)

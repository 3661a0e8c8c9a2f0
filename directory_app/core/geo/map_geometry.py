"""Geometry for the offline map: bundled outlines, the map projection, and spherical geodesy.

Kept free of Qt so the projection and the radius-circle maths can be tested (and reused by the
CLI or an exporter) without a display. The GUI turns these plain tuples into painter paths.

The projection is equirectangular with longitudes scaled by cos(lat0), lat0 = 39°N (the middle
of the contiguous U.S.): shapes there look right, nothing blows up at the poles (unlike
Mercator, Antarctica stays finite), and projecting is two multiplications, which matters when
10,000 pins are placed. Scene units are kilometres: one unit is 1 km north-south everywhere and
1 km east-west along lat0. The y axis grows southwards, like screen and Qt scene coordinates.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from directory_app.core.geo.places import EARTH_RADIUS_KM, haversine_km
from directory_app.core.geo.places import KM_PER_MILE as KM_PER_MILE  # re-exported for map callers
from directory_app.core.paths import RESOURCES

MAP_DIR: Path = RESOURCES / "map"
US_STATES_FILE = "us_states.json"
COUNTRIES_FILE = "countries.json"

# The search measures distance with `geo.haversine_km` on this sphere; the radius circle uses the
# same sphere, so a center drawn just inside the circle is one the search finds.
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180.0

LonLat = tuple[float, float]


@dataclass(frozen=True)
class BBox:
    """A lon/lat box. Longitudes may run past ±180 (the Aleutians are stored at about -187)."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def around(cls, points: Iterable[LonLat]) -> BBox | None:
        """The smallest box holding the (lon, lat) points, or None when there are none."""
        xs: list[float] = []
        ys: list[float] = []
        for lon, lat in points:
            xs.append(lon)
            ys.append(lat)
        if not xs:
            return None
        return cls(min(xs), min(ys), max(xs), max(ys))

    def union(self, other: BBox) -> BBox:
        return BBox(
            min(self.west, other.west),
            min(self.south, other.south),
            max(self.east, other.east),
            max(self.north, other.north),
        )

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north


#: What the map shows first: the contiguous United States.
US_FOCUS = BBox(-125.0, 24.0, -66.5, 49.5)
#: Everything a pan may reach: the whole world, Aleutians and Fiji's overhang included.
WORLD_BOUNDS = BBox(-190.0, -90.0, 190.0, 84.0)


@dataclass(frozen=True)
class Outline:
    """One state or country: its name, a code (FIPS or ISO alpha-3, if known) and its rings.

    Rings are closed implicitly; holes are ordinary rings (draw with the even-odd rule).
    """

    name: str
    code: str | None
    rings: tuple[tuple[LonLat, ...], ...]

    @property
    def bbox(self) -> BBox:
        box = BBox.around(p for ring in self.rings for p in ring)
        if box is None:
            raise ValueError(f"outline {self.name!r} has no points")
        return box


@dataclass(frozen=True)
class Pin:
    """A center as the map draws it: where, what kind, and whether it has a recruiting trial."""

    center_id: int
    latitude: float
    longitude: float
    kind: str | None
    recruiting: bool
    label: str


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection scaled by cos(lat0); see the module docstring for why."""

    lat0: float = 39.0

    @property
    def kx(self) -> float:
        return KM_PER_DEGREE * math.cos(math.radians(self.lat0))

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        """(lon, lat) in degrees -> scene (x, y) in km; y grows southwards."""
        return lon * self.kx, -lat * KM_PER_DEGREE

    def unproject(self, x: float, y: float) -> LonLat:
        """Scene (x, y) -> (lon, lat) in degrees; the exact inverse of `project`."""
        return x / self.kx, -y / KM_PER_DEGREE

    def project_ring(self, ring: Iterable[LonLat]) -> list[tuple[float, float]]:
        kx = self.kx
        return [(lon * kx, -lat * KM_PER_DEGREE) for lon, lat in ring]


DEFAULT_PROJECTION = Projection()


def project(lon: float, lat: float) -> tuple[float, float]:
    """Project with the app's projection (see `Projection`)."""
    return DEFAULT_PROJECTION.project(lon, lat)


def unproject(x: float, y: float) -> LonLat:
    """Inverse of `project`: scene (x, y) -> (lon, lat)."""
    return DEFAULT_PROJECTION.unproject(x, y)


def _load(path: Path) -> tuple[Outline, ...]:
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    return tuple(
        Outline(
            name=str(f["name"]),
            code=f.get("code"),
            rings=tuple(tuple((float(x), float(y)) for x, y in ring) for ring in f["rings"]),
        )
        for f in data["features"]
    )


@lru_cache(maxsize=4)
def load_outlines(path: Path) -> tuple[Outline, ...]:
    """Outlines from one of the bundled files (built by db/build_map.py); cached per path."""
    return _load(path)


def us_states() -> tuple[Outline, ...]:
    """The 50 states, DC and Puerto Rico (U.S. Census Bureau, public domain)."""
    return load_outlines(MAP_DIR / US_STATES_FILE)


def countries() -> tuple[Outline, ...]:
    """The world's countries (Natural Earth 1:110m, public domain)."""
    return load_outlines(MAP_DIR / COUNTRIES_FILE)


def normalize_lon(lon: float) -> float:
    """Wrap a longitude into [-180, 180)."""
    return (lon + 180.0) % 360.0 - 180.0


#: Great-circle distance in km (the search's own haversine).
distance_km = haversine_km


def destination(lat: float, lon: float, bearing_deg: float, dist_km: float) -> tuple[float, float]:
    """The point `dist_km` from (lat, lon) along the initial bearing: returns (lat, lon).

    The standard spherical destination-point formula; the longitude is kept within 180° of the
    start (not wrapped), so a ring of such points stays continuous across the antimeridian.
    """
    delta = dist_km / EARTH_RADIUS_KM
    theta = math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    sin_p2 = math.sin(p1) * math.cos(delta) + math.cos(p1) * math.sin(delta) * math.cos(theta)
    sin_p2 = max(-1.0, min(1.0, sin_p2))
    p2 = math.asin(sin_p2)
    l2 = l1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(p1),
        math.cos(delta) - math.sin(p1) * sin_p2,
    )
    lon2 = lon + normalize_lon(math.degrees(l2) - lon)
    return math.degrees(p2), lon2


def geodesic_circle(
    lat: float, lon: float, radius_km: float, segments: int = 180
) -> list[tuple[float, float]]:
    """`segments` points (lat, lon) at exactly `radius_km` from the centre, clockwise from north.

    On this projection a true-distance circle is an egg-shaped curve (wider east-west away from
    lat0), so it is computed point by point rather than drawn as an ellipse.
    """
    if radius_km < 0 or segments < 3:
        raise ValueError("radius must be >= 0 and segments >= 3")
    return [destination(lat, lon, 360.0 * i / segments, radius_km) for i in range(segments)]


def pins_bbox(pins: Sequence[Pin]) -> BBox | None:
    """Bounding box (lon/lat) of the pins, or None for an empty sequence."""
    return BBox.around((p.longitude, p.latitude) for p in pins)

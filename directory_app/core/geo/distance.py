"""Distances on the Earth: radius text ("150mi", "240km"), great-circle and geodesic distances,
and the latitude/longitude box that a search narrows candidates with before measuring exactly."""

from __future__ import annotations

import math
import re

KM_PER_MILE = 1.609344
"""International mile, exactly."""

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG). With it the spherical haversine distance stays within 0.6% of the
WGS-84 geodesic everywhere (the worst case is a short north-south hop near the equator), far
below the precision a patient choosing a center needs."""


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
    """Distance on the WGS-84 ellipsoid (Karney's method, geographiclib - what geopy's
    `geodesic` computes, to 1e-11 km), for when a figure is shown to the user, a point lies
    on a radius, or near-equal distances must be ordered. Only the distance is asked for,
    which costs ~60% of geopy's full solution; imported here, not at module load, because
    most callers never need it."""
    from geographiclib.geodesic import Geodesic

    return float(Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"]) / 1000


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

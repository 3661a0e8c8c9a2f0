"""Exact distances for the centers that survive the SQL bounding box.

The search must agree with geopy's WGS-84 geodesic (the reference a user or a test would check
against) to well within 0.5%, yet it measures thousands of candidates per keystroke, and geopy
costs ~65 µs a call. The spherical haversine is fast but strays up to ~0.56% from the ellipsoid.
Lambert's formula for long lines on the ellipsoid costs ~2 µs and stays within 2e-6 of the
geodesic up to 100° of arc and 1e-5 up to 160° (checked against geographiclib on random point
pairs; beyond 160° the geodesic is used), so it measures every candidate. The geodesic itself is
computed only for the rare candidate whose Lambert distance lies within `BAND` of the radius, so
radius membership is decided exactly as a geodesic scan would decide it.
"""

from __future__ import annotations

import math

from directory_app.core.geo.places import KM_PER_MILE, geodesic_km

#: WGS-84 equatorial radius (km) and flattening.
WGS84_A_KM = 6378.137
WGS84_F = 1 / 298.257223563
#: Relative distance from the radius inside which the geodesic decides membership: five times
#: the largest Lambert error observed.
BAND = 5e-5
#: Beyond this central angle (~160°) Lambert's formula loses accuracy; use the geodesic.
_NEAR_ANTIPODAL = math.radians(160)
#: The sphere of `geo.bounding_box` may be up to ~0.56% off the ellipsoid, so boxes are drawn
#: for a radius this much larger; the exact test below removes the extra candidates.
BOX_PAD = 1.01
#: No point on Earth is farther than this from another (half a meridian is ~20,004 km).
WHOLE_EARTH_KM = 20_100.0


def lambert_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance on the WGS-84 ellipsoid by Lambert's formula (within 1e-5 of the geodesic)."""
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    b1 = math.atan((1 - WGS84_F) * math.tan(math.radians(lat1)))
    b2 = math.atan((1 - WGS84_F) * math.tan(math.radians(lat2)))
    dlon = math.radians(lon2 - lon1)
    h = math.sin((b2 - b1) / 2) ** 2 + math.cos(b1) * math.cos(b2) * math.sin(dlon / 2) ** 2
    if h <= 0.0:
        return 0.0
    sigma = 2 * math.asin(min(1.0, math.sqrt(h)))
    if sigma > _NEAR_ANTIPODAL:
        return geodesic_km(lat1, lon1, lat2, lon2)
    p, q = (b1 + b2) / 2, (b2 - b1) / 2
    sin_half2 = math.sin(sigma / 2) ** 2
    cos_half2 = 1.0 - sin_half2
    x = (sigma - math.sin(sigma)) * (math.sin(p) * math.cos(q)) ** 2 / cos_half2
    y = (sigma + math.sin(sigma)) * (math.cos(p) * math.sin(q)) ** 2 / sin_half2
    return WGS84_A_KM * (sigma - WGS84_F / 2 * (x + y))


def distance_within(
    origin: tuple[float, float],
    lat: float,
    lon: float,
    radius_km: float | None,
    lambert: float | None = None,
) -> tuple[float, bool]:
    """(distance in km, whether it is within `radius_km`) from `origin` to (lat, lon);
    `lambert`: the Lambert distance, if already known.

    Near the boundary the geodesic decides, so the answer matches a geopy scan exactly."""
    d = lambert_km(origin[0], origin[1], lat, lon) if lambert is None else lambert
    if radius_km is None:
        return d, True
    if abs(d - radius_km) <= radius_km * BAND + 1e-9:
        d = geodesic_km(origin[0], origin[1], lat, lon)
    return d, d <= radius_km


def could_swap(nearer_km: float, farther_km: float) -> bool:
    """Whether two Lambert distances are close enough that the geodesic might order them the
    other way round (their gap is within twice Lambert's error bound)."""
    bound = 2e-6 if farther_km < 11_000 else 1e-5  # 100° of arc is ~11,100 km
    return farther_km - nearer_km <= 2 * bound * farther_km + 1e-12


def km_to_mi(km: float) -> float:
    return km / KM_PER_MILE


def format_distance(km: float, units: str) -> str:
    """'150 mi' / '241.4 km': a radius as the user typed it, without float noise."""
    value = km_to_mi(km) if units == "mi" else km
    text = f"{round(value, 1):.1f}".rstrip("0").rstrip(".")
    return f"{text} {units}"

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
from collections.abc import Callable

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


def lambert_from(lat1: float, lon1: float) -> Callable[[float, float], float]:
    """`lambert_km` from one fixed point, as a function of the other: the same arithmetic,
    bit for bit, with the origin's reduced latitude computed once instead of per candidate
    (a wide search measures tens of thousands of candidates)."""
    b1 = math.atan((1 - WGS84_F) * math.tan(math.radians(lat1)))
    cos_b1 = math.cos(b1)
    atan, tan, radians, sin, cos = math.atan, math.tan, math.radians, math.sin, math.cos
    sqrt, asin, flat = math.sqrt, math.asin, 1 - WGS84_F

    def measure(lat2: float, lon2: float) -> float:
        if lat1 == lat2 and lon1 == lon2:
            return 0.0
        b2 = atan(flat * tan(radians(lat2)))
        h = sin((b2 - b1) / 2) ** 2 + cos_b1 * cos(b2) * sin(radians(lon2 - lon1) / 2) ** 2
        if h <= 0.0:
            return 0.0
        sigma = 2 * asin(min(1.0, sqrt(h)))
        if sigma > _NEAR_ANTIPODAL:
            return geodesic_km(lat1, lon1, lat2, lon2)
        p, q = (b1 + b2) / 2, (b2 - b1) / 2
        sin_half2 = sin(sigma / 2) ** 2
        cos_half2 = 1.0 - sin_half2
        x = (sigma - sin(sigma)) * (sin(p) * cos(q)) ** 2 / cos_half2
        y = (sigma + sin(sigma)) * (cos(p) * sin(q)) ** 2 / sin_half2
        return WGS84_A_KM * (sigma - WGS84_F / 2 * (x + y))

    return measure


#: Vincenty's inverse stays within 6.7e-8 km (0.07 mm) of the geodesic on 100,000 random
#: pairs up to 12,000 km apart (checked against geographiclib); this bound is 15 times that.
VINCENTY_ERROR_KM = 1e-6
#: Beyond this, Vincenty's iteration converges slowly or not at all: use the geodesic.
VINCENTY_MAX_KM = 11_000.0
_B_KM = WGS84_A_KM * (1 - WGS84_F)
_E2_PRIME = (WGS84_A_KM**2 - _B_KM**2) / _B_KM**2


def vincenty_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float | None:
    """Vincenty's inverse formula on WGS-84: ~10x faster than geographiclib's geodesic and
    within `VINCENTY_ERROR_KM` of it, so it can order neighbours Lambert's formula cannot;
    None when the iteration does not converge (nearly antipodal points)."""
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    u1 = math.atan((1 - WGS84_F) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - WGS84_F) * math.tan(math.radians(lat2)))
    big_l = math.radians(lon2 - lon1)
    sin_u1, cos_u1, sin_u2, cos_u2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    lam = big_l
    for _ in range(100):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0.0:
            return 0.0
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha * sin_alpha
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha else 0.0
        c = WGS84_F / 16 * cos2_alpha * (4 + WGS84_F * (4 - 3 * cos2_alpha))
        previous = lam
        lam = big_l + (1 - c) * WGS84_F * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm * cos_2sm))
        )
        if abs(lam - previous) < 1e-13:
            break
    else:
        return None
    u_sq = cos2_alpha * _E2_PRIME
    a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta = b * sin_sigma * (
        cos_2sm + b / 4 * (
            cos_sigma * (-1 + 2 * cos_2sm**2)
            - b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
        )
    )  # fmt: skip
    return _B_KM * a * (sigma - delta)


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

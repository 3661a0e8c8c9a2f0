"""The map's geometry: bundled outlines, projection and the radius-circle geodesy."""

from __future__ import annotations

import math

import pytest
from geopy.distance import great_circle
from hypothesis import given
from hypothesis import strategies as st

from directory_app.core.geo import map_geometry as mapgeom
from directory_app.core.geo.map_geometry import BBox, Pin


@given(
    lon=st.floats(min_value=-190, max_value=190, allow_nan=False),
    lat=st.floats(min_value=-90, max_value=90, allow_nan=False),
)
def test_project_round_trip(lon: float, lat: float) -> None:
    back_lon, back_lat = mapgeom.unproject(*mapgeom.project(lon, lat))
    assert back_lon == pytest.approx(lon, abs=1e-9)
    assert back_lat == pytest.approx(lat, abs=1e-9)


def test_projection_is_kilometres_and_north_is_up() -> None:
    x0, y0 = mapgeom.project(-81.0, 39.0)
    x1, y1 = mapgeom.project(-80.0, 40.0)
    assert y1 < y0  # north is up: scene y grows southwards, like the screen
    assert y0 - y1 == pytest.approx(111.2, abs=0.1)  # one degree of latitude
    # One degree of longitude along lat0 is cos(lat0) degrees of arc.
    assert x1 - x0 == pytest.approx(mapgeom.distance_km(39, -81, 39, -80), rel=1e-3)


def test_us_states_load_with_sane_boxes() -> None:
    states = {s.name: s for s in mapgeom.us_states()}
    assert len(states) == 52  # 50 states, DC, Puerto Rico
    assert {"Ohio", "Alaska", "Hawaii", "District of Columbia", "Puerto Rico"} <= set(states)
    ohio = states["Ohio"].bbox
    assert (ohio.west, ohio.south, ohio.east, ohio.north) == pytest.approx(
        (-84.82, 38.40, -80.52, 41.98), abs=0.05
    )
    assert ohio.contains(-81.61, 41.50)  # Cleveland
    alaska = states["Alaska"].bbox
    assert alaska.west < -180 < alaska.east < -129  # Aleutians kept next to Alaska
    for state in states.values():
        assert state.rings and all(len(ring) >= 3 for ring in state.rings)
        box = state.bbox
        assert -190 < box.west < box.east < -65 and 17 < box.south < box.north < 72


def test_countries_load_with_sane_boxes() -> None:
    countries = mapgeom.countries()
    assert len(countries) == 177
    by_code = {c.code: c for c in countries if c.code}
    usa = by_code["USA"].bbox
    assert usa.west < -160 and usa.east > -70 and usa.north > 65
    assert any(c.name == "Côte d'Ivoire" for c in countries)  # non-ASCII names survive
    for country in countries:
        box = country.bbox
        assert -182 <= box.west < box.east <= 181 and -90 <= box.south < box.north <= 84


def test_outlines_are_cached_and_small() -> None:
    assert mapgeom.us_states() is mapgeom.us_states()
    total = sum((mapgeom.MAP_DIR / f).stat().st_size for f in ("us_states.json", "countries.json"))
    assert total < 600_000
    assert (mapgeom.MAP_DIR / "SOURCES.md").read_text(encoding="utf-8").count("Public domain") == 2


@pytest.mark.parametrize("bearing", [0, 45, 90, 135, 180, 270, 333])
@pytest.mark.parametrize("dist", [1.0, 241.4, 2500.0])
def test_destination_is_at_the_requested_distance(bearing: float, dist: float) -> None:
    lat, lon = mapgeom.destination(41.50, -81.61, bearing, dist)
    assert mapgeom.distance_km(41.50, -81.61, lat, lon) == pytest.approx(dist, rel=1e-9)
    # An independent implementation of the same sphere agrees.
    assert great_circle((41.50, -81.61), (lat, lon)).km == pytest.approx(dist, rel=1e-5)


def test_destination_due_north_and_east() -> None:
    lat, lon = mapgeom.destination(0.0, 10.0, 0, 111.19508)
    assert (lat, lon) == pytest.approx((1.0, 10.0), abs=1e-6)
    lat, lon = mapgeom.destination(0.0, 10.0, 90, 111.19508)
    assert (lat, lon) == pytest.approx((0.0, 11.0), abs=1e-6)


def test_circle_stays_continuous_across_the_antimeridian() -> None:
    ring = mapgeom.geodesic_circle(-17.7, 178.9, 300.0, segments=72)  # Fiji
    lons = [lon for _, lon in ring]
    assert max(lons) > 180  # not wrapped to -177: the drawn ring must not jump across the map
    assert all(abs(a - b) < 5 for a, b in zip(lons, lons[1:], strict=False))
    for lat, lon in ring:
        assert mapgeom.distance_km(-17.7, 178.9, lat, lon) == pytest.approx(300.0, rel=1e-9)


def test_circle_validates_arguments() -> None:
    with pytest.raises(ValueError):
        mapgeom.geodesic_circle(0, 0, -1)
    assert len(mapgeom.geodesic_circle(0, 0, 10, segments=12)) == 12


def test_pins_bbox() -> None:
    assert mapgeom.pins_bbox([]) is None
    pins = [
        Pin(1, 41.5, -81.6, "academic_hospital", False, "A"),
        Pin(2, 29.7, -95.4, None, True, "B"),
    ]
    assert mapgeom.pins_bbox(pins) == BBox(-95.4, 29.7, -81.6, 41.5)
    assert math.isclose(mapgeom.normalize_lon(190.0), -170.0)

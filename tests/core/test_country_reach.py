"""A center without coordinates is never "within" a radius its country lies wholly outside:
the distance to a country's boxes, and the decision drawn from it."""

from __future__ import annotations

import random

import pytest

from directory_app.core.geo.country_reach import km_to_box, may_lie_within
from directory_app.core.geo.map_geometry import BBox
from directory_app.core.geo.places import haversine_km

CLEVELAND = (41.5034, -81.6081)  # ZIP 44106
KM_300_MI = 300 * 1.609344


def _grid_minimum(lat: float, lon: float, box: BBox, steps: int = 120) -> float:
    """The smallest distance to a dense grid over the box (its edges included)."""
    best = float("inf")
    for i in range(steps + 1):
        q_lat = box.south + (box.north - box.south) * i / steps
        for j in range(steps + 1):
            q_lon = box.west + (box.east - box.west) * j / steps
            best = min(best, haversine_km(lat, lon, q_lat, q_lon))
    return best


def test_distance_to_a_box_is_the_exact_minimum_over_the_box():
    rng = random.Random(11)
    for _ in range(40):
        south = rng.uniform(-80, 70)
        west = rng.uniform(-180, 170)
        box = BBox(west, south, west + rng.uniform(0.5, 25), south + rng.uniform(0.5, 15))
        lat, lon = rng.uniform(-85, 85), rng.uniform(-180, 180)
        exact = km_to_box(lat, lon, box)
        grid = _grid_minimum(lat, lon, box)
        # never more than the true minimum (a grid point is in the box), and close to it
        assert exact <= grid + 1e-6
        assert grid - exact <= 0.01 * max(grid, 1.0) + 15.0


def test_distance_to_a_box_is_zero_inside_and_wraps_the_antimeridian():
    assert km_to_box(60.0, 10.0, BBox(4.0, 57.0, 31.0, 71.0)) == 0.0
    # A box just across the antimeridian is ~110 km east, not ~40,000 km west.
    assert km_to_box(0.0, 179.0, BBox(-180.0, -1.0, -179.0, 1.0)) == pytest.approx(111.2, abs=1)


@pytest.mark.parametrize(
    "country, region",
    [("Norway", None), ("France", None), ("Belgium", None), ("Germany", None),
     ("Austria", None), ("China", None), ("Australia", None), ("United States", "CA"),
     ("United States", "Hawaii")],
)  # fmt: skip
def test_a_country_wholly_outside_the_radius_is_ruled_out(country, region):
    assert not may_lie_within(CLEVELAND, KM_300_MI, country, region)


@pytest.mark.parametrize(
    "country, region",
    [("United States", None), ("United States", "OH"), ("United States", "Pennsylvania"),
     ("Canada", None), ("Atlantis", None), (None, None)],
)  # fmt: skip
def test_a_country_reaching_into_the_radius_or_unknown_is_kept(country, region):
    assert may_lie_within(CLEVELAND, KM_300_MI, country, region)


def test_norway_is_kept_from_a_radius_that_reaches_it():
    oslo = (59.91, 10.75)
    assert may_lie_within(oslo, 50.0, "Norway")
    assert may_lie_within(CLEVELAND, 6500.0, "Norway")  # Cleveland-Oslo is ~6,200 km

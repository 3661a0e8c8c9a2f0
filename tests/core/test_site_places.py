"""Placing registry trial sites the gazetteer does not know under the name given: the bundled
directory's placed fraction, each rescue, and the cases where guessing must not happen."""

from __future__ import annotations

import json

import pytest

from directory_app.core import paths
from directory_app.core.geo.places import haversine_km, locate_city
from directory_app.core.geo.site_places import locate_site

SEED = paths.DB_DIR / "seed" / "directory.json"


def _centers() -> list[dict[str, object]]:
    centers: list[dict[str, object]] = json.loads(SEED.read_text(encoding="utf-8"))["centers"]
    return centers


def test_the_bundled_directory_places_at_least_99_percent_of_its_trial_sites() -> None:
    centers = _centers()
    placed = [c for c in centers if c["latitude"] is not None and c["longitude"] is not None]
    assert len(centers) > 500
    assert len(placed) / len(centers) >= 0.99, [
        (c["city"], c["region"], c["country"]) for c in centers if c["latitude"] is None
    ]


def test_the_seed_places_gazetteer_sites_where_the_lookup_puts_them_today() -> None:
    """The seed is a build output: a center placed by the gazetteer sits exactly where
    locate_site puts its city now, so the seed cannot lag behind the lookup rules."""
    checked = 0
    for c in _centers():
        if c["location_source"] != "gazetteer":
            continue
        place = locate_site(str(c["city"]), c["region"], c["country"])  # type: ignore[arg-type]
        assert place is not None, (c["city"], c["region"], c["country"])
        assert (place.latitude, place.longitude) == (c["latitude"], c["longitude"]), c["name"]
        checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    ("city", "region", "country", "expected"),
    [
        ("Tuebingen", None, "Germany", "Tübingen, Baden-Württemberg, Germany"),
        ("In Cheon", None, "Korea, Republic of", "Incheon, South Korea"),
        ("Pierre Benite Cedex", None, "France", "Lyon, Auvergne-Rhône-Alpes, France"),
        ("P. R. China", "Beijing", "China", "Beijing, China"),
        ("Iran", "Tehran", "Iran, Islamic Republic of", "Tehran, Iran"),
        ("Navarra", "Pamplona", "Spain", "Pamplona, Navarre, Spain"),
        ("Shubra", "Cairo", "Egypt", "Cairo, Egypt"),
        ("Headington", "Oxford", "United Kingdom", "Oxford, England, United Kingdom"),
        ("Herston", "Queensland", "Australia", "Brisbane, Queensland, Australia"),
        ("Tel Hashomer", None, "Israel", "Ramat Gan, Israel"),
        ("Haine St Paul", "Hainaut", "Belgium", "La Louvière, Belgium"),
        # A town under 15,000 people that a bundled site names, in its usual short form.
        ("St. Veit/Glan", None, "Austria", "Sankt Veit an der Glan, Austria"),
        # A registry record's misspelling, corrected by hand with its reason.
        ("Xi Ail", "Shaanxi", "China", "Xi’an, Shaanxi, China"),
        ("Lørenskog", "Viken", "Norway", "Oslo, Norway"),
    ],
)
def test_registry_spellings_the_exact_lookup_misses_are_placed(
    city: str, region: str | None, country: str, expected: str
) -> None:
    assert locate_city(city, region, country) is None  # the rescue is what places it
    place = locate_site(city, region, country)
    assert place is not None
    assert place.label == expected


def test_a_suburb_is_placed_at_its_city_within_a_few_kilometres() -> None:
    herston = locate_site("Herston", "Queensland", "Australia")
    brisbane = locate_city("Brisbane", None, "Australia")
    assert herston is not None and brisbane is not None
    assert (
        haversine_km(herston.latitude, herston.longitude, brisbane.latitude, brisbane.longitude) < 1
    )


@pytest.mark.parametrize(
    ("city", "region", "country"),
    [
        # Quebec is a province: a town in it is not placed at Quebec City, 100s of km away.
        ("Smalltown", "Quebec", "Canada"),
        # Shaanxi is a province of China: a town in it is not guessed to be Xi'an, its capital.
        ("Smallville", "Shaanxi", "China"),
        # U.S. sites are not rescued: the Postal Service names every U.S. city.
        ("Nowhereville", "New York", "United States"),
        # A locality belongs to its country only: Herston is not looked for in Canada.
        ("Herston", None, "Canada"),
        # An unknown country is never guessed.
        ("Shubra", "Cairo", "Atlantis"),
    ],
)
def test_no_guess_where_a_rescue_could_land_far_away(
    city: str, region: str | None, country: str
) -> None:
    assert locate_site(city, region, country) is None

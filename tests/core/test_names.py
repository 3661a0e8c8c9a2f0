"""Facility and city names as keys: two registry sites are the same center when their
normalised facility and normalised city agree."""

from __future__ import annotations

import pytest

from directory_app.core.registry.names import name_similarity, normalize_city, normalize_facility


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("St. Mary's Hospital", "Saint Marys Hospital"),
        ("The Mayo Clinic", "MAYO CLINIC"),
        ("Univ. of Minnesota Med. Ctr", "University of Minnesota Medical Center"),
        ("Brigham & Women's Hospital", "Brigham and Womens Hospital"),
        ("Hôpital Saint-Louis", "Hopital Saint Louis"),
        ("Univ. of Texas M.D. Anderson Cancer Ctr",
         "University of Texas MD Anderson Cancer Center"),
        ("M D Anderson Cancer Center", "MD Anderson Cancer Center"),
        ("Mt. Sinai Hosp", "Mount Sinai Hospital"),
        ("Centre Hospitalier", "Center Hospitalier"),
        ("UCSF", "University of California, San Francisco"),
        ("Univeristy of Iowa Hospitals and Clinics", "University of Iowa Hospitals & Clinics"),
    ],
)  # fmt: skip
def test_spelling_variants_normalise_to_the_same_key(a: str, b: str) -> None:
    assert normalize_facility(a) == normalize_facility(b)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Mayo Clinic, Department of Neurology", "mayo clinic"),
        ("Mayo Clinic Division of Rheumatology", "mayo clinic"),
        ("Johns Hopkins Hospital, Dept. of Medicine", "johns hopkins hospital"),
        ("Department of Hematology,Nanfang Hospital, Southern Medical University",
         "nanfang hospital southern medical university"),
        ("Rheumatology Department, Peking Union Medical College Hospital",
         "peking union medical college hospital"),
        ("Hospital Clinic de Barcelona, Servicio de Neurología", "hospital clinic de barcelona"),
        ("The University of Chicago Medical Center", "university of chicago medical center"),
    ],
)  # fmt: skip
def test_department_parts_and_leading_the_are_dropped(name: str, expected: str) -> None:
    assert normalize_facility(name) == expected


def test_a_name_that_is_only_a_department_is_kept() -> None:
    """Dropping it would leave nothing to tell two sites apart."""
    assert normalize_facility("Division of Rheumatology") == "division of rheumatology"


def test_different_hospitals_stay_different() -> None:
    assert normalize_facility("Mount Sinai West") != normalize_facility("Mount Sinai Hospital")
    assert normalize_facility("Saint Mary's Hospital") != normalize_facility(
        "Saint Joseph Hospital"
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("St. Louis", "Saint Louis"),
        ("SAINT LOUIS", "saint louis"),
        ("Ribeirão Preto", "Ribeirao Preto"),
        ("Changhua City", "Changhua"),
        ("New York City", "New York"),
        ("Ft. Worth", "Fort Worth"),
        ("Winston-Salem", "Winston Salem"),
    ],
)
def test_city_variants_normalise_to_the_same_key(a: str, b: str) -> None:
    assert normalize_city(a) == normalize_city(b)


def test_city_that_is_just_city_keeps_its_name() -> None:
    assert normalize_city("Quebec City") == "quebec"
    assert normalize_city("City") == "city"


def test_similarity_is_one_for_spelling_variants_and_symmetric() -> None:
    assert name_similarity("St. Mary's Hosp.", "SAINT MARYS HOSPITAL") == 1.0
    a, b = "Mayo Clinic", "MAYO CLINIC HOSPITAL ROCHESTER"
    assert name_similarity(a, b) == name_similarity(b, a)


def test_similarity_ignores_word_order_and_punctuation() -> None:
    assert name_similarity("Hospital of the University of Pennsylvania",
                           "University of Pennsylvania, Hospital") == 1.0  # fmt: skip


def test_generic_words_alone_do_not_make_names_similar() -> None:
    """Sharing "medical center" is not evidence of being the same place."""
    assert name_similarity("Holy Cross Medical Center", "Good Samaritan Medical Center") < 0.5
    assert name_similarity("Saint Mary Hospital", "Saint Joseph Hospital") < 0.8


def test_similarity_ranks_the_closer_name_higher() -> None:
    site = "Duke University Medical Center"
    assert name_similarity(site, "DUKE UNIVERSITY HOSPITAL") > name_similarity(
        site, "DUKE REGIONAL HOSPITAL"
    )


def test_similarity_of_empty_names_is_zero() -> None:
    assert name_similarity("", "Mayo Clinic") == 0.0
    assert name_similarity("The", "Of") == 0.0


@pytest.mark.parametrize(
    "variant", ["Vall d’Hebron", "Vall d‘Hebron", "Vall dʼHebron", "Vall d＇Hebron"]
)
def test_apostrophe_variants_fold_to_one_name(variant):
    from directory_app.core.registry.names import normalize_facility

    assert normalize_facility(f"Hospital {variant}") == normalize_facility("Hospital Vall d'Hebron")


@pytest.mark.parametrize(
    "variant", ["Vall D´Hebron", "Vall dHebron", "Vall Hebron", "Vall d'Hebron", "Vall D'Hebron"]
)
def test_an_elided_article_or_an_acute_accent_apostrophe_does_not_split_a_name(variant):
    """"D´Hebron" (an acute accent as apostrophe) must not fold to "D Hebron", and "dHebron"
    is the same name typed without its apostrophe."""
    from directory_app.core.registry.names import normalize_facility

    assert normalize_facility(f"Hospital {variant}") == "hospital vall hebron"


def test_only_a_lone_elided_article_is_dropped():
    from directory_app.core.registry.names import normalize_facility

    assert normalize_facility("O'Brien Clinic") == "obrien clinic"
    assert normalize_facility("Sant'Orsola Hospital") == "santorsola hospital"
    assert normalize_facility("Dallas Medical Center") == "dallas medical center"

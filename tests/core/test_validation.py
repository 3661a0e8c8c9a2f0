"""Validation of a center before it is saved: each rule names the field it concerns."""

from __future__ import annotations

import pytest

from directory_app.core.directory.validation import (
    FieldError,
    ValidationError,
    is_http_url,
    is_nct_id,
    validate_center,
)
from tests.editing_samples import sample_center


def fields_of(data: dict) -> set[str]:
    return {e.field for e in validate_center(data)}


def test_complete_sample_center_is_valid():
    assert validate_center(sample_center()) == []


def test_minimal_center_needs_only_a_name():
    assert validate_center({"name": "Clinic"}) == []
    assert fields_of({"name": "  "}) == {"name"}
    assert fields_of({}) == {"name"}


@pytest.mark.parametrize(
    "lat, lon, bad",
    [
        (91.0, 10.0, "latitude"),
        (-90.5, 10.0, "latitude"),
        (45.0, 180.1, "longitude"),
        (45.0, -181, "longitude"),
        ("north", 10.0, "latitude"),
        (True, 10.0, "latitude"),
    ],
)
def test_coordinates_out_of_range_or_not_numbers_are_refused(lat, lon, bad):
    assert bad in fields_of(sample_center(latitude=lat, longitude=lon))


def test_coordinates_at_the_limits_are_accepted():
    assert validate_center(sample_center(latitude=-90, longitude=180)) == []


def test_latitude_without_longitude_is_refused():
    errors = validate_center(sample_center(longitude=None))
    assert errors == [
        FieldError("longitude", "is missing; give both latitude and longitude, or neither")
    ]
    assert validate_center(sample_center(latitude=None, longitude=None)) == []


@pytest.mark.parametrize(
    "text, ok",
    [
        ("NCT01234567", True),
        (" NCT01234567 ", True),
        ("NCT1234567", False),
        ("NCT012345678", False),
        ("nct01234567", False),
        ("01234567", False),
        ("", False),
        (None, False),
    ],
)
def test_nct_id_is_nct_and_eight_digits(text, ok):
    assert is_nct_id(text) is ok


def test_trial_link_with_malformed_nct_id_is_refused():
    data = sample_center(trials=[{"nct_id": "NCT123", "facility": "X"}])
    assert fields_of(data) == {"trials[0].nct_id"}


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://example.org", True),
        ("http://example.org/path?q=1", True),
        ("ftp://example.org", False),
        ("javascript:alert(1)", False),
        ("www.example.org", False),
        ("https://", False),
        ("https://exa mple.org", False),
    ],
)
def test_only_http_and_https_urls_are_accepted(url, ok):
    assert is_http_url(url) is ok
    assert ("website" not in fields_of(sample_center(website=url))) is ok


def test_red_flag_evidence_must_be_a_web_link_and_description_is_required():
    flag = {"kind": "regulator_warning", "description": "", "evidence_url": "file:///etc/passwd"}
    assert fields_of(sample_center(red_flags=[flag])) == {
        "red_flags[0].description",
        "red_flags[0].evidence_url",
    }


def test_cost_minimum_above_maximum_is_refused():
    errors = validate_center(sample_center(cost_min_usd=200000, cost_max_usd=100000))
    assert [e.field for e in errors] == ["cost_min_usd"]
    assert errors[0].message == "must not be above the highest cost (100,000)"


def test_negative_cost_and_fractional_cost_are_refused():
    assert fields_of(sample_center(cost_min_usd=-1)) == {"cost_min_usd"}
    assert fields_of(sample_center(cost_max_usd=1.5)) == {"cost_max_usd"}


@pytest.mark.parametrize(
    "age_min, age_max, bad",
    [(70, 18, {"age_min"}), (-1, 18, {"age_min"}), (18, 121, {"age_max"}), (None, 65, set())],
)
def test_age_range_must_be_ordered_and_within_0_to_120(age_min, age_max, bad):
    assert fields_of(sample_center(age_min=age_min, age_max=age_max)) == bad


def test_codes_outside_the_vocabularies_are_refused():
    data = sample_center(
        kind="spa",
        setting="remote",
        accreditation="iso",
        therapies=[{"therapy": "miracle", "delivery": "oral"}],
        conditions=[{"condition": "everything"}],
        team=[{"role": "specialty", "discipline": "social_work"}, {"role": "boss"}],
        contacts=[{"role": "ceo", "name": "X"}],
    )
    assert fields_of(data) == {
        "kind",
        "setting",
        "accreditation",
        "therapies[0].therapy",
        "therapies[0].delivery",
        "conditions[0].condition",
        "team[0].discipline",
        "team[1].role",
        "contacts[0].role",
    }


def test_a_fact_listed_twice_is_refused():
    data = sample_center(conditions=[{"condition": "lupus"}, {"condition": "lupus"}])
    assert fields_of(data) == {"conditions[1]"}


def test_email_and_phone_shapes():
    assert fields_of(sample_center(email="nobody-at-example.org")) == {"email"}
    assert fields_of(sample_center(phone="call us!")) == {"phone"}
    assert fields_of(sample_center(phone="+44 20 7946 0958 ext. 12")) == set()
    contact = {"role": "intake", "name": None, "phone": "12", "email": "a@b"}
    assert fields_of(sample_center(contacts=[contact])) == {
        "contacts[0].phone",
        "contacts[0].email",
    }


def test_contact_needs_at_least_one_way_to_reach_someone():
    assert fields_of(sample_center(contacts=[{"role": "intake"}])) == {"contacts[0]"}


def test_text_longer_than_its_column_is_refused():
    errors = validate_center(sample_center(postal_code="1" * 21, name="n" * 301))
    assert {e.field for e in errors} == {"postal_code", "name"}
    assert "at most 20" in next(e.message for e in errors if e.field == "postal_code")


def test_tri_state_flags_accept_only_yes_no_or_unknown():
    assert fields_of(sample_center(insurance_accepted="yes")) == {"insurance_accepted"}


def test_validation_error_lists_errors_on_one_line():
    errors = validate_center(sample_center(name="", latitude=100, email="x", website="y"))
    exc = ValidationError(errors)
    assert exc.errors == errors
    assert "\n" not in str(exc)
    assert str(exc).startswith("name: is required; latitude:")
    assert str(exc).endswith("(and 1 more)")


def test_label_of_names_unknown_codes_as_they_are_and_missing_ones_unknown():
    from directory_app.core.directory.vocab import Therapy

    assert Therapy.label_of("hsct_autologous") == "HSCT (autologous)"
    assert Therapy.label_of("retired_code") == "retired_code"
    assert Therapy.label_of(None) == "unknown" and Therapy.label_of("", unknown="") == ""


@pytest.mark.parametrize(
    "phone, country",
    [
        ("216-844-1101 x12", "United States"),
        ("+1 (312) 555-0100", None),
        ("1-800-555-0100", "Canada"),
        ("(868) 555 0100", "Trinidad and Tobago"),  # shares +1
        ("216 844 1101 extension 4", None),
        ("+44 20 7946 0958 ext. 12", "United States"),  # "+" says which country
        ("020 7946 0958", "United Kingdom"),
    ],
)
def test_usable_phone_numbers_are_accepted(phone, country):
    assert fields_of(sample_center(phone=phone, country=country)) == set()


@pytest.mark.parametrize(
    "phone, country, words",
    [
        ("216-844-11x1", "United States", "ten digits before the extension"),
        ("216-844-11x1", None, "it has 8"),
        ("+1 312 555 010", None, "it has 9"),
        ("312 555 01000", "Canada", "ten digits"),
        ("+44 20", "United Kingdom", "7 to 15 digits after the +"),
        ("216-844-1101x", None, "an extension"),
    ],
)
def test_a_north_american_number_needs_ten_digits_before_its_extension(phone, country, words):
    errors = validate_center(sample_center(phone=phone, country=country))
    assert [e.field for e in errors] == ["phone"]
    assert words in errors[0].message


def test_a_contact_phone_follows_the_center_country():
    contact = {"role": "intake", "name": "Desk", "phone": "030 1234 5678", "email": None}
    assert fields_of(sample_center(contacts=[contact], country="Germany")) == set()
    assert fields_of(sample_center(contacts=[contact], country="United States")) == {
        "contacts[0].phone"
    }

"""Checking a center before it is saved, in the exchange form (`exchange.center_to_dict`).

The edit dialog runs `validate_center` on every keystroke and the core runs it again before a
save, so a bad value is refused with a message naming the field, whichever way it arrives.
Messages are written for a coordinator ("must be between -90 and 90"), not for a programmer.
Text limits come from the model's column sizes, so they cannot drift from the schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import String

from directory_app.core.directory import vocab
from directory_app.core.directory.models import Center
from directory_app.core.directory.phones import CHARACTERS, phone_problem
from directory_app.core.exchange.directory_form import CHILDREN

NCT_RE = re.compile(r"NCT\d{8}")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
MAX_AGE = 120
MAX_STAY_DAYS = 365
MAX_COST_USD = 10_000_000

#: Which vocabulary each coded field draws from.
CENTER_CODES: dict[str, type[vocab.Vocab]] = {
    "kind": vocab.CenterKind,
    "setting": vocab.Setting,
    "accreditation": vocab.Accreditation,
}
TEAM_ROLES: dict[str, type[vocab.Vocab]] = {
    "specialty": vocab.Specialty,
    "service": vocab.SupportService,
}


@dataclass(frozen=True)
class FieldError:
    """One problem with one field; `field` is a center field name or e.g. `contacts[1].email`."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ValidationError(ValueError):
    """A center that cannot be saved as it is; `.errors` lists every problem found."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors: list[FieldError] = list(errors)
        shown = "; ".join(str(e) for e in self.errors[:3])
        more = len(self.errors) - 3
        super().__init__(shown + (f" (and {more} more)" if more > 0 else ""))


def is_nct_id(text: str | None) -> bool:
    """True for a ClinicalTrials.gov identifier: "NCT" and eight digits (e.g. NCT01234567)."""
    return bool(text) and NCT_RE.fullmatch(str(text).strip()) is not None


def is_http_url(text: str) -> bool:
    """Only web links a coordinator can open: http(s) with a host, no spaces."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in text.strip()


def is_email(text: str) -> bool:
    return EMAIL_RE.fullmatch(text.strip()) is not None


def is_phone(text: str, country: str | None = None) -> bool:
    """A usable number for a center in `country` (see `phones`: ten digits in North America)."""
    return phone_problem(text, country) is None


def _max_length(model: type, field: str) -> int | None:
    column = model.__table__.columns.get(field)  # type: ignore[attr-defined]
    if column is not None and isinstance(column.type, String):
        return column.type.length
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Checker:
    """Collects errors; one method per kind of rule, so each check reads as one line."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def text(self, field: str, value: Any, model: type, column: str) -> None:
        if _blank(value):
            return
        if not isinstance(value, str):
            self.add(field, "must be text")
            return
        limit = _max_length(model, column)
        if limit is not None and len(value.strip()) > limit:
            self.add(field, f"is too long ({len(value.strip())} characters; at most {limit})")

    def code(self, field: str, value: Any, codes: type[vocab.Vocab]) -> None:
        if not _blank(value) and value not in codes.codes():
            expected = ", ".join(codes.codes())
            self.add(field, f"has an unknown value {value!r}; expected one of {expected}")

    def number(
        self, field: str, value: Any, low: float, high: float, *, integer: bool = False
    ) -> float | None:
        """The value as a number if it is one within [low, high]; records an error otherwise."""
        if _blank(value):
            return None
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            self.add(field, "must be a whole number" if integer else "must be a number")
            return None
        if not low <= value <= high:
            self.add(field, f"must be between {low:g} and {high:g}")
            return None
        return float(value)

    def ordered(self, field: str, low: float | None, high: float | None, what: str) -> None:
        if low is not None and high is not None and low > high:
            self.add(field, f"must not be above the {what} ({high:,g})")

    def url(self, field: str, value: Any) -> None:
        if not _blank(value) and not (isinstance(value, str) and is_http_url(value)):
            self.add(field, "must be a web address starting with http:// or https://")

    def email(self, field: str, value: Any) -> None:
        if not _blank(value) and not (isinstance(value, str) and is_email(value)):
            self.add(field, "must look like name@example.org")

    def phone(self, field: str, value: Any, country: Any) -> None:
        if _blank(value):
            return
        if not isinstance(value, str):
            self.add(field, CHARACTERS)
            return
        problem = phone_problem(value, country if isinstance(country, str) else None)
        if problem:
            self.add(field, problem)


def _check_center_fields(c: _Checker, data: dict[str, Any]) -> None:
    if _blank(data.get("name")):
        c.add("name", "is required")
    for field in ("name", "address", "city", "region", "postal_code", "country", "phone",
                  "email", "website", "accreditation_scope", "verified_by", "source_ref",
                  "eligibility_notes", "insurance_notes", "notes"):
        c.text(field, data.get(field), Center, field)
    for field, codes in CENTER_CODES.items():
        c.code(field, data.get(field), codes)

    c.number("latitude", data.get("latitude"), -90, 90)
    c.number("longitude", data.get("longitude"), -180, 180)
    if _blank(data.get("latitude")) != _blank(data.get("longitude")):
        missing = "latitude" if _blank(data.get("latitude")) else "longitude"
        c.add(missing, "is missing; give both latitude and longitude, or neither")

    age_min = c.number("age_min", data.get("age_min"), 0, MAX_AGE, integer=True)
    age_max = c.number("age_max", data.get("age_max"), 0, MAX_AGE, integer=True)
    c.ordered("age_min", age_min, age_max, "maximum age")
    cost_min = c.number("cost_min_usd", data.get("cost_min_usd"), 0, MAX_COST_USD, integer=True)
    cost_max = c.number("cost_max_usd", data.get("cost_max_usd"), 0, MAX_COST_USD, integer=True)
    c.ordered("cost_min_usd", cost_min, cost_max, "highest cost")
    c.number("typical_stay_days", data.get("typical_stay_days"), 0, MAX_STAY_DAYS, integer=True)

    for field in ("requires_failed_conventional", "insurance_accepted", "payment_plans",
                  "financial_assistance", "trial_reduced_cost"):
        value = data.get(field)
        if value is not None and not isinstance(value, bool):
            c.add(field, "must be yes, no or unknown")

    c.url("website", data.get("website"))
    c.email("email", data.get("email"))
    c.phone("phone", data.get("phone"), data.get("country"))


def _rows(c: _Checker, key: str, value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The (index, row) pairs of a list of objects; anything else is recorded as an error."""
    if not value:
        return []
    if not isinstance(value, list):
        c.add(key, "must be a list")
        return []
    rows = []
    for i, row in enumerate(value):
        if isinstance(row, dict):
            rows.append((i, row))
        else:
            c.add(f"{key}[{i}]", "must be a set of fields")
    return rows


def _check_children(c: _Checker, data: dict[str, Any]) -> None:
    seen: dict[str, set[tuple[Any, ...]]] = {key: set() for key in CHILDREN}
    for key, (model, fields) in CHILDREN.items():
        for i, row in _rows(c, key, data.get(key)):
            where = f"{key}[{i}]"
            for f in fields:
                c.text(f"{where}.{f}", row.get(f), model, f)
            ident = _identity(key, row)
            if ident is not None and ident in seen[key]:
                c.add(where, "is listed twice")
            seen[key].add(ident or ())
            _check_child(c, key, where, row, data.get("country"))


def _identity(key: str, row: dict[str, Any]) -> tuple[Any, ...] | None:
    """What makes a fact unique for a center (mirrors the tables' unique constraints)."""
    if key == "therapies":
        ident: tuple[Any, ...] = (row.get("therapy"),)
    elif key == "conditions":
        ident = (row.get("condition"),)
    elif key == "team":
        ident = (row.get("role"), row.get("discipline"))
    else:
        return None
    return ident if all(v is None or isinstance(v, str) for v in ident) else None


def _check_child(
    c: _Checker, key: str, where: str, row: dict[str, Any], country: Any
) -> None:
    if key == "therapies":
        if _blank(row.get("therapy")):
            c.add(f"{where}.therapy", "is required")
        c.code(f"{where}.therapy", row.get("therapy"), vocab.Therapy)
        c.code(f"{where}.delivery", row.get("delivery"), vocab.Delivery)
    elif key == "conditions":
        if _blank(row.get("condition")):
            c.add(f"{where}.condition", "is required")
        c.code(f"{where}.condition", row.get("condition"), vocab.Condition)
    elif key == "team":
        role = row.get("role")
        codes = TEAM_ROLES.get(role) if isinstance(role, str) else None
        if codes is None:
            c.add(f"{where}.role", "must be 'specialty' or 'service'")
        else:
            if _blank(row.get("discipline")):
                c.add(f"{where}.discipline", "is required")
            c.code(f"{where}.discipline", row.get("discipline"), codes)
    elif key == "contacts":
        if _blank(row.get("role")):
            c.add(f"{where}.role", "is required")
        c.code(f"{where}.role", row.get("role"), vocab.ContactRole)
        if all(_blank(row.get(f)) for f in ("name", "phone", "email")):
            c.add(where, "needs at least a name, a phone number or an email")
        c.phone(f"{where}.phone", row.get("phone"), country)
        c.email(f"{where}.email", row.get("email"))
    elif key == "red_flags":
        if _blank(row.get("kind")):
            c.add(f"{where}.kind", "is required")
        c.code(f"{where}.kind", row.get("kind"), vocab.RedFlagKind)
        if _blank(row.get("description")):
            c.add(f"{where}.description", "is required; say what was found")
        c.url(f"{where}.evidence_url", row.get("evidence_url"))


def _check_trials(c: _Checker, data: dict[str, Any]) -> None:
    for i, link in _rows(c, "trials", data.get("trials")):
        nct = link.get("nct_id")
        if not is_nct_id(nct):
            c.add(f"trials[{i}].nct_id", "must be NCT followed by 8 digits (e.g. NCT01234567)")


def validate_center(data: dict[str, Any]) -> list[FieldError]:
    """Every problem that would stop this center from being saved; empty when it is fine."""
    c = _Checker()
    _check_center_fields(c, data)
    _check_children(c, data)
    _check_trials(c, data)
    return c.errors

"""API v2 JSON study objects → `StudyRecord`.

The v2 API nests everything in modules (`protocolSection.statusModule.overallStatus` ...). Any
member may be missing, and hand-edited or third-party files may carry the wrong JSON type, so
every access goes through `_dig`, which turns a surprise into a RecordError naming the dotted
path of the member, instead of a TypeError deep inside the importer.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from directory_app.core.registry.eligibility import parse_sex, split_criteria
from directory_app.core.registry.fields import (
    FieldContext,
    RecordError,
    SiteContact,
    SiteRecord,
    StudyRecord,
    format_intervention,
    parse_age_years,
    parse_date,
    parse_nct_id,
    parse_phases,
    parse_status,
    study_url,
)

_P = "protocolSection."


def _dig(
    ctx: FieldContext, obj: dict[str, Any], path: str, kind: type, required: bool = False
) -> Any:
    """Follow a dotted path of object members; None if absent, RecordError if mistyped."""
    value: Any = obj
    walked: list[str] = []
    for key in path.split("."):
        if not isinstance(value, dict):
            raise ctx.error(".".join(walked), f"expected an object, found {_json_type(value)}")
        walked.append(key)
        value = value.get(key)
        if value is None:
            if required:
                raise ctx.error(path, "missing")
            return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ctx.error(path, f"expected {_KIND_NAMES[kind]}, found {_json_type(value)}")
    return value


_KIND_NAMES = {str: "text", list: "a list", dict: "an object", float: "a number"}
_TYPE_NAMES = {dict: "an object", list: "a list", str: "text", bool: "true/false",
               int: "a number", float: "a number", type(None): "null"}  # fmt: skip


def _json_type(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _text(ctx: FieldContext, obj: dict[str, Any], path: str) -> str:
    """The stripped text at `path`, "" when absent."""
    return (_dig(ctx, obj, path, str) or "").strip()


def _strings(ctx: FieldContext, obj: dict[str, Any], path: str) -> tuple[str, ...]:
    items = _dig(ctx, obj, path, list) or []
    if not all(isinstance(i, str) for i in items):
        raise ctx.error(path, "expected a list of text values")
    return tuple(i.strip() for i in items if i.strip())


def study_from_json(record: Any, ctx: FieldContext) -> StudyRecord:
    """Convert one API v2 study object; RecordError names the offending member."""
    if not isinstance(record, dict):
        message = f"expected a study object, found {_json_type(record)}"
        raise RecordError(ctx.file, ctx.row, None, message)
    ident = _P + "identificationModule."
    nct_path = ident + "nctId"
    nct_id = parse_nct_id(ctx, nct_path, _dig(ctx, record, nct_path, str, required=True))
    title = _text(ctx, record, ident + "briefTitle") or _text(ctx, record, ident + "officialTitle")
    if not title:
        raise ctx.error(ident + "briefTitle", "the study has no title")
    status_path = _P + "statusModule.overallStatus"
    date_path = _P + "statusModule.lastUpdatePostDateStruct.date"
    phases_path = _P + "designModule.phases"
    min_path = _P + "eligibilityModule.minimumAge"
    max_path = _P + "eligibilityModule.maximumAge"
    status = _P + "statusModule."
    eligibility = _P + "eligibilityModule."
    criteria_text = _dig(ctx, record, eligibility + "eligibilityCriteria", str)
    criteria = split_criteria(criteria_text)
    has_criteria = criteria_text is not None and bool(criteria_text.strip())
    return StudyRecord(
        nct_id=nct_id,
        title=title,
        acronym=_text(ctx, record, ident + "acronym") or None,
        status=ctx.convert(status_path, parse_status, _text(ctx, record, status_path)),
        phases=ctx.convert(phases_path, parse_phases, "|".join(_strings(ctx, record, phases_path))),
        conditions=_strings(ctx, record, _P + "conditionsModule.conditions"),
        interventions=tuple(_interventions(ctx, record)),
        sponsor=_text(ctx, record, _P + "sponsorCollaboratorsModule.leadSponsor.name") or None,
        last_update=ctx.convert(date_path, parse_date, _text(ctx, record, date_path)),
        url=study_url(nct_id),
        min_age_years=ctx.convert(min_path, parse_age_years, _text(ctx, record, min_path)),
        max_age_years=ctx.convert(max_path, parse_age_years, _text(ctx, record, max_path)),
        sites=tuple(_sites(ctx, record, _P + "contactsLocationsModule.locations")),
        sites_complete=_dig(ctx, record, _P + "contactsLocationsModule.locations", list)
        is not None,
        sex=ctx.convert(eligibility + "sex", parse_sex, _text(ctx, record, eligibility + "sex")),
        healthy_volunteers=_flag(ctx, record, eligibility + "healthyVolunteers"),
        enrollment=_count(ctx, record, _P + "designModule.enrollmentInfo.count"),
        start_date=_date(ctx, record, status + "startDateStruct.date"),
        completion_date=_date(ctx, record, status + "completionDateStruct.date"),
        eligibility_text=criteria_text.strip() if has_criteria and criteria_text else None,
        inclusion_criteria=criteria.inclusion if has_criteria else None,
        exclusion_criteria=criteria.exclusion if has_criteria else None,
    )


def _date(ctx: FieldContext, record: dict[str, Any], path: str) -> Any:
    return ctx.convert(path, parse_date, _text(ctx, record, path))


def _flag(ctx: FieldContext, record: dict[str, Any], path: str) -> bool | None:
    """A true/false member (which `_dig` refuses, as a bool is never text or a number)."""
    head, _, last = path.rpartition(".")
    parent = _dig(ctx, record, head, dict) if head else record
    value = None if parent is None else parent.get(last)
    if value is not None and not isinstance(value, bool):
        raise ctx.error(path, f"expected true/false, found {_json_type(value)}")
    return value


def _count(ctx: FieldContext, record: dict[str, Any], path: str) -> int | None:
    """A whole, non-negative number of participants (the API writes 40; some tools 40.0)."""
    value = _dig(ctx, record, path, float)
    if value is None:
        return None
    if not (math.isfinite(value) and value.is_integer() and 0 <= value < 10**9):
        raise ctx.error(path, f"{value!r} is not a number of participants")
    return int(value)


def _contacts(ctx: FieldContext, loc: dict[str, Any]) -> tuple[SiteContact, ...]:
    """The site's contacts. API v2 carries contacts, so a location without any lists none
    (the registry drops them when a site stops recruiting): (), not None."""
    items = _dig(ctx, loc, "contacts", list) or []
    found = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ctx.error(f"contacts[{i}]", f"expected an object, found {_json_type(item)}")
        local = FieldContext(ctx.file, ctx.row, prefix=f"{ctx.prefix}.contacts[{i}]")
        phone = _text(local, item, "phone")
        ext = _text(local, item, "phoneExt")
        contact = SiteContact(
            name=_text(local, item, "name") or None,
            role=_role(_text(local, item, "role")),
            phone=(f"{phone} ext. {ext}" if ext else phone) or None,
            email=_text(local, item, "email") or None,
        )
        if contact.name or contact.phone or contact.email:
            found.append(contact)
    return tuple(found)


def _role(code: str) -> str | None:
    """ "PRINCIPAL_INVESTIGATOR" → "Principal investigator"."""
    return code.replace("_", " ").capitalize() if code else None


def _interventions(ctx: FieldContext, record: dict[str, Any]) -> Iterator[str]:
    path = _P + "armsInterventionsModule.interventions"
    for i, item in enumerate(_dig(ctx, record, path, list) or []):
        local = FieldContext(ctx.file, ctx.row, prefix=f"{path}[{i}]")
        if not isinstance(item, dict):
            raise ctx.error(f"{path}[{i}]", f"expected an object, found {_json_type(item)}")
        name = _text(local, item, "name")
        if name:
            yield format_intervention(_text(local, item, "type"), name)


def _sites(ctx: FieldContext, record: dict[str, Any], path: str) -> Iterator[SiteRecord]:
    for i, loc in enumerate(_dig(ctx, record, path, list) or []):
        where = f"{path}[{i}]"
        if not isinstance(loc, dict):
            raise ctx.error(where, f"expected a location object, found {_json_type(loc)}")
        local = FieldContext(ctx.file, ctx.row, prefix=where)
        status = _text(local, loc, "status")
        yield SiteRecord(
            facility=_text(local, loc, "facility"),
            city=_text(local, loc, "city"),
            region=_text(local, loc, "state") or None,
            postal_code=_text(local, loc, "zip") or None,
            country=_text(local, loc, "country"),
            status=local.convert("status", parse_status, status) if status else None,
            latitude=_coordinate(local, loc, "geoPoint.lat", 90.0),
            longitude=_coordinate(local, loc, "geoPoint.lon", 180.0),
            contacts=_contacts(local, loc),
        )


def _coordinate(ctx: FieldContext, loc: dict[str, Any], path: str, limit: float) -> float | None:
    """A geoPoint member: a finite number within +-`limit` degrees, or None when absent."""
    try:
        value = _dig(ctx, loc, path, float)
    except OverflowError:  # an integer too large for a float
        raise ctx.error(path, f"must be a number from {-limit:g} to {limit:g}") from None
    if value is not None and not (math.isfinite(value) and -limit <= value <= limit):
        raise ctx.error(path, f"{value!r} is not a number from {-limit:g} to {limit:g}")
    return None if value is None else float(value)

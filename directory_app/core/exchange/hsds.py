"""An Open Referral HSDS-shaped export, so other directory tools can read our centers.

The Human Services Data Specification (HSDS 3.0, openreferral.org) models a directory as
organizations, the services they provide, the locations where they provide them
(`service_at_location` links the two), and phones and contacts. We map:

- a center -> one `organization` (name, description, email, website) and one physical
  `location` (coordinates, address with an ISO country code);
- each therapy it offers -> a `service`, plus a "Registered clinical trials" service listing its
  trials (NCT number and status) when it has any; a center with neither gets one general
  "Referral information" service, so every location offers something. Services carry the
  center's eligibility (ages), fees (cost range, insurance, financial assistance),
  accreditation and the date a person last verified the facts (`assured_date`);
- the center's phone -> a `phone` of the organization and location; each contact -> a `contact`
  with its own `phone`.

Ids are UUIDs derived from the center's uid (uuid5), so re-exporting gives the same ids and a
consumer can update rather than duplicate. Registry-inferred facts say so in their
descriptions. This is an export only: HSDS has no place for our provenance per fact, so an HSDS
file is not read back (use our CSV or JSON for that).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from directory_app.core.directory.vocab import ContactRole, Provenance, Therapy
from directory_app.core.exchange.json_file import dumps
from directory_app.core.geo import places as geo
from directory_app.core.present.center_facts import TRIAL_NOTE, CenterFacts, center_facts
from directory_app.core.present.words import label, provenance
from directory_app.core.storage.atomic import atomic_text

HSDS_VERSION = "3.0"
_NAMESPACE = uuid.UUID("0c4f7a52-3e1b-5d1a-9a67-52d9c0b1e8f4")


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _fees(facts: CenterFacts) -> str | None:
    """'Cost (USD): $40,000 – $90,000; Insurance accepted: Yes; ...': the known cost facts in
    the words every view uses, None when none is known."""
    costs = facts.section("costs")
    parts = [f"{f.label}: {f.value}" for f in costs.facts
             if f.known and f.key != "insurance_notes"]
    notes = costs.get("insurance_notes")
    if notes.known:
        parts.append(notes.value)
    return "; ".join(parts) or None


def _common(c: dict[str, Any], facts: CenterFacts, org: str) -> dict[str, Any]:
    """Service fields shared by every service of a center."""
    accreditation = facts.fact("accreditation")
    return {
        "organization_id": org,
        "status": "active",
        "url": c.get("website"),
        "email": c.get("email"),
        "fees_description": _fees(facts),
        "eligibility_description": c.get("eligibility_notes"),
        "minimum_age": c.get("age_min"),
        "maximum_age": c.get("age_max"),
        "accreditations": accreditation.value if accreditation.known else None,
        "assured_date": c.get("last_verified"),
    }


def _services(c: dict[str, Any], facts: CenterFacts, org: str) -> list[dict[str, Any]]:
    uid = c["uid"]
    common = _common(c, facts, org)
    services = []
    for t in c.get("therapies", []):
        how = (
            "verified by a person" + (f" on {t['verified_on']}" if t.get("verified_on") else "")
            if t.get("source") == Provenance.VERIFIED
            else f"{provenance(t.get('source'), t.get('source_ref') or 'a public registry')}; "
            "not verified"
        )
        name = label(Therapy, t["therapy"])
        services.append(
            {
                "id": _id(uid, "service", t["therapy"]),
                "name": name,
                "description": f"{name} ({how}).",
                **common,
            }
        )
    if facts.trials:
        # The status that applies to this center, dated by its registry record and judged
        # on the day of the export.
        listed = "; ".join(f"{t.nct_id} ({t.status})" for t in facts.trials)
        services.append(
            {
                "id": _id(uid, "service", "trials"),
                "name": "Registered clinical trials",
                "description": f"Takes part in registered trials: {listed}. {TRIAL_NOTE}",
                **common,
            }
        )
    if not services:
        services.append(
            {
                "id": _id(uid, "service", "general"),
                "name": "Referral information",
                "description": "Contact the center for what it offers.",
                **common,
            }
        )
    return services


def _role(person: dict[str, Any]) -> str:
    """The contact's role in words ("" when none is recorded: HSDS leaves the title empty)."""
    return label(ContactRole, person["role"]) if person.get("role") else ""


def _known(row: dict[str, Any]) -> dict[str, Any]:
    """The row without unknown (None) members: HSDS types optional fields as string or number,
    so an unknown fact is left out rather than written as null."""
    return {key: value for key, value in row.items() if value is not None}


def _address(c: dict[str, Any], loc: str) -> dict[str, Any] | None:
    """The physical address, or None unless the street and an ISO 3166 alpha-2 country are
    known: HSDS requires both, and a made-up street line would mislead."""
    country = geo.country_code(c.get("country"))
    if not c.get("address") or not country:
        return None
    return {
        "id": _id(c["uid"], "address"),
        "location_id": loc,
        "address_1": c["address"],
        "city": c.get("city") or "",
        "state_province": c.get("region") or "",
        "postal_code": c.get("postal_code") or "",
        "country": country,
        "address_type": "physical",
    }


def _place_note(place: str) -> str | None:
    return f"Street address not on record; located in {place}." if place else None


def to_hsds(data: dict[str, Any]) -> dict[str, Any]:
    """An HSDS-shaped document from an export document (`io_json.export_document`)."""
    out: dict[str, list[dict[str, Any]]] = {
        "organizations": [],
        "services": [],
        "locations": [],
        "service_at_location": [],
        "phones": [],
        "contacts": [],
    }
    records = {t["nct_id"]: t for t in data.get("trials", [])}
    for exported in data["centers"]:
        c = {**exported, "trial_records": records}
        facts = center_facts(c)
        uid = c["uid"]
        org, loc = _id(uid, "organization"), _id(uid, "location")
        kind = facts.kind.value if facts.kind.known else "Center"
        place = ", ".join(p for p in (c.get("city"), c.get("region"), c.get("country")) if p)
        out["organizations"].append(
            _known(
                {
                    "id": org,
                    "name": c["name"],
                    # The other names it is registered under (HSDS has one text field).
                    "alternate_name": "; ".join(a["name"] for a in c.get("aliases") or [])
                    or None,
                    "email": c.get("email"),
                    "website": c.get("website"),
                    "description": f"{kind}{' in ' + place if place else ''}. Source: "
                    f"{facts.fact('source').value}.",
                }
            )
        )
        address = _address(c, loc)
        out["locations"].append(
            _known(
                {
                    "id": loc,
                    "organization_id": org,
                    "location_type": "physical",
                    "name": c["name"],
                    "description": None if address else _place_note(place),
                    "latitude": c.get("latitude"),
                    "longitude": c.get("longitude"),
                    "addresses": [address] if address else [],
                }
            )
        )
        for service in _services(c, facts, org):
            out["services"].append(_known(service))
            out["service_at_location"].append(
                {
                    "id": _id(uid, "sal", service["id"]),
                    "service_id": service["id"],
                    "location_id": loc,
                }
            )
        if c.get("phone"):
            out["phones"].append(
                {
                    "id": _id(uid, "phone"),
                    "organization_id": org,
                    "location_id": loc,
                    "number": c["phone"],
                    "type": "voice",
                    "description": "Main number",
                }
            )
        for i, person in enumerate(c.get("contacts", [])):
            contact = _id(uid, "contact", str(i))
            out["contacts"].append(
                _known(
                    {
                        "id": contact,
                        "organization_id": org,
                        "name": person.get("name"),
                        "title": _role(person),
                        "email": person.get("email"),
                    }
                )
            )
            if person.get("phone"):
                out["phones"].append(
                    {
                        "id": _id(uid, "contact-phone", str(i)),
                        "contact_id": contact,
                        "number": person["phone"],
                        "type": "voice",
                        "description": _role(person),
                    }
                )
    return {"hsds_version": HSDS_VERSION, "publisher": "Stem Cell Center Directory", **out}


def write_hsds(document: dict[str, Any], path: str | Path) -> None:
    with atomic_text(path) as fh:
        fh.write(dumps(document))

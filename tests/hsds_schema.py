"""Validate an HSDS export against the Open Referral HSDS 3.0 JSON Schemas in tests/data.

The schemas (one per table, CC-BY-SA-4.0, see tests/data/hsds-3.0/LICENSE) refer to each other
by file name ("phone.json"); every reference is resolved from that folder, never the network.
Each exported row is checked against its table's schema, and each address's country against
ISO 3166-1 alpha-2 and its address_1 being non-empty, which the schema asks for
only in prose.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMAS = Path(__file__).resolve().parent / "data" / "hsds-3.0"

#: Export table -> the schema its rows must satisfy.
TABLES = {
    "organizations": "organization.json",
    "services": "service.json",
    "locations": "location.json",
    "service_at_location": "service_at_location.json",
    "phones": "phone.json",
    "contacts": "contact.json",
}
_ALPHA2 = re.compile(r"[A-Z]{2}")


@cache
def _registry() -> Registry:
    resources = [
        (
            p.name,
            Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT202012),
        )
        for p in SCHEMAS.glob("*.json")
    ]
    return Registry().with_resources(resources)


@cache
def _validator(schema_file: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / schema_file).read_text())
    return Draft202012Validator(schema, registry=_registry())


def hsds_errors(document: dict[str, Any]) -> list[str]:
    """Every schema violation in an export, one line each ("table[i].path: message")."""
    errors = []
    for table, schema_file in TABLES.items():
        for i, row in enumerate(document.get(table, [])):
            for err in _validator(schema_file).iter_errors(row):
                path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.path)
                errors.append(f"{table}[{i}]{path}: {err.message[:200]}")
        for i, row in enumerate(document.get(table, [])):
            for j, address in enumerate(row.get("addresses", [])):
                where = f"{table}[{i}].addresses[{j}]"
                if not _ALPHA2.fullmatch(str(address.get("country", ""))):
                    errors.append(f"{where}.country: not an ISO 3166-1 alpha-2 code")
                if not str(address.get("address_1", "")).strip():
                    errors.append(f"{where}.address_1: empty")
    return errors

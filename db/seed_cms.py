"""The seed build's CMS step: U.S. centers joined to the CMS hospital list.

A center the CMS list names (`directory_app.core.registry.cms.match_cms`: exact name in the same
ZIP code or city, or exact street address and ZIP) keeps the hospital's CCN as its identifier
and takes CMS's hospital type, current address and phone, with CMS recorded as their source.
A center whose kind the registry did not tell gets the kind the CMS record supports
("hospital"; "academic hospital" only where the hospital's registered name says so). Nothing
is changed on a center without a match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from directory_app.core.directory.vocab import Provenance
from directory_app.core.geo.regions import US_COUNTRY
from directory_app.core.registry.cms import BY_ADDRESS, BY_NAME, kind_for, match_cms


@dataclass
class CmsStats:
    """What the CMS step did, for the build output and the seed's meta."""

    by_name: int = 0
    by_address: int = 0
    kinds_from_cms: int = 0
    with_kind: int = 0
    kind_unknown: int = 0
    us_centers: int = 0

    def as_meta(self) -> dict[str, int]:
        return {
            "us_centers": self.us_centers,
            "matched_by_name": self.by_name,
            "matched_by_address": self.by_address,
            "kinds_from_cms": self.kinds_from_cms,
            "centers_with_kind": self.with_kind,
            "centers_kind_unknown": self.kind_unknown,
        }


def cms_summary(meta: dict[str, int]) -> str:
    """The build output's line for the CMS step, from the seed's `meta["cms"]`."""
    matched = meta["matched_by_name"] + meta["matched_by_address"]
    return (
        f"CMS: {matched} of {meta['us_centers']} U.S. centers matched "
        f"({meta['matched_by_name']} by name, {meta['matched_by_address']} by address), "
        f"{meta['kinds_from_cms']} kinds from CMS; {meta['centers_with_kind']} centers have "
        f"a kind, {meta['centers_kind_unknown']} unknown"
    )


def apply_cms(centers: list[dict[str, Any]]) -> CmsStats:
    """Join each U.S. center (exchange form) to the CMS list, in place; return the counts."""
    stats = CmsStats()
    for center in centers:
        if center.get("country") != US_COUNTRY:
            continue
        stats.us_centers += 1
        found = match_cms(
            center["name"], center.get("city"), center.get("region"),
            center.get("postal_code"), center.get("address"),
        )  # fmt: skip
        if found is None:
            continue
        hospital = found.hospital
        if found.rule == BY_NAME:
            stats.by_name += 1
        elif found.rule == BY_ADDRESS:
            stats.by_address += 1
        ref = f"CMS CCN {hospital.ccn}"
        center.update(
            ccn=hospital.ccn,
            hospital_type=hospital.type,
            address=hospital.address or center.get("address"),
            postal_code=hospital.zip or center.get("postal_code"),
            phone=hospital.telephone or center.get("phone"),
            contact_source=Provenance.CMS.value,
            source_ref=f"{center['source_ref']}; {ref}",
        )
        kind = kind_for(hospital)
        if center.get("kind") is None and kind is not None:
            center.update(kind=kind.value, kind_source=Provenance.CMS.value, kind_source_ref=ref)
            stats.kinds_from_cms += 1
    recount_kinds(stats, centers)
    return stats


def recount_kinds(stats: CmsStats, centers: list[dict[str, Any]]) -> None:
    """Count, in `stats`, the centers with a kind and without one (again after a merge)."""
    stats.with_kind = sum(1 for c in centers if c.get("kind"))
    stats.kind_unknown = len(centers) - stats.with_kind

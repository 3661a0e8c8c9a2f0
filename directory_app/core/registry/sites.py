"""From a registry site to a directory center: identity, placement and inferred facts.

The bundled seed and the ClinicalTrials.gov importer both turn `SiteRecord`s into centers, and
they must agree, or an import after the seed would duplicate every center. So the rules live
here once:
- identity: two sites are one center when facility and city match after normalisation
  (`center_key`);
- placement: a v2 `geoPoint` gives the coordinates whenever the registry supplies one
  (`location_source='registry'`: the registry's own geocode of that site); a U.S. site matched
  to the HIFLD hospital list gets its address, phone and website from HIFLD in any case, and
  HIFLD's coordinates when there is no geoPoint (`'hifld'`); otherwise the city's coordinates
  from the offline gazetteer (`'gazetteer'`); otherwise none ("location unknown");
- facts: conditions, therapies and care-team specialties inferred from the study, each marked
  `source='registry'` with the NCT id it came from, never as verified.
Everything here works on the exchange form (`exchange.py`) so callers can write JSON or rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from types import EllipsisType
from typing import Any

from directory_app.core.directory.vocab import Provenance
from directory_app.core.geo import places as geo
from directory_app.core.geo.regions import US_COUNTRY, us_state_code
from directory_app.core.geo.site_places import locate_site
from directory_app.core.registry.classify import (
    kind_from_facility,
    specialties_for_conditions,
    study_conditions,
    therapies_from_text,
)
from directory_app.core.registry.ctgov import SiteRecord, StudyRecord
from directory_app.core.registry.hifld import match_hospital
from directory_app.core.registry.names import normalize_city, normalize_facility

#: Namespace for stable center ids derived from a registry site's normalised identity.
SITE_NAMESPACE = uuid.UUID("6f1d2c3e-8a4b-5c6d-9e0f-a1b2c3d4e5f6")


@dataclass(frozen=True)
class Placement:
    """Where a site is, and how we know."""

    latitude: float
    longitude: float
    source: str
    address: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    website: str | None = None
    hospital_id: str | None = None


def center_key(site: SiteRecord) -> str:
    """Identity of the center behind a site: normalised facility | city | country."""
    country = geo.country_code(site.country) or site.country.strip().lower()
    return f"{normalize_facility(site.facility)}|{normalize_city(site.city)}|{country}"


def center_uid(key: str) -> str:
    """A stable id, the same in every database built from the same registry site."""
    return uuid.uuid5(SITE_NAMESPACE, key).hex


def is_us_site(site: SiteRecord) -> bool:
    return site.country == US_COUNTRY or geo.is_us(site.country)


def place_site(site: SiteRecord) -> Placement | None:
    """Coordinates (and for U.S. hospitals, contact details) for a site, or None if unknown.

    A geoPoint wins for the coordinates because it is the registry's statement about this very
    site; the HIFLD match still supplies what a geoPoint lacks (address, phone, website)."""
    hospital = None
    if is_us_site(site) and site.region:
        hospital = match_hospital(site.facility, site.city, site.region)
    details: dict[str, Any] = {}
    if hospital is not None:
        details = {
            "address": hospital.address,
            "postal_code": hospital.zip,
            "phone": hospital.telephone,
            "website": hospital.website,
            "hospital_id": hospital.id,
        }
    if site.latitude is not None and site.longitude is not None:
        return Placement(site.latitude, site.longitude, Provenance.REGISTRY, **details)
    if hospital is not None and hospital.latitude is not None and hospital.longitude is not None:
        return Placement(hospital.latitude, hospital.longitude, Provenance.HIFLD, **details)
    place = locate_site(site.city, site.region, site.country)
    if place is not None:
        return Placement(place.latitude, place.longitude, Provenance.GAZETTEER, **details)
    return None


def region_name(site: SiteRecord) -> str | None:
    """U.S. regions as the two-letter code addresses use; elsewhere as registered."""
    if site.region and is_us_site(site):
        return us_state_code(site.region) or site.region
    return site.region


def new_center(
    site: SiteRecord, study: StudyRecord, placement: Placement | None | EllipsisType = ...
) -> dict[str, Any]:
    """A center in exchange form for a site seen for the first time (no facts yet).

    `placement` is `place_site(site)`, computed here unless the caller already has it (the
    importer places a site before deciding it is new, and placing is the costly part)."""
    key = center_key(site)
    kind = kind_from_facility(site.facility)
    if isinstance(placement, EllipsisType):
        placement = place_site(site)
    center: dict[str, Any] = {
        "uid": center_uid(key),
        "name": site.facility.strip(),
        "kind": kind.value if kind else None,
        "kind_source": Provenance.REGISTRY.value if kind else None,
        "kind_source_ref": study.nct_id if kind else None,
        "address": None,
        "city": site.city.strip() or None,
        "region": region_name(site),
        "postal_code": site.postal_code,
        "country": US_COUNTRY if is_us_site(site) else (site.country.strip() or None),
        "latitude": None,
        "longitude": None,
        "location_source": None,
        "phone": None,
        "website": None,
        "source": Provenance.REGISTRY.value,
        "source_ref": f"ClinicalTrials.gov {study.nct_id}",
        "last_verified": None,
        "edited_fields": [],
        "therapies": [],
        "conditions": [],
        "team": [],
        "contacts": [],
        "red_flags": [],
        "trials": [],
    }
    if placement is not None:
        center.update(
            latitude=round(placement.latitude, 6),
            longitude=round(placement.longitude, 6),
            location_source=placement.source.value
            if isinstance(placement.source, Provenance)
            else placement.source,
        )
        if placement.hospital_id is not None:
            center.update(
                address=placement.address,
                postal_code=placement.postal_code or site.postal_code,
                phone=placement.phone,
                website=placement.website,
                contact_source=Provenance.HIFLD.value,
                source_ref=(
                    f"ClinicalTrials.gov {study.nct_id}; HIFLD hospital {placement.hospital_id}"
                ),
            )
    return center


def _fact(ref: str, **values: Any) -> dict[str, Any]:
    return {**values, "source": Provenance.REGISTRY.value, "source_ref": ref, "verified_on": None}


def add_study(center: dict[str, Any], site: SiteRecord, study: StudyRecord) -> None:
    """Record that this center takes part in `study`, and what the study lets us infer.

    A fact already present keeps its first source (NCT ids are visited in order, so the
    reference is the lowest NCT id that implies it); verified facts are never replaced."""
    conditions = study_conditions(study)
    therapies = therapies_from_text(study.interventions, study.title, conditions)
    specialties = specialties_for_conditions(conditions, therapies)
    have_conditions = {c["condition"] for c in center["conditions"]}
    for condition in sorted(conditions - have_conditions):
        center["conditions"].append(_fact(study.nct_id, condition=condition.value))
    have_therapies = {t["therapy"] for t in center["therapies"]}
    for therapy in sorted(therapies - have_therapies):
        center["therapies"].append(_fact(study.nct_id, therapy=therapy.value, delivery=None))
    have_team = {(t["role"], t["discipline"]) for t in center["team"]}
    for specialty in sorted(specialties):
        if ("specialty", specialty.value) not in have_team:
            center["team"].append(_fact(study.nct_id, role="specialty", discipline=specialty.value))
    if not any(t["nct_id"] == study.nct_id for t in center["trials"]):
        center["trials"].append(
            {
                "nct_id": study.nct_id,
                "site_status": site.status.value if site.status else None,
                "facility": site.facility,
                "city": site.city or None,
                "region": site.region,
                "country": site.country or None,
            }
        )

"""Trial sites the registry names only by their city: where they are, and which center (if
any) they can be linked to without guessing.

A flat registry table says "a site in Chicago, Illinois" and "8 sites", never which facility.
Such a site becomes a place of the trial (exchange form: `trials[].places`), located at its
city by the offline gazetteer, and never a center: a center made up from a city and a sponsor
would be a fact nobody stated. One link is safe, and only one: when the trial's lead sponsor
IS a center already in the directory, in that very city (same normalised name, same normalised
city and country), the site is that center's, and the link says it was inferred that way
(`SPONSOR_CITY`). Any doubt (no such center, or two) leaves the place unlinked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from directory_app.core.directory.vocab import Provenance
from directory_app.core.geo import places as geo
from directory_app.core.geo.regions import US_COUNTRY
from directory_app.core.geo.site_places import locate_site
from directory_app.core.registry.ctgov import SiteRecord, StudyRecord
from directory_app.core.registry.names import normalize_city, normalize_facility
from directory_app.core.registry.sites import is_us_site, region_name

#: `inferred_from` of a link made because the trial's sponsor is that center, in that city.
SPONSOR_CITY = "sponsor_city"


def city_key(city: str | None, country: str | None) -> str:
    """Normalised city | country code: what "in the same city" compares."""
    code = geo.country_code(country or "") or (country or "").strip().lower()
    return f"{normalize_city(city or '')}|{code}"


def unnamed_sites(study: StudyRecord) -> list[SiteRecord]:
    """The study's sites that carry a city but no facility name."""
    return [s for s in study.sites if not s.facility.strip() and (s.city.strip() or s.country)]


def place_dict(site: SiteRecord) -> dict[str, Any]:
    """A city-only site in exchange form, placed at its city (or unplaced if unknown)."""
    place = locate_site(site.city, site.region, site.country) if site.city.strip() else None
    return {
        "city": site.city.strip() or None,
        "region": region_name(site),
        "country": US_COUNTRY if is_us_site(site) else (site.country.strip() or None),
        "latitude": round(place.latitude, 6) if place else None,
        "longitude": round(place.longitude, 6) if place else None,
        "location_source": Provenance.GAZETTEER.value if place else None,
        "center_uid": None,
        "inferred_from": None,
    }


def sponsor_center_index(centers: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """(normalised name, city key) -> uids of the centers with that name (or alias: another
    name it is registered under) in that city."""
    index: dict[tuple[str, str], list[str]] = {}
    for center in centers:
        place = city_key(center["city"], center["country"])
        names = [center["name"], *(a["name"] for a in center.get("aliases") or [])]
        for name in names:
            uids = index.setdefault((normalize_facility(name), place), [])
            if center["uid"] not in uids:  # a center's aliases name the center once
                uids.append(center["uid"])
    return index


def sponsor_center(
    study: StudyRecord, site: SiteRecord, index: Mapping[tuple[str, str], list[str]]
) -> str | None:
    """The uid of the one center that is the study's sponsor in the site's city, else None."""
    if not study.sponsor or not site.city.strip():
        return None
    name = normalize_facility(study.sponsor)
    if not name:
        return None
    uids = index.get((name, city_key(site.city, site.country)), [])
    return uids[0] if len(uids) == 1 else None

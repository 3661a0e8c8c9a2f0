"""`directory-app trials`: registered trials with every site the directory knows of.

For each trial: its status with the date of the record it comes from, and its known sites,
nearest first: a named facility (with its center id) or "site in CITY" for a site the registry
names only by its city, the distance from `--near`, a center id where a city-only site was
linked by inference (said so), and how many sites are known against how many the registry
lists.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Any

from directory_app.core.directory.vocab import Condition, Therapy
from directory_app.core.geo.places import parse_distance, resolve_place
from directory_app.core.search.staleness import STALE_ADVICE
from directory_app.core.search.trials import (
    STATUS_MODES,
    SiteRow,
    TrialFilter,
    TrialRow,
    find_trials,
)

from .common import CommandError, print_json, store_for
from .search import one_of, vocab_codes

DEFAULT_RADIUS = "150mi"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "trials",
        help="list registered trials and their known sites, nearest first",
        description="List trials with every site the directory knows of: named facilities, "
        "and sites the registry names only by city ('site in Chicago, IL'). Repeat "
        "--condition/--therapy to accept any of them.",
    )
    p.add_argument("--condition", action="append", default=[], metavar="CONDITION",
                   help=", ".join(Condition.codes()))  # fmt: skip
    p.add_argument("--therapy", action="append", default=[], metavar="THERAPY",
                   help=", ".join(Therapy.codes()))  # fmt: skip
    p.add_argument("--status", metavar="MODE", default="any",
                   help="any, recruiting, or active (recruiting, not yet recruiting, by "
                   "invitation, or running)")  # fmt: skip
    p.add_argument("--near", metavar="PLACE", help="ZIP, 'City, ST', 'City, Country' or 'lat, lon'")
    p.add_argument("--radius", metavar="DISTANCE",
                   help=f"keep trials with a known site within it, e.g. 50mi (default with "
                   f"--near: {DEFAULT_RADIUS})")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the trials as JSON")
    p.set_defaults(handler=run_trials)
    if hasattr(p, "_negative_number_matcher"):  # "-5mi" reaches the radius check, as in search
        p._negative_number_matcher = re.compile(r"^-\d")


def build_trial_filter(args: argparse.Namespace) -> tuple[TrialFilter, str]:
    """The filter the arguments ask for, and a phrase saying where ("within 50mi of ...")."""
    if args.radius is not None and not args.near:
        raise CommandError("--radius needs --near PLACE")
    kwargs: dict[str, Any] = {
        "conditions": vocab_codes("--condition", args.condition, Condition),
        "therapies": vocab_codes("--therapy", args.therapy, Therapy),
        "status": one_of("--status", args.status, STATUS_MODES),
    }
    where = ""
    if args.near:
        radius_text = args.radius if args.radius is not None else DEFAULT_RADIUS
        try:
            radius_km = parse_distance(radius_text)
        except ValueError as exc:
            raise CommandError(f"--radius: {exc}") from None
        try:
            place = resolve_place(args.near)
        except ValueError as exc:
            raise CommandError(f"--near: {exc}") from None
        kwargs.update(origin=(place.latitude, place.longitude), radius_km=radius_km)
        where = f" with a known site within {radius_text} of {place.label}"
    return TrialFilter(**kwargs), where


def site_json(site: SiteRow) -> dict[str, Any]:
    return {
        "label": site.label,
        "named": site.named,
        "city": site.city,
        "region": site.region,
        "country": site.country,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "distance_km": None if site.distance_km is None else round(site.distance_km, 1),
        "distance_mi": None if site.distance_mi is None else round(site.distance_mi, 1),
        "center_id": site.center_id,
        "center_name": site.center_name,
        "inferred_from": site.inferred_from,
        "site_status": site.site_status,
    }


def trial_json(row: TrialRow) -> dict[str, Any]:
    return {
        "nct_id": row.nct_id,
        "title": row.title,
        "status": row.status,
        "status_as_of": row.status_as_of.isoformat() if row.status_as_of else None,
        "status_stale": row.status_stale,
        "phases": list(row.phases),
        "conditions": list(row.conditions),
        "therapies": list(row.therapies),
        "sponsor": row.sponsor,
        "url": row.url,
        "record_source": row.record_source,
        "sites_known": row.sites_known,
        "sites_listed": row.sites_listed,
        "sites": [site_json(s) for s in row.sites],
    }


def status_line(row: TrialRow) -> str:
    """'Recruiting (as of 2025-08-29)', stale ones saying so."""
    when = f"as of {row.status_as_of.isoformat()}" if row.status_as_of else "date unknown"
    if row.status_stale:
        return f"{row.status_label} ({when}; stale, {STALE_ADVICE})"
    return f"{row.status_label} ({when})"


def sites_line(row: TrialRow) -> str:
    """'1 of 20 sites known' / '3 sites known' (the registry's count unknown)."""
    known = f"{row.sites_known} site{'s' if row.sites_known != 1 else ''}"
    if row.sites_listed == 0 and row.sites_known == 0:
        return "no sites listed in the registry"
    if row.sites_listed is not None and row.sites_listed != row.sites_known:
        return f"{row.sites_known} of {row.sites_listed} sites listed in the registry known"
    if row.sites_listed is not None:
        return f"{known} listed in the registry, all known"
    return f"{known} known"


def site_text(site: SiteRow) -> str:
    parts = [site.label]
    if site.named and site.city:
        parts[0] += f" ({site.city})"
    if site.distance_mi is not None:
        parts.append(f"{site.distance_mi:,.1f} mi")
    elif site.latitude is None:
        parts.append("location unknown")
    if site.center_id is not None:
        link = f"center {site.center_id}"
        if site.inferred_from:
            link += f", {site.link_note}"
        parts.append(link)
    return "; ".join(parts)


def format_trials(rows: list[TrialRow]) -> str:
    lines = []
    for row in rows:
        lines.append(f"{row.nct_id}  {row.title}")
        lines.append(f"  {status_line(row)}; {sites_line(row)}")
        for site in row.sites:
            lines.append(f"  - {site_text(site)}")
    return "\n".join(lines)


def run_trials(args: argparse.Namespace) -> int:
    flt, where = build_trial_filter(args)
    store = store_for(args)
    try:
        with store.session() as s:
            rows = find_trials(s, flt, date.today())
    finally:
        store.close()
    if args.json:
        print_json({"trials": [trial_json(r) for r in rows], "shown": len(rows)})
        return 0
    print(f"{len(rows)} trial{'s' if len(rows) != 1 else ''}{where}")
    if rows:
        print(format_trials(rows))
    return 0

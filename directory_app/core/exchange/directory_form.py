"""The app's own JSON form of the directory: every center with every field, its facts with their
provenance, and the trials it takes part in.

The bundled seed (`db/seed/directory.json`) is written in this form, `directory-app centers
--json` prints it, and export/import of our own JSON use it, so there is one shape to review and
one loader to trust. Output is deterministic (sorted keys and rows) so a rebuild can be diffed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory_app.core.directory.models import (
    Center,
    CenterAlias,
    ConditionTreated,
    Contact,
    RedFlag,
    TeamMember,
    TherapyOffering,
    Trial,
    TrialPlace,
    TrialSite,
)

FORMAT = "directory-app/1"

CENTER_FIELDS: tuple[str, ...] = (
    "uid", "name", "kind", "kind_source", "kind_source_ref",
    "address", "city", "region", "postal_code", "country", "latitude", "longitude",
    "location_source", "phone", "email", "website", "contact_source", "ccn", "hospital_type",
    "setting", "typical_stay_days", "age_min", "age_max", "requires_failed_conventional",
    "eligibility_notes", "cost_min_usd", "cost_max_usd", "insurance_accepted", "insurance_notes",
    "payment_plans", "financial_assistance", "trial_reduced_cost",
    "accreditation", "accreditation_scope", "notes",
    "source", "source_ref", "last_verified", "verified_by", "edited_fields", "version",
)  # fmt: skip
DATE_FIELDS = frozenset(
    {"last_verified", "verified_on", "last_update", "checked_on", "start_date", "completion_date"}
)
FACT_FIELDS = ("source", "source_ref", "verified_on")
TRIAL_FIELDS: tuple[str, ...] = (
    "nct_id", "title", "acronym", "status", "phases", "conditions", "interventions", "sponsor",
    "min_age_years", "max_age_years", "last_update", "url",
    "sex", "healthy_volunteers", "enrollment", "start_date", "completion_date",
    "eligibility_text", "inclusion_criteria", "exclusion_criteria",
)  # fmt: skip
#: A trial as the directory keeps and exports it: the registry's fields, plus the day an update
#: last checked it with the registry (ours, so never read from a registry download).
TRIAL_RECORD_FIELDS: tuple[str, ...] = (*TRIAL_FIELDS, "checked_on")
#: A trial's sites known only by their city (`trials[].places`); `center_uid` names the
#: center one is linked to, if any, and `inferred_from` how that link was made.
PLACE_FIELDS: tuple[str, ...] = (
    "city", "region", "country", "latitude", "longitude", "location_source", "center_uid",
    "inferred_from",
)  # fmt: skip
#: The registry's contacts of a trial site: the members of each item of a link's `contacts`.
SITE_CONTACT_FIELDS: tuple[str, ...] = ("name", "role", "phone", "email")

CHILDREN: dict[str, tuple[type, tuple[str, ...]]] = {
    "therapies": (TherapyOffering, ("therapy", "delivery")),
    "conditions": (ConditionTreated, ("condition",)),
    "team": (TeamMember, ("role", "discipline")),
    "contacts": (Contact, ("role", "name", "phone", "email")),
    "red_flags": (RedFlag, ("kind", "description", "evidence_url")),
    "aliases": (CenterAlias, ("name",)),
}
#: Lists written only when not empty, so a center without them reads (and digests, for
#: sync) as it did before they existed.
OPTIONAL_CHILDREN = frozenset({"aliases"})


def _out(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _in(field: str, value: Any) -> Any:
    if field in DATE_FIELDS and isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return value


def center_to_dict(center: Center) -> dict[str, Any]:
    """Every field of a center, its facts and its trial links, as plain JSON values."""
    data: dict[str, Any] = {"id": center.id}
    for field in CENTER_FIELDS:
        data[field] = _out(getattr(center, field))
    if center.verified_sections is not None:  # only once verified per section (older: whole)
        data["verified_sections"] = dict(sorted(center.verified_sections.items()))
    for key, (_cls, fields) in CHILDREN.items():
        rows = [
            {f: _out(getattr(row, f)) for f in fields + FACT_FIELDS}
            for row in getattr(center, key)
        ]
        if rows or key not in OPTIONAL_CHILDREN:
            data[key] = sorted(rows, key=lambda r: [str(r[f]) for f in fields])
    data["trials"] = sorted(
        (_link_to_dict(site) for site in center.trial_sites),
        key=lambda r: (r["nct_id"], r["facility"]),
    )
    return data


def _link_to_dict(site: TrialSite) -> dict[str, Any]:
    """A trial link; `contacts` only when the registry gave the site's contacts, so a center
    whose source never carried contacts reads (and digests, for sync) as it always did."""
    link: dict[str, Any] = {
        "nct_id": site.trial.nct_id,
        "site_status": site.site_status,
        "facility": site.facility,
        "city": site.city,
        "region": site.region,
        "country": site.country,
    }
    if site.contacts is not None:
        link["contacts"] = [
            {f: c.get(f) for f in SITE_CONTACT_FIELDS} for c in site.contacts
        ]
    if site.inferred_from is not None:
        link["inferred_from"] = site.inferred_from
    return link


def _place_to_dict(place: TrialPlace) -> dict[str, Any]:
    data = {f: getattr(place, f) for f in PLACE_FIELDS if f != "center_uid"}
    data["center_uid"] = place.center.uid if place.center is not None else None
    return data


def trial_to_dict(trial: Trial) -> dict[str, Any]:
    """A trial's fields; `checked_on` only once an update has checked it (a trial never
    checked is written as before, so older readers and the bundled seed see no change)."""
    data = {f: _out(getattr(trial, f)) for f in TRIAL_FIELDS}
    if trial.checked_on is not None:
        data["checked_on"] = _out(trial.checked_on)
    # Written only when known, like `checked_on`: a trial from a source without them reads
    # as it always did.
    if trial.sites_total is not None:
        data["sites_total"] = trial.sites_total
    if trial.record_source is not None:
        data["record_source"] = trial.record_source
    if trial.places:
        data["places"] = [_place_to_dict(p) for p in trial.places]
    return data


def center_with_trials(center: Center) -> dict[str, Any]:
    """`center_to_dict` plus `trial_records` (NCT number -> `trial_to_dict`): what the views
    need to date each trial status by its registry record (`core.present.center_facts`)."""
    data = center_to_dict(center)
    data["trial_records"] = {s.trial.nct_id: trial_to_dict(s.trial) for s in center.trial_sites}
    return data


def load_centers(session: Session, ids: Iterable[int] | None = None) -> list[Center]:
    """Centers with all that `center_to_dict` reads, in a few queries (not one per row)."""
    stmt = (
        select(Center)
        .options(
            selectinload(Center.therapies),
            selectinload(Center.conditions),
            selectinload(Center.team),
            selectinload(Center.contacts),
            selectinload(Center.red_flags),
            selectinload(Center.aliases),
            selectinload(Center.trial_sites).selectinload(TrialSite.trial),
        )
        .order_by(Center.uid)
    )
    if ids is not None:
        stmt = stmt.where(Center.id.in_(list(ids)))
    return list(session.scalars(stmt))


def dump_directory(
    session: Session, meta: dict[str, Any] | None = None, ids: Iterable[int] | None = None
) -> dict[str, Any]:
    """The whole directory (or the given centers and their trials) in the exchange form."""
    centers = [center_to_dict(c) for c in load_centers(session, ids)]
    for c in centers:
        c.pop("id")
    nct_ids = {t["nct_id"] for c in centers for t in c["trials"]}
    trials = session.scalars(
        select(Trial)
        .options(selectinload(Trial.places).selectinload(TrialPlace.center))
        .order_by(Trial.nct_id)
    )
    return {
        "format": FORMAT,
        "meta": meta or {},
        "trials": [trial_to_dict(t) for t in trials if ids is None or t.nct_id in nct_ids],
        "centers": centers,
    }


def add_directory(session: Session, data: dict[str, Any], batch_id: int | None = None) -> int:
    """Insert the trials and centers of an exchange document; returns the number of centers.

    The caller owns the transaction, so a failure part-way leaves nothing behind."""
    trials: dict[str, Trial] = {
        t.nct_id: t for t in session.scalars(select(Trial))
    }
    new_places: list[tuple[Trial, dict[str, Any]]] = []
    for raw in data.get("trials", []):
        if raw["nct_id"] in trials:
            continue
        trial = Trial(
            **{f: _in(f, raw.get(f)) for f in TRIAL_RECORD_FIELDS},
            sites_total=raw.get("sites_total"),
            record_source=raw.get("record_source"),
            import_batch_id=batch_id,
        )
        session.add(trial)
        trials[trial.nct_id] = trial
        new_places.extend((trial, place) for place in raw.get("places") or [])
    by_uid: dict[str, Center] = {}
    n = 0
    for raw in data.get("centers", []):
        center = Center(
            **{f: _in(f, raw.get(f)) for f in CENTER_FIELDS if f != "version"},
            verified_sections=raw.get("verified_sections"),
            import_batch_id=batch_id,
        )
        if center.edited_fields is None:
            center.edited_fields = []
        for key, (cls, fields) in CHILDREN.items():
            getattr(center, key).extend(
                cls(**{f: _in(f, row.get(f)) for f in fields + FACT_FIELDS})
                for row in raw.get(key, [])
            )
        for link in raw.get("trials", []):
            center.trial_sites.append(
                TrialSite(
                    trial=trials[link["nct_id"]],
                    site_status=link.get("site_status"),
                    facility=link["facility"],
                    city=link.get("city"),
                    region=link.get("region"),
                    country=link.get("country"),
                    contacts=link.get("contacts"),
                    inferred_from=link.get("inferred_from"),
                    import_batch_id=batch_id,
                )
            )
        session.add(center)
        by_uid[center.uid] = center
        n += 1
    for trial, raw_place in new_places:
        uid = raw_place.get("center_uid")
        center_of = by_uid.get(uid) if uid else None
        if uid and center_of is None:
            center_of = session.scalar(select(Center).where(Center.uid == uid))
        values = {f: raw_place.get(f) for f in PLACE_FIELDS if f != "center_uid"}
        if center_of is None:  # a link to a center this directory lacks is no link
            values["inferred_from"] = None
        trial.places.append(TrialPlace(**values, center=center_of, import_batch_id=batch_id))
    session.flush()
    return n

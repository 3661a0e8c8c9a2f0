"""Merge by editing: a person folds a duplicate center into the one it duplicates.

The bundled directory merges registry sites that name one institution when it is built
(`registry.institutions`), conservatively. A spelling it did not join, a site a later registry
import added under a new spelling, or a directory made before the merges existed still shows
one institution as two centers of one city. A coordinator who knows they are one merges them:
the duplicate's name (and its own other names) become other names of the center it is merged
into, its trial links and the trial places linked to it move there, each fact it has that the
center lacks (a condition, a therapy, a contact, ...) is added with its provenance, and a field
the center leaves unknown takes the duplicate's value. Then the duplicate is deleted.
`split_center.split_alias` undoes a merge by name later; `unmerge` undoes it exactly (undo).

Only centers of the same city and country are merged: two cities are two places.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from directory_app.core.directory.editing import (
    UNIQUE_KEYS,
    EditConflict,
    fresh_center,
    restore_center,
    revert_center,
)
from directory_app.core.directory.models import (
    Center,
    CenterAlias,
    TrialPlace,
    utcnow,
)
from directory_app.core.directory.vocab import Provenance
from directory_app.core.exchange.directory_form import (
    CENTER_FIELDS,
    CHILDREN,
    center_to_dict,
    load_centers,
)
from directory_app.core.registry.institutions import ALL_RULES, place_key, plan_merges
from directory_app.core.registry.names import name_similarity

#: Fields a merge never takes from the duplicate: the center's identity and record.
_OWN_FIELDS = frozenset({
    "uid", "name", "city", "region", "country", "source", "source_ref", "last_verified",
    "verified_by", "edited_fields", "version",
})  # fmt: skip
#: Fields that come together with the one they qualify, or not at all.
_GROUPS: tuple[tuple[str, ...], ...] = (
    ("kind", "kind_source", "kind_source_ref"),
    ("latitude", "longitude", "location_source"),
    ("address", "postal_code", "phone", "email", "website", "contact_source"),
    ("ccn", "hospital_type"),
)


class MergeError(EditConflict):
    """The merge cannot be made (the same center twice, two cities, a center changed or
    deleted meanwhile); nothing was written."""


@dataclass(frozen=True)
class MergeResult:
    kept_id: int
    merged_name: str
    moved_trials: tuple[str, ...]
    #: The trial places (sites known only by city) that pointed at the duplicate.
    moved_places: tuple[int, ...]


def _load(session: Session, center_id: int) -> Center:
    center = fresh_center(session, center_id)
    if center is None:
        raise MergeError(f"no center with id {center_id}")
    return center


def _place(center: Center) -> str:
    return place_key(center.city, center.country)


def _check(center: Center, expected: int | None) -> None:
    if expected is not None and center.version != expected:
        raise EditConflict.changed(center.version, expected)


def _take_fields(kept: Center, other: Center) -> list[str]:
    """Give `kept` each field (or group of fields) it leaves unknown and `other` knows."""
    taken: list[str] = []
    grouped = {f for group in _GROUPS for f in group}
    for group in _GROUPS:
        if getattr(kept, group[0]) is None and getattr(other, group[0]) is not None:
            for field in group:
                if getattr(kept, field) is None:
                    setattr(kept, field, getattr(other, field))
            taken.append(group[0])
    for field in CENTER_FIELDS:
        if field in _OWN_FIELDS or field in grouped:
            continue
        if getattr(kept, field) is None and getattr(other, field) is not None:
            setattr(kept, field, getattr(other, field))
            taken.append(field)
    return taken


def _take_facts(kept: Center, other: Center) -> None:
    """Add each fact of `other` that `kept` has no row for (same key fields), with its
    provenance; `kept`'s own facts stay as they are."""
    for key, (model, fields) in CHILDREN.items():
        if key == "aliases":
            continue
        have = {tuple(getattr(row, f) for f in fields) for row in getattr(kept, key)}
        unique = UNIQUE_KEYS.get(key, fields)  # one row per value where the schema says so
        have_unique = {tuple(getattr(row, f) for f in unique) for row in getattr(kept, key)}
        for row in getattr(other, key):
            values = tuple(getattr(row, f) for f in fields)
            if values in have or tuple(getattr(row, f) for f in unique) in have_unique:
                continue
            copy = model(**{f: getattr(row, f) for f in (*fields, "source", "source_ref",
                                                         "verified_on")})  # fmt: skip
            getattr(kept, key).append(copy)
            have.add(values)
            have_unique.add(tuple(getattr(row, f) for f in unique))


def merge_into(
    session: Session,
    kept_id: int,
    other_id: int,
    *,
    expected_version: int | None = None,
    expected_other_version: int | None = None,
    today: date | None = None,
) -> MergeResult:
    """Fold center `other_id` into center `kept_id` (see the module) and delete it."""
    if kept_id == other_id:
        raise MergeError("a center cannot be merged into itself")
    kept, other = _load(session, kept_id), _load(session, other_id)
    _check(kept, expected_version)
    _check(other, expected_other_version)
    if _place(kept) != _place(other):
        raise MergeError(
            f"'{other.name}' ({other.city or 'no city'}) and '{kept.name}' "
            f"({kept.city or 'no city'}) are in different places; only centers of one city "
            "are one institution. Correct the city first if it is wrong."
        )
    names = {kept.name} | {a.name for a in kept.aliases}
    day = today or date.today()
    new_aliases = [CenterAlias(name=other.name, source=Provenance.VERIFIED.value,
                               source_ref=other.source_ref, verified_on=day)]  # fmt: skip
    new_aliases += [CenterAlias(name=a.name, source=a.source, source_ref=a.source_ref,
                                verified_on=a.verified_on) for a in other.aliases]  # fmt: skip
    for alias in new_aliases:
        if alias.name not in names:
            kept.aliases.append(alias)
            names.add(alias.name)
    linked = {link.trial_id for link in kept.trial_sites}
    moved = []
    for link in list(other.trial_sites):
        if link.trial_id not in linked:
            moved.append(link.trial.nct_id)
            link.center = kept  # moves the link (it keeps the facility the registry wrote)
            linked.add(link.trial_id)
    places = list(session.scalars(select(TrialPlace).where(TrialPlace.center_id == other.id)))
    for place in places:
        place.center_id = kept.id
    _take_facts(kept, other)
    _take_fields(kept, other)
    kept.updated_at = utcnow()  # a new version: an editor holding the old one is refused
    try:
        session.flush()
        session.delete(other)  # its facts go with it; what it had that counts has moved
        session.flush()
    except StaleDataError as exc:
        raise EditConflict.changed(None, expected_version) from exc
    return MergeResult(kept.id, other.name, tuple(sorted(moved)),
                       tuple(sorted(p.id for p in places)))  # fmt: skip


def unmerge(
    session: Session,
    kept_before: dict[str, Any],
    other_before: dict[str, Any],
    moved_places: tuple[int, ...],
    *,
    expected_version: int | None,
) -> int:
    """Undo `merge_into` exactly: the duplicate comes back from its snapshot (`load_center`
    before the merge) with its id, facts and trial links, the trial places it had point at it
    again, and the center it was merged into is put back as `kept_before` has it (the links
    it gained removed). Returns the duplicate's id."""
    kept = _load(session, kept_before["id"])
    _check(kept, expected_version)
    had = {(link["nct_id"], link["facility"]) for link in kept_before.get("trials") or []}
    for link in list(kept.trial_sites):
        if (link.trial.nct_id, link.facility) not in had:
            kept.trial_sites.remove(link)
    session.flush()
    other_id = restore_center(session, other_before)
    for place in session.scalars(select(TrialPlace).where(TrialPlace.id.in_(moved_places))):
        if place.center_id == kept.id:
            place.center_id = other_id
    revert_center(session, kept_before, expected_version=kept.version)
    return other_id


#: A candidate this alike by name (`names.name_similarity`, best of its names) is chosen in
#: the dialog; below it nothing is chosen for the person. 0.8 is what site matching treats as
#: the same place; "UHHS Westlake" and "UHHS Chagrin Highlands" (two buildings) stay below it.
LIKELY_SAME = 0.8


@dataclass(frozen=True)
class Candidate:
    """A center a duplicate may be merged into: same city and country."""

    id: int
    name: str
    trials: int
    other_names: tuple[str, ...]
    #: How alike its names are to the duplicate's (0..1, the best pair).
    likeness: float = 0.0


def merge_candidates(session: Session, center_id: int) -> list[Candidate]:
    """The other centers of the center's city and country: the most alike by name first (a
    duplicate is usually another spelling), then most trials, then by name."""
    center = _load(session, center_id)
    place = _place(center)
    mine = [center.name, *(a.name for a in center.aliases)]
    # Cities are compared normalised ("St. Louis", "Saint Louis"), so SQL narrows by country
    # and reads only id and city; whole centers are loaded for the city's few only.
    same_city = [
        cid for cid, city, country in session.execute(
            select(Center.id, Center.city, Center.country)
            .where(Center.id != center_id, Center.country == center.country)
        )
        if place_key(city, country) == place
    ]  # fmt: skip
    rows = session.scalars(
        select(Center)
        .where(Center.id.in_(same_city))
        .options(selectinload(Center.aliases), selectinload(Center.trial_sites))
    ) if same_city else ()
    found = []
    for c in rows:
        theirs = [c.name, *(a.name for a in c.aliases)]
        likeness = max(name_similarity(a, b) for a in mine for b in theirs)
        found.append(Candidate(c.id, c.name, len(c.trial_sites),
                               tuple(a.name for a in c.aliases), likeness))  # fmt: skip
    return sorted(found, key=lambda c: (-c.likeness, -c.trials, c.name.casefold(), c.id))


@dataclass(frozen=True)
class Suggestion:
    """Two centers of one city that the seed build's rules would make one (a directory made
    before those merges, or centers added since): a person checks and merges them."""

    duplicate_id: int
    duplicate_name: str
    into_id: int
    into_name: str
    city: str
    rule: str

    def line(self) -> str:
        return (f"merge {self.duplicate_id} --into {self.into_id}   # '{self.duplicate_name}'"
                f" into '{self.into_name}' ({self.city}): {self.rule}")


def suggest_merges(session: Session) -> list[Suggestion]:
    """The merges `registry.institutions` would make in this directory now (every rule, the
    CMS number included), each as a duplicate to fold into the center that keeps its name."""
    centers = load_centers(session)
    rows = [{**center_to_dict(c), "id": c.id} for c in centers]
    found = []
    for kept_index, others in plan_merges(rows, ALL_RULES):
        kept = rows[kept_index]
        city = ", ".join(str(p) for p in (kept.get("city"), kept.get("region")) if p)
        for i, rule in others:
            other = rows[i]
            found.append(Suggestion(other["id"], other["name"], kept["id"], kept["name"], city,
                                    rule))  # fmt: skip
    return sorted(found, key=lambda m: (m.city, m.into_name, m.duplicate_name))

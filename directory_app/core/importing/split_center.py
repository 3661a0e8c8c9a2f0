"""Undo a merge by editing: split one of a center's aliases off as a center of its own.

Sites that name one institution are merged into one center, each other registered name kept
as an alias (`registry.institutions`). A person who knows better ("the Westlake building is
not the main hospital") splits the alias off: a new center of that name in the same city gets
the trial links the registry listed under that name, the registry's facts of both centers are
inferred again from the trials each now has, and the alias is gone from the old center.
Facts a person verified stay where they are; the new center is placed at its city (the
gazetteer), as the registry gives no more than that.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from directory_app.core.directory.editing import EditConflict, fresh_center, revert_center
from directory_app.core.directory.models import (
    Center,
    ConditionTreated,
    TeamMember,
    TherapyOffering,
    Trial,
    TrialSite,
    utcnow,
)
from directory_app.core.directory.vocab import Provenance
from directory_app.core.geo.site_places import locate_site
from directory_app.core.importing.site_matching import site_key
from directory_app.core.registry.classify import (
    conditions_of,
    kind_from_facility,
    specialties_for_conditions,
    therapies_from_text,
)
from directory_app.core.registry.sites import center_uid

_NCT_REF = "ClinicalTrials.gov "


class SplitError(EditConflict):
    """The split cannot be made (no such center or alias, or the center changed meanwhile);
    nothing was written."""


@dataclass(frozen=True)
class SplitResult:
    old_id: int
    new_id: int
    name: str
    moved_trials: tuple[str, ...]


def _nct(ref: str | None) -> str | None:
    """The NCT id of a registry source reference ("ClinicalTrials.gov NCT00361049")."""
    if not ref or not ref.startswith(_NCT_REF):
        return None
    return ref.removeprefix(_NCT_REF).split(";")[0].strip() or None


def _center(session: Session, center_id: int) -> Center:
    center = fresh_center(session, center_id)
    if center is None:
        raise SplitError(f"no center with id {center_id}")
    return center


def _implied(center: Center) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """What the center's trials imply now: condition, therapy and specialty codes, each with
    the lowest NCT id implying it (as the seed build records them)."""
    conditions: dict[str, str] = {}
    therapies: dict[str, str] = {}
    specialties: dict[str, str] = {}
    trials: list[Trial] = sorted((s.trial for s in center.trial_sites), key=lambda t: t.nct_id)
    for trial in trials:
        found = conditions_of(trial.conditions, trial.title)
        cells = therapies_from_text(trial.interventions, trial.title, found)
        for condition in found:
            conditions.setdefault(condition.value, trial.nct_id)
        for therapy in cells:
            therapies.setdefault(therapy.value, trial.nct_id)
        for specialty in specialties_for_conditions(found, cells):
            specialties.setdefault(specialty.value, trial.nct_id)
    return conditions, therapies, specialties


def _infer_facts(center: Center) -> None:
    """Make the center's registry-inferred conditions, therapies and specialties those its
    trials imply now; facts from a person or another source stay. Rows are kept and updated in
    place where the code stays (a flush inserts before it deletes, and each code is unique per
    center)."""
    registry = Provenance.REGISTRY.value
    conditions, therapies, specialties = _implied(center)

    def keep(rows: list[Any], code: Callable[[Any], str | None], implied: dict[str, str],
             make: Callable[[str, str], Any]) -> None:
        have = {code(r) for r in rows if r.source != registry}
        kept = []
        for row in rows:
            value = code(row)
            if row.source != registry or value is None:  # not a fact the trials imply
                kept.append(row)
            elif value in implied and value not in have:
                row.source_ref = implied[value]
                have.add(value)
                kept.append(row)
        for value, nct_id in sorted(implied.items()):
            if value not in have:
                kept.append(make(value, nct_id))
                have.add(value)
        rows[:] = kept

    keep(center.conditions, lambda r: r.condition, conditions,
         lambda v, n: ConditionTreated(condition=v, source=registry, source_ref=n))
    keep(center.therapies, lambda r: r.therapy, therapies,
         lambda v, n: TherapyOffering(therapy=v, source=registry, source_ref=n))
    keep(center.team, lambda r: r.discipline if r.role == "specialty" else None, specialties,
         lambda v, n: TeamMember(role="specialty", discipline=v, source=registry, source_ref=n))


def split_alias(
    session: Session,
    center_id: int,
    alias_name: str,
    *,
    expected_version: int | None = None,
    new_id: int | None = None,
) -> SplitResult:
    """Make `alias_name`, an alias of center `center_id`, a center of its own; returns both ids.

    The trial links whose facility the registry wrote as that name move to the new center; if
    none does (the registry listed one trial under both names, and the link kept the other
    one), the trial the alias was first seen in (its source) is linked to the new center too.
    `new_id` is the id the center split off had before (a redo after an undo), given to it
    again when free, so later steps of the same history still find it."""
    center = _center(session, center_id)
    if expected_version is not None and center.version != expected_version:
        raise SplitError(
            f"center {center_id} was changed elsewhere (version {center.version}, "
            f"not {expected_version}); reopen it and split again. Nothing was changed."
        )
    alias = next((a for a in center.aliases if a.name == alias_name), None)
    if alias is None:
        names = ", ".join(repr(a.name) for a in center.aliases) or "none"
        raise SplitError(f"center {center_id} has no alias {alias_name!r} (aliases: {names})")
    key = site_key(alias.name, center.city, center.country)
    uid = center_uid(key)  # the id the seed would have given a center of that name
    if session.scalar(select(Center.id).where(Center.uid == uid)) is not None:
        uid = center_uid(f"{key}|split|{center.uid}")
    kind = kind_from_facility(alias.name)
    place = locate_site(center.city or "", center.region, center.country)
    new = Center(
        uid=uid,
        name=alias.name,
        kind=kind.value if kind else None,
        kind_source=Provenance.REGISTRY.value if kind else None,
        kind_source_ref=_nct(alias.source_ref) if kind else None,
        city=center.city,
        region=center.region,
        country=center.country,
        latitude=place.latitude if place else None,
        longitude=place.longitude if place else None,
        location_source=Provenance.GAZETTEER.value if place else None,
        source=Provenance.REGISTRY.value,
        source_ref=alias.source_ref,
        edited_fields=[],
    )
    if new_id is not None and session.get(Center, new_id) is None:
        new.id = new_id
    session.add(new)
    moving = [s for s in center.trial_sites if site_key(s.facility, s.city, s.country) == key]
    for link in moving:
        link.center = new  # moves the link (not an orphan: it has its new center)
    nct_id = _nct(alias.source_ref)
    if not moving and nct_id:
        trial = session.scalar(select(Trial).where(Trial.nct_id == nct_id))
        if trial is not None:
            kept = next((s for s in center.trial_sites if s.trial_id == trial.id), None)
            new.trial_sites.append(
                TrialSite(
                    trial=trial,
                    facility=alias.name,
                    city=center.city,
                    region=center.region,
                    country=center.country,
                    site_status=kept.site_status if kept else None,
                )
            )
    center.aliases.remove(alias)
    session.flush()
    _infer_facts(center)
    _infer_facts(new)
    center.updated_at = utcnow()  # a new version: an editor holding the old one is refused
    try:
        session.flush()
    except StaleDataError as exc:
        raise EditConflict.changed(None, expected_version) from exc
    moved = tuple(sorted(s.trial.nct_id for s in new.trial_sites))
    return SplitResult(center.id, new.id, new.name, moved)


def rejoin_split(
    session: Session,
    before: dict[str, Any],
    new_id: int,
    *,
    expected_version: int | None,
    expected_new_version: int | None,
) -> int:
    """Undo `split_alias`: the trial links the split moved go back to the center, the center
    split off is deleted, and the center is put back exactly as `before` (`load_center` before
    the split) has it, its alias and inferred facts included. Returns the center's id."""
    new = fresh_center(session, new_id)
    if new is None:
        raise EditConflict(
            "The center split off was deleted elsewhere; nothing was merged back."
        )
    if expected_new_version is not None and new.version != expected_new_version:
        raise EditConflict.changed(new.version, expected_new_version)
    center = _center(session, before["id"])
    if expected_version is not None and center.version != expected_version:
        raise EditConflict.changed(center.version, expected_version)
    wanted = {(link["nct_id"], link["facility"]) for link in before.get("trials") or []}
    have = {(link.trial.nct_id, link.facility) for link in center.trial_sites}
    for link in list(new.trial_sites):
        if (link.trial.nct_id, link.facility) in wanted - have:
            link.center = center
    session.flush()
    session.delete(new)
    session.flush()
    return revert_center(session, before, expected_version=center.version)

"""Saving a person's edits to a center: validated, stamped as verified, and never lost silently.

Every function takes the caller's Session and never commits: the user action (a save, an undo)
owns the transaction, so a refused save leaves nothing behind.

Two guards stop one coordinator's save from erasing another's: the version the person edited is
compared with the stored one before anything is written, and SQLAlchemy's `version_id_col` makes
the UPDATE itself fail if the row changed in between (a race the first check cannot see). Both
surface as `EditConflict`, whose message tells the person what to do.

`save_center` is for a person's edit: what they changed becomes a verified fact dated today and
joins `edited_fields`, so registry imports leave it alone. `revert_center` and `restore_center`
serve undo/redo: they put back a snapshot exactly as it was, provenance included, because undoing
an edit must not pretend somebody verified the old values today.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from directory_app.core.directory.models import Center, Trial, TrialSite, new_uid, utcnow
from directory_app.core.directory.validation import ValidationError, validate_center
from directory_app.core.directory.verification import SECTION_KEYS, mark_verified
from directory_app.core.exchange.directory_form import (
    CENTER_FIELDS,
    CHILDREN,
    DATE_FIELDS,
    OPTIONAL_CHILDREN,
    center_to_dict,
)

#: Fields the app keeps for itself; everything else in CENTER_FIELDS is a fact a person can edit.
BOOKKEEPING_FIELDS = frozenset({
    "uid", "kind_source", "kind_source_ref", "location_source", "source", "source_ref",
    "last_verified", "verified_by", "edited_fields", "version",
})  # fmt: skip
EDITABLE_FIELDS: tuple[str, ...] = tuple(f for f in CENTER_FIELDS if f not in BOOKKEEPING_FIELDS)
#: Child rows that the database allows only once per center; an edit updates them in place.
UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "therapies": ("therapy",),
    "conditions": ("condition",),
    "team": ("role", "discipline"),
}


class EditConflict(Exception):
    """The stored center is not the one the person edited; nothing was written."""

    def __init__(
        self, message: str, *, saved_version: int | None = None, edited_version: int | None = None
    ) -> None:
        super().__init__(message)
        self.saved_version = saved_version
        self.edited_version = edited_version

    @classmethod
    def changed(cls, saved_version: int | None, edited_version: int | None) -> EditConflict:
        saved = (
            "a newer version was saved" if saved_version is None
            else f"saved version {saved_version}"
        )
        return cls(
            f"This center was changed elsewhere ({saved}, you edited version {edited_version}); "
            "reload it and apply your change again. Nothing was overwritten.",
            saved_version=saved_version,
            edited_version=edited_version,
        )

    @classmethod
    def deleted(cls, edited_version: int | None) -> EditConflict:
        return cls(
            "This center was deleted elsewhere; reload the list. Nothing was overwritten.",
            edited_version=edited_version,
        )


class CenterNotFound(LookupError):
    """No center has this id (it may have been deleted)."""


def _clean(value: Any) -> Any:
    """Blank text means unknown; surrounding spaces are never meaningful."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _as_date(value: Any) -> date | None:
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return value if isinstance(value, date) else None


def _snapshot_value(field: str, value: Any) -> Any:
    return _as_date(value) if field in DATE_FIELDS else value


def fresh_center(session: Session, center_id: int) -> Center | None:
    """The center with everything `center_to_dict` reads, re-read even if the session already
    holds it: a stale copy would hide another person's save. Edits, splits and merges all
    read a center this way."""
    stmt = (
        select(Center)
        .where(Center.id == center_id)
        .options(
            *(selectinload(getattr(Center, key)) for key in CHILDREN),
            selectinload(Center.trial_sites).selectinload(TrialSite.trial),
        )
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).one_or_none()


def _get_for_update(session: Session, center_id: int, expected_version: int | None) -> Center:
    """The stored center, freshly read, after checking it is the version the person edited."""
    center = fresh_center(session, center_id)
    if center is None:
        raise EditConflict.deleted(expected_version)
    if expected_version is not None and center.version != expected_version:
        raise EditConflict.changed(center.version, expected_version)
    return center


def _flush(session: Session, edited_version: int | None) -> None:
    """Write now, so a race with another writer is refused here rather than at commit."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise EditConflict.changed(None, edited_version) from exc


def _apply_fields(center: Center, data: dict[str, Any]) -> set[str]:
    """Copy the editable fields present in `data`; returns the names whose value changed."""
    changed: set[str] = set()
    for field in EDITABLE_FIELDS:
        if field not in data:
            continue
        value = _clean(data[field])
        if getattr(center, field) != value:
            setattr(center, field, value)
            changed.add(field)
    if "kind" in changed:
        center.kind_source = "verified" if center.kind else None
        center.kind_source_ref = None
    if changed & {"latitude", "longitude"}:
        center.location_source = "verified" if center.latitude is not None else None
    return changed


def _row_values(fields: tuple[str, ...], row: dict[str, Any]) -> dict[str, Any]:
    return {f: _clean(row.get(f)) for f in fields}


def _take(pool: list[Any], values: dict[str, Any], fields: tuple[str, ...]) -> Any:
    """Remove and return the first row of `pool` equal to `values` on `fields` (or None)."""
    for i, obj in enumerate(pool):
        if all(getattr(obj, f) == values[f] for f in fields):
            return pool.pop(i)
    return None


def _sync_children(center: Center, data: dict[str, Any], today: date | None) -> set[str]:
    """Make each child list present in `data` equal to it; returns the lists that changed.

    With `today` (a person's save) a new or changed fact becomes verified today and an
    unchanged one keeps its provenance. Without it (undo/redo) every fact takes the provenance
    written in `data`. Rows under a unique key are updated in place, because a flush inserts
    before it deletes and would trip the unique constraint."""
    changed: set[str] = set()
    for key, (model, fields) in CHILDREN.items():
        if key not in data:
            continue
        pool = list(getattr(center, key))
        keep: list[Any] = []
        for raw in data[key] or []:
            values = _row_values(fields, raw)
            row = _take(pool, values, fields)
            fact_changed = row is None
            if row is None and key in UNIQUE_KEYS:
                row = _take(pool, values, UNIQUE_KEYS[key])
            if row is None:
                row = model(**values)
            else:
                for f, value in values.items():
                    setattr(row, f, value)
            if today is not None and fact_changed:
                row.source, row.source_ref, row.verified_on = "verified", None, today
            elif today is None:
                row.source = raw.get("source") or "verified"
                row.source_ref = raw.get("source_ref")
                row.verified_on = _as_date(raw.get("verified_on"))
            changed |= {key} if fact_changed else set()
            keep.append(row)
        if pool:
            changed.add(key)
        setattr(center, key, keep)
    return changed


def save_center(
    session: Session,
    data: dict[str, Any],
    *,
    expected_version: int | None,
    today: date,
    verified_by: str | None = None,
    verified: Iterable[str] | None = None,
) -> int:
    """Create (no `id` in data) or update a center from a person's edit; returns its id.

    `verified` names the sections (`verification.SECTION_KEYS`) the person confirmed today;
    None means the whole record ("mark all as verified"), an empty list none of it. The
    center's `last_verified` then follows its least recently verified section.

    Fields and child lists absent from `data` are left as they are. `expected_version` is the
    version the person started from (None: take `data['version']`; with neither, no check).
    Raises ValidationError for bad values and EditConflict if the center changed meanwhile."""
    errors = validate_center(data)
    if errors:
        raise ValidationError(errors)
    center_id = data.get("id")
    if center_id is None:
        center = Center(uid=data.get("uid") or new_uid(), source="verified", edited_fields=[])
        session.add(center)
        edited_version = None
    else:
        edited_version = expected_version if expected_version is not None else data.get("version")
        center = _get_for_update(session, center_id, edited_version)
    changed = _apply_fields(center, data) | _sync_children(center, data, today)
    checked = SECTION_KEYS if verified is None else tuple(verified)
    center.verified_sections, center.last_verified = mark_verified(
        center.verified_sections, center.last_verified, checked, today)
    if checked:  # the person who verified something; otherwise the last one stays named
        center.verified_by = _clean(verified_by)
    center.edited_fields = sorted(set(center.edited_fields or []) | changed)
    # Always touch the row: the version must move even when only child rows changed.
    center.updated_at = utcnow()
    _flush(session, edited_version)
    return center.id


def revert_center(
    session: Session, snapshot: dict[str, Any], *, expected_version: int | None
) -> int:
    """Put a center back exactly as `snapshot` (from `load_center`) has it: fields, facts and
    their provenance, verification stamps, `edited_fields`. For undo and redo of an edit."""
    center = _get_for_update(session, snapshot["id"], expected_version)
    for field in CENTER_FIELDS:
        if field in ("uid", "version") or field not in snapshot:
            continue
        value = _snapshot_value(field, snapshot[field])
        if field == "edited_fields":
            value = list(value or [])
        if getattr(center, field) != value:
            setattr(center, field, value)
    center.verified_sections = snapshot.get("verified_sections")
    # A list the snapshot leaves out because it was empty (`OPTIONAL_CHILDREN`) was empty.
    _sync_children(center, {**{key: [] for key in OPTIONAL_CHILDREN}, **snapshot}, None)
    center.updated_at = utcnow()
    _flush(session, expected_version)
    return center.id


def delete_center(
    session: Session, center_id: int, *, expected_version: int | None
) -> dict[str, Any]:
    """Delete a center with its facts and trial links; returns the snapshot undo needs."""
    center = _get_for_update(session, center_id, expected_version)
    snapshot = center_to_dict(center)
    session.delete(center)
    _flush(session, expected_version)
    return snapshot


def restore_center(session: Session, snapshot: dict[str, Any]) -> int:
    """Re-create a deleted center from its snapshot with the same uid, id (when still free),
    facts, provenance and trial links (links to trials that no longer exist are skipped)."""
    if session.scalar(select(Center.id).where(Center.uid == snapshot["uid"])) is not None:
        raise EditConflict(
            "This center already exists again (restored elsewhere); nothing was changed."
        )
    center = Center(
        **{
            f: _snapshot_value(f, snapshot.get(f))
            for f in CENTER_FIELDS
            if f not in ("version", "edited_fields")
        },
        edited_fields=list(snapshot.get("edited_fields") or []),
        verified_sections=snapshot.get("verified_sections"),
    )
    old_id = snapshot.get("id")
    if old_id is not None and session.get(Center, old_id) is None:
        center.id = old_id
    session.add(center)
    _sync_children(center, snapshot, None)
    links = snapshot.get("trials") or []
    wanted = {link["nct_id"] for link in links}
    trials = {t.nct_id: t for t in session.scalars(select(Trial).where(Trial.nct_id.in_(wanted)))}
    for link in links:
        trial = trials.get(link["nct_id"])
        if trial is not None:
            center.trial_sites.append(
                TrialSite(
                    trial=trial,
                    site_status=link.get("site_status"),
                    facility=link.get("facility") or center.name,
                    city=link.get("city"),
                    region=link.get("region"),
                    country=link.get("country"),
                )
            )
    session.flush()
    return center.id


def load_center(session: Session, center_id: int) -> dict[str, Any]:
    """One center in the exchange form (with `id`), fresh from the database."""
    center = fresh_center(session, center_id)
    if center is None:
        raise CenterNotFound(f"no center with id {center_id}")
    return center_to_dict(center)

"""Importing the app's own export files (JSON or CSV) into a directory.

Centers are identified by `uid`, which every copy of the directory keeps:
- a center the directory does not have is added with everything the file says, provenance,
  verification stamps and `edited_fields` included (so export -> import into an empty database
  -> export gives the same file);
- a center the directory has with the same content is left alone ("unchanged");
- a center the directory has with different content is also left alone, and the report lists
  what differs. Deciding which copy is right is a merge - `directory-app sync` does that with
  the history it keeps; an import must not overwrite a colleague's verified work with an older
  file.
Trials are registry records identified by NCT id: missing ones are added, present ones are left
as they are (a ClinicalTrials.gov import updates them).

Everything added carries the import's batch id, so "undo last import" removes it again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory_app.core.directory.models import Center, Trial
from directory_app.core.exchange.directory_form import (
    CHILDREN,
    add_directory,
    center_to_dict,
    load_centers,
)
from directory_app.core.exchange.json_file import EXPORTED_CENTER_FIELDS, child_fields
from directory_app.core.importing.report import Difference, ImportReport
from directory_app.core.importing.writes import chunks


def _comparable(center: dict[str, Any]) -> dict[str, Any]:
    """The parts of a center that an export carries, lists in a fixed order."""
    out = {f: center.get(f) for f in EXPORTED_CENTER_FIELDS}
    for key in (*CHILDREN, "trials"):
        fields = child_fields(key)
        items = [{f: item.get(f) for f in fields} for item in center.get(key) or []]
        out[key] = sorted(items, key=lambda r: [str(r[f]) for f in fields])
    return out


def import_document(
    session: Session, data: dict[str, Any], batch_id: int, report: ImportReport
) -> None:
    """Add what `data` (a checked export document) has and the directory lacks."""
    source = report.file
    have_trials: set[str] = set()
    nct_ids = [t["nct_id"] for t in data["trials"]]
    for part in chunks(nct_ids):
        have_trials.update(session.scalars(select(Trial.nct_id).where(Trial.nct_id.in_(part))))
    new_trials = [t for t in data["trials"] if t["nct_id"] not in have_trials]
    report.trials_new = len(new_trials)
    report.trials_unchanged = len(data["trials"]) - len(new_trials)

    uids = [c["uid"] for c in data["centers"]]
    existing: dict[str, int] = {}
    for part in chunks(uids):
        stmt = select(Center.uid, Center.id).where(Center.uid.in_(part))
        existing.update({uid: center_id for uid, center_id in session.execute(stmt)})
    present = {c.uid: center_to_dict(c) for c in load_centers(session, existing.values())}
    new_centers = []
    for center in data["centers"]:
        current = present.get(center["uid"])
        if current is None:
            new_centers.append(center)
            continue
        mine, theirs = _comparable(current), _comparable(center)
        if mine == theirs:
            report.centers_unchanged += 1
            continue
        report.centers_kept += 1
        for field in mine:
            if mine[field] != theirs[field]:
                report.keep_difference(
                    Difference(
                        center["uid"], current["name"], field, mine[field], theirs[field], source
                    )
                )
    report.centers_new = len(new_centers)
    report.links_new = sum(len(c["trials"]) for c in new_centers)
    add_directory(session, {"trials": new_trials, "centers": new_centers}, batch_id=batch_id)

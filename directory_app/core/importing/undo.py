"""Undo the last import: remove exactly what it added, put back what it changed.

An import marks the rows it created (centers, trials, trial sites) with its batch id and keeps,
in the batch's summary, the values it replaced and the ids of facts it added to centers that
were already there (`import_writes.Journal`). Undo works from those two records only, so it
removes nothing the import did not add.

A person may have worked on the directory since the import. Their work wins:
- a value is restored only if it is still the value the import wrote;
- a center the import created but a person has since saved (its `version` moved past the one
  the import left it at, kept in the journal when it is not 1) is kept (its links to the
  import's trials go with those trials);
- a fact the import added but a person has since verified is kept.
Everything kept is listed in the report. Imports are undone newest first, one at a time; an
undone batch stays in the table, marked `undone`, as a record of what happened.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from directory_app.core.directory.models import Center, ImportBatch, Trial, TrialSite, utcnow
from directory_app.core.importing.report import UndoReport
from directory_app.core.importing.writes import FACT_TABLES, chunks

_DATE_FIELDS = frozenset({"last_update", "checked_on", "start_date", "completion_date"})


class NothingToUndo(ValueError):
    """There is no import left to undo."""


def last_batch(session: Session) -> ImportBatch | None:
    """The newest import that has not been undone (what "Undo last import" would undo)."""
    stmt = select(ImportBatch).where(ImportBatch.undone.is_(False)).order_by(ImportBatch.id.desc())
    return session.scalars(stmt.limit(1)).first()


def _value(field: str, value: Any) -> Any:
    if field in _DATE_FIELDS and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _same(current: Any, recorded: Any, field: str) -> bool:
    return bool(current == _value(field, recorded))


def undo_last_import(session: Session) -> UndoReport:
    """Undo the newest import not yet undone, in the caller's transaction."""
    batch = last_batch(session)
    if batch is None:
        raise NothingToUndo("there is no import to undo")
    journal = cast(dict[str, Any], (batch.summary or {}).get("undo") or {})
    report = UndoReport(batch_id=batch.id, source_file=batch.source_file)
    _restore_trials(session, journal.get("trials") or {}, report)
    _restore_sites(session, journal.get("sites") or {}, report)
    _restore_site_contacts(session, journal.get("site_contacts") or {})
    _restore_centers(session, journal.get("centers") or {}, report)
    _remove_facts(session, journal.get("facts") or {}, report)
    _remove_created(session, batch.id, journal.get("created_versions") or {}, report)
    batch.undone = True
    session.flush()
    return report


def _restore_trials(session: Session, entries: dict[str, Any], report: UndoReport) -> None:
    for key, entry in entries.items():
        trial = session.get(Trial, int(key))
        if trial is None:
            continue
        before, after = entry["before"], entry["after"]
        if all(_same(getattr(trial, f), after[f], f) for f in after):
            for f, value in before.items():
                setattr(trial, f, _value(f, value))
            report.trials_restored += 1
        else:
            report.kept_later_edits.append(f"trial {trial.nct_id}: changed again since")


def _restore_sites(session: Session, entries: dict[str, Any], report: UndoReport) -> None:
    for key, entry in entries.items():
        result = session.execute(
            update(TrialSite)
            .where(TrialSite.id == int(key), TrialSite.site_status == entry["after"])
            .values(site_status=entry["before"])
            .execution_options(synchronize_session=False)
        )
        report.links_restored += result.rowcount  # type: ignore[attr-defined]


def _restore_site_contacts(session: Session, entries: dict[str, Any]) -> None:
    """Put back the registry contacts a link had, unless they changed again since."""
    for key, entry in entries.items():
        site = session.get(TrialSite, int(key))
        if site is not None and site.contacts == entry["after"]:
            site.contacts = entry["before"]


def _restore_centers(session: Session, entries: dict[str, Any], report: UndoReport) -> None:
    for key, entry in entries.items():
        center = session.get(Center, int(key))
        if center is None:
            continue
        before, after = entry["before"], entry["after"]
        restorable = {f: before[f] for f in after if _same(getattr(center, f), after[f], f)}
        if len(restorable) < len(after):
            kept = sorted(set(after) - set(restorable))
            report.kept_later_edits.append(f"center {center.name!r}: {', '.join(kept)}")
        if restorable:
            for f, value in restorable.items():
                setattr(center, f, value)
            center.updated_at = utcnow()
            report.centers_restored += 1


def _remove_facts(session: Session, facts: dict[str, list[int]], report: UndoReport) -> None:
    models = {model.__tablename__: model for model in FACT_TABLES.values()}
    for table, ids in facts.items():
        model = models[table]
        for part in chunks(ids):
            result = session.execute(
                delete(model)
                .where(model.id.in_(part), model.source != "verified")
                .execution_options(synchronize_session=False)
            )
            report.facts_removed += result.rowcount  # type: ignore[attr-defined]


def _remove_created(
    session: Session, batch_id: int, versions: dict[str, int], report: UndoReport
) -> None:
    session.flush()
    result = session.execute(
        delete(TrialSite)
        .where(TrialSite.import_batch_id == batch_id)
        .execution_options(synchronize_session=False)
    )
    report.links_removed = result.rowcount  # type: ignore[attr-defined]
    doomed: list[int] = []
    rows = session.execute(
        select(Center.id, Center.name, Center.version).where(Center.import_batch_id == batch_id)
    )
    for center_id, name, version in rows:
        if version != versions.get(str(center_id), 1):
            report.kept_later_edits.append(f"center {name!r}: edited after the import")
        else:
            doomed.append(center_id)
    for part in chunks(doomed):
        session.execute(
            delete(Center).where(Center.id.in_(part)).execution_options(synchronize_session=False)
        )
    report.centers_removed = len(doomed)
    result = session.execute(
        delete(Trial)
        .where(Trial.import_batch_id == batch_id)
        .execution_options(synchronize_session=False)
    )
    report.trials_removed = result.rowcount  # type: ignore[attr-defined]
    session.expire_all()

"""Import into the directory: one user action over any file the app accepts.

    report = run_import(store, path)                 # or dry_run=True, all_conditions=True
    undo = run_undo_last(store)

What a file is, is read from its content, never from its name (`detect_import_format`): the
app's own JSON or CSV export (`io_json`, `io_csv`), or a ClinicalTrials.gov download in any of
its formats - classic CSV, current CSV, API v2 JSON (one study, a list, a page), or a folder or
zip of those (`ctgov.iter_studies`).

`run_import` is the user action, shaped so that a failure can never leave half an import:
1. a real import on SQLite first takes an automatic backup (`backup.backup_before`);
2. everything happens in one transaction, which first takes the import lock
   (`locks.import_lock`) so two imports into a shared directory queue instead of colliding;
3. the rows it creates carry a new `ImportBatch` id and the values it replaces are journalled in
   the batch's summary, so `run_undo_last` can take it back exactly;
4. a malformed file (`RecordError`: file, row or record, field), a concurrent edit or a busy
   database rolls the transaction back - nothing is written - and comes back as the report's
   error; a dry run does all the work and rolls back, so its figures are the real ones;
5. an import that changes nothing (a re-import of what the directory holds) records no batch
   and keeps no backup - its report says so - so repeated re-imports never push useful
   backups out of the rotation nor leave empty steps for "undo last import".
Functions taking a Session (`import_into`, `undo_last_import`) never commit; the caller owns
the transaction, as everywhere in the core.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from directory_app.core.directory.models import Center, ImportBatch, Trial, TrialSite
from directory_app.core.exchange.csv_file import is_directory_csv, read_csv
from directory_app.core.exchange.json_file import read_json
from directory_app.core.importing.own_format import import_document
from directory_app.core.importing.registry_studies import RegistryImport
from directory_app.core.importing.report import ImportReport, UndoReport
from directory_app.core.importing.undo import NothingToUndo, last_batch, undo_last_import
from directory_app.core.importing.writes import ConcurrentEdit
from directory_app.core.registry.ctgov import detect_format, iter_studies
from directory_app.core.registry.fields import RecordError
from directory_app.core.storage.backup import backup_before, settle_backup
from directory_app.core.storage.engine import Store, StoreError
from directory_app.core.storage.locks import import_lock

__all__ = [
    "DIRECTORY_CSV",
    "DIRECTORY_JSON",
    "ImportReport",
    "NothingToUndo",
    "UndoReport",
    "detect_import_format",
    "import_into",
    "last_batch",
    "run_import",
    "run_undo_last",
    "undo_last_import",
]

DIRECTORY_JSON = "directory_json"
DIRECTORY_CSV = "directory_csv"
_OUR_JSON = re.compile(r'\s*\{\s*"(?:centers|format|meta|trials)"\s*:')
_SNIFF = 4096

#: Progress callback: (studies read so far, message). May raise to cancel (the GUI's
#: `tasks.Progress.report` raises Cancelled), which rolls the import back.
ProgressFn = Callable[[int, str], None]


def detect_import_format(path: str | Path) -> str:
    """`DIRECTORY_JSON`, `DIRECTORY_CSV`, or a `ctgov.FORMAT_*` constant; RecordError if the
    file is none of them (or cannot be read)."""
    path = Path(path)
    if path.is_file():
        try:
            with path.open("rb") as fh:
                head = fh.read(_SNIFF).decode("utf-8", errors="replace").lstrip("\ufeff")
        except OSError as exc:
            raise RecordError(
                path.name, None, None, f"cannot read the file: {exc.strerror}"
            ) from None
        if _OUR_JSON.match(head):
            return DIRECTORY_JSON
        if is_directory_csv(head):
            return DIRECTORY_CSV
    elif not path.exists():
        raise RecordError(path.name or str(path), None, None, "no such file or folder")
    return detect_format(path)


def import_into(
    session: Session,
    path: str | Path,
    *,
    all_conditions: bool = False,
    progress: ProgressFn | None = None,
    report: ImportReport | None = None,
    checked_on: date | None = None,
) -> ImportReport:
    """Import `path` in the caller's transaction and return the report (no commit here).

    `checked_on` (an update from the registry) stamps every trial read with that date and
    marks sites the registry's full records no longer list as removed.
    Raises RecordError for a malformed file; the caller then rolls back."""
    path = Path(path)
    fmt = detect_import_format(path)
    report = report or ImportReport(file=path.name)
    report.file_format, report.all_conditions = fmt, all_conditions
    batch = ImportBatch(source_file=str(path.resolve())[-500:], file_format=fmt, summary={})
    session.add(batch)
    session.flush()
    report.batch_id = batch.id
    undo: dict[str, object] = {}
    if fmt in (DIRECTORY_JSON, DIRECTORY_CSV):
        report.kind = "directory"
        data = read_json(path) if fmt == DIRECTORY_JSON else read_csv(path)
        import_document(session, data, batch.id, report)
    else:
        engine = RegistryImport(
            session,
            batch.id,
            report,
            all_conditions=all_conditions,
            progress=progress,
            checked_on=checked_on,
        )
        engine.run(iter_studies(path))
        undo = engine.journal.as_dict()
    if not _batch_changed_anything(session, batch.id, undo):
        # A re-import of what the directory already holds: no batch (so no empty step for
        # "undo last import" to take back), and the caller keeps no backup for it.
        report.nothing_changed = True
        report.batch_id = None
        session.delete(batch)
        session.flush()
        return report
    batch.summary = {"report": report.counts(), "undo": undo}
    session.flush()
    return report


def _backup(store: Store, reason: str, *, rotated: bool = True) -> str | None:
    """An automatic backup before a write (SQLite); None when there is nothing to keep."""
    made = backup_before(store, reason, rotated=rotated)
    return str(made) if made else None


def _settle_backup(store: Store, made: str | None, *, needed: bool) -> None:
    """Rotate the import's backup in, or delete it when the import changed nothing."""
    if made is None:
        return
    settle_backup(store, Path(made), needed=needed)


def _batch_changed_anything(session: Session, batch_id: int, undo: dict[str, object]) -> bool:
    """Did the import add a row (rows it creates carry its batch id) or replace a value (its
    undo journal)? When not, it changed nothing and leaves no batch behind."""
    if any(value for key, value in undo.items() if key != "created_versions"):
        return True
    return any(
        session.scalar(select(exists().where(model.import_batch_id == batch_id)))
        for model in (Center, Trial, TrialSite)
    )


def _lock(session: Session, what: str) -> None:
    import_lock(session, what=what)


def run_import(
    store: Store,
    path: str | Path,
    *,
    dry_run: bool = False,
    all_conditions: bool = False,
    progress: ProgressFn | None = None,
    checked_on: date | None = None,
) -> ImportReport:
    """The import user action: backup, lock, one transaction, commit (or roll back when dry)."""
    started = time.perf_counter()
    path = Path(path)
    report = ImportReport(file=path.name, dry_run=dry_run, all_conditions=all_conditions)
    try:
        report.file_format = detect_import_format(path)
        if not dry_run:  # rotated in only once the import turns out to change something
            report.backup = _backup(store, "import", rotated=False)
        with store.factory() as session:
            transaction = session.begin()
            try:
                _lock(session, "import")
                import_into(
                    session,
                    path,
                    all_conditions=all_conditions,
                    progress=progress,
                    report=report,
                    checked_on=checked_on,
                )
            except BaseException:
                transaction.rollback()
                raise
            if dry_run or report.nothing_changed:
                transaction.rollback()
            else:
                transaction.commit()
    except (RecordError, ConcurrentEdit, StoreError) as exc:
        report.fail(exc)
        report.batch_id = None
    finally:
        _settle_backup(store, report.backup, needed=not report.nothing_changed)
    if report.nothing_changed:
        report.backup = None
    if dry_run:
        report.batch_id = None
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def run_undo_last(store: Store) -> UndoReport:
    """Undo the newest import (backup first on SQLite); raises NothingToUndo when none is left."""
    with store.session() as session:
        if last_batch(session) is None:
            raise NothingToUndo("there is no import to undo")
    backup = _backup(store, "undo-import")
    with store.session() as session:
        _lock(session, "undo")
        report = undo_last_import(session)
    report.backup = backup
    return report

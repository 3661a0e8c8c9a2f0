"""`directory-app check | backup | restore | backups`: keeping the database sound and safe.

Exit codes follow one rule: 0 all is well, 1 the command ran but problems remain (or the user
declined), 2 it could not run (a one-line error naming what to do).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from directory_app.core.storage.backup import (
    BackupError,
    backup,
    backup_before,
    describe,
    restore,
    verify_backup,
)
from directory_app.core.storage.backup_folder import backup_dir, backups_of
from directory_app.core.storage.engine import Store, display_url, resolve_url, sqlite_path
from directory_app.core.storage.integrity import (
    RULES,
    Problem,
    Unlocated,
    repair,
    run_checks,
    unlocated_centers,
)
from directory_app.core.storage.opening import open_store

from .common import CommandError, print_json


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    rules = "\n".join(f"  {r.name:<17}{r.doc}\n  {'':<17}-> {r.repair_doc}" for r in RULES)
    c = sub.add_parser(
        "check",
        help="check the database: SQLite integrity, foreign keys and the app's rules",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Check the database. With --repair, a backup is taken and every repairable\n"
        "problem is fixed in one transaction. Exit status: 0 clean, 1 problems remain, 2 error."
        f"\n\nrules:\n{rules}",
    )
    c.add_argument("--repair", action="store_true", help="fix what can be fixed, in one step")
    c.add_argument("--json", action="store_true", help="print as JSON")
    c.set_defaults(handler=run_check)
    b = sub.add_parser("backup", help="save a checked copy of the database")
    b.add_argument(
        "file", nargs="?", type=Path, help="where to write it (default: the backups folder)"
    )
    b.set_defaults(handler=run_backup)
    r = sub.add_parser("restore", help="replace the database with a backup (asks first)")
    r.add_argument("file", type=Path, help="the backup to restore")
    r.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    r.set_defaults(handler=run_restore)
    ls = sub.add_parser("backups", help="list the automatic backups, newest first")
    ls.add_argument("--json", action="store_true", help="print as JSON")
    ls.set_defaults(handler=run_backups)


def _sqlite_file(args: argparse.Namespace, tool: str) -> Path:
    path = sqlite_path(resolve_url(args.db))
    if path is None:
        raise CommandError(
            f"this is a PostgreSQL database: use {tool}, the server's own tool, for that"
        )
    return path


def _existing_store(args: argparse.Namespace) -> Store:
    """Open the database without creating or seeding one: checking a new file means nothing."""
    path = sqlite_path(resolve_url(args.db))
    if path is not None and not path.exists():
        raise CommandError(f"{path}: no database there (give --db PATH)")
    return open_store(args.db, seed=False)


def _one_line(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}".splitlines()[0]


def _check(store: Store, fix: bool) -> tuple[list[Problem], list[Problem], Path | None]:
    """(problems remaining, problems repaired, safety backup) - the user action behind both
    `check` and Tools -> Check database: read in one transaction, repair in another."""
    with store.session() as s:
        remaining = run_checks(s)
    if fix and any(p.rule == "integrity" for p in remaining):
        print("not repairing: the file itself is damaged; restore a backup first", file=sys.stderr)
    elif fix and any(p.repairable for p in remaining):
        safety = backup_before(store, "repair")
        with store.session() as s:  # one transaction: every repair or none
            repaired = repair(s, run_checks(s))
            return run_checks(s), repaired, safety
    return remaining, [], None


def _unlocated(store: Store, problems: list[Problem]) -> list[Unlocated]:
    """Centers a radius search cannot place; not read from a file whose pages are damaged."""
    if any(p.rule == "integrity" for p in problems):
        return []
    with store.session() as s:
        return unlocated_centers(s)


def _print_unlocated(unlocated: list[Unlocated]) -> None:
    if not unlocated:
        return
    n = len(unlocated)
    print(
        f"note: {n} center{'s' * (n != 1)} without a known location (radius searches leave "
        f"{'them' if n != 1 else 'it'} out); give an address, a known place or coordinates:"
    )
    for u in unlocated:
        print(f"  {u.id:>6}  {u.name} - {u.place}")


def run_check(args: argparse.Namespace) -> int:
    store = _existing_store(args)
    try:
        remaining, repaired, safety = _check(store, args.repair)
        unlocated = _unlocated(store, remaining)
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        raise CommandError(f"check could not run ({_one_line(exc)})") from exc
    finally:
        store.close()
    if args.json:
        print_json(
            {
                "database": str(store.path or display_url(store.url)),
                "ok": not remaining,
                "problems": [p.as_dict() for p in remaining],
                "repaired": [p.as_dict() for p in repaired],
                "backup": str(safety) if safety else None,
                "unlocated": [u.as_dict() for u in unlocated],
            }
        )
        return 1 if remaining else 0
    for p in repaired:
        print(f"repaired  {p.rule:<16} {p.message}")
    if safety:
        print(f"backup taken first: {safety}")
    for p in remaining:
        print(f"problem   {p.rule:<16} {p.message}{'  [repairable]' if p.repairable else ''}")
    _print_unlocated(unlocated)
    if not remaining:
        print("ok: all problems repaired" if repaired else "ok: no problems found")
        return 0
    fixable = sum(p.repairable for p in remaining)
    hint = f"; {fixable} repairable with 'directory-app check --repair'" if fixable else ""
    print(f"{len(remaining)} problem(s){hint}")
    return 1


def run_backup(args: argparse.Namespace) -> int:
    _sqlite_file(args, "pg_dump")
    store = _existing_store(args)
    try:
        made = backup(store, args.file)
    except (sqlite3.Error, OSError) as exc:
        raise CommandError(f"backup failed ({_one_line(exc)})") from exc
    finally:
        store.close()
    print(f"backup written: {made}")
    return 0


def _confirm(question: str) -> bool:
    """Ask on stdin. No stdin or end of input is a refusal, never a silent yes."""
    if sys.stdin is None or sys.stdin.closed:
        raise CommandError("restore needs confirmation: run it in a terminal or pass --yes")
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if not answer:
        sys.stderr.write("\n")
        raise CommandError("restore needs confirmation: no answer on stdin (pass --yes)")
    return answer.strip().lower() in ("y", "yes")


def _current(path: Path) -> str:
    if not path.exists():
        return "no database yet"
    try:
        return f"{describe(path)['centers']} centers"
    except (sqlite3.Error, OSError):
        return "damaged; it will be kept aside"


def run_restore(args: argparse.Namespace) -> int:
    db_path = _sqlite_file(args, "pg_restore")
    source = args.file.expanduser().resolve()
    verify_backup(source)
    facts = describe(source)
    question = (
        f"Replace {db_path} ({_current(db_path)}) with {source} ({facts['centers']} centers, "
        f"saved {facts['modified']})? The current database is backed up first."
    )
    if not args.yes and not _confirm(question):
        print("restore cancelled; nothing changed")
        return 1
    try:
        report = restore(args.db, source)
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        raise BackupError(f"restore failed ({_one_line(exc)})") from exc
    if report.safety_backup:
        print(f"previous database backed up to: {report.safety_backup}")
    if report.damaged_moved_to:
        print(f"damaged database kept as: {report.damaged_moved_to}")
    migrated = f" and migrated from schema {report.revision_before}" if report.migrated else ""
    print(f"restored {report.database} from {report.source}{migrated}")
    return 0


def run_backups(args: argparse.Namespace) -> int:
    db_path = _sqlite_file(args, "pg_dump")
    found = backups_of(db_path)
    if args.json:
        print_json(
            [
                {"path": str(b.path), "taken": b.taken.isoformat(), "reason": b.reason,
                 "size": b.size}
                for b in found
            ]
        )  # fmt: skip
        return 0
    if not found:
        print(f"no backups in {backup_dir(db_path)}")
    for b in found:
        print(f"{b.taken:%Y-%m-%d %H:%M:%S}  {b.size / 1e6:8.1f} MB  {b.reason:<18} {b.path}")
    return 0

"""`directory-app sync --to URL`: merge this directory with another copy of it, both ways.

Typical use: a coordinator's laptop (`--from`, default: the database `--db` names) and the clinic
network's shared PostgreSQL directory (`--to`). Exit codes: 0 merged with no conflicts, 1 merged
but conflicts remain (listed; those centers or trials were left alone on both sides), 2 could not
run.
"""

from __future__ import annotations

import argparse
from typing import Any

from directory_app.core.storage.locks import BusyError
from directory_app.core.storage.opening import open_store
from directory_app.core.sync.merge import Changes, SyncError, SyncReport, sync_stores

from .common import CommandError, print_json

SHOWN = 10  # names listed per kind of change in the text report; --json lists them all


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "sync",
        help="merge this directory with another copy (e.g. a laptop with the shared server)",
        description="Two-way merge by center uid: a center changed on one side since the last "
        "sync is taken from that side; one changed on both sides is a conflict, listed and "
        "left alone; centers that differ only in registry facts are merged. Trials are merged by "
        "NCT id (newer last update wins; two different records of one date are a conflict). "
        "Exit 0 when merged, 1 when conflicts remain, 2 on error.",
    )
    p.add_argument("--from", dest="source", metavar="PATH_OR_URL",
                   help="one side (default: the database --db names)")  # fmt: skip
    p.add_argument("--to", dest="target", metavar="PATH_OR_URL", required=True,
                   help="the other side, e.g. postgresql://user@server/directory")  # fmt: skip
    p.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    p.add_argument("--one-way", action="store_true",
                   help="change centers and trials only on the --to side")  # fmt: skip
    p.add_argument("--prefer", choices=("from", "to"),
                   help="resolve conflicts by keeping this side's version")  # fmt: skip
    p.add_argument("--full", action="store_true",
                   help="compare every center by content, not only those saved since")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=run_sync)


def run_sync(args: argparse.Namespace) -> int:
    source = open_store(args.source or args.db, seed=False)
    try:
        target = open_store(args.target, seed=False)
        try:
            report = sync_stores(source, target, dry_run=args.dry_run, one_way=args.one_way,
                                 prefer=args.prefer, full=args.full)  # fmt: skip
        except (SyncError, BusyError) as exc:
            raise CommandError(f"sync: {exc}") from exc
        finally:
            target.close()
    finally:
        source.close()
    if args.json:
        print_json(report.as_dict())
    else:
        print_report(report)
    return 1 if report.conflicts or report.trial_conflicts else 0


def _names(uids: list[str]) -> str:
    more = f" … and {len(uids) - SHOWN} more" if len(uids) > SHOWN else ""
    return ", ".join(uids[:SHOWN]) + more


def _print_changes(where: str, changes: Changes) -> None:
    rows: list[tuple[str, list[Any]]] = [
        ("centers added", changes.added), ("centers updated", changes.updated),
        ("centers deleted", changes.deleted), ("trials added", changes.trials_added),
        ("trials updated", changes.trials_updated),
    ]  # fmt: skip
    print(f"{where}: {changes.count()} change(s)")
    for label, uids in rows:
        if uids:
            print(f"  {len(uids):>6} {label}: {_names(uids)}")


def print_report(report: SyncReport) -> None:
    verb = "would be" if report.dry_run else "were"
    print(f"from: {report.source}")
    print(f"to:   {report.target}")
    _print_changes("into 'to'", report.to_target)
    _print_changes("into 'from'", report.to_source)
    print(f"{report.unchanged} center(s) already the same on both sides")
    if report.left_for_two_way:
        print(f"{len(report.left_for_two_way)} change(s) on the 'to' side {verb} not copied "
              "back (--one-way)")  # fmt: skip
    for c in report.conflicts:
        fields = f" [{', '.join(c.fields)}]" if c.fields else ""
        print(f"conflict  {c.uid}  {c.name}: {c.reason}{fields}")
    if report.conflicts:
        print(f"{len(report.conflicts)} conflict(s): those centers {verb} left alone on both "
              "sides; edit one side to match, or run again with --prefer from|to")  # fmt: skip
    for c in report.trial_conflicts:
        fields = f" [{', '.join(c.fields)}]" if c.fields else ""
        print(f"conflict  {c.uid}  {c.name}: {c.reason}{fields}")
    if report.trial_conflicts:
        print(f"{len(report.trial_conflicts)} trial conflict(s): those trials {verb} left alone "
              "on both sides; run again with --prefer from|to to keep one side's "
              "record")  # fmt: skip
    if report.dry_run:
        print("dry run: nothing was written")

"""`directory-app merge ID --into ID`: fold a duplicate center into the one it duplicates.

For one institution listed as two centers of one city (a spelling the bundled directory did
not join, or a site a later import added under a new spelling). The duplicate's names become
other names of the center (`show ID` lists them, `split` takes one off again), its trial links
and facts move there, and the duplicate is deleted (`core.importing.merge_center`).
"""

from __future__ import annotations

import argparse

from directory_app.core.directory.editing import EditConflict
from directory_app.core.importing.merge_center import merge_into

from .common import CommandError, print_json, store_for


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("merge", help="fold a duplicate center into the center it duplicates")
    p.add_argument("id", type=int, help="the duplicate center's id (it is deleted)")
    p.add_argument("--into", type=int, required=True, metavar="ID",
                   help="the center it duplicates (it keeps its name and gains the other's)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run_merge)


def run_merge(args: argparse.Namespace) -> int:
    store = store_for(args)
    try:
        with store.session() as s:
            try:
                result = merge_into(s, args.into, args.id)
            except EditConflict as exc:
                raise CommandError(str(exc)) from exc
    finally:
        store.close()
    if args.json:
        print_json({"center": result.kept_id, "merged": args.id, "name": result.merged_name,
                    "trials": list(result.moved_trials)})
    else:
        trials = ", ".join(result.moved_trials) or "none"
        print(f"'{result.merged_name}' (center {args.id}) is now another name of center "
              f"{result.kept_id}; trials moved: {trials}")
    return 0

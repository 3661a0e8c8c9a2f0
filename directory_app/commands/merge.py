"""`directory-app merge ID --into ID`: fold a duplicate center into the one it duplicates;
`directory-app merge --suggest`: list the merges the seed build's rules would make now.

For one institution listed as two centers of one city (a spelling the bundled directory did
not join, or a site a later import added under a new spelling). The duplicate's names become
other names of the center (`show ID` lists them, `split` takes one off again), its trial links
and facts move there, and the duplicate is deleted (`core.importing.merge_center`).
`--suggest` changes nothing: it prints one `merge ID --into ID` line per duplicate (for a
directory made before the build merged sites, or centers added since), for a person to check.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

from directory_app.core.directory.editing import EditConflict
from directory_app.core.importing.merge_center import merge_into, suggest_merges

from .common import CommandError, print_json, store_for


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("merge", help="fold a duplicate center into the center it duplicates")
    p.add_argument("id", type=int, nargs="?", help="the duplicate center's id (it is deleted)")
    p.add_argument("--into", type=int, metavar="ID",
                   help="the center it duplicates (it keeps its name and gains the other's)")
    p.add_argument("--suggest", action="store_true",
                   help="list the duplicates the build's merge rules find now; change nothing")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run_merge)


def run_suggest(args: argparse.Namespace) -> int:
    store = store_for(args)
    try:
        with store.session() as s:
            found = suggest_merges(s)
    finally:
        store.close()
    if args.json:
        print_json({"suggestions": [asdict(m) for m in found]})
        return 0
    if not found:
        print("No two centers of one city name the same institution by the build's rules.")
        return 0
    print(f"{len(found)} center{'s' * (len(found) != 1)} that seem to duplicate another of "
          "their city (check each, then run the line to merge it):")
    for suggestion in found:
        print(f"  directory-app {suggestion.line()}")
    return 0


def run_merge(args: argparse.Namespace) -> int:
    if args.suggest:
        if args.id is not None or args.into is not None:
            raise CommandError("--suggest takes no ids: it only lists what could be merged")
        return run_suggest(args)
    if args.id is None or args.into is None:
        raise CommandError("give the duplicate's id and --into ID (or --suggest)")
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

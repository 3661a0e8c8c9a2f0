"""`directory-app split ID --alias NAME`: split an alias off a center as a center of its own.

The bundled directory merges registry sites that name one institution and keeps each other
registered name as an alias (`show ID` lists them). When a merge was wrong, this undoes it for
one name: the trial links the registry listed under that name move to a new center, and both
centers' registry facts are inferred again (`core.importing.split_center`).
"""

from __future__ import annotations

import argparse

from directory_app.core.importing.split_center import SplitError, split_alias

from .common import CommandError, print_json, store_for


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("split", help="split an alias off a center as a center of its own")
    p.add_argument("id", type=int, help="the center's id (see `search` or `show`)")
    p.add_argument("--alias", required=True, metavar="NAME",
                   help="the alias to split off, exactly as `show ID` lists it")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run_split)


def run_split(args: argparse.Namespace) -> int:
    store = store_for(args)
    try:
        with store.session() as s:
            try:
                result = split_alias(s, args.id, args.alias)
            except SplitError as exc:
                raise CommandError(str(exc)) from exc
    finally:
        store.close()
    if args.json:
        print_json({"center": result.old_id, "new_center": result.new_id, "name": result.name,
                    "trials": list(result.moved_trials)})
    else:
        trials = ", ".join(result.moved_trials) or "none"
        print(f"'{result.name}' is now center {result.new_id} (split off center "
              f"{result.old_id}); its trials: {trials}")
    return 0

"""`directory-app info` and `directory-app centers --json`: what is in the database."""

from __future__ import annotations

import argparse

from directory_app.core.exchange.directory_form import center_to_dict, load_centers
from directory_app.core.present.sources import source_counts
from directory_app.core.search.staleness import registry_age
from directory_app.core.storage.engine import current_revision, display_url
from directory_app.core.storage.opening import counts
from directory_app.core.storage.seed import seed_meta

from .common import print_json, store_for


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("info", help="database location, schema revision and counts")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(handler=run_info)
    c = sub.add_parser("centers", help="list every center with all fields")
    c.add_argument("--json", action="store_true", help="print as JSON (all fields)")
    c.set_defaults(handler=run_centers)


def run_info(args: argparse.Namespace) -> int:
    store = store_for(args)
    try:
        meta = seed_meta(store)
        with store.session() as s:
            age = registry_age(s)
            per_source = source_counts(s, meta.get("sources") or [])
        info = {
            "database": str(store.path) if store.path else display_url(store.url),
            "engine": store.dialect,
            "schema_revision": current_revision(store.engine),
            **counts(store),
            "data": meta,
            "sources": [c.as_json() for c in per_source],
            "registry_data": None if age is None else age.as_json(),
        }
    finally:
        store.close()
    if args.json:
        print_json(info)
        return 0
    for key in ("database", "engine", "schema_revision", "centers", "trials", "trial_sites"):
        print(f"{key.replace('_', ' ')}: {info[key]}")
    merged = info["centers_with_other_names"]
    print(f"other registered names: {info['other_names']}, kept by {merged} "
          f"{'center that merges' if merged == 1 else 'centers that merge'} one institution's "
          "registry sites "
          "(`show ID` lists them, `split` undoes a merge)")
    for count in per_source:
        print(f"source: {count.line()}")
    if age is not None:
        print(f"newest registry record: {age.newest or 'undated'}")
        if age.warning():
            print(f"warning: {age.warning()}")
    return 0


def run_centers(args: argparse.Namespace) -> int:
    store = store_for(args)
    try:
        with store.session() as s:
            rows = [center_to_dict(c) for c in load_centers(s)]
    finally:
        store.close()
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            place = ", ".join(p for p in (row["city"], row["region"], row["country"]) if p)
            print(f"{row['id']:>6}  {row['name']}  ({place})")
    return 0

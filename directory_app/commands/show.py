"""`directory-app show ID`: everything recorded about one center, each fact with its source.

The same rows the detail pane, compare and the referral sheet lay out (`center_facts`), as
plain text for a terminal or as JSON for a script, so a coordinator on the command line reads
the same words as in the window.
"""

from __future__ import annotations

import argparse
import dataclasses
from datetime import date
from typing import Any

from directory_app.core.exchange.directory_form import center_with_trials, load_centers
from directory_app.core.present.center_facts import (
    TRIAL_NOTE,
    CenterFacts,
    Fact,
    TrialFact,
    center_facts,
)
from directory_app.core.search.shapes import STALE_AFTER_MONTHS

from .common import CommandError, print_json, store_for

#: List captions for sections holding more than one list.
CAPTIONS = {"person": "People to contact", "specialty": "Specialties",
            "service": "Support services"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("show", help="everything recorded about one center, with sources")
    p.add_argument("id", type=int, help="the center's id (see `centers` or `search`)")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.add_argument("--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                   help="judge staleness on this day instead of today")
    p.set_defaults(handler=run_show)


def _line(fact: Fact) -> str:
    source = f"  [{fact.source}]" if fact.source else ""
    if fact.item and fact.known and fact.key in ("person", "red_flag"):
        return f"{fact.label}: {fact.value}{source}"
    if fact.item:
        return f"{fact.value}{source}"
    return f"{fact.label}: {fact.value}{source}"


def _trial_lines(t: TrialFact) -> list[str]:
    lines = [f"{t.nct_id}  {t.title}".rstrip(),
             f"    status {t.trial_status}; phase {t.phases or 'not stated'}"]
    if t.site_status:
        lines.append(f"    this site {t.site_status}")
    if t.facility:
        lines.append(f"    registered facility: {t.facility}")
    return lines


def as_text(facts: CenterFacts) -> str:
    """The center as indented text: header, then each section's rows and lists."""
    out = [facts.name]
    if facts.aliases:
        out.append("Also registered as: "
                   + "; ".join(f"{name} ({source})" for name, source in facts.aliases))
    out += [_line(facts.kind), f"Source: {facts.record_source}"]
    if facts.sample:
        out.append("SAMPLE DATA: not a real center, for trying the app only")
    if facts.last_verified is None:
        out.append("Stale: never verified by a person")
    elif facts.stale:
        out.append(f"Stale: last verified {facts.last_verified.isoformat()} "
                   f"({STALE_AFTER_MONTHS} months or more ago)")
    for section in facts.sections:
        out += ["", section.title]
        captioned: set[str] = set()
        for fact in section.facts:
            if fact.item and fact.key in CAPTIONS:
                if fact.key not in captioned:
                    out.append(f"  {CAPTIONS[fact.key]}:")
                    captioned.add(fact.key)
                out.append(f"    {_line(fact)}")
            else:
                out.append(f"  {_line(fact)}")
    out += ["", "Trials"]
    if facts.trials:
        out += [f"  {line}" for t in facts.trials for line in _trial_lines(t)]
    else:
        out.append("  No registered trials linked.")
    out.append(f"  {TRIAL_NOTE}")
    return "\n".join(out) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def run_show(args: argparse.Namespace) -> int:
    store = store_for(args)
    try:
        with store.session() as s:
            found = load_centers(s, [args.id])
            data = center_with_trials(found[0]) if found else None
    finally:
        store.close()
    if data is None:
        raise CommandError(f"no center with id {args.id}")
    facts = center_facts(data, args.as_of)
    if args.json:
        print_json({"id": args.id, **_plain(dataclasses.asdict(facts))})
    else:
        print(as_text(facts), end="")
    return 0

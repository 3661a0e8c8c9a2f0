"""`directory-app search`: find centers by place and distance, therapy, team, trials and more.

Every argument is read here, not by argparse types, so that a bad value produces one line naming
the option and the accepted values (exit code 2 via `cli.main`) instead of a usage dump.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import asdict
from datetime import date
from typing import Any

from directory_app.core.directory.vocab import (
    AUTOIMMUNE_CONDITIONS,
    AUTOIMMUNE_GROUP,
    Accreditation,
    CenterKind,
    Condition,
    Phase,
    Specialty,
    SupportService,
    Therapy,
    Vocab,
)
from directory_app.core.geo.places import parse_distance, resolve_place
from directory_app.core.search.query import (
    SORT_KEYS,
    TRIAL_MODES,
    UNKNOWN_MODES,
    CenterFilter,
    ResultRow,
    count_centers,
    search,
    unlocated_left_out,
)
from directory_app.core.search.relax import RELAX_BELOW, relax_text, relaxations

from .common import CommandError, print_json, store_for


def status_note(as_of: date | None, stale: bool) -> str:
    """'status as of 2022-04-05, stale: check the registry' for a row's trial status."""
    when = f"status as of {as_of.isoformat()}" if as_of else "status date unknown"
    return f"{when}, stale: check the registry" if stale else when

DEFAULT_RADIUS = "150mi"
NAME_WIDTH = 48

#: (option, CenterFilter field, vocabulary) for the repeatable code options.
CODE_OPTIONS: tuple[tuple[str, str, type[Vocab]], ...] = (
    ("--kind", "kinds", CenterKind),
    ("--therapy", "therapies", Therapy),
    ("--condition", "conditions", Condition),
    ("--phase", "phases", Phase),
    ("--specialty", "specialties", Specialty),
    ("--service", "services", SupportService),
    ("--accreditation", "accreditations", Accreditation),
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "search",
        help="find centers near a place, by therapy, care team, trials, cost and more",
        description="Find centers. Repeat --kind/--therapy/--condition to accept any of them; "
        "repeat --specialty/--service to require all of them. Unknown values (no cost, no "
        "coordinates...) are kept and marked unless --unknown drop.",
    )
    p.add_argument("--near", metavar="PLACE", help="ZIP, 'City, ST', 'City, Country' or 'lat, lon'")
    p.add_argument(
        "--radius", metavar="DISTANCE", help=f"e.g. 150mi or 240km (default {DEFAULT_RADIUS})"
    )
    for option, _field, vocab in CODE_OPTIONS:
        group = f", or {AUTOIMMUNE_GROUP} (every condition but gvhd)" if vocab is Condition else ""
        p.add_argument(
            option, action="append", default=[], metavar=vocab.__name__.upper(),
            help=", ".join(vocab.codes()) + group,
        )  # fmt: skip
    p.add_argument(
        "--trial", metavar="MODE",
        help="any (takes part in a registered trial of any status), recruiting (a trial "
        "recruiting at the center), none (no registered trial)",
    )  # fmt: skip
    p.add_argument("--min-disciplines", metavar="N", help="at least N distinct disciplines")
    p.add_argument(
        "--verified-only", action="store_true", help="count only facts a person verified"
    )
    p.add_argument("--outpatient", action="store_true", help="outpatient care possible")
    p.add_argument("--max-cost", metavar="USD", help="lowest quoted cost at most USD")
    p.add_argument("--insurance", action="store_true", help="insurance accepted")
    p.add_argument("--financial-assistance", action="store_true")
    p.add_argument("--age", metavar="YEARS", help="patient age within the accepted range")
    p.add_argument("--exclude-red-flags", action="store_true")
    p.add_argument("--verified-within", metavar="MONTHS", help="verified in the last MONTHS")
    p.add_argument(
        "--fresh-within", metavar="MONTHS",
        help="a trial whose registry record was updated in the last MONTHS (e.g. 12 or 12mo)",
    )  # fmt: skip
    p.add_argument("--unknown", metavar="MODE", default="keep", help="|".join(UNKNOWN_MODES))
    p.add_argument(
        "--show-unlocated", action="store_true",
        help="with a radius, also list centers whose location is unknown (left out by default)",
    )  # fmt: skip
    p.add_argument("--text", metavar="WORDS", help="words in name, city, notes or trial titles")
    p.add_argument(
        "--sort", metavar="KEY", default="distance",
        help="|".join(SORT_KEYS) + " (trials: most active trials first, then all trials)",
    )  # fmt: skip
    p.add_argument("--limit", metavar="N", help="show at most N centers")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.set_defaults(handler=run_search)
    # argparse reads "-5mi" as an unknown option (only plain numbers count as negative), so
    # `--radius -5mi` would end in a usage dump; let it through to the one-line radius check.
    if hasattr(p, "_negative_number_matcher"):
        p._negative_number_matcher = re.compile(r"^-\d")


def whole_number(option: str, value: str | None) -> int | None:
    """An option's whole number ("1,000" reads 1000); a one-line refusal naming the option."""
    if value is None:
        return None
    text = value.strip().replace(",", "").replace("_", "")
    if not text.isdigit():
        raise CommandError(f"{option} expects a whole number of 0 or more, got {value!r}")
    return int(text)


def _months(value: str | None) -> str | None:
    """'12mo', '12 months' or '12' -> '12'; anything else is left for `whole_number` to refuse."""
    if value is None:
        return None
    return re.sub(r"\s*(mo|months?)$", "", value.strip().lower())


def one_of(option: str, value: str, accepted: tuple[str, ...]) -> str:
    """`value` if it is one of `accepted`, else a refusal listing them."""
    if value not in accepted:
        raise CommandError(f"{option}: unknown value {value!r}; accepted: {', '.join(accepted)}")
    return value


def vocab_codes(option: str, values: list[str], vocab: type[Vocab]) -> frozenset[str]:
    """The codes of `values` (codes or labels; "autoimmune" for every autoimmune condition)."""
    codes: set[str] = set()
    for value in values:
        if vocab is Condition and value.strip().lower() == AUTOIMMUNE_GROUP:
            codes |= AUTOIMMUNE_CONDITIONS
            continue
        try:
            codes.add(vocab.parse(value).value)
        except ValueError as exc:
            raise CommandError(f"{option}: {exc}") from None
    return frozenset(codes)


def _field_attr(option: str) -> str:
    return option.lstrip("-").replace("-", "_")


def build_filter(args: argparse.Namespace) -> tuple[CenterFilter, str]:
    """The filter the arguments ask for, and a phrase saying where ("within 150 mi of ...")."""
    if args.radius is not None and not args.near:
        raise CommandError("--radius needs --near PLACE")
    kwargs: dict[str, Any] = {
        field: vocab_codes(option, getattr(args, _field_attr(option)), vocab)
        for option, field, vocab in CODE_OPTIONS
    }
    where = ""
    if args.near:
        radius_text = args.radius if args.radius is not None else DEFAULT_RADIUS
        try:
            radius_km = parse_distance(radius_text)
        except ValueError as exc:
            raise CommandError(f"--radius: {exc}") from None
        try:
            place = resolve_place(args.near)
        except ValueError as exc:  # PlaceError; AmbiguousPlace lists the candidates
            raise CommandError(f"--near: {exc}") from None
        units = "km" if re.search(r"\d\s*k", radius_text.lower()) else "mi"
        kwargs.update(origin=(place.latitude, place.longitude), radius_km=radius_km, units=units)
        where = f" within {radius_text} of {place.label}"
    if args.trial is not None:
        kwargs["trials"] = one_of("--trial", args.trial, TRIAL_MODES)
    return CenterFilter(
        **kwargs,
        text=args.text or "",
        min_disciplines=whole_number("--min-disciplines", args.min_disciplines) or 0,
        verified_only=args.verified_only,
        outpatient_only=args.outpatient,
        max_cost_usd=whole_number("--max-cost", args.max_cost),
        insurance=args.insurance,
        financial_assistance=args.financial_assistance,
        age=whole_number("--age", args.age),
        exclude_red_flags=args.exclude_red_flags,
        verified_within_months=whole_number("--verified-within", args.verified_within),
        fresh_within_months=whole_number("--fresh-within", _months(args.fresh_within)),
        unknown=one_of("--unknown", args.unknown, UNKNOWN_MODES),
        show_unlocated=args.show_unlocated,
        sort=one_of("--sort", args.sort, SORT_KEYS),
        limit=whole_number("--limit", args.limit),
    ), where


def run_search(args: argparse.Namespace) -> int:
    flt, where = build_filter(args)
    store = store_for(args)
    try:
        with store.session() as s:
            rows = search(s, flt)
            total = count_centers(s)
            left_out = unlocated_left_out(s, flt)
            relaxed = relaxations(s, flt) if len(rows) < RELAX_BELOW else []
    finally:
        store.close()
    if args.json:
        print_json(
            {
                "centers": [_json(row) for row in rows],
                "shown": len(rows),
                "total": total,
                "unlocated_excluded": left_out,
                "relax": [r.as_json() for r in relaxed],
            }
        )
        return 0
    shown = f"{len(rows)} of {total:,} centers{where}"
    if flt.limit is not None and len(rows) == flt.limit:
        shown += f" (first {flt.limit}; raise --limit for more)"
    print(shown)
    if rows:
        print(format_table(rows))
    if relaxed:
        print(relax_text(len(rows), relaxed))
    if left_out:
        print(f"{left_out:,} {'center' if left_out == 1 else 'centers'} without a known location "
              "not shown (--show-unlocated lists them)")  # fmt: skip
    return 0


def _json(row: ResultRow) -> dict[str, Any]:
    data = asdict(row)
    for key, value in data.items():
        if isinstance(value, date):
            data[key] = value.isoformat()
        elif isinstance(value, tuple):
            data[key] = list(value)
    return data


def _place(row: ResultRow) -> str:
    local = row.region if row.country in (None, "United States", "US", "USA") else row.country
    return ", ".join(p for p in (row.city, local) if p)


def _flags(row: ResultRow) -> str:
    flags = []
    if row.recruiting:
        flags.append("recruiting")
    if row.all_trials:
        flags.append(status_note(row.status_as_of, row.status_stale))
    if row.red_flags:
        flags.append(f"{row.red_flags} red flag{'s' if row.red_flags > 1 else ''}")
    if row.stale:
        flags.append("not verified in 12 months")
    flags += row.unknown
    return "; ".join(flags)


def format_table(rows: list[ResultRow]) -> str:
    """Name, kind, place, distance (mi), active and all trials, flags, in aligned columns."""
    header = ("Name", "Kind", "City", "mi", "Trials active/all", "Flags")
    body = []
    for r in rows:
        name = r.name if len(r.name) <= NAME_WIDTH else r.name[: NAME_WIDTH - 1] + "…"
        kind = CenterKind(r.kind).label if r.kind in CenterKind.codes() else "unknown"
        miles = "" if r.distance_mi is None else f"{r.distance_mi:,.1f}"
        body.append((name, kind, _place(r), miles, f"{r.active_trials}/{r.all_trials}", _flags(r)))
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    right = {3, 4}
    lines = []
    for line in [header, *body]:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(line)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)

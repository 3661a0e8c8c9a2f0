"""`directory-app match`: who can take this patient? A profile in, ranked centers and the
trials that fit out, each decision stated as fits / does not fit / unknown with its source.

The profile lives only in this command's arguments; nothing about the patient is stored.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from directory_app.core.directory.vocab import Condition
from directory_app.core.geo.places import parse_distance, resolve_place
from directory_app.core.matching.matcher import CENTER, TRIAL_SITE, CenterMatch, as_json, match
from directory_app.core.matching.profile import SEXES, MatchError, PatientProfile
from directory_app.core.search.distance_rank import format_distance

from .common import CommandError, print_json, store_for
from .search import whole_number

DEFAULT_LIMIT = "20"
NAME_WIDTH = 44


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "match",
        help="rank centers and trials for one patient profile, with reasons",
        description="Judge every center within reach, and each of its trials, against the "
        "patient's profile: fits, does not fit, or unknown, with the fact and its source. "
        "Centers with no failing criterion come first, then fewest unknowns, then nearest.",
    )
    p.add_argument("--age", metavar="YEARS")
    p.add_argument("--sex", metavar="SEX", help="|".join(SEXES))
    p.add_argument("--condition", metavar="CONDITION", help=", ".join(Condition.codes()))
    p.add_argument("--failed", metavar="N", help="conventional treatments that failed")
    p.add_argument("--near", metavar="PLACE", help="ZIP, 'City, ST' or 'lat, lon'")
    p.add_argument("--radius", metavar="DISTANCE", help="how far the patient can travel: 300mi")
    p.add_argument("--insurance", action="store_true", help="the patient wants to use insurance")
    p.add_argument("--max-cost", metavar="USD", help="most the patient can pay out of pocket")
    p.add_argument("--limit", metavar="N", default=DEFAULT_LIMIT, help="show at most N centers")
    p.add_argument("--json", action="store_true", help="print fits/fails/unknown as JSON")
    p.add_argument("--sheet", metavar="OUT.pdf", type=Path,
                   help="also write the patient's referral sheet (PDF) for the listed answers "
                   "with nothing that does not fit")
    p.add_argument("--page", choices=("letter", "a4"), default="letter", help="sheet page size")
    p.set_defaults(handler=run_match)
    if hasattr(p, "_negative_number_matcher"):
        p._negative_number_matcher = re.compile(r"^-\d")


def build_profile(args: argparse.Namespace) -> tuple[PatientProfile, str]:
    """The profile the arguments describe, and the distance unit to report in."""
    if args.radius is not None and not args.near:
        raise CommandError("--radius needs --near PLACE")
    origin, radius_km, units = None, None, "mi"
    if args.near:
        try:
            place = resolve_place(args.near)
            origin = (place.latitude, place.longitude)
        except ValueError as exc:
            raise CommandError(f"--near: {exc}") from None
        if args.radius is not None:
            try:
                radius_km = parse_distance(args.radius)
            except ValueError as exc:
                raise CommandError(f"--radius: {exc}") from None
            units = "km" if re.search(r"\d\s*k", args.radius.lower()) else "mi"
    condition = None
    if args.condition:
        try:
            condition = Condition.parse(args.condition).value
        except ValueError as exc:
            raise CommandError(f"--condition: {exc}") from None
    sex = args.sex.strip().lower() if args.sex else None
    if sex is not None and sex not in SEXES:
        raise CommandError(f"--sex: unknown value {args.sex!r}; accepted: {', '.join(SEXES)}")
    return PatientProfile(
        age=whole_number("--age", args.age), sex=sex, condition=condition,
        failed_treatments=whole_number("--failed", args.failed), origin=origin, radius_km=radius_km,
        insurance=args.insurance, max_cost_usd=whole_number("--max-cost", args.max_cost),
    ), units  # fmt: skip


def run_match(args: argparse.Namespace) -> int:
    profile, units = build_profile(args)
    limit = whole_number("--limit", args.limit)
    if args.sheet is not None and not args.sheet.parent.is_dir():
        raise CommandError(f"--sheet: folder {args.sheet.parent} does not exist")
    store = store_for(args)
    try:
        with store.session() as s:
            results = match(s, profile, limit=limit, units=units)
            if args.sheet is not None:
                _write_sheet(s, args, profile, units, results)
    except MatchError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
    if args.json:
        print_json([as_json(m) for m in results])
        return 0
    clean = sum(1 for m in results if not m.fails)
    sites = sum(1 for m in results if m.kind == TRIAL_SITE)
    also = f" and {sites} trial site{'s' * (sites != 1)} with no center on record" if sites else ""
    print(f"{len(results) - sites} centers{also}, best fit first; "
          f"{clean} with no failing criterion")  # fmt: skip
    for i, m in enumerate(results, 1):
        print(_block(i, m, units))
    return 0


def _write_sheet(
    session: Session, args: argparse.Namespace, profile: PatientProfile, units: str,
    results: list[CenterMatch],
) -> None:
    """The patient's referral sheet for the listed answers with nothing that does not fit (all
    listed when none is clean); reported on stderr, so --json stays one JSON document."""
    # Start-up time: Qt and the PDF writer load only when a sheet is asked for.
    from directory_app.report.patient_sheet import (
        build_patient_sheet,
        profile_lines,
        write_patient_sheet,
    )
    from directory_app.report.referral_sheet import ensure_gui_app

    ensure_gui_app()
    lines = profile_lines(profile, args.near or "", units)
    chosen = [m for m in results if not m.fails] or results
    count = write_patient_sheet(build_patient_sheet(session, chosen, lines, units=units),
                                args.sheet, page=args.page)  # fmt: skip
    print(f"{args.sheet}: referral sheet for {len(chosen)} answers, {count} "
          f"page{'s' * (count != 1)}", file=sys.stderr)  # fmt: skip


def _block(i: int, m: CenterMatch, units: str) -> str:
    """One result: rank, name, place, distance and summary, then the reasons indented."""
    place = ", ".join(p for p in (m.city, m.region) if p)
    if m.kind == TRIAL_SITE:  # the name already says the city
        place = "no center on record"
    away = "distance unknown" if m.distance_km is None else format_distance(m.distance_km, units)
    summary = f"{len(m.fits)} fit, {len(m.fails)} fail, {len(m.unknown)} unknown"
    name = m.name if len(m.name) <= NAME_WIDTH else m.name[: NAME_WIDTH - 1] + "…"
    lines = [f"{i:>3}. {name}  ({place}; {away})  {summary}"]
    for word, checks in (("fits", m.fits), ("FAILS", m.fails), ("unknown", m.unknown)):
        lines += [f"       {word:<8}{c.fact}" + (f" [{c.source}]" if c.source else "")
                  for c in checks]  # fmt: skip
    for t in m.fitting_trials if m.kind == CENTER else m.trials:
        status = t.site_status or t.status
        lines.append(f"       trial   {t.nct_id} ({status}) {t.title[:70]}")
        lines += [f"       contact {_contact(c)} [{t.contacts_source}]" for c in t.contacts]
    return "\n".join(lines)


def _contact(c: dict[str, str | None]) -> str:
    """A registry site contact on one line: name (role), phone, email; blanks left out."""
    role = (c.get("role") or "").replace("_", " ").lower()
    name = (c.get("name") or "unnamed") + (f" ({role})" if role else "")
    return ", ".join(p for p in (name, c.get("phone"), c.get("email")) if p)

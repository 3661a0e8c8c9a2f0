"""`directory-app check-clinic NAME [--website URL] [--json]`: what is on record about a clinic.

Looks the name (and the website's domain) up in the bundled FDA warning and untitled letters
to stem cell firms and in the directory, then lists the warning signs FDA and ISSCR publish for
patients, each with its link. A letter is shown as "FDA warning letter dated ..." with its link,
never as a verdict.
"""

from __future__ import annotations

import argparse
import textwrap

from directory_app.core.clinic_check.report import CheckError, ClinicCheck, check_clinic

from .common import CommandError, print_json, store_for


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "check-clinic",
        help="look a clinic up in the FDA letters and the directory; list the warning signs",
        description="Look a clinic's name (and website) up in the bundled FDA warning and "
        "untitled letters to stem cell firms and in the directory, and list the warning signs "
        "FDA and ISSCR publish for patients.",
    )
    p.add_argument("name", nargs="?", default="", help="the clinic's name")
    p.add_argument("--website", metavar="URL", default="", help="the clinic's website")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(handler=run_check_clinic)


def run_check_clinic(args: argparse.Namespace) -> int:
    store = store_for(args)
    try:
        with store.session() as s:
            result = check_clinic(s, args.name, args.website)
    except CheckError as exc:
        raise CommandError(f"check-clinic: {exc}") from None
    finally:
        store.close()
    if args.json:
        print_json(result.as_json())
    else:
        print(render(result))
    return 0


def render(result: ClinicCheck) -> str:
    lines = [result.headline]
    for m in result.letters:
        letter = m.letter
        lines.append(f"- {letter.summary} ({letter.source_url})")
        lines.append(f"    {letter.firm}, {letter.place}; product: {letter.product}")
        lines.append(f"    matched by {m.how}")
    if not result.letters:
        lines.append("  The list holds only the letters FDA and the press published about stem "
                     "cell firms; no letter found is not a clearance.")  # fmt: skip
    else:
        lines.append("  A warning letter is an allegation by FDA, not a court finding; the "
                     "firm may have answered or changed since.")  # fmt: skip
    lines.append("")
    if result.centers:
        lines.append("In this directory:")
        for c in result.centers:
            place = ", ".join(str(p) for p in (c.center.get("city"), c.center.get("region")) if p)
            flags = c.center.get("red_flags") or 0
            note = f"; {flags} red flag{'s' if flags != 1 else ''}" if flags else ""
            place = place or "place unknown"
            lines.append(f"- center {c.center['id']}: {c.center['name']} ({place}), "
                         f"matched by {c.how}{note}")  # fmt: skip
    else:
        lines.append("In this directory: no center with this name or website.")
    lines.append("")
    lines.append("Warning signs to ask about (from FDA and ISSCR guidance for patients):")
    for sign in result.signs:
        lines.extend(textwrap.wrap(f"[ ] {sign.text}", 96, subsequent_indent="    "))
        lines.append(f"    source: {sign.source}, {sign.url}")
    return "\n".join(lines)

"""`directory-app check-clinic NAME [--website URL] [--json]`: what is on record about a clinic.

Looks the name (and the website's domain) up in the bundled FDA warning and untitled letters
to stem cell firms and in the directory, then lists the warning signs FDA and ISSCR publish for
patients, each with its link. A letter is shown as "FDA warning letter dated ..." with its link,
never as a verdict.
"""

from __future__ import annotations

import argparse

from directory_app.core.clinic_check.report import CheckError, as_text, check_clinic

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
        print(as_text(result))
    return 0

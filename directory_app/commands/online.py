"""`directory-app online on|off` and `directory-app update`: keeping the directory current.

    directory-app online on|off|status
    directory-app update [--dry-run] [--json] [--api-base URL]

`update` fetches the standing query and every trial already in the directory from the
ClinicalTrials.gov API v2, then imports the download in one transaction (see
`core.importing.online_update`). With the setting off it opens no connection at all and prints
how to turn it on, or the exact links to download on another computer and carry over.

Exit codes: 0 done; 2 could not run - online not allowed, the download failed (one line saying
what happened; the database is unchanged), a malformed page, a busy database.
"""

from __future__ import annotations

import argparse
import sys

from directory_app.commands.common import CommandError, print_json, store_for
from directory_app.core.registry import online_setting, standing_query

UPDATE_HELP = (
    "Fetch the directory's standing ClinicalTrials.gov query (autoimmune conditions x cell "
    "therapies) and every trial already in the directory from the registry's API v2, then "
    "import the complete download in one transaction ('import --undo-last' takes it back). "
    "Needs 'directory-app online on'; a failed or interrupted update changes nothing."
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    o = sub.add_parser(
        "online",
        help="allow or forbid contacting clinicaltrials.gov (off by default)",
        description=f"{online_setting.LABEL}. {online_setting.EXPLANATION}",
    )
    o.add_argument("state", choices=("on", "off", "status"))
    o.set_defaults(handler=run_online_command)

    u = sub.add_parser(
        "update", help="update trials from ClinicalTrials.gov", description=UPDATE_HELP
    )
    u.add_argument("--dry-run", action="store_true", help="download and report; write nothing")
    u.add_argument("--json", action="store_true", help="print the report as JSON")
    u.add_argument(
        "--api-base",
        default=standing_query.DEFAULT_API_BASE,
        metavar="URL",
        help="the registry's API v2 address or a mirror (default %(default)s)",
    )
    u.set_defaults(handler=run_update_command)


def run_online_command(args: argparse.Namespace) -> int:
    if args.state != "status":
        path = online_setting.set_online_allowed(args.state == "on")
        print(f"{online_setting.LABEL}: {args.state} (saved in {path})")
    else:
        state = "on" if online_setting.is_online_allowed() else "off"
        print(f"{online_setting.LABEL}: {state}")
    if online_setting.is_online_allowed():
        print(online_setting.EXPLANATION)
    if args.state == "status":
        # Here and below: 'online on/off' stays quick; the importer and the ORM load only
        # for 'online status' and 'update'.
        from directory_app.core.importing.online_update import checked_summary

        store = store_for(args)
        try:
            print(checked_summary(store).text())
        finally:
            store.close()
    return 0


def offline_handoff_text(nct_ids: list[str]) -> str:
    """How to update without going online here: turn it on, or carry a file (three steps)."""
    lines = [
        "Contacting clinicaltrials.gov is off on this computer; nothing was downloaded.",
        "To allow it: directory-app online on",
        "Or update by hand-carried file:",
    ]
    lines += [f"  {i}. {step}" for i, step in enumerate(standing_query.HANDOFF_STEPS, 1)]
    lines += ["Links:"] + [f"  {url}" for url in standing_query.handoff_urls(nct_ids)]
    return "\n".join(lines)


def run_update_command(args: argparse.Namespace) -> int:
    # The importer and the ORM load only for this command, as in run_online_command.
    from directory_app.core.importing.online_update import known_nct_ids, run_update
    from directory_app.core.importing.report import format_error

    store = store_for(args)
    try:
        if not online_setting.is_online_allowed():
            print(offline_handoff_text(known_nct_ids(store)), file=sys.stderr)
            return 2
        # Only once going online is allowed: the HTTP client's module, as in run_update.
        from directory_app.core.registry.http_fetch import FetchError

        try:
            result = run_update(store, api_base=args.api_base, dry_run=args.dry_run)
        except FetchError as exc:
            raise CommandError(f"update: {exc}; the directory is unchanged") from None
    finally:
        store.close()
    report = result.report
    if args.json:
        print_json(result.as_dict())
    elif report.ok:
        print(
            f"Fetched {result.pages} page(s) in {result.requests} request(s) from {args.api_base}"
        )
        print(report.text())
    if not report.ok:
        for error in report.errors:
            print(f"directory-app: error: {format_error(error)}; nothing was imported",
                  file=sys.stderr)  # fmt: skip
        return 2
    return 0

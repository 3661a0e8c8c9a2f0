"""`directory-app import | export | referral`: moving data in and out of the directory.

    directory-app import FILE [--dry-run] [--json] [--all-conditions]
    directory-app import --undo-last [--json]
    directory-app export --format csv|json|hsds FILE [--filter-json FILTER]
    directory-app referral --ids 1,2,3 [--near PLACE] [--units mi|km] [--page letter|a4] OUT.pdf

A new database is filled with the bundled directory when first opened, except by an import of
this app's own export (which then arrives exactly as exported).

Exit codes: 0 done; 2 could not run - a malformed file (the message names file, row or record
and field; nothing was written), a bad option, a busy database. Qt is imported only by
`referral`, which draws the PDF with Qt's own writer.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from directory_app.commands.common import CommandError, print_json, store_for
from directory_app.core.exchange.export import (
    FORMATS,
    FilterError,
    export_to,
    filter_from_json,
    matching_ids,
)
from directory_app.core.importing.importer import (
    DIRECTORY_CSV,
    DIRECTORY_JSON,
    NothingToUndo,
    detect_import_format,
    run_import,
    run_undo_last,
)
from directory_app.core.importing.report import format_error
from directory_app.core.storage.opening import open_store

IMPORT_HELP = (
    "Import a ClinicalTrials.gov download (classic CSV, current CSV, API v2 JSON: one study, a "
    "list or a page; a folder or zip of those) or this app's own CSV/JSON export. The format is "
    "read from the content. One transaction with a batch id: a malformed file writes nothing; "
    "'--undo-last' takes the newest import back. Registry imports keep only studies of "
    "autoimmune or immune-mediated conditions unless --all-conditions; importing the same file "
    "twice changes nothing; fields a person edited or verified are never overwritten (the "
    "report lists the differences)."
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    i = sub.add_parser(
        "import", help="import registry downloads or a directory export", description=IMPORT_HELP
    )
    i.add_argument("file", nargs="?", type=Path, help="file, folder or zip to import")
    i.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    i.add_argument("--json", action="store_true", help="print the report as JSON")
    i.add_argument(
        "--all-conditions",
        action="store_true",
        help="keep studies of every condition, not only autoimmune ones",
    )
    i.add_argument(
        "--undo-last",
        action="store_true",
        help="undo the newest import: remove what it added, restore what it changed",
    )
    i.set_defaults(handler=run_import_command)

    e = sub.add_parser(
        "export",
        help="export the directory as CSV, JSON or HSDS",
        description="Write every center (or those a filter matches) with all "
        "fields and provenance. csv and json can be imported again losslessly; "
        "hsds is Open Referral HSDS-shaped JSON for other directory tools. CSV "
        "text cells starting with = + - @ tab, CR or ' get one extra leading ' "
        "(formula neutralising), which the importer removes again.",
    )
    e.add_argument("--format", choices=FORMATS, required=True)
    e.add_argument("file", type=Path, help="where to write (replaced atomically)")
    e.add_argument(
        "--filter-json",
        metavar="FILTER",
        help='search filter as JSON, e.g. \'{"therapies": ["hsct_autologous"]}\'',
    )
    e.add_argument("--json", action="store_true", help="print what was written as JSON")
    e.set_defaults(handler=run_export_command)

    r = sub.add_parser("referral", help="print a referral sheet (PDF) for a shortlist")
    r.add_argument("--ids", required=True, help="center ids, comma-separated (e.g. 12,40,7)")
    r.add_argument("--near", metavar="PLACE", help="patient's place for distances (ZIP, City, ST)")
    r.add_argument("--units", choices=("mi", "km"), default="mi")
    r.add_argument("--page", choices=("letter", "a4"), default="letter")
    r.add_argument("out", type=Path, help="the PDF to write")
    r.set_defaults(handler=run_referral_command)


def run_import_command(args: argparse.Namespace) -> int:
    if args.undo_last:
        if args.file is not None or args.dry_run:
            raise CommandError("--undo-last takes no FILE and no --dry-run")
        store = store_for(args)
        try:
            undo = run_undo_last(store)
        except NothingToUndo as exc:
            raise CommandError(str(exc)) from exc
        finally:
            store.close()
        if args.json:
            print_json(undo.as_dict())
        else:
            print(undo.text())
        return 0
    if args.file is None:
        raise CommandError("import: name a FILE (or use --undo-last)")
    # A directory export goes into the database as it is: a new database is not first filled
    # with the bundled directory (so export -> import into a new database -> export gives the
    # same file). A registry download is matched against the bundled directory as usual.
    try:
        own = detect_import_format(args.file) in (DIRECTORY_CSV, DIRECTORY_JSON)
    except ValueError:
        own = False  # run_import reports the problem with the file
    store = open_store(args.db, seed=not own)
    try:
        report = run_import(
            store, args.file, dry_run=args.dry_run, all_conditions=args.all_conditions
        )
    finally:
        store.close()
    if args.json:
        print_json(report.as_dict())
    elif report.ok:
        print(report.text())
    else:
        for error in report.errors:
            print(
                f"directory-app: error: {format_error(error)}; nothing was imported",
                file=sys.stderr,
            )
    return 0 if report.ok else 2


def _parse_ids(text: str) -> list[int]:
    try:
        ids = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise CommandError(f"--ids: expected numbers separated by commas, got {text!r}") from None
    if not ids:
        raise CommandError("--ids: name at least one center id")
    return ids


def run_export_command(args: argparse.Namespace) -> int:
    if not args.file.parent.is_dir():
        raise CommandError(f"export: folder {args.file.parent} does not exist")
    store = open_store(args.db)
    try:
        with store.session() as session:
            ids = None
            if args.filter_json:
                try:
                    ids = matching_ids(session, filter_from_json(args.filter_json))
                except FilterError as exc:
                    raise CommandError(str(exc)) from exc
            written = export_to(session, args.format, args.file, ids)
    finally:
        store.close()
    if args.json:
        print_json({"file": str(args.file), "format": args.format, **written})
    else:
        print(
            f"{args.file}: {written['centers']} centers, {written['trials']} trials ({args.format})"
        )
    return 0


def run_referral_command(args: argparse.Namespace) -> int:
    ids = _parse_ids(args.ids)
    if not args.out.parent.is_dir():
        raise CommandError(f"referral: folder {args.out.parent} does not exist")
    # Start-up time: Qt and the PDF writer load only for the referral command.
    from directory_app.report.referral_sheet import ensure_gui_app, make_referral_sheet

    store = store_for(args)
    try:
        ensure_gui_app()
        with store.session() as session:
            try:
                n = make_referral_sheet(
                    session, ids, args.out, near=args.near, units=args.units, page=args.page
                )
            except LookupError as exc:
                raise CommandError(f"referral: {exc.args[0]}") from exc
    finally:
        store.close()
    print(f"{args.out}: referral sheet for {n} center{'s' * (n != 1)}")
    return 0

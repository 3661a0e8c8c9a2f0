"""`directory-app`: the command line. With no command it starts the desktop app.

Every command lives in its own module under `directory_app.commands` and registers itself with
`register(subparsers)`; this module only parses, opens the database and turns the app's error
types into one clear line and exit code 2. Nothing here imports Qt unless the GUI is started.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .commands import COMMANDS
from .commands.common import CommandError
from .core.store import StoreError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="directory-app",
        description="Offline directory of centers offering or researching stem cell therapy "
        "for autoimmune disease. With no command, starts the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"directory-app {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help="database file or SQLAlchemy URL (default: $DIRECTORY_APP_DB, else the user data dir)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="start the desktop app, paint the first window, save a screenshot if asked, and quit",
    )
    parser.add_argument("--screenshot", metavar="PNG", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from .gui.app import run_gui

            return run_gui(args.db, smoke=args.smoke, screenshot=args.screenshot)
        result: int = args.handler(args)
        return result
    except (CommandError, StoreError, ValueError) as exc:
        print(f"directory-app: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())

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


def version_text() -> str:
    """App version and the date of the bundled directory data, one line (also the About box)."""
    from directory_app.core.paths import bundled_data_date

    return f"directory-app {__version__} (bundled data {bundled_data_date()})"


def _base_parser(**kwargs: object) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="directory-app",
        **kwargs,  # type: ignore[arg-type]
        description="Offline directory of centers offering or researching stem cell therapy "
        "for autoimmune disease. With no command, starts the desktop app.",
    )
    parser.add_argument("--version", action="version", version=version_text())
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
    return parser


def _gui_options(argv: Sequence[str]) -> argparse.Namespace | None:
    """The options when the command line only starts the GUI; None when it names a command.

    Starting the window must not pay for importing every command (and through them alembic):
    that is most of a cold start."""
    parser = _base_parser(add_help=False)
    known, rest = parser.parse_known_args(list(argv))
    return None if rest else known


def build_parser() -> argparse.ArgumentParser:
    from .commands import COMMANDS

    parser = _base_parser()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    gui = _gui_options(argv)
    if gui is not None and "--version" not in argv:
        from .gui.app import run_gui

        return run_gui(gui.db, smoke=gui.smoke, screenshot=gui.screenshot)
    from sqlalchemy.exc import DBAPIError

    from directory_app.core.storage.engine import StoreError, storage_failure

    from .commands.common import CommandError

    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            from .gui.app import run_gui

            return run_gui(args.db, smoke=args.smoke, screenshot=args.screenshot)
        result: int = args.handler(args)
        return result
    except (CommandError, StoreError, ValueError) as exc:
        print(f"directory-app: error: {exc}", file=sys.stderr)
        return 2
    except (DBAPIError, OSError) as exc:
        if isinstance(exc, BrokenPipeError):
            return 0
        message = storage_failure(exc)
        if isinstance(exc, OSError):
            where = f"{exc.filename}: " if exc.filename else ""
            message = where + (message or exc.strerror or str(exc))
        elif message is None:
            raise
        print(f"directory-app: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())

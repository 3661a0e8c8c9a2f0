"""`directory-app`: the command line. With no command it starts the desktop app.

Every command lives in its own module under `directory_app.commands` and registers itself with
`register(subparsers)`; this module only parses, opens the database and turns the app's error
types into one clear line and exit code 2. Nothing here imports Qt unless the GUI is started.

Start-up time is imports: `--version` answers before argparse is even loaded, and a command
line that names a command imports that command's module only (see `commands.COMMANDS`).
"""

from __future__ import annotations

import gc
import sys
from contextlib import contextmanager

from . import __version__

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing is a tenth of --version
if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator, Sequence


def version_text() -> str:
    """App version and the date of the bundled directory data, one line (also the About box)."""
    from directory_app.core.paths import bundled_data_date  # in the function: start-up time

    return f"directory-app {__version__} (bundled data {bundled_data_date()})"


def _base_parser(**kwargs: object) -> argparse.ArgumentParser:
    import argparse

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


def _pre_parse(argv: Sequence[str]) -> tuple[argparse.Namespace, str | None]:
    """The global options, and the first word that may name a command (None: start the GUI).

    Starting the window or running one command must not pay for importing every command (and
    through them alembic and the exporters): that was most of a cold start."""
    known, rest = _base_parser(add_help=False).parse_known_args(list(argv))
    words = [w for w in rest if not w.startswith("-")]
    return known, (words[0] if words else "" if rest else None)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The full parser; with `command`, only that command's module is imported and registered
    (an unknown name registers them all, so argparse can list the choices)."""
    # In the function (start-up time): --version and the window need no command table.
    from .commands import modules_for

    parser = _base_parser()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in modules_for(command):
        module.register(sub)
    return parser


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Importing a command creates ~100,000 long-lived objects (SQLAlchemy, the models) and no
    garbage; the cycle collector would rescan them all at least once meanwhile, a tenth of a
    search's run time. Collection resumes as normal for the command's own work."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv == ["--version"]:  # answered before argparse is imported, exactly as argparse would
        print(version_text())
        raise SystemExit(0)
    gui, command = _pre_parse(argv)
    if command is None and "--version" not in argv:
        from .gui.app import run_gui  # start-up time: Qt is imported only to start the window

        return run_gui(gui.db, smoke=gui.smoke, screenshot=gui.screenshot)
    with _collector_paused():
        # In the function (start-up time): the storage layer loads SQLAlchemy, which --version
        # and the window's first paint must not wait for.
        from sqlalchemy.exc import DBAPIError

        from directory_app.core.storage.engine import StoreError, storage_failure

        from .commands.common import CommandError

        args = build_parser(command).parse_args(argv)
    try:
        if args.command is None:
            from .gui.app import run_gui  # start-up time, as above

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

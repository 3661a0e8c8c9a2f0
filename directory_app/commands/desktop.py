"""`directory-app desktop-entry [--remove]`: the app in the desktop's menu, with its icon.

    directory-app desktop-entry [--program PATH] [--data-home DIR]
    directory-app desktop-entry --remove [--data-home DIR]

Writes `applications/directory-app.desktop` (starting the running program by its absolute path)
and the icon in every size under `$XDG_DATA_HOME`, by default `~/.local/share`; see
`core.desktop_entry`. Exit codes: 0 done; 2 no program to point at, or not a freedesktop
system (Windows, macOS), or a folder that cannot be written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from directory_app.core import desktop_entry

from .common import CommandError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "desktop-entry",
        help="add the app to the desktop's menu, with its icon (Linux)",
        description="Add the app to the desktop's application menu with its icon, for this "
        "user only: the entry starts the program you are running now (the bundle, or the "
        "directory-app of this environment) by its full path.",
    )
    p.add_argument("--remove", action="store_true", help="take the entry and its icons away")
    p.add_argument("--program", type=Path, metavar="PATH",
                   help="the program the entry starts (default: the one running now)")
    p.add_argument("--data-home", type=Path, metavar="DIR",
                   help="the data folder (default: $XDG_DATA_HOME, else ~/.local/share)")
    p.set_defaults(handler=run_desktop_entry)


def run_desktop_entry(args: argparse.Namespace) -> int:
    home = args.data_home or desktop_entry.data_home()
    try:
        if args.remove:
            removed = desktop_entry.remove(home)
            print(f"Removed {len(removed)} files: the menu entry and its icons."
                  if removed else f"No menu entry of this app under {home}.")
            return 0
        program = (args.program or desktop_entry.running_program()).expanduser().resolve()
        written = desktop_entry.install(program, home)
    except desktop_entry.DesktopEntryError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Menu entry: {written[0]}")
    print(f"  starts {program}")
    print(f"  icon in {len(written) - 1} sizes under {home / 'icons' / 'hicolor'}")
    return 0

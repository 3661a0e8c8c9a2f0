"""The desktop menu entry and icon of the installed program, for freedesktop (XDG) desktops.

`resources/directory-app.desktop` starts `directory-app` from the `PATH`, which a wheel in a
virtual environment or the bundle's folder is not on. Installing the entry for the *running*
program writes the same entry with `Exec` naming that program by its absolute path, and puts the
icon in every bundled size into the user's hicolor theme, all under `$XDG_DATA_HOME` (by default
`~/.local/share`): no administrator rights, and removed as simply.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from directory_app.core.paths import DESKTOP_FILE, ICON_SIZES, ICON_SVG, icon_png
from directory_app.core.storage.atomic import atomic_write_text

#: The name desktops know the entry and its icon by (also the window's desktop file name).
ENTRY_NAME = DESKTOP_FILE.stem
#: Characters the desktop entry specification reserves inside a quoted `Exec` argument.
#: The backslash first: escaping it after the others would double their escapes.
_EXEC_RESERVED = ("\\", '"', "`", "$")


class DesktopEntryError(Exception):
    """The entry cannot be installed here: no such program, or not an XDG desktop system."""


def data_home(environ: dict[str, str] | None = None) -> Path:
    """`$XDG_DATA_HOME` when set to an absolute path (as the specification says), else
    `~/.local/share`."""
    env = os.environ if environ is None else environ
    value = env.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def running_program() -> Path:
    """The program a person starts: the bundle's executable, else the `directory-app` script of
    the environment this interpreter belongs to, else the one on the `PATH`."""
    if getattr(sys, "frozen", False):  # the PyInstaller bundle
        return Path(sys.executable).resolve()
    beside = Path(sys.executable).parent / "directory-app"
    if beside.is_file():
        return beside
    found = shutil.which("directory-app")
    if found:
        return Path(found).resolve()
    raise DesktopEntryError(
        "no 'directory-app' program found beside this Python or on the PATH; install the app "
        "(pip install, pipx or the bundle) first"
    )


def exec_value(program: Path) -> str:
    """`program` as an `Exec` value: quoted when it holds a space or a reserved character, with
    `"`, `` ` ``, `$` and `\\` escaped inside the quotes; then every backslash doubled, because a
    desktop file unescapes its string values once before the `Exec` quoting is read."""
    text = str(program)
    if any(not c.isprintable() for c in text):
        raise DesktopEntryError(f"{text!r}: a program path with control characters")
    if any(c.isspace() or c in _EXEC_RESERVED or c in "'<>~|&;*?#()" for c in text):
        for c in _EXEC_RESERVED:
            text = text.replace(c, "\\" + c)
        text = f'"{text}"'
    return _string_escaped(text)


def _string_escaped(text: str) -> str:
    """A desktop file's string escape: a literal backslash is written as two."""
    return text.replace("\\", "\\\\")


def entry_text(program: Path, template: Path = DESKTOP_FILE) -> str:
    """The bundled entry with `Exec` and `TryExec` naming `program`."""
    lines = []
    for line in template.read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = f"Exec={exec_value(program)}"
        elif line.startswith("TryExec="):
            # A path, never quoted; only the string escape of backslashes applies.
            line = f"TryExec={_string_escaped(str(program))}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def installed_files(home: Path) -> list[Path]:
    """Where the entry and each icon go under the data folder `home`."""
    icons = home / "icons" / "hicolor"
    return [
        home / "applications" / f"{ENTRY_NAME}.desktop",
        *(icons / f"{n}x{n}" / "apps" / f"{ENTRY_NAME}.png" for n in ICON_SIZES),
        icons / "scalable" / "apps" / f"{ENTRY_NAME}.svg",
    ]


def _require_xdg() -> None:
    if sys.platform in ("win32", "darwin"):
        raise DesktopEntryError(
            "desktop entries are for Linux and other freedesktop systems; on Windows and macOS "
            "the bundle's program carries its own icon"
        )


def install(program: Path, home: Path) -> list[Path]:
    """Write the entry for `program` and the icons under `home`; returns the files written.

    The entry is written last and atomically, so a desktop never lists it before its icon is
    there, nor reads half of it."""
    _require_xdg()
    if not program.is_file():
        raise DesktopEntryError(f"{program}: no such program")
    entry, *icons = installed_files(home)
    sources = [*(icon_png(n) for n in ICON_SIZES), ICON_SVG]
    for source, target in zip(sources, icons, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    entry.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(entry, entry_text(program))
    return [entry, *icons]


def remove(home: Path) -> list[Path]:
    """Delete the entry and the icons `install` wrote under `home`; returns those that were
    there (folders are left, other programs' files in them too)."""
    _require_xdg()
    removed = []
    for path in installed_files(home):
        if path.is_file():
            path.unlink()
            removed.append(path)
    return removed

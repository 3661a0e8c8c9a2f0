"""`directory-app desktop-entry`: the menu entry starts the program by its full path (quoted as
the desktop entry specification says), every icon size lands in the hicolor theme, and
`--remove` takes exactly those files away."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from directory_app.cli import main
from directory_app.core import desktop_entry, paths

pytestmark = pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG desktops only")


def read_entry(path: Path) -> configparser.SectionProxy:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(path, encoding="utf-8")
    return entry["Desktop Entry"]


def unquote_exec(value: str) -> str:
    """The program an `Exec` value names, read back as a desktop would: the string escape first,
    then the quoting (only what `exec_value` writes)."""
    text = value.replace("\\\\", "\\")  # string level: '\\' is one backslash
    if not text.startswith('"'):
        return text
    assert text.endswith('"')
    inner, out, i = text[1:-1], [], 0
    while i < len(inner):
        if inner[i] == "\\":
            assert inner[i + 1] in '"`$\\', inner
            i += 1
        out.append(inner[i])
        i += 1
    return "".join(out)


@pytest.fixture
def program(tmp_path: Path) -> Path:
    folder = tmp_path / "My Apps $HOME" / 'odd "name"'
    folder.mkdir(parents=True)
    exe = folder / "directory-app"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    return exe


def test_entry_starts_that_program_and_every_icon_size_is_installed(
    program: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "share"
    assert main(["desktop-entry", "--program", str(program), "--data-home", str(home)]) == 0
    out = capsys.readouterr().out
    entry_file = home / "applications" / "directory-app.desktop"
    assert f"Menu entry: {entry_file}" in out and str(program) in out
    entry = read_entry(entry_file)
    assert unquote_exec(entry["Exec"]) == str(program)
    assert entry["Exec"].startswith('"')
    assert entry["Icon"] == "directory-app" and entry["Name"] == "Stem Cell Center Directory"
    for size in paths.ICON_SIZES:
        icon = home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "directory-app.png"
        assert icon.read_bytes() == paths.icon_png(size).read_bytes()
    scalable = home / "icons" / "hicolor" / "scalable" / "apps" / "directory-app.svg"
    assert scalable.read_bytes() == paths.ICON_SVG.read_bytes()
    validate = shutil.which("desktop-file-validate")
    if validate:
        done = subprocess.run([validate, str(entry_file)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_a_plain_path_is_written_unquoted() -> None:
    assert desktop_entry.exec_value(Path("/opt/directory-app/directory-app")) == (
        "/opt/directory-app/directory-app")
    assert desktop_entry.exec_value(Path("/opt/a b/x")) == '"/opt/a b/x"'
    assert desktop_entry.exec_value(Path("/opt/a\\b/x")) == '"/opt/a\\\\\\\\b/x"'


def test_remove_takes_away_only_what_it_wrote(program: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "share"
    written = desktop_entry.install(program, home)
    other = home / "applications" / "someone-else.desktop"
    other.write_text("[Desktop Entry]\n")
    assert main(["desktop-entry", "--remove", "--data-home", str(home)]) == 0
    assert "Removed 8 files" in capsys.readouterr().out
    assert not [p for p in written if p.exists()] and other.exists()
    assert main(["desktop-entry", "--remove", "--data-home", str(home)]) == 0
    assert "No menu entry of this app" in capsys.readouterr().out


def test_a_missing_program_is_one_line_and_exit_2(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "share"
    code = main(["desktop-entry", "--program", str(tmp_path / "nope"), "--data-home", str(home)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("directory-app: error:") and "nope: no such program" in err
    assert not home.exists()


def test_default_program_is_the_script_of_this_environment() -> None:
    found = desktop_entry.running_program()
    assert found.name == "directory-app" and found.is_file()


def test_data_home_follows_xdg_data_home(tmp_path: Path) -> None:
    assert desktop_entry.data_home({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path
    assert desktop_entry.data_home({"XDG_DATA_HOME": "relative"}) == (
        Path.home() / ".local" / "share")

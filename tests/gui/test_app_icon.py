"""The application icon and desktop entry: every PNG size is there and drawn from the SVG as it is
now, the window and the About box show it, and the `.desktop` file starts the installed command
with that icon."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from directory_app.core import paths
from directory_app.gui.about import ICON_PX, AboutDialog
from directory_app.gui.app_icon import DESKTOP_NAME, app_icon
from directory_app.gui.main_window import MainWindow


def render_svg(size: int) -> QImage:
    renderer = QSvgRenderer(str(paths.ICON_SVG))
    assert renderer.isValid()
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


@pytest.mark.parametrize("size", paths.ICON_SIZES)
def test_each_png_is_the_svg_rendered_at_its_size(qapp, size: int) -> None:
    png = QImage(str(paths.icon_png(size))).convertToFormat(
        QImage.Format.Format_ARGB32_Premultiplied)
    assert (png.width(), png.height()) == (size, size)
    fresh = render_svg(size)
    # Edited SVG without re-running db/build_icons.py: the PNGs would show the old picture.
    differing = sum(
        1 for y in range(size) for x in range(size)
        if abs(png.pixelColor(x, y).alpha() - fresh.pixelColor(x, y).alpha()) > 8
        or abs(png.pixelColor(x, y).red() - fresh.pixelColor(x, y).red()) > 8
    )
    assert differing <= size * size // 100
    # Not a blank tile: the corner is transparent, the middle opaque and not one colour.
    assert png.pixelColor(0, 0).alpha() == 0
    middle = {png.pixelColor(size // 2, y).rgb() for y in range(size // 4, 3 * size // 4)}
    assert len(middle) > 1 and png.pixelColor(size // 2, size // 2).alpha() == 255


def test_window_and_about_box_show_the_icon(qtbot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(None, settings)
    qtbot.addWidget(window)
    sizes = {s.width() for s in window.windowIcon().availableSizes()}
    assert sizes == set(paths.ICON_SIZES)
    about = AboutDialog({}, None, window)
    qtbot.addWidget(about)
    shown = about.icon.pixmap()
    assert not shown.isNull()
    assert shown.deviceIndependentSize().toSize() == QSize(ICON_PX, ICON_PX)
    assert shown.toImage().pixelColor(ICON_PX // 2, ICON_PX // 2).alpha() == 255


def test_missing_icon_files_leave_the_platform_default(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr("directory_app.gui.app_icon.icon_png", lambda size: tmp_path / "none.png")
    assert app_icon().isNull()


def test_desktop_entry_starts_the_installed_command_with_the_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(paths.DESKTOP_FILE, encoding="utf-8")
    desktop = entry["Desktop Entry"]
    project = tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text("utf-8"))
    assert desktop["Type"] == "Application"
    assert desktop["Exec"].split()[0] in project["project"]["scripts"]
    assert desktop["Icon"] == paths.ICON_SVG.stem == DESKTOP_NAME == paths.DESKTOP_FILE.stem
    assert desktop["Terminal"] == "false"
    assert "%" not in desktop["Exec"], "the app takes no file argument"
    validate = shutil.which("desktop-file-validate")
    if validate:
        done = subprocess.run([validate, str(paths.DESKTOP_FILE)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr

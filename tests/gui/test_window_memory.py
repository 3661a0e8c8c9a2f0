"""The window remembers itself: a first start fills the screen's available area with its frame
(status bar on screen), and size, position, splitter and column widths come back on the next
start - on the small offscreen screen here and on a 1920x1080 one in a process of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSettings

from directory_app.gui.center_table import Column
from directory_app.gui.main_window import MainWindow
from directory_app.gui.window_memory import available_area


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    """A settings file in the test's folder; the user's settings are never read or written."""
    return tmp_path / "settings.ini"


def start(qtbot, settings_file: Path) -> MainWindow:
    window = MainWindow(None, QSettings(str(settings_file), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def frame_fills_screen(window: MainWindow) -> bool:
    return window.frameGeometry() == available_area(window)


def test_first_start_fills_the_available_area_with_the_status_bar_on_screen(qtbot, settings_file):
    window = start(qtbot, settings_file)
    qtbot.waitUntil(lambda: frame_fills_screen(window), timeout=3000)
    bar = window.statusBar()
    assert bar.isVisible()
    bottom = bar.mapToGlobal(bar.rect().bottomLeft()).y()
    assert bottom <= available_area(window).bottom()
    window.close()


def test_size_place_splitter_and_columns_come_back(qtbot, settings_file):
    first = start(qtbot, settings_file)
    qtbot.waitUntil(lambda: frame_fills_screen(first), timeout=3000)
    first.setGeometry(QRect(6, 50, 786, 520))
    first.splitter.setSizes([250, 300, 150])
    first.table.setColumnWidth(Column.NAME, 333)
    qtbot.waitUntil(lambda: first.geometry() == QRect(6, 50, 786, 520), timeout=2000)
    sizes = first.splitter.sizes()
    first.close()

    second = start(qtbot, settings_file)
    # Every refit after the first show has run: a restored window is not moved.
    qtbot.waitUntil(lambda: second.placement.settled, timeout=3000)
    assert second.geometry() == QRect(6, 50, 786, 520)
    assert second.splitter.sizes() == sizes
    assert second.table.columnWidth(Column.NAME) == 333
    second.close()


def test_a_window_saved_on_a_larger_screen_is_pulled_back_inside(qtbot, settings_file):
    first = start(qtbot, settings_file)
    first.setGeometry(QRect(300, 200, 1500, 1000))  # larger than the 800-pixel offscreen screen
    qtbot.waitUntil(lambda: first.geometry() == QRect(300, 200, 1500, 1000), timeout=2000)
    first.close()
    second = start(qtbot, settings_file)
    qtbot.waitUntil(lambda: available_area(second).contains(second.frameGeometry()),
                    timeout=3000)
    second.close()


def test_unreadable_column_widths_leave_the_defaults(qtbot, settings_file):
    settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
    settings.setValue("window/columns", "not json")
    settings.sync()
    window = start(qtbot, settings_file)
    assert window.table.columnWidth(Column.NAME) == Column.NAME.spec.width
    window.close()


SCRIPT = """
import json, sys, time
from PySide6.QtCore import QRect, QSettings
from PySide6.QtWidgets import QApplication
from directory_app.gui.center_table import Column
from directory_app.gui.main_window import MainWindow

app = QApplication([])
window = MainWindow(None, QSettings(sys.argv[1], QSettings.Format.IniFormat))
window.show()
deadline = time.monotonic() + 10
while not window.placement.settled and time.monotonic() < deadline:  # every refit has run
    app.processEvents()
    QApplication.instance().thread().msleep(5)
app.processEvents()
area = window.screen().availableGeometry()
report = {"area": area.getRect(), "frame": window.frameGeometry().getRect(),
          "geometry": window.geometry().getRect(), "splitter": window.splitter.sizes(),
          "name_width": window.table.columnWidth(Column.NAME),
          "status_bottom": window.statusBar().mapToGlobal(
              window.statusBar().rect().bottomLeft()).y()}
if sys.argv[2] == "change":
    window.setGeometry(QRect(120, 90, 1400, 860))
    window.splitter.setSizes([320, 700, 380])
    window.table.setColumnWidth(Column.NAME, 411)
    app.processEvents()
    report["splitter"] = window.splitter.sizes()
window.close()
print(json.dumps(report))
"""


def run_at_1920x1080(tmp_path: Path, settings_file: Path, mode: str) -> dict[str, object]:
    screens = tmp_path / "screens.json"
    screens.write_text(json.dumps({"screens": [{"name": "wide", "x": 0, "y": 0, "width": 1920,
                                                "height": 1080, "logicalDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={screens}"}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(settings_file), mode], env=env,
                         capture_output=True, text=True, check=True, cwd=tmp_path, timeout=60)
    result: dict[str, object] = json.loads(out.stdout.splitlines()[-1])
    return result


def test_at_1920x1080_first_start_fills_the_screen_and_the_next_restores(tmp_path, settings_file):
    first = run_at_1920x1080(tmp_path, settings_file, "change")
    assert first["area"] == [0, 0, 1920, 1080]
    assert first["frame"] == [0, 0, 1920, 1080]
    assert isinstance(first["status_bottom"], int) and first["status_bottom"] < 1080
    second = run_at_1920x1080(tmp_path, settings_file, "look")
    assert second["geometry"] == [120, 90, 1400, 860]
    assert second["splitter"] == first["splitter"]
    assert second["name_width"] == 411

"""Tools → Check database names the centers without a known location, which radius searches
leave out, after any problems; a directory whose centers are all placed says nothing of it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from directory_app.core.directory.models import Center
from directory_app.gui.main_window import MainWindow


def _check(qtbot, store, tmp_path: Path, monkeypatch) -> QMessageBox:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "open", lambda self: shown.append(self))
    window.center_actions.check_database()
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    return shown[0]


def test_check_database_lists_centers_without_a_location(qtbot, empty_store, tmp_path,
                                                         monkeypatch):  # fmt: skip
    with empty_store.session() as s:
        s.add(Center(name="Sample Placed Clinic (test data)", latitude=41.5, longitude=-81.6))
        s.add(Center(name="Sample Unplaced Clinic (test data)", city="Nowhereville",
                     country="Norway"))  # fmt: skip
    box = _check(qtbot, empty_store, tmp_path, monkeypatch)
    assert box.text() == (
        "The database passed every check. 1 center has no known location: radius searches "
        "leave it out until a place is given."
    )
    details = box.detailedText().splitlines()
    assert details[0] == "Centers without a known location:"
    assert details[1:] == ["center 2: Sample Unplaced Clinic (test data) - Nowhereville, Norway"]


def test_check_database_of_placed_centers_says_only_that_it_passed(qtbot, empty_store, tmp_path,
                                                                   monkeypatch):  # fmt: skip
    with empty_store.session() as s:
        s.add(Center(name="Sample Placed Clinic (test data)", latitude=41.5, longitude=-81.6))
    box = _check(qtbot, empty_store, tmp_path, monkeypatch)
    assert box.text() == "The database passed every check."
    assert box.detailedText() == ""

"""The window on a read-only directory: it says so and offers no action that would write.

The database is opened as the app opens a file in a read-only place (`open_store(...,
read_only=True)`: SQLite reads it as it stands and refuses every write). Recognising such a
place on disk is covered by tests/core/test_read_only_place.py, with a really read-only folder.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from directory_app.core.storage.opening import open_store
from directory_app.gui.main_window import APP_TITLE, MainWindow

from .center_factory import small_directory


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "d.db"
    store = open_store(path, seed=False)
    with store.session() as s:
        small_directory(s)
    store.close()
    return path


def _window(qtbot, store, settings) -> MainWindow:
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    return window


def test_a_read_only_directory_is_searchable_and_says_it_is_read_only(
    qtbot, db: Path, settings
) -> None:
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    store = open_store(db, read_only=True)
    try:
        window = _window(qtbot, store, settings)
        assert window.model.rowCount() == 5
        assert window.read_only_banner.isVisible()
        assert "Read-only" in window.read_only_banner.text()
        assert window.read_only_badge.isVisible()
        assert window.windowTitle() == f"{APP_TITLE} (read-only)"
        ca, fa = window.center_actions, window.file_actions
        for action in (ca.edit_action, ca.new_action, ca.delete_action, ca.split_action,
                       ca.merge_action,
                       ca.shortlist_action,
                       fa.import_action, fa.update_action, fa.undo_import_action):
            assert not action.isEnabled(), action.text()
        for action in (fa.export_directory_action, fa.export_results_action,
                       ca.compare_action):
            assert action.isEnabled(), action.text()
        window.table.selectRow(0)
        window._edit_selected()  # a double-click on a row: no editor, a plain hint instead
        assert "read-only" in window.statusBar().currentMessage()
        window.close()
    finally:
        store.close()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest


def test_a_writable_directory_shows_no_read_only_banner(qtbot, db: Path, settings) -> None:
    store = open_store(db)
    try:
        window = _window(qtbot, store, settings)
        assert not window.read_only_banner.isVisible()
        assert not window.read_only_badge.isVisible()
        assert window.center_actions.edit_action.isEnabled()
        assert window.file_actions.import_action.isEnabled()
        assert window.windowTitle() == APP_TITLE
        window.close()
    finally:
        store.close()

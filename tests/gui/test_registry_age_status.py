"""The status bar says how old the directory's registry data is once it is 12 months old."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QSettings

from directory_app.core.directory.models import Center, Trial, TrialSite
from directory_app.gui.about import AboutDialog
from directory_app.gui.main_window import MainWindow


def _window(qtbot, store, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    return window


def _center_with_trial(store, updated: date) -> None:
    with store.session() as s:
        trial = Trial(nct_id="NCT01234567", title="Sample trial (test data)", status="recruiting",
                      last_update=updated)  # fmt: skip
        center = Center(name="Sample Center (test data)")
        center.trial_sites = [TrialSite(trial=trial, facility="Sample Center")]
        s.add(center)


def test_old_registry_data_is_named_in_the_status_bar(qtbot, empty_store, tmp_path):
    _center_with_trial(empty_store, date.today() - timedelta(days=800))
    window = _window(qtbot, empty_store, tmp_path)
    text = window.status_label.text()
    assert "registry data 2 years 2 months old: check the registry or update" in text


def test_fresh_registry_data_is_not_flagged(qtbot, empty_store, tmp_path):
    _center_with_trial(empty_store, date.today() - timedelta(days=20))
    window = _window(qtbot, empty_store, tmp_path)
    assert "registry data" not in window.status_label.text()


def _about_text(window: MainWindow, monkeypatch) -> str:
    opened: list[AboutDialog] = []
    monkeypatch.setattr(AboutDialog, "open", lambda self: opened.append(self))
    window.show_about()
    (dialog,) = opened
    return dialog.text.toPlainText()


def test_about_box_warns_when_the_registry_data_is_old(qtbot, empty_store, tmp_path, monkeypatch):
    updated = date.today() - timedelta(days=800)
    _center_with_trial(empty_store, updated)
    text = _about_text(_window(qtbot, empty_store, tmp_path), monkeypatch)
    assert "Registry data is 2 years 2 months old" in text
    assert f"newest record {updated.isoformat()}" in text and "check the registry" in text


def test_about_box_names_fresh_registry_data_without_a_warning(
    qtbot, empty_store, tmp_path, monkeypatch
):
    updated = date.today() - timedelta(days=20)
    _center_with_trial(empty_store, updated)
    text = _about_text(_window(qtbot, empty_store, tmp_path), monkeypatch)
    assert f"Newest registry record: {updated.isoformat()}." in text
    assert "old (newest record" not in text

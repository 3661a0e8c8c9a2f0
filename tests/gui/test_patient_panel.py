"""The Patient tab: a profile typed in, the bundled directory's answers ranked with their
fits/unknown summary, the selected one explained criterion by criterion, and nothing about the
patient kept unless the user saves the profile (which has no name)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from directory_app.gui.main_window import PATIENT_TAB, MainWindow

EXAMPLE = {"age": 45, "sex": "female", "condition": "multiple_sclerosis", "failed_treatments": 2,
           "place": "44106", "radius": 300, "units": "mi", "insurance": True}  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def open_patient_tab(qtbot, store, settings) -> MainWindow:
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=10000):
        window.show()
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)  # the tab's mnemonic
    assert window.tabs.currentIndex() == PATIENT_TAB
    return window


def rows(panel) -> list[list[str]]:
    tree = panel.tree
    return [[tree.topLevelItem(i).text(c) for c in range(tree.columnCount())]
            for i in range(tree.topLevelItemCount())]  # fmt: skip


def test_profile_in_ranked_answers_out_with_reasons(qtbot, seeded_store, settings, tmp_path):
    window = open_patient_tab(qtbot, seeded_store, settings)
    panel = window.patient_panel
    panel.age.setValue(45)
    panel.sex.setCurrentIndex(panel.sex.findData("female"))
    panel.condition.setCurrentIndex(panel.condition.findData("multiple_sclerosis"))
    panel.failed.setValue(2)
    qtbot.keyClicks(panel.place, "44106")
    panel.radius.setValue(300)
    panel.insurance.setChecked(True)
    assert not panel.sheet_button.isEnabled()
    with qtbot.waitSignal(panel.matched, timeout=10000):
        qtbot.mouseClick(panel.match_button, Qt.MouseButton.LeftButton)
    shown = rows(panel)
    names = [r[1] for r in shown]
    assert names[:2] == ["Cleveland Clinic", "Cleveland Clinic Mellen Center"]
    assert "trial site in Columbus, OH" in names  # a site with no center is an answer too
    assert shown[0][2] == "0.8 mi" and shown[0][3] == "2 fit · 3 unknown"
    columbus = next(r for r in shown if r[1] == "trial site in Columbus, OH")
    assert columbus[3].startswith("1 does not fit")
    # the first answer is selected and explained, each verdict with its source
    text = panel.explanation.toPlainText()
    assert "Fits" in text and "treats Multiple sclerosis" in text and "NCT03799718" in text
    assert "Unknown" in text and "insurance acceptance unknown" in text
    assert "Status: Completed (as of 2023-12-04)" in text
    assert panel.sheet_button.isEnabled()
    # the referral sheet for the answers with nothing that does not fit
    sheet = tmp_path / "sheet.pdf"
    panel.sheet_path_chooser = lambda: str(sheet)
    with qtbot.waitSignal(panel.sheetWritten, timeout=20000) as written:
        panel.sheet_button.click()
    assert written.args[0] == str(sheet) and written.args[1] <= 2  # two answers, two pages
    assert sheet.read_bytes().startswith(b"%PDF")
    assert "Referral sheet for 2 answers" in panel.heading.text()
    window.resize(1280, 800)
    qtbot.wait(50)
    window.grab().save(str(tmp_path / "patient-tab.png"))
    # nothing about the patient reached the settings file
    settings.sync()
    stored = Path(settings.fileName()).read_text(encoding="utf-8") if Path(
        settings.fileName()).exists() else ""  # fmt: skip
    assert "44106" not in stored and "multiple_sclerosis" not in stored


def test_profile_saved_only_when_asked_and_without_a_name(qtbot, seeded_store, settings,
                                                           tmp_path):  # fmt: skip
    window = open_patient_tab(qtbot, seeded_store, settings)
    panel = window.patient_panel
    panel.set_values(EXAMPLE)
    target = tmp_path / "profile.json"
    panel.save_path_chooser = lambda: str(target)
    assert not target.exists()
    panel.save_button.click()
    saved = json.loads(target.read_text(encoding="utf-8"))
    assert {k: saved[k] for k in EXAMPLE} == EXAMPLE
    assert not {"name", "patient", "birth_date"} & set(saved)
    panel.clear()
    assert panel.values()["age"] is None and panel.place.text() == ""
    panel.open_path_chooser = lambda: str(target)
    panel.open_button.click()
    assert panel.values() == saved
    # a file carrying a name is not a profile this app wrote: refused, the form unchanged
    named = tmp_path / "named.json"
    named.write_text(json.dumps({**EXAMPLE, "name": "Jane Sample"}), encoding="utf-8")
    panel.clear()
    panel.open_path_chooser = lambda: str(named)
    panel.open_button.click()
    assert "field 'name': not a profile field" in panel.heading.text()
    assert panel.values()["age"] is None


def test_unknown_place_is_said_under_the_box(qtbot, seeded_store, settings):
    window = open_patient_tab(qtbot, seeded_store, settings)
    panel = window.patient_panel
    panel.set_values({"condition": "lupus", "place": "Nowhereville Qqq", "radius": 100})
    panel.match_button.click()
    assert panel.place_message.isVisible() and panel.tree.topLevelItemCount() == 0
    assert "place:" in panel.heading.text()

"""Tools → Check a clinic…: the FDA letters, the directory's centers and the warning signs,
from the same core check as `directory-app check-clinic`, reached from the keyboard."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QGuiApplication

from directory_app.cli import main
from directory_app.core.clinic_check.warning_signs import WARNING_SIGNS
from directory_app.core.directory.models import Center, RedFlag
from directory_app.gui.clinic_dialog import PRESS_NOTE, ClinicCheckDialog, result_html
from directory_app.gui.detail_view import render_center
from directory_app.gui.main_window import MainWindow
from directory_app.report.pages import page_texts
from directory_app.report.referral_sheet import center_html

USSC_LETTER = ("https://www.fda.gov/inspections-compliance-enforcement-and-criminal-"
               "investigations/warning-letters/us-stem-cell-clinic-llc-524470-08242017")


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def store(empty_store):
    with empty_store.session() as s:
        s.add(Center(name="US Stem Cell Clinic LLC", city="Sunrise", region="FL",
                     country="United States", website="https://usstemcell.example",
                     red_flags=[RedFlag(kind="regulator_warning", description="x",
                                        evidence_url=USSC_LETTER, source="fda")]))  # fmt: skip
        s.add(Center(name="Mayo Clinic", city="Rochester", region="MN", country="United States"))
    return empty_store


def open_dialog(qtbot, store, settings) -> tuple[MainWindow, ClinicCheckDialog]:
    """The window, then the dialog opened by its shortcut, as a keyboard user opens it."""
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=10000):
        window.show()
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    qtbot.waitUntil(lambda: any(isinstance(d, ClinicCheckDialog) for d in window._dialogs))
    dialog = next(d for d in window._dialogs if isinstance(d, ClinicCheckDialog))
    qtbot.waitUntil(dialog.isVisible)
    return window, dialog


def test_the_menu_lists_the_check_with_its_shortcut(qtbot, store, settings):
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    tools = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Tools")
    action = next(a for a in tools.actions() if "clinic" in a.text().replace("&", ""))
    assert action.text() == "Check a c&linic…"
    assert action.shortcut().toString() == "Ctrl+Shift+K"


def test_a_typed_name_shows_the_2017_letter_with_its_link_and_the_checklist(
        qtbot, store, settings, capsys):
    _window, dialog = open_dialog(qtbot, store, settings)
    assert dialog.focusWidget() is dialog.name_edit  # typing goes straight to the name
    qtbot.keyClicks(dialog.name_edit, "US Stem Cell Clinic")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert dialog.isVisible()  # Enter checks; it does not close the dialog
    text = dialog.view.toPlainText()
    assert "FDA warning letter dated 2017-08-24" in text
    assert f'href="{USSC_LETTER}"' in dialog.view.toHtml()
    assert "an allegation by FDA, not a court finding" in text
    assert "Court action: 11th Cir." in text  # the 2021 injunction is marked as one
    assert "US Stem Cell Clinic LLC (Sunrise, FL), matched by same name" in text
    assert "1 red flag" in text
    assert ("its name, city and state match the letter's: FDA warning letter dated 2017-08-24"
            in text)
    assert text.count("\N{BALLOT BOX}") == len(WARNING_SIGNS)
    html = dialog.view.toHtml()
    assert "fda.gov" in html and "isscr.org" in html
    assert "fraud" not in text.lower()
    # Copy as text gives what the command line prints for the same question.
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert main(["--db", store.url, "check-clinic", "US Stem Cell Clinic"]) == 0
    assert QGuiApplication.clipboard().text() == capsys.readouterr().out.rstrip("\n")


def test_a_website_alone_finds_the_letter_and_the_directory_center(qtbot, store, settings):
    _window, dialog = open_dialog(qtbot, store, settings)
    dialog.website_edit.setText("https://www.usstemcellclinic.com/treatments")
    qtbot.keyClick(dialog.website_edit, Qt.Key.Key_Return)
    text = dialog.view.toPlainText()
    assert "FDA warning letter dated 2017-08-24" in text
    assert "matched by website carries the firm's name" in text
    assert "No center with this name or website." in text
    dialog.name_edit.setText("Quiet Meadow Clinic")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    text = dialog.view.toPlainText()  # a name of no letter: the website still finds it
    assert "for 'Quiet Meadow Clinic / usstemcellclinic.com'" in text
    assert "FDA warning letter dated 2017-08-24" in text
    dialog.website_edit.clear()
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    text = dialog.view.toPlainText()
    assert "No FDA warning letter found for 'Quiet Meadow Clinic'" in text
    assert "no letter found is not a clearance" in text
    dialog.name_edit.clear()
    dialog.website_edit.setText("usstemcell.example")
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    text = dialog.view.toPlainText()
    # 'usstemcell' is the name of the firm in the 2021 court action, not of the 2017 letter
    assert "1 FDA letter or court action for 'usstemcell.example'" in text
    letters, directory = text.split("In this directory")
    assert "2017-08-24" not in letters and "dated 2021-06-02" in letters
    # the center found by its website carries the 2017 letter by its name and place
    assert "match the letter's: FDA warning letter dated 2017-08-24" in directory
    assert "US Stem Cell Clinic LLC (Sunrise, FL), matched by same website" in text


def test_a_press_report_is_marked_and_an_empty_question_says_what_to_type(
        qtbot, store, settings):
    _window, dialog = open_dialog(qtbot, store, settings)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert dialog.message.isVisible()
    assert dialog.message.text() == "Nothing to check: give a clinic name or its website."
    assert not dialog.copy_button.isEnabled()
    dialog.name_edit.setText("R3 Stem Cell")  # known from a trade-press report of its letter
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert not dialog.message.isVisible()
    text = dialog.view.toPlainText()
    assert "reported by" in text and PRESS_NOTE in text


def test_a_center_in_the_result_opens_in_results(qtbot, store, settings):
    window, dialog = open_dialog(qtbot, store, settings)
    dialog.name_edit.setText("Mayo Clinic")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert "No FDA warning letter found for 'Mayo Clinic'" in dialog.view.toPlainText()
    with store.session() as s:
        mayo = s.query(Center).filter_by(name="Mayo Clinic").one().id
    with qtbot.waitSignal(dialog.centerChosen) as chosen:
        dialog.view.anchorClicked.emit(QUrl(f"center:{mayo}"))
    assert chosen.args == [mayo]
    assert window.table.current_center_id() == mayo


def test_screenshot(qtbot, store, settings, tmp_path: Path):
    _window, dialog = open_dialog(qtbot, store, settings)
    dialog.name_edit.setText("US Stem Cell Clinic")
    dialog.run_check()
    assert not dialog.grab().isNull()
    dialog.grab().save(str(tmp_path / "check-clinic.png"))


def test_a_matched_letter_is_dated_and_linked_in_the_pane_and_on_the_referral_sheet():
    here = {"name": "US Stem Cell Clinic", "city": "Sunrise", "region": "FL",
            "country": "United States"}
    pane = render_center(here, date(2026, 6, 1))
    sheet = center_html(here, 1, None, "mi", date(2026, 6, 1))
    for html in (pane, sheet):
        assert "FDA warning letter dated 2017-08-24" in html
        assert f'href="{USSC_LETTER}"' in html
        assert "fraud" not in html.lower()
    assert "1 red flag" in pane


def test_the_check_saves_as_a_pdf_with_whole_addresses_and_its_date(qtbot, store, tmp_path):
    dialog = ClinicCheckDialog(store)
    qtbot.addWidget(dialog)
    assert not dialog.pdf_button.isEnabled()  # nothing checked yet
    dialog.name_edit.setText("US Stem Cell Clinic")
    dialog.run_check()
    assert dialog.pdf_button.isEnabled()
    target = tmp_path / "check.pdf"
    assert dialog.save_pdf(str(target)) >= 1
    assert target.read_bytes().startswith(b"%PDF")
    printed = result_html(dialog.last_check, date(2026, 6, 1))
    paper = " ".join(page_texts(printed)).replace("\u2029", " ")
    assert "Checked on 2026-06-01" in paper
    assert "FDA warning letter dated 2017-08-24" in paper
    assert "us-stem-cell-clinic-llc-524470-08242017" in paper.replace("\u2028", "")
    assert "US Stem Cell Clinic LLC (center 1)" in paper
    assert paper.count("\N{BALLOT BOX}") == len(WARNING_SIGNS)
    # an unwritable place says so instead of failing
    assert dialog.save_pdf(str(tmp_path / "missing" / "folder" / "check.pdf")) == 0
    assert dialog.message.text().startswith("Could not save ")


def test_the_dialog_is_used_from_the_keyboard_alone(qtbot, store, settings):
    _window, dialog = open_dialog(qtbot, store, settings)
    qtbot.keyClicks(dialog.name_edit, "US Stem Cell Clinic")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.website_edit
    qtbot.keyClick(dialog.website_edit, Qt.Key.Key_Enter)  # the keypad's Enter checks too
    assert "FDA warning letter dated 2017-08-24" in dialog.view.toPlainText()
    qtbot.keyClick(dialog.website_edit, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.view  # its links are reached with Tab
    with qtbot.waitSignal(dialog.finished):
        qtbot.keyClick(dialog.view, Qt.Key.Key_Escape)
    assert not dialog.isVisible()

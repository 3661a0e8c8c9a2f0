"""The main window, driven as a coordinator would: filters -> rows, selection -> details,
pins <-> rows, saved searches, shortcuts, and long work off the GUI thread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from directory_app import __version__
from directory_app.core import paths
from directory_app.core.directory.models import Setting
from directory_app.core.storage.seed import META_KEY
from directory_app.gui.about import AboutDialog
from directory_app.gui.center_table import Column
from directory_app.gui.main_window import MainWindow

from .center_factory import small_directory


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """A settings file in the test's folder; the user's settings are never read or written."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def ids(empty_store) -> dict[str, int]:
    with empty_store.session() as s:
        return small_directory(s)


def open_window(qtbot, store, settings) -> MainWindow:
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.show()
    return window


@pytest.fixture
def window(qtbot, empty_store, settings, ids) -> MainWindow:
    return open_window(qtbot, empty_store, settings)


def shown_names(window: MainWindow) -> list[str]:
    return [row.name for row in window.model.rows]


def type_and_wait(qtbot, window: MainWindow, widget, text: str) -> None:
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        qtbot.keyClicks(widget, text)


def test_first_search_lists_everything_with_status(window):
    assert window.model.rowCount() == 5
    assert window.status_label.text() == "5 of 5 centers"


def test_typing_filters_rows_after_a_short_pause(qtbot, window):
    type_and_wait(qtbot, window, window.filters.text_edit, "Akron")
    assert shown_names(window) == ["Akron Transplant Center"]
    assert window.status_label.text() == "1 of 5 centers"


def test_place_and_radius_filter_rows_and_read_in_the_status_bar(qtbot, window):
    window.filters.radius_spin.setValue(150)
    type_and_wait(qtbot, window, window.filters.place_edit, "Cleveland, OH")
    assert len(shown_names(window)) == 3
    assert window.status_label.text() == "3 of 5 centers · within 150 mi of Cleveland, OH"
    assert not window.table.isColumnHidden(Column.DISTANCE)


def test_a_radius_counts_centers_without_a_location_instead_of_listing_them(
    qtbot, empty_store, settings, ids
):
    from directory_app.core.directory.models import Center

    with empty_store.session() as s:
        s.add(Center(name="Nowhere Known Clinic", region="OH", country="United States"))
        # Norway lies wholly outside 150 mi of Cleveland: neither listed nor counted.
        s.add(Center(name="Far Away Clinic", city="Lørenskog", country="Norway"))
    window = open_window(qtbot, empty_store, settings)
    assert "Nowhere Known Clinic" in shown_names(window)  # no radius: listed, no distance
    window.filters.radius_spin.setValue(150)
    type_and_wait(qtbot, window, window.filters.place_edit, "Cleveland, OH")
    assert "Nowhere Known Clinic" not in shown_names(window)
    assert "Far Away Clinic" not in shown_names(window)
    assert window.status_label.text() == (
        "3 of 7 centers · within 150 mi of Cleveland, OH · 1 without a known location not shown"
    )


def test_an_empty_result_lists_what_relaxing_each_criterion_gives(qtbot, window):
    window.filters.radius_spin.setValue(150)
    type_and_wait(qtbot, window, window.filters.place_edit, "Cleveland, OH")
    type_and_wait(qtbot, window, window.filters.text_edit, "Akron Transplant zzz")
    assert shown_names(window) == [] and window.relax_label.isVisible()
    text = window.relax_label.text()
    assert "No centers match." in text
    assert "<a href='0'>without the words &#x27;Akron Transplant zzz&#x27;: 3</a>" in text
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.relax_label.linkActivated.emit("0")
    assert window.filters.text_edit.text() == ""
    assert len(shown_names(window)) == 3 and not window.relax_label.isVisible()


def test_checkboxes_filter_rows(qtbot, window):
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.filters.exclude_flags.setChecked(True)
    assert "Sandusky Cell Clinic" not in shown_names(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.filters.kinds.boxes["transplant_center"].setChecked(True)
    # A center whose kind nobody recorded is kept (marked unknown) until asked to drop it.
    assert shown_names(window) == ["Akron Transplant Center", "Puget Sound Sample Clinic"]
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        combo = window.filters.unknown_combo
        combo.setCurrentIndex(combo.findData("drop"))
    assert shown_names(window) == ["Akron Transplant Center"]


def test_ambiguous_place_is_reported_inline_and_never_crashes(qtbot, window):
    type_and_wait(qtbot, window, window.filters.place_edit, "Rochester")
    assert window.filters.place_message.isVisible()
    assert "Rochester, MN" in window.filters.place_message.text()
    assert window.model.rowCount() == 5
    assert window.status_label.text().endswith("place not found, distance ignored")


def test_selecting_a_row_shows_its_details(qtbot, window, ids):
    window.table.select_center(ids["akron"])
    assert window.detail.center_id == ids["akron"]
    assert "Akron Transplant Center" in window.detail.toPlainText()
    assert "inferred from NCT01234567" in window.detail.toPlainText()
    assert "Why it matches this search" not in window.detail.toPlainText()  # nothing asked


def test_the_detail_pane_says_which_trial_meets_the_search(qtbot, window, ids):
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.filters.trials_combo.setCurrentIndex(window.filters.trials_combo.findData(
            "recruiting"))  # fmt: skip
    assert shown_names(window) == ["Lakeside Autoimmune Institute"]  # the recruiting site
    window.table.select_center(ids["cleveland_clinic"])
    text = window.detail.toPlainText()
    assert "Why it matches this search" in text
    assert "one trial meets every trial criterion: NCT01234567" in text


def test_detail_pane_keeps_selection_when_results_refresh(qtbot, window, ids):
    window.table.select_center(ids["akron"])
    type_and_wait(qtbot, window, window.filters.text_edit, "Ak")
    assert window.table.current_center_id() == ids["akron"]
    type_and_wait(qtbot, window, window.filters.text_edit, "zzz")
    assert window.detail.center_id is None


def test_clicking_a_pin_selects_its_row_and_selecting_a_row_selects_the_pin(qtbot, window, ids):
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: window.map_view is not None and window.map_view.pin_count == 5)
    view = window.map_view
    view.resize(800, 600)
    window.table.select_center(ids["seattle"])
    assert view.selected_center == ids["seattle"]
    view.select_center(ids["rochester"])  # centre the view on a pin, then click it
    at = view.mapFromScene(view.pin_scene_pos(ids["rochester"]))
    with qtbot.waitSignal(view.centerClicked):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert window.table.current_center_id() == ids["rochester"]
    assert window.detail.center_id == ids["rochester"]


def test_map_shows_only_the_current_results(qtbot, window):
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: window.map_view is not None and window.map_view.pin_count == 5)
    type_and_wait(qtbot, window, window.filters.text_edit, "Akron")
    qtbot.waitUntil(lambda: window.map_view.pin_count == 1)


def test_saved_search_round_trip(qtbot, window, settings):
    window.filters.text_edit.setText("Akron")
    window.filters.insurance.setChecked(True)
    window.save_search_as("Akron with insurance")
    assert json.loads(settings.value("searches/saved"))["Akron with insurance"]["text"] == "Akron"
    window.filters.reset()
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.run_saved_search("Akron with insurance")
    assert window.filters.text_edit.text() == "Akron"
    assert window.filters.insurance.isChecked()
    names = [a.text() for a in window.searches_menu.actions()]
    assert "Akron with insurance" in names


def test_last_search_and_geometry_come_back_on_next_start(qtbot, empty_store, settings, ids):
    first = open_window(qtbot, empty_store, settings)
    first.filters.text_edit.setText("Sandusky")
    first.resize(780, 500)  # the offscreen screen is 800 px wide; restoring clamps to it
    first.close()
    second = open_window(qtbot, empty_store, settings)
    assert second.filters.text_edit.text() == "Sandusky"
    assert shown_names(second) == ["Sandusky Cell Clinic"]
    assert (second.width(), second.height()) == (780, 500)


def test_keyboard_shortcuts_focus_boxes_and_step_through_results(qtbot, window):
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.filters.place_edit
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.filters.text_edit
    qtbot.keyClick(window, Qt.Key.Key_F3)
    assert window.table.current_center_id() == window.model.rows[0].id
    qtbot.keyClick(window, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert window.table.current_center_id() == window.model.rows[1].id
    qtbot.keyClick(window, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert window.table.current_center_id() == window.model.rows[0].id


def test_delete_removes_center_and_undo_brings_it_back(qtbot, window, ids):
    window.table.select_center(ids["akron"])
    window.table.setFocus()
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    assert "Akron Transplant Center" not in shown_names(window)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "Akron Transplant Center" in shown_names(window)


def test_shortlist_shortcut_adds_the_selected_center(qtbot, window, ids):
    window.table.select_center(ids["akron"])
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    actions = window.center_actions
    assert actions.shortlist_ids() == [ids["akron"]]
    assert actions.shortlist_panel.ids() == [ids["akron"]]
    assert actions.shortlist_dock.isVisible()


def test_export_runs_in_the_background_and_writes_the_listed_centers(qtbot, window, tmp_path):
    target = tmp_path / "out.json"
    window.center_actions.export_results(str(target))
    qtbot.waitUntil(target.exists, timeout=5000)
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert len(doc["centers"]) == 5
    assert [t["nct_id"] for t in doc["trials"]] == ["NCT01234567"]


def test_check_database_reports_in_a_non_blocking_box(qtbot, window, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: pytest.fail("modal dialog"))
    monkeypatch.setattr(QMessageBox, "open", lambda self: shown.append(self.text()))
    window.center_actions.check_database()
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert "passed every check" in shown[0] or "found" in shown[0]


def test_about_box_lists_data_sources_and_dates(qtbot, window, empty_store, monkeypatch):
    meta = {"generated": "2026-04-01", "sources": [
        {"name": "ClinicalTrials.gov", "date": "2026-03-30", "licence": "public domain",
         "url": "https://clinicaltrials.gov"},
        {"name": "HIFLD hospitals", "date": "2025-12-01", "licence": "public domain",
         "note": "coordinates of matched U.S. hospitals"},
        {"name": "CMS hospitals", "date": None, "licence": "public domain"}]}
    with empty_store.session() as s:
        s.merge(Setting(key=META_KEY, value=json.dumps(meta)))
    opened: list[AboutDialog] = []
    monkeypatch.setattr(AboutDialog, "open", lambda self: opened.append(self))
    window.show_about()
    text = opened[0].text.toPlainText()
    assert "ClinicalTrials.gov" in text and "2026-03-30" in text
    assert "HIFLD hospitals" in text and "2026-04-01" in text
    assert "Used for" in text and "coordinates of matched U.S. hospitals" in text
    assert "CMS hospitals" in text and "not stated in the file" in text
    from directory_app.core.paths import bundled_data_date

    assert bundled_data_date() >= "2025-09-01", "the 2025 multiple sclerosis table is bundled"
    # the same version and bundled-data date as `directory-app --version`
    sources = json.loads(paths.SEED_FILE.read_text(encoding="utf-8"))["meta"]["sources"]
    newest = max(s["date"] for s in sources if s["date"])
    assert f"Version {__version__}, bundled data of {newest}" in text


def test_main_controls_have_accessible_names(window):
    for widget in (window.table, window.detail, window.filters.text_edit,
                   window.filters.place_edit, window.tabs, window.status_label):
        assert widget.accessibleName()


def test_broad_search_shows_a_first_page_then_appends_the_rest(qtbot, window, ids):
    window.search_loop.page_size = 2
    window.table.select_center(window.model.rows[0].id)
    first_id = window.table.current_center_id()
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.run_search()
    assert window.model.rowCount() == 2
    assert window.status_label.text() == "2+ of 5 centers · loading the rest…"
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        pass  # the rest arrives from a worker after a short pause
    assert window.model.rowCount() == 5
    assert window.status_label.text() == "5 of 5 centers"
    assert window.table.current_center_id() == first_id


def test_a_newer_search_voids_the_rest_of_an_older_one(qtbot, window):
    window.search_loop.page_size = 2
    window.run_search()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=5000)
    type_and_wait(qtbot, window, window.filters.text_edit, "Akron")
    # Settled: no search waiting, no rest of an older page scheduled, loading or undelivered.
    qtbot.waitUntil(lambda: not window.search_loop.busy, timeout=5000)
    assert shown_names(window) == ["Akron Transplant Center"]


def test_edit_saves_through_the_undo_stack_and_undo_restores(qtbot, window, ids):
    from directory_app.gui.edit_dialog import CenterEditDialog

    window.table.select_center(ids["akron"])
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window._dialogs[-1]
    assert isinstance(dialog, CenterEditDialog)
    dialog._fields["name"].setText("Akron Cell Therapy Center")
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        dialog.accept()
    assert "Akron Cell Therapy Center" in shown_names(window)
    assert "Akron Cell Therapy Center" in window.detail.toPlainText()
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.undo_stack.undo()
    assert "Akron Transplant Center" in shown_names(window)


def edit_phone(qtbot, window: MainWindow, center_id: int, phone: str) -> None:
    window.activateWindow()  # back from the last dialog, for its shortcuts
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    window.table.select_center(center_id)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window._dialogs[-1]
    dialog._fields["phone"].setText(phone)
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        dialog.accept()


def test_three_edits_are_undone_and_redone_with_the_keyboard(qtbot, window, empty_store, ids,
                                                              monkeypatch):
    from directory_app.core.directory.editing import load_center

    def phone() -> str:
        with empty_store.session() as s:
            return load_center(s, ids["akron"])["phone"]

    phones = [phone()]
    for new in ("216-555-0101", "216-555-0102", "216-555-0103"):
        edit_phone(qtbot, window, ids["akron"], new)
        phones.append(phone())
    refused: list[str] = []
    monkeypatch.setattr(window, "show_message", lambda title, text, *a, **k: refused.append(text))
    for _key, modifiers, at in [
        ("Z", Qt.KeyboardModifier.ControlModifier, 2),
        ("Z", Qt.KeyboardModifier.ControlModifier, 1),
        ("Z", Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier, 2),
        ("Z", Qt.KeyboardModifier.ControlModifier, 1),
        ("Z", Qt.KeyboardModifier.ControlModifier, 0),
        ("Z", Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier, 1),
        ("Z", Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier, 2),
        ("Z", Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier, 3),
    ]:
        with qtbot.waitSignal(window.resultsShown, timeout=5000):
            qtbot.keyClick(window, Qt.Key.Key_Z, modifiers)
        assert phone() == phones[at]
        assert window.undo_stack.index() == at
    assert window.undo_stack.count() == 3
    assert refused == []


def test_compare_opens_a_non_blocking_dialog_for_shortlisted_centers(qtbot, window, ids):
    from directory_app.gui.compare_dialog import CompareDialog

    for key in ("akron", "rochester"):
        window.table.select_center(ids[key])
        qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = window._dialogs[-1]
    assert isinstance(dialog, CompareDialog)
    assert "Rochester Neuro-Immunology" in dialog.as_text()
    dialog.close()


def test_new_center_is_added_selected_and_undoable(qtbot, window):
    from directory_app.gui.edit_dialog import CenterEditDialog

    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = window._dialogs[-1]
    assert isinstance(dialog, CenterEditDialog)
    dialog._fields["name"].setText("Brand New Clinic")
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        dialog.accept()
    qtbot.waitUntil(lambda: "Brand New Clinic" in window.detail.toPlainText(), timeout=5000)
    assert window.model.rowCount() == 6
    with qtbot.waitSignal(window.resultsShown, timeout=5000):
        window.undo_stack.undo()
    assert "Brand New Clinic" not in shown_names(window)


def test_window_module_loads_without_the_database_layer():
    """The window paints before SQLAlchemy is imported (see gui/app.py); keep it that way."""
    import subprocess
    import sys

    code = (
        "import sys, directory_app.gui.main_window, directory_app.gui.app\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'alembic')))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_window_without_a_directory_paints_and_waits(qtbot, settings):
    window = MainWindow(None, settings)
    qtbot.addWidget(window)
    window.show()
    window.run_search()  # nothing to search yet: a no-op, not an error
    assert window.status_label.text() == "Opening the directory…"
    assert window.model.rowCount() == 0


def test_smoke_start_paints_first_results_and_quits(tmp_path: Path):
    import os
    import subprocess
    import sys

    from PySide6.QtGui import QImage

    shot = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path),
           "HOME": str(tmp_path)}  # the settings file lands in the test's folder
    proc = subprocess.run(
        [sys.executable, "-m", "directory_app", "--db", str(tmp_path / "d.db"), "--smoke",
         "--screenshot", str(shot)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(shot))
    # a first start fills the 800-pixel offscreen screen, less the window's frame
    assert image.width() >= 780 and image.height() >= 580


def test_window_is_the_host_its_action_groups_are_written_against(window):
    """The action groups use only what `WindowHost` lists; the window must provide all of it."""
    from directory_app.gui.window_host import WindowHost

    assert isinstance(window, WindowHost)
    assert window.center_actions.window is window and window.file_actions.window is window
    assert window.main_window is window


def test_action_groups_do_not_import_the_window_module():
    """center_actions and file_actions reach the window through the protocol only (no cycle)."""
    import ast

    import directory_app.gui.center_actions as center_actions
    import directory_app.gui.file_actions as file_actions

    for module in (center_actions, file_actions):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "main_window" not in imported and "directory_app.gui.main_window" not in imported

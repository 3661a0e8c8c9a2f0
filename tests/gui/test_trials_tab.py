"""The Trials tab beside Results and Map: the search's trials and their known sites, nearest
first, sites the registry names only by city included, following the filters and origin."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from directory_app.core.directory.models import Center, Trial, TrialPlace, TrialSite
from directory_app.gui.main_window import TRIALS_TAB, MainWindow


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def open_window(qtbot, store, settings) -> MainWindow:
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.resultsShown, timeout=10000):
        window.show()
    return window


def set_filters(qtbot, window: MainWindow, **changes) -> None:
    state = window.filters.state()
    state.update(changes)
    with qtbot.waitSignal(window.resultsShown, timeout=10000):
        window.filters.set_state(state)
        window.run_search()


def trials_shown(window: MainWindow) -> dict[str, list[str]]:
    """NCT id -> the labels of its site rows, as the tab shows them."""
    tree = window.trials_view.tree
    shown = {}
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        nct = item.text(0).split(" — ", 1)[0]
        shown[nct] = [item.child(j).text(0) for j in range(item.childCount())]
    return shown


def test_trials_tab_lists_hsct_ms_trials_with_city_only_sites(qtbot, seeded_store, settings):
    window = open_window(qtbot, seeded_store, settings)
    assert window.tabs.tabText(TRIALS_TAB) == "Tr&ials"
    set_filters(qtbot, window, therapies=["hsct_autologous"], conditions=["multiple_sclerosis"],
                place="Chicago, IL", radius=2000.0)  # fmt: skip
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)  # the tab's mnemonic
    assert window.tabs.currentIndex() == TRIALS_TAB
    shown = trials_shown(window)
    assert shown["NCT00017628"] == ["site in Chicago, IL"]
    assert shown["NCT04047628"] == ["site in Palo Alto, CA"]
    assert list(shown)[0] == "NCT00017628", "nearest site first"
    tree = window.trials_view.tree
    beat_ms = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
                   if tree.topLevelItem(i).text(0).startswith("NCT04047628"))  # fmt: skip
    assert beat_ms.text(2).startswith("Recruiting (as of 2025-08-29")
    assert beat_ms.text(3) == "1 of 20"
    assert "within 2,000 mi of Chicago, IL" in window.trials_view.summary.text()
    # The tab follows the filters while it is open: 50 miles keeps the Chicago trial only.
    set_filters(qtbot, window, radius=50.0)
    qtbot.waitUntil(lambda: "NCT04047628" not in trials_shown(window), timeout=5000)
    assert "NCT00017628" in trials_shown(window)


def test_a_sites_center_opens_in_results_and_an_inferred_link_says_so(
    qtbot, empty_store, settings
):
    with empty_store.session() as s:
        nu = Center(name="Northwestern University", city="Chicago", region="IL",
                    country="United States", latitude=41.8955, longitude=-87.6199)  # fmt: skip
        other = Center(name="Rush University Medical Center", city="Chicago", region="IL",
                       country="United States", latitude=41.874, longitude=-87.669)
        trial = Trial(nct_id="NCT00000001", status="completed", last_update=date(2020, 8, 12),
                      title="Hematopoietic stem cell transplantation in multiple sclerosis",
                      interventions=["Procedure: autologous hematopoietic stem cell transplant"],
                      conditions=["Multiple Sclerosis"], sites_total=8)  # fmt: skip
        trial.sites = [TrialSite(center=nu, facility="Northwestern University",
                                 inferred_from="sponsor_city")]  # fmt: skip
        trial.places = [TrialPlace(city="Chicago", region="IL", country="United States",
                                   latitude=41.8781, longitude=-87.6298, center=nu,
                                   inferred_from="sponsor_city")]  # fmt: skip
        s.add_all([nu, other, trial])
        s.flush()
        nu_id = nu.id
    window = open_window(qtbot, empty_store, settings)
    qtbot.keyClick(window, Qt.Key.Key_T,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.tabs.currentIndex() == TRIALS_TAB
    tree = window.trials_view.tree
    assert tree.topLevelItemCount() == 1
    site = tree.topLevelItem(0).child(0)
    assert site.text(0) == "site in Chicago, IL"
    assert site.text(4) == "Northwestern University (inferred from sponsor and city)"
    assert tree.topLevelItem(0).text(3) == "1 of 8"
    tree.setCurrentItem(site)
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_Return)  # keyboard: Enter opens the site's center
    assert window.tabs.currentIndex() == 0
    assert window.table.current_center_id() == nu_id

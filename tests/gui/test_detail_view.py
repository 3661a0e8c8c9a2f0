"""The detail pane: every group, every fact with its provenance, unknowns read 'Unknown', stale
and sample centers are labelled, and only http(s) links ever leave the app."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from directory_app.gui import detail_view
from directory_app.gui.detail_view import DetailView, is_stale, load_detail, render_center

from .center_factory import rich_center, small_directory

TODAY = date(2026, 6, 1)


@pytest.fixture
def rich(empty_store):
    with empty_store.session() as s:
        center_id = rich_center(s)
    with empty_store.session() as s:
        return load_detail(s, center_id)


def test_every_group_is_shown(rich):
    html = render_center(rich, TODAY)
    for heading in ("Contact and roles", "Therapies", "Conditions treated", "Care team",
                    "Setting", "Eligibility", "Costs and financial help", "Accreditation",
                    "Trials", "Red flags"):
        assert f"<h3>{heading}</h3>" in html


def test_each_fact_says_where_it_came_from(rich):
    html = render_center(rich, TODAY)
    assert "verified 2026-03-02 by A. Reviewer" in html
    assert 'inferred from <a href="https://clinicaltrials.gov/study/NCT07654321">' in html
    assert "HIFLD hospital list" in html


def test_trials_show_status_phase_link_and_the_plain_note(rich):
    html = render_center(rich, TODAY)
    assert '<a href="https://clinicaltrials.gov/study/NCT07654321">NCT07654321</a>' in html
    assert "Active, not recruiting" in html
    assert "Phase 1, Phase 2" in html
    assert "A registered trial is not an approved treatment." in html


def test_unknown_values_read_unknown_never_blank_or_guessed(rich):
    html = render_center(rich, TODAY)
    assert "<td class='muted'>Payment plans</td><td>" + detail_view.UNKNOWN in html
    assert "<td class='muted'>Financial assistance</td><td>No</td>" in html
    assert "$125,000 – $200,000" in html


def test_red_flag_shows_evidence_but_a_script_link_is_not_a_link(rich):
    html = render_center(rich, TODAY)
    assert "FDA letter in 2019" in html
    assert 'href="javascript' not in html


def test_stale_badge_after_twelve_months_or_never_verified():
    assert not is_stale(date(2025, 6, 2), TODAY)
    assert is_stale(date(2025, 6, 1), TODAY)
    assert is_stale(None, TODAY)
    html = render_center({"name": "X", "last_verified": "2024-01-01"}, TODAY)
    assert "Stale: last verified 2024-01-01" in html
    assert "never verified" in render_center({"name": "X"}, TODAY)


def test_sample_data_is_labelled(empty_store):
    with empty_store.session() as s:
        ids = small_directory(s)
    with empty_store.session() as s:
        html = render_center(load_detail(s, ids["seattle"]), TODAY)
    assert "SAMPLE DATA" in html
    assert detail_view.UNKNOWN in html  # its kind was never recorded


def test_text_from_the_database_is_escaped():
    html = render_center({"name": "<b>Evil</b> & Co", "notes": "<script>x</script>"}, TODAY)
    assert "<b>Evil</b>" not in html and "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in html
    assert "<script>" not in html


def test_only_http_links_reach_the_desktop(qtbot, monkeypatch, rich):
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    view = DetailView()
    qtbot.addWidget(view)
    view.set_center(rich, TODAY)
    for url in ("https://clinicaltrials.gov/study/NCT07654321", "javascript:alert(1)",
                "file:///etc/passwd", "http://example.org/x", "mailto:a@b.c"):
        view.anchorClicked.emit(QUrl(url))
    assert opened == ["https://clinicaltrials.gov/study/NCT07654321", "http://example.org/x"]
    assert view.source().isEmpty()  # the pane never navigates away


def test_pane_shows_center_and_a_placeholder_when_nothing_selected(qtbot, rich):
    view = DetailView()
    qtbot.addWidget(view)
    view.set_center(rich, TODAY)
    assert "Rich Center" in view.toPlainText()
    assert view.center_id == rich["id"]
    view.clear_center()
    assert "Select a center" in view.toPlainText()
    view.set_center(None)
    assert "no longer in the directory" in view.toPlainText()


def test_load_detail_returns_none_for_a_deleted_center(empty_store):
    with empty_store.session() as s:
        assert load_detail(s, 999) is None


def test_detail_pane_uses_the_same_staleness_rule_as_result_rows():
    from directory_app.core.search.shapes import is_stale as core_is_stale

    for day in (date(2025, 5, 31), date(2025, 6, 1), date(2025, 6, 2), None):
        assert is_stale(day, TODAY) == core_is_stale(day, TODAY)
        assert is_stale(day.isoformat() if day else None, TODAY) == core_is_stale(day, TODAY)

"""The detail pane: every field of the selected center, grouped, each with where it came from.

The rows and their words come from `core.present.center_facts` (the same the comparison, the
referral sheet, the HSDS export and `directory-app show` use); this module lays them out as HTML.

A coordinator must be able to tell a checked fact from a guess, so:
- every group and every list item says its provenance ("verified 2026-03-02 by …",
  "inferred from NCT01234567", "HIFLD hospital list");
- a value nobody recorded reads "Unknown" — never blank, never a default;
- a center not verified within 12 months (or never) carries a stale badge, sample data a banner;
- trials show status and phase with their ClinicalTrials.gov link, beside the plain reminder that
  a registered trial is not an approved treatment.

Links are intercepted: only http(s) URLs ever reach the desktop (a `file:` or `javascript:`
link in imported data does nothing). The HTML is built from escaped text only.
"""

from __future__ import annotations

import re
from datetime import date
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QTextBrowser, QWidget

from directory_app.core.directory.verification import describe
from directory_app.core.present import words
from directory_app.core.present.center_facts import (
    CTGOV_STUDY,
    TRIAL_NOTE,
    CenterFacts,
    Fact,
    Section,
    TrialFact,
    center_facts,
)
from directory_app.core.search.shapes import STALE_AFTER_MONTHS
from directory_app.core.search.shapes import is_stale as core_is_stale

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

UNKNOWN = f'<span class="unknown">{words.UNKNOWN}</span>'
NCT_RE = re.compile(r"(NCT\d{8})", re.IGNORECASE)
PLACEHOLDER = (
    "<p class='muted'>Select a center to see everything recorded about it, "
    "and where each fact came from.</p>"
)
STYLE = """
h2 { margin: 0 0 2px 0; }
h3 { margin: 14px 0 3px 0; color: #1f4e79; font-size: large; }
.muted, .prov { color: #5f6368; }
.prov { font-size: small; }
.unknown { color: #80868b; font-style: italic; }
.badge-stale { background: #fce8b2; color: #7a4a00; }
.badge-sample { background: #e0e0ff; color: #202080; }
.badge-flag { background: #fde0e0; color: #a50e0e; }
.note { color: #7a4a00; }
td { padding: 1px 8px 1px 0; vertical-align: top; }
"""
#: Lists shown under a caption of their own (a section holding more than one list).
CAPTIONS = {"person": "People to contact", "specialty": "Specialties",
            "service": "Support services"}
#: List entries that start with their label ("Referral coordinator: ...").
LABELLED_ITEMS = frozenset({"person", "red_flag"})
#: Record rows the header already shows.
SHOWN_IN_HEADER = frozenset({"source"})


def load_detail(session: Session, center_id: int) -> dict[str, Any] | None:
    """Everything the pane shows about one center (its exchange dict plus its trial records),
    read in a few queries through core functions; None if the center is gone."""
    # Imported on first use: the exchange form loads SQLAlchemy's ORM, which the window's
    # first paint does not need.
    from directory_app.core.exchange.directory_form import center_with_trials, load_centers

    centers = load_centers(session, [center_id])
    return center_with_trials(centers[0]) if centers else None


def is_stale(last_verified: Any, today: date | None = None) -> bool:
    """The core's staleness rule, for a date that may arrive as ISO text from the exchange form."""
    return core_is_stale(words.as_date(last_verified), today or date.today())


def link(url: str | None, shown: str | None = None) -> str:
    """An anchor for http(s) URLs only; anything else is shown as plain text."""
    if not url:
        return UNKNOWN
    body = escape(shown or url)
    if QUrl(url).scheme().lower() in ("http", "https"):
        return f'<a href="{escape(url, quote=True)}">{body}</a>'
    return body


def nct_link(nct_id: str) -> str:
    return link(CTGOV_STUDY + nct_id, nct_id)


def linkify_nct(text: str) -> str:
    """Escape `text`, turning every NCT number in it into its ClinicalTrials.gov link."""
    parts = NCT_RE.split(text)
    return "".join(nct_link(p.upper()) if NCT_RE.fullmatch(p) else escape(p) for p in parts)


def value_html(fact: Fact) -> str:
    """A fact's value: greyed when nothing is recorded, a link when it is a web address."""
    if not fact.known:
        return f'<span class="unknown">{escape(fact.value)}</span>'
    if fact.url and fact.url == fact.value:
        return link(fact.url)
    return escape(fact.value)


def source_html(fact: Fact) -> str:
    return f'<span class="prov"> — {linkify_nct(fact.source)}</span>' if fact.source else ""


def rows(pairs: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td class='muted'>{escape(k)}</td><td>{v}</td></tr>" for k, v in pairs)
    return f"<table>{body}</table>"


def _item_html(fact: Fact) -> str:
    if not fact.known:
        return f"{value_html(fact)}"
    if fact.key == "red_flag":
        evidence = f"<br>Evidence: {link(fact.url)}" if fact.url else ""
        return f"<b>{escape(fact.label)}</b>: {value_html(fact)}{evidence}{source_html(fact)}"
    lead = f"{escape(fact.label)}: " if fact.key in LABELLED_ITEMS else ""
    return f"{lead}{value_html(fact)}{source_html(fact)}"


def fact_list(facts: list[Fact]) -> str:
    return "<ul>" + "".join(f"<li>{_item_html(f)}</li>" for f in facts) + "</ul>"


def section_html(section: Section, skip: frozenset[str] = frozenset()) -> str:
    """The section's plain rows as a table, then each of its lists (under a caption when the
    section holds more than one thing)."""
    table = [(f.label, value_html(f) + source_html(f)) for f in section.facts
             if not f.item and f.key not in skip]
    lists: dict[str, list[Fact]] = {}
    for f in section.facts:
        if f.item:
            lists.setdefault(f.key, []).append(f)
    parts = [rows(table)] if table else []
    for key, facts in lists.items():
        if key in CAPTIONS:
            parts.append(f"<div class='muted'>{escape(CAPTIONS[key])}</div>")
        parts.append(fact_list(facts))
    return f"<h3>{escape(section.title)}</h3>" + "".join(parts)


def _header(facts: CenterFacts) -> str:
    kind = facts.kind
    parts = [f"<h2>{escape(facts.name)}</h2>"]
    if facts.aliases:
        # One name a line: a merged institution can have several, each with its own record.
        names = "".join(f"<li>{escape(name)} <span class='prov'>— {linkify_nct(source)}</span>"
                        "</li>" for name, source in facts.aliases)
        parts.append(f"<div>Also registered as:</div><ul style='margin-top:0'>{names}</ul>")
    parts.append("<div>" + (value_html(kind) if kind.known else f"Kind: {UNKNOWN}")
                 + source_html(kind) + "</div>")
    badges = []
    if facts.sample:
        badges.append("<span class='badge-sample'>&nbsp;SAMPLE DATA — not a real center, "
                      "for trying the app only&nbsp;</span>")
    when = facts.last_verified
    if when is None:
        badges.append("<span class='badge-stale'>&nbsp;Stale: never verified by a person&nbsp;"
                      "</span>")
    elif facts.stale:
        badges.append(f"<span class='badge-stale'>&nbsp;Stale: last verified {when.isoformat()}"
                      f" ({STALE_AFTER_MONTHS} months or more ago)&nbsp;</span>")
    if facts.red_flags:
        n = len(facts.red_flags)
        badges.append(f"<span class='badge-flag'>&nbsp;{n} red flag{'s' * (n != 1)}&nbsp;</span>")
    if badges:
        parts.append("<p>" + " ".join(badges) + "</p>")
    parts.append(f'<div class="prov">Source: {linkify_nct(facts.record_source)}</div>')
    return "".join(parts)


def _trial_html(t: TrialFact) -> str:
    checked = (f" (checked with the registry {escape(t.checked_on)})" if t.checked_on
               else " (not yet checked with the registry)")
    status, site = escape(t.trial_status), escape(t.site_status) if t.site_status else UNKNOWN
    if t.stale:
        status = f"<span class='badge-stale'>&nbsp;{status}&nbsp;</span>"
        if t.site_status:
            site = f"<span class='badge-stale'>&nbsp;{site}&nbsp;</span>"
    updated = t.last_update.isoformat() if t.last_update else UNKNOWN
    return (
        f"{nct_link(t.nct_id)} — {escape(t.title) if t.title else UNKNOWN}<br>"
        f"Status {status}{checked}; {escape(t.phases) if t.phases else 'phase ' + UNKNOWN}; "
        f"this site: {site}"
        f"<span class='prov'> — registered facility: "
        f"{escape(t.facility) if t.facility else UNKNOWN}; "
        f"ClinicalTrials.gov, updated {updated}</span>"
    )


def _trials(facts: CenterFacts) -> str:
    """Each trial with its status "as of" its record's last update, stale ones marked."""
    items = "".join(f"<li>{_trial_html(t)}</li>" for t in facts.trials)
    body = f"<ul>{items}</ul>" if items else "<p>No registered trials linked.</p>"
    return f"<h3>Trials</h3>{body}<p class='note'><b>{escape(TRIAL_NOTE)}</b></p>"


def _record(c: dict[str, Any], facts: CenterFacts) -> str:
    """The record's rows, with each section's verification date once they differ."""
    record = facts.section("record")
    if not c.get("verified_sections"):
        return section_html(record, SHOWN_IN_HEADER)
    dates = " · ".join(f"{escape(name)}: {when.isoformat() if when else words.NEVER}"
                       for name, when in describe(c["verified_sections"], c.get("last_verified")))
    shown = [record.get("last_verified"),
             Fact("sections", "Sections verified", dates), *record.facts[1:]]
    table = [(f.label, value_html(f) if f.key != "sections" else dates) for f in shown
             if f.key not in SHOWN_IN_HEADER]
    return f"<h3>{escape(record.title)}</h3>{rows(table)}"


def render_center(c: dict[str, Any], today: date | None = None) -> str:
    """The whole pane as HTML (escaped); pure, so tests can read it without a widget."""
    facts = center_facts(c, today)
    by_key = {s.key: s for s in facts.sections}
    red_flags = by_key["red_flags"]
    if not red_flags.items("red_flag"):
        red = "<h3>Red flags</h3><p>None recorded.</p>"
    else:
        red = section_html(red_flags)
    return "".join([
        f"<style>{STYLE}</style>",
        _header(facts),
        _why(c),
        red,
        *(section_html(by_key[k]) for k in ("contact", "therapies", "conditions", "team",
                                            "setting", "eligibility", "costs",
                                            "accreditation")),
        _trials(facts),
        _record(c, facts),
    ])


def _why(c: dict[str, Any]) -> str:
    """Why the selected result matched the current search (the row's `matched`, with the trial
    that meets every trial criterion), when the pane shows a search result."""
    match = c.get("search_match")
    if not match or not (match.get("matched") or match.get("unknown")):
        return ""
    items = [linkify_nct(str(m)) for m in match.get("matched") or ()]
    items += [f"<span class='unknown'>{escape(u)}</span>" for u in match.get("unknown") or ()]
    return "<h3>Why it matches this search</h3><ul>" + "".join(
        f"<li>{i}</li>" for i in items) + "</ul>"


def open_external(url: QUrl) -> bool:
    """Hand an http(s) URL to the desktop; refuse every other scheme. Returns True if opened."""
    if url.scheme().lower() not in ("http", "https") or not url.host():
        return False
    return bool(QDesktopServices.openUrl(url))


class DetailView(QTextBrowser):
    """Read-only rich text of one center; link clicks go through `open_external`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Center details")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_anchor)
        self.center_id: int | None = None
        self.clear_center()

    def clear_center(self, message: str | None = None) -> None:
        self.center_id = None
        self.setHtml(f"<style>{STYLE}</style>" + (
            f"<p class='muted'>{escape(message)}</p>" if message else PLACEHOLDER))

    def set_center(self, data: dict[str, Any] | None, today: date | None = None) -> None:
        if data is None:
            self.clear_center("This center is no longer in the directory.")
            return
        self.center_id = data.get("id")
        self.setHtml(render_center(data, today))
        self.verticalScrollBar().setValue(0)

    def _on_anchor(self, url: QUrl) -> None:
        open_external(url)

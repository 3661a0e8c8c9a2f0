"""The detail pane: every field of the selected center, grouped, each with where it came from.

A coordinator must be able to tell a checked fact from a guess, so:
- every group and every list item says its provenance ("verified 2026-03-02 by …",
  "inferred from NCT01234567", "HIFLD hospital list");
- a value nobody recorded reads "unknown" — never blank, never a default;
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
from directory_app.core.directory.vocab import (
    Accreditation,
    CenterKind,
    Condition,
    ContactRole,
    Delivery,
    Phase,
    Provenance,
    RedFlagKind,
    Setting,
    Specialty,
    SupportService,
    Therapy,
    TrialStatus,
)
from directory_app.core.search.shapes import STALE_AFTER_MONTHS
from directory_app.core.search.shapes import is_stale as core_is_stale
from directory_app.core.search.staleness import status_stale, status_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

UNKNOWN = '<span class="unknown">unknown</span>'
TRIAL_NOTE = "A registered trial is not an approved treatment."
CTGOV_STUDY = "https://clinicaltrials.gov/study/"
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


def load_detail(session: Session, center_id: int) -> dict[str, Any] | None:
    """Everything the pane shows about one center (its exchange dict plus its trial records),
    read in a few queries through core functions; None if the center is gone."""
    from directory_app.core.exchange.directory_form import (
        center_to_dict,
        load_centers,
        trial_to_dict,
    )

    centers = load_centers(session, [center_id])
    if not centers:
        return None
    center = centers[0]
    data = center_to_dict(center)
    data["trial_records"] = {s.trial.nct_id: trial_to_dict(s.trial) for s in center.trial_sites}
    return data


def as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def is_stale(last_verified: Any, today: date | None = None) -> bool:
    """The core's staleness rule, for a date that may arrive as ISO text from the exchange form."""
    return core_is_stale(as_date(last_verified), today or date.today())


def label(vocab: Any, code: Any) -> str:
    """The vocabulary label of a code, escaped; "unknown" for a missing one."""
    return UNKNOWN if not code else escape(vocab.label_of(str(code)))


def text(value: Any) -> str:
    if value is None or value == "":
        return UNKNOWN
    return escape(str(value))


def yes_no(value: bool | None) -> str:
    return UNKNOWN if value is None else ("yes" if value else "no")


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


def provenance(source: Any, ref: Any = None, verified: Any = None, by: Any = None) -> str:
    """One phrase saying where a fact came from and when a person last checked it."""
    when = as_date(verified)
    if source == Provenance.VERIFIED:
        phrase = f"verified {when.isoformat()}" if when else "verified (date not recorded)"
        who = by or ref
        return phrase + (f" by {escape(str(who))}" if who else "")
    if source == Provenance.REGISTRY:
        ref_text = str(ref or "")
        return "inferred from " + (linkify_nct(ref_text) if ref_text else "a trial registry")
    if source == Provenance.HIFLD:
        return "HIFLD hospital list" + (f" ({escape(str(ref))})" if ref else "")
    if source == Provenance.GAZETTEER:
        return "offline gazetteer"
    if source == Provenance.SAMPLE:
        return "sample data (not a real center)"
    if not source:
        return "source unknown"
    return label(Provenance, source)


def fact_prov(fact: dict[str, Any]) -> str:
    phrase = provenance(fact.get("source"), fact.get("source_ref"), fact.get("verified_on"))
    return f'<span class="prov"> — {phrase}</span>'


def center_prov(c: dict[str, Any]) -> str:
    phrase = provenance(c.get("source"), c.get("source_ref"), c.get("last_verified"),
                        c.get("verified_by"))
    return f'<div class="prov">Source: {phrase}</div>'


def rows(pairs: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td class='muted'>{escape(k)}</td><td>{v}</td></tr>" for k, v in pairs)
    return f"<table>{body}</table>"


def fact_list(items: list[str]) -> str:
    if not items:
        return f"<p>{UNKNOWN} <span class='prov'>(nothing recorded)</span></p>"
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def section(title: str, body: str) -> str:
    return f"<h3>{escape(title)}</h3>{body}"


def _header(c: dict[str, Any], today: date | None) -> str:
    parts = [f"<h2>{text(c.get('name'))}</h2>"]
    kind = label(CenterKind, c.get("kind")) if c.get("kind") else "Kind " + UNKNOWN
    kind_prov = provenance(c.get("kind_source"), c.get("kind_source_ref")) if c.get(
        "kind_source") else ""
    parts.append(f"<div>{kind}" + (f'<span class="prov"> — {kind_prov}</span>' if kind_prov
                                   else "") + "</div>")
    badges = []
    if c.get("source") == Provenance.SAMPLE:
        badges.append("<span class='badge-sample'>&nbsp;SAMPLE DATA — not a real center, "
                      "for trying the app only&nbsp;</span>")
    when = as_date(c.get("last_verified"))
    if when is None:
        badges.append("<span class='badge-stale'>&nbsp;Stale: never verified by a person&nbsp;"
                      "</span>")
    elif is_stale(when, today):
        badges.append(f"<span class='badge-stale'>&nbsp;Stale: last verified {when.isoformat()}"
                      f" ({STALE_AFTER_MONTHS} months or more ago)&nbsp;</span>")
    if c.get("red_flags"):
        n = len(c["red_flags"])
        badges.append(f"<span class='badge-flag'>&nbsp;{n} red flag{'s' * (n != 1)}&nbsp;</span>")
    if badges:
        parts.append("<p>" + " ".join(badges) + "</p>")
    parts.append(center_prov(c))
    return "".join(parts)


def _contact(c: dict[str, Any]) -> str:
    address = ", ".join(
        escape(str(c[k])) for k in ("address", "city", "region", "postal_code", "country")
        if c.get(k)
    ) or UNKNOWN
    loc = c.get("location_source")
    where = address + (f'<span class="prov"> — located by {provenance(loc)}</span>'
                       if loc and c.get("latitude") is not None else "")
    people = [
        f"{label(ContactRole, p.get('role'))}: {text(p.get('name'))}, phone {text(p.get('phone'))}"
        f", email {text(p.get('email'))}{fact_prov(p)}"
        for p in c.get("contacts", [])
    ]
    return rows([
        ("Address", where),
        ("Phone", text(c.get("phone"))),
        ("Email", text(c.get("email"))),
        ("Website", link(c.get("website"))),
    ]) + "<div class='muted'>People to contact</div>" + fact_list(people)


def _therapies(c: dict[str, Any]) -> str:
    return fact_list([
        f"{label(Therapy, t.get('therapy'))}, delivery {label(Delivery, t.get('delivery'))}"
        f"{fact_prov(t)}"
        for t in c.get("therapies", [])
    ])


def _conditions(c: dict[str, Any]) -> str:
    return fact_list([
        f"{label(Condition, x.get('condition'))}{fact_prov(x)}" for x in c.get("conditions", [])
    ])


def _team(c: dict[str, Any]) -> str:
    team = c.get("team", [])
    specialties = [f"{label(Specialty, m.get('discipline'))}{fact_prov(m)}"
                   for m in team if m.get("role") == "specialty"]
    services = [f"{label(SupportService, m.get('discipline'))}{fact_prov(m)}"
                for m in team if m.get("role") == "service"]
    return ("<div class='muted'>Specialties</div>" + fact_list(specialties)
            + "<div class='muted'>Support services</div>" + fact_list(services))


def _setting(c: dict[str, Any]) -> str:
    stay = c.get("typical_stay_days")
    return rows([
        ("Setting", label(Setting, c.get("setting"))),
        ("Typical stay", UNKNOWN if stay is None else f"{int(stay)} days"),
    ])


def _eligibility(c: dict[str, Any]) -> str:
    lo, hi = c.get("age_min"), c.get("age_max")
    ages = UNKNOWN if lo is None and hi is None else (
        f"{lo if lo is not None else 'unknown'} to {hi if hi is not None else 'unknown'} years")
    return rows([
        ("Ages accepted", ages),
        ("Conventional treatment must have failed", yes_no(c.get("requires_failed_conventional"))),
        ("Notes", text(c.get("eligibility_notes"))),
    ])


def _costs(c: dict[str, Any]) -> str:
    lo, hi = c.get("cost_min_usd"), c.get("cost_max_usd")
    if lo is None and hi is None:
        cost = UNKNOWN
    elif lo == hi or hi is None or lo is None:
        cost = f"${(lo if lo is not None else hi):,} (USD)"
    else:
        cost = f"${lo:,} – ${hi:,} (USD)"
    return rows([
        ("Cost range", cost),
        ("Insurance accepted", yes_no(c.get("insurance_accepted"))),
        ("Insurance notes", text(c.get("insurance_notes"))),
        ("Payment plans", yes_no(c.get("payment_plans"))),
        ("Financial assistance", yes_no(c.get("financial_assistance"))),
        ("Reduced cost within a trial", yes_no(c.get("trial_reduced_cost"))),
    ])


def _accreditation(c: dict[str, Any]) -> str:
    return rows([
        ("Accreditation", label(Accreditation, c.get("accreditation"))),
        ("Scope", text(c.get("accreditation_scope"))),
    ])


def _trials(c: dict[str, Any], today: date | None = None) -> str:
    """Each trial with its status "as of" its record's last update, stale ones marked."""
    day = today or date.today()
    records = c.get("trial_records", {})
    items = []
    for site in c.get("trials", []):
        nct = str(site.get("nct_id", ""))
        t = records.get(nct, {})
        phases = ", ".join(label(Phase, p) for p in t.get("phases") or []) or UNKNOWN
        checked = t.get("checked_on")
        checked_text = (
            f" (checked with the registry {escape(str(checked))})"
            if checked
            else " (not yet checked with the registry)"
        )
        updated = as_date(t.get("last_update"))
        # label() is escaped HTML already; the status text only adds a date and fixed words.
        status = status_text(label(TrialStatus, t.get("status")), updated, day)
        site_status = label(TrialStatus, site.get("site_status"))
        if site.get("site_status"):
            site_status = status_text(site_status, updated, day)
        if status_stale(updated, day):
            status = f"<span class='badge-stale'>&nbsp;{status}&nbsp;</span>"
            if site.get("site_status"):
                site_status = f"<span class='badge-stale'>&nbsp;{site_status}&nbsp;</span>"
        items.append(
            f"{nct_link(nct)} — {text(t.get('title'))}<br>"
            f"Status {status}{checked_text}; phase {phases}; "
            f"this site {site_status}"
            f"<span class='prov'> — registered facility: {text(site.get('facility'))}; "
            f"ClinicalTrials.gov, updated {text(t.get('last_update'))}</span>"
        )
    body = fact_list(items) if items else "<p>No registered trials linked.</p>"
    return body + f"<p class='note'><b>{escape(TRIAL_NOTE)}</b></p>"


def _red_flags(c: dict[str, Any]) -> str:
    flags = c.get("red_flags", [])
    if not flags:
        return "<p>None recorded.</p>"
    return fact_list([
        f"<b>{label(RedFlagKind, f.get('kind'))}</b>: {text(f.get('description'))}<br>"
        f"Evidence: {link(f.get('evidence_url'))}{fact_prov(f)}"
        for f in flags
    ])


def _sections(c: dict[str, Any]) -> str:
    """Each section's verification date, once they differ (one date for all says it above)."""
    if not c.get("verified_sections"):
        return ""
    return " · ".join(f"{text(label)}: {when.isoformat() if when else 'never'}"
                      for label, when in describe(c["verified_sections"], c.get("last_verified")))


def render_center(c: dict[str, Any], today: date | None = None) -> str:
    """The whole pane as HTML (escaped); pure, so tests can read it without a widget."""
    record = rows([
        ("Last verified", text(c.get("last_verified")) if c.get("last_verified")
         else "never"),
        *([("Sections verified", _sections(c))] if c.get("verified_sections") else []),
        ("Verified by", text(c.get("verified_by"))),
        ("Source reference", text(c.get("source_ref"))),
        ("Notes", text(c.get("notes"))),
    ])
    return "".join([
        f"<style>{STYLE}</style>",
        _header(c, today),
        _why(c),
        section("Red flags", _red_flags(c)),
        section("Contact and roles", _contact(c)),
        section("Therapies", _therapies(c)),
        section("Conditions treated", _conditions(c)),
        section("Care team", _team(c)),
        section("Setting", _setting(c)),
        section("Eligibility", _eligibility(c)),
        section("Costs and financial help", _costs(c)),
        section("Accreditation", _accreditation(c)),
        section("Trials", _trials(c, today)),
        section("Record", record),
    ])


def _why(c: dict[str, Any]) -> str:
    """Why the selected result matched the current search (the row's `matched`, with the trial
    that meets every trial criterion), when the pane shows a search result."""
    match = c.get("search_match")
    if not match or not (match.get("matched") or match.get("unknown")):
        return ""
    items = [linkify_nct(str(m)) for m in match.get("matched") or ()]
    items += [f"<span class='unknown'>{escape(u)}</span>" for u in match.get("unknown") or ()]
    return section("Why it matches this search", fact_list(items))


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

"""The referral sheet: a printable PDF about a shortlist of centers, to hand to a patient or send
with a referral letter.

For each center: how to reach it (address, phone, website, distance from the patient's place,
people to contact by role), what it offers (therapies, conditions, care team), its registered
trials with their status, what it costs and what financial help exists, any red flags on file,
and where every fact came from and when a person last checked it. The sheet repeats, in plain
words, that a registered trial is not an approved treatment.

Built in two steps so most of it is testable without Qt: `referral_sheet` turns the
exchange-form centers into a `pages.Sheet` - a head and one HTML block per center, in the words
of `core.present.center_facts` (escaped text only, no external resources) - and `write_pdf`
lays it out with Qt's own QTextDocument into a QPdfWriter (`pages`: each center kept on one page
when it fits, its costs and source note never alone on a page) - no browser, no service. Qt is
imported inside `pages` functions only, and needs a QGuiApplication; `ensure_gui_app` makes an
offscreen one for the command line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from directory_app.core.exchange.directory_form import center_with_trials, load_centers
from directory_app.core.geo import places as geo
from directory_app.core.present.center_facts import (
    TRIAL_NOTE,
    CenterFacts,
    Fact,
    center_facts,
)
from directory_app.core.present.words import NONE_RECORDED, UNKNOWN
from directory_app.report import pages
from directory_app.report.pages import Sheet, keep_together

TITLE = "Referral sheet — stem cell therapy centers"
KM_PER_MILE = 1.609344

STYLE = """
body { font-family: 'DejaVu Sans', 'Helvetica', sans-serif; font-size: 9.5pt; color: #202124; }
h1 { font-size: 15pt; margin: 0 0 4px 0; color: #1f4e79; }
h2 { font-size: 13pt; margin: 14px 0 1px 0; color: #1f4e79; }
h3 { font-size: 10pt; margin: 9px 0 2px 0; color: #1f4e79; }
p { margin: 1px 0; }
.muted { color: #5f6368; }
.small { font-size: 8pt; color: #5f6368; }
.stale { color: #7a4a00; font-weight: bold; }
.note { background-color: #fff4ce; color: #5c3c00; font-weight: bold; margin: 6px 0 12px 0; }
.flag { background-color: #fde2e1; color: #8a1c13; font-weight: bold; }
table.grid { border-collapse: collapse; }
table.grid td, table.grid th { border: 1px solid #c7ccd1; padding: 2px 5px; }
table.grid th { background-color: #eef2f6; text-align: left; }
"""


@dataclass(frozen=True)
class Origin:
    """The patient's place: a label to print and the point distances are measured from."""

    label: str
    latitude: float
    longitude: float


def origin_for(place: str) -> Origin:
    """Resolve what a person typed (ZIP, "City, ST", "lat, lon"); raises geo.PlaceError."""
    found = geo.resolve_place(place)
    return Origin(found.label, found.latitude, found.longitude)


def load_shortlist(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    """The centers, in the order given, with each trial link's registry record attached.
    Raises LookupError naming ids that are not in the directory."""
    centers = {c.id: center_with_trials(c) for c in load_centers(session, ids)}
    missing = [i for i in ids if i not in centers]
    if missing:
        raise LookupError(f"no center with id {', '.join(map(str, missing))}")
    return [centers[i] for i in dict.fromkeys(ids)]


# --- HTML ------------------------------------------------------------------------------------


def _link(url: str) -> str:
    """The whole address, printed so a paper reader can type it; a live link in the PDF."""
    shown = escape(url)
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{escape(url, quote=True)}">{shown}</a>'
    return shown


def _value(fact: Fact) -> str:
    """A fact's value, escaped; greyed when nothing is recorded."""
    return escape(fact.value) if fact.known else f"<span class='muted'>{escape(fact.value)}</span>"


def _facts(facts: list[Fact], *, sources: bool = False) -> str:
    """A list's entries on one line, each with its source when `sources`."""
    if not facts:
        return f"<span class='muted'>{NONE_RECORDED}</span>"
    return ", ".join(
        escape(f.value) + (f" <span class='small'>({escape(f.source)})</span>"
                           if sources and f.source else "")
        for f in facts
    )


def _distance(center: dict[str, Any], origin: Origin | None, units: str) -> str:
    if origin is None:
        return ""
    if center.get("latitude") is None or center.get("longitude") is None:
        return f"Distance from {escape(origin.label)}: {UNKNOWN} (location not recorded)"
    km = geo.geodesic_km(origin.latitude, origin.longitude, center["latitude"], center["longitude"])
    mi = km / KM_PER_MILE
    first, second = (
        (f"{mi:,.0f} mi", f"{km:,.0f} km") if units == "mi" else (f"{km:,.0f} km", f"{mi:,.0f} mi")
    )
    return f"Distance from {escape(origin.label)}: <b>{first}</b> ({second}) in a straight line"


def _contacts(facts: CenterFacts) -> str:
    people = facts.section("contact").items("person")
    if not people:
        return "<p class='muted'>No named contacts on file; use the main phone number.</p>"
    rows = "".join(
        f"<tr><td>{escape(p.label)}</td><td>{escape(p.value)}</td>"
        f"<td class='small'>{escape(p.source)}</td></tr>"
        for p in people
    )
    return (
        "<table class='grid' width='100%'><tr><th width='24%'>Role</th>"
        f"<th>Name · phone · email</th><th width='24%'>Source</th></tr>{rows}</table>"
    )


def _trials(facts: CenterFacts) -> str:
    """The center's trials, each status "as of" its record's date and marked when stale."""
    if not facts.trials:
        return "<p class='muted'>No registered trials on file.</p>"
    rows = []
    for t in facts.trials:
        title = t.title
        if len(title) > 110:
            title = title[:107].rstrip() + "…"
        shown = escape(t.status)
        if t.stale:
            shown = f"<span class='stale'>{shown}</span>"
        rows.append(
            f"<tr><td nowrap><b>{escape(t.nct_id)}</b></td><td>{shown}"
            f"</td><td>{escape(t.phases or '—')}</td><td>{escape(title)}</td></tr>"
        )
    return (
        "<table class='grid' width='100%'><tr><th width='17%'>NCT number</th>"
        "<th width='26%'>Site status (registry record date)</th>"
        "<th width='12%'>Phase</th><th>Title</th></tr>"
        + "".join(rows)
        + "</table>"
        "<p class='small'>Look a trial up at clinicaltrials.gov/study/NCT… · "
        f"{TRIAL_NOTE}</p>"
    )


def _money(facts: CenterFacts) -> str:
    costs = facts.section("costs")
    cost = costs.get("cost")
    shown = (_value(cost) if cost.known
             else f"<span class='muted'>{UNKNOWN} — ask the financial counselor</span>")
    notes = costs.get("insurance_notes")
    insurance = _value(costs.get("insurance_accepted")) + (
        f" — {escape(notes.value)}" if notes.known else "")
    answers = "".join(
        f"<tr><td>{escape(f.label)}</td><td>{_value(f)}</td></tr>"
        for f in (costs.get(k) for k in ("payment_plans", "financial_assistance",
                                         "trial_reduced_cost"))
    )
    return (
        "<table width='100%'>"
        f"<tr><td width='32%'>{escape(cost.label)}</td><td>{shown}</td></tr>"
        f"<tr><td>Insurance accepted</td><td>{insurance}</td></tr>{answers}</table>"
    )


def _provenance(facts: CenterFacts) -> str:
    record = facts.section("record")
    verified, who = record.get("last_verified"), record.get("verified_by")
    checked = (
        f"Last verified by a person: {escape(verified.value)}"
        + (f" by {escape(who.value)}" if who.known else "") + "."
        if verified.known
        else "Not yet verified by a person: facts marked “inferred” come from public "
        "registries and may be out of date."
    )
    located = facts.fact("place").source
    where = f" Location: {escape(located)}." if located else ""
    return (f"<p class='small'>{checked} Record source: "
            f"{escape(record.get('source').value)}.{where}</p>")


def _address(facts: CenterFacts) -> str:
    address, place = facts.fact("address"), facts.fact("place")
    lines = [f.value for f in (address, place) if f.known]
    return "<br/>".join(escape(x) for x in lines) or (
        f"<span class='muted'>Address: {UNKNOWN}</span>")


def center_html(
    center: dict[str, Any],
    number: int,
    origin: Origin | None,
    units: str,
    today: date | None = None,
) -> str:
    """One center's section of the sheet; `today` dates the trial statuses' staleness."""
    facts = center_facts(center, today)
    contact = facts.section("contact")
    kind = facts.kind.value if facts.kind.known else f"Kind: {UNKNOWN}"
    website = contact.get("website")
    parts = [
        f"<h2>{number}. {escape(facts.name)}</h2>",
        f"<p class='muted'>{escape(kind)}</p>",
        "<table width='100%'><tr><td width='55%' valign='top'>" + _address(facts) + "</td>"
        "<td valign='top'>" + f"Phone: {_value(contact.get('phone'))}<br/>Email: "
        f"{_value(contact.get('email'))}<br/>Website: {_value(website)}</td></tr></table>",
    ]
    distance = _distance(center, origin, units)
    if distance:
        parts.append(f"<p>{distance}</p>")
    for flag in facts.red_flags:
        parts.append(
            f"<p class='flag'>&nbsp;Concern on file: {escape(flag.label)} — "
            f"{escape(flag.value)}&nbsp;</p>"
            + (f"<p class='muted'>Evidence: {_link(flag.url)}</p>" if flag.url else "")
        )
    team = facts.section("team")
    services = team.items("service")
    setting, stay = facts.fact("setting"), facts.fact("typical_stay")
    ages, notes = facts.fact("ages"), facts.fact("eligibility_notes")
    eligibility = (
        f"Setting: {_value(setting)}"
        + (f"; typical stay {escape(stay.value)}" if stay.known else "")
        + (f". Ages {escape(ages.value)}" if ages.known else "")
        + "."
        + (f" {escape(notes.value)}" if notes.known else "")
    )
    parts += [
        keep_together("<h3>Contacts</h3>" + _contacts(facts)),
        keep_together(
            "<h3>Therapies and conditions</h3>"
            f"<p>Therapies: {_facts(facts.section('therapies').items('therapy'), sources=True)}"
            f"</p><p>Conditions: {_facts(facts.section('conditions').items('condition'))}</p>"
            f"<p>Care team: {_facts(team.items('specialty'))}"
            + (f"; support: {_facts(services)}" if services else "")
            + f"</p><p>{eligibility}</p>"
        ),
        keep_together("<h3>Registered trials</h3>" + _trials(facts)),
        # The source note closes the block: it goes with the costs, never alone on a page.
        keep_together("<h3>Costs and financial help</h3>" + _money(facts) + _provenance(facts)),
    ]
    return "".join(parts)


def referral_sheet(
    centers: list[dict[str, Any]],
    origin: Origin | None = None,
    *,
    prepared: date | None = None,
    units: str = "mi",
) -> Sheet:
    """The sheet: a header, then one block per center. `pages.lay_out` keeps each block on
    one page when it fits, and lets short ones share a page."""
    prepared = prepared or date.today()
    place = f" · distances from {escape(origin.label)}" if origin else ""
    head = (
        f"<h1>{TITLE}</h1>"
        f"<p class='muted'>Prepared {prepared.isoformat()} from the Stem Cell Center Directory · "
        f"{len(centers)} center{'s' * (len(centers) != 1)}{place}</p>"
        "<p>Patient: ____________________________ &nbsp; Referred by: "
        "____________________________</p>"
        f"<p class='note'>&nbsp;{TRIAL_NOTE} Trials test whether a treatment is safe and works; "
        "ask each center whether a therapy is offered as approved care or only within a trial."
        "&nbsp;</p>"
    )
    blocks = [center_html(center, number, origin, units, prepared)
              for number, center in enumerate(centers, start=1)]
    return Sheet(head=head, blocks=blocks, style=STYLE, title=TITLE)


def referral_html(
    centers: list[dict[str, Any]],
    origin: Origin | None = None,
    *,
    prepared: date | None = None,
    units: str = "mi",
) -> str:
    """The whole sheet as HTML, each center's block marked for `pages.lay_out`."""
    return referral_sheet(centers, origin, prepared=prepared, units=units).html()


# --- PDF -------------------------------------------------------------------------------------


def ensure_gui_app() -> Any:
    """The running QGuiApplication, or a new offscreen one (the command line has no window)."""
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(["directory-app"])
    return app


def write_pdf(html: str | Sheet, path: str | Path, *, page: str = "letter") -> int:
    """Lay the sheet out on Letter or A4 pages (2 cm margins, each center kept on one page
    when it fits, page numbers) and write the PDF atomically; returns the page count. Needs a
    QGuiApplication (see `ensure_gui_app`)."""
    return pages.write_pdf(html, path, page=page, title=TITLE)


def make_referral_sheet(
    session: Session,
    ids: list[int],
    path: str | Path,
    *,
    near: str | None = None,
    units: str = "mi",
    page: str = "letter",
) -> int:
    """Write the referral sheet for `ids` to `path`; returns the number of centers on it."""
    origin = origin_for(near) if near else None
    centers = load_shortlist(session, ids)
    write_pdf(referral_html(centers, origin, units=units), path, page=page)
    return len(centers)

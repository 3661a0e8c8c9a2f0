"""The referral sheet: a printable PDF about a shortlist of centers, to hand to a patient or send
with a referral letter.

For each center: how to reach it (address, phone, website, distance from the patient's place,
people to contact by role), what it offers (therapies, conditions, care team), its registered
trials with their status, what it costs and what financial help exists, any red flags on file,
and where every fact came from and when a person last checked it. The sheet repeats, in plain
words, that a registered trial is not an approved treatment.

Built in two steps so most of it is testable without Qt: `referral_html` turns the exchange-form
centers into HTML (escaped text only, no external resources), and `write_pdf` lays that out
with Qt's own QTextDocument into a QPdfWriter - no browser, no service. Qt is imported inside
`write_pdf` only, and needs a QGuiApplication; `ensure_gui_app` makes an offscreen one for the
command line.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from directory_app.core.directory.models import Trial
from directory_app.core.directory.vocab import (
    CenterKind,
    Condition,
    ContactRole,
    Phase,
    Provenance,
    RedFlagKind,
    Setting,
    Specialty,
    SupportService,
    Therapy,
    TrialStatus,
    Vocab,
)
from directory_app.core.exchange.directory_form import center_to_dict, load_centers
from directory_app.core.geo import places as geo
from directory_app.core.search.staleness import status_stale, status_text
from directory_app.core.storage.atomic import atomic_write_bytes

TRIAL_NOTE = "A registered trial is not an approved treatment."
#: Qt's PDF writer crashes when two threads lay out documents at once: one sheet at a time.
#: Re-entrant, so a caller may hold it around a whole job that ends in `write_pdf`.
PDF_LOCK = threading.RLock()
TITLE = "Referral sheet — stem cell therapy centers"
KM_PER_MILE = 1.609344

STYLE = """
body { font-family: 'DejaVu Sans', 'Helvetica', sans-serif; font-size: 9.5pt; color: #202124; }
h1 { font-size: 15pt; margin: 0 0 4px 0; color: #1f4e79; }
h2 { font-size: 13pt; margin: 0 0 1px 0; color: #1f4e79; }
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
    centers = {c.id: center_to_dict(c) for c in load_centers(session, ids)}
    missing = [i for i in ids if i not in centers]
    if missing:
        raise LookupError(f"no center with id {', '.join(map(str, missing))}")
    nct_ids = {t["nct_id"] for c in centers.values() for t in c["trials"]}
    trials = (
        {t.nct_id: t for t in session.query(Trial).filter(Trial.nct_id.in_(nct_ids))}
        if nct_ids
        else {}
    )
    for center in centers.values():
        for link in center["trials"]:
            trial = trials.get(link["nct_id"])
            link["title"] = trial.title if trial else ""
            link["trial_status"] = trial.status if trial else None
            link["phases"] = list(trial.phases) if trial else []
            link["last_update"] = trial.last_update if trial else None
    return [centers[i] for i in dict.fromkeys(ids)]


# --- HTML ------------------------------------------------------------------------------------


def _label(vocab: type[Vocab], code: str | None) -> str:
    return vocab.label_of(code)


def _t(value: Any) -> str:
    return escape(str(value)) if value not in (None, "") else "<span class='muted'>unknown</span>"


def _yes_no(value: bool | None) -> str:
    return {True: "Yes", False: "No"}.get(value, "<span class='muted'>unknown</span>")  # type: ignore[arg-type]


def _fact_source(fact: dict[str, Any]) -> str:
    if fact.get("source") == Provenance.VERIFIED:
        when = fact.get("verified_on")
        return f"verified {when}" if when else "verified"
    ref = fact.get("source_ref")
    return f"inferred from {ref}" if ref else _label(Provenance, fact.get("source")).lower()


def _facts(items: list[str]) -> str:
    return ", ".join(items) if items else "<span class='muted'>none recorded</span>"


def _distance(center: dict[str, Any], origin: Origin | None, units: str) -> str:
    if origin is None:
        return ""
    if center.get("latitude") is None or center.get("longitude") is None:
        return f"Distance from {escape(origin.label)}: unknown (location not recorded)"
    km = geo.geodesic_km(origin.latitude, origin.longitude, center["latitude"], center["longitude"])
    mi = km / KM_PER_MILE
    first, second = (
        (f"{mi:,.0f} mi", f"{km:,.0f} km") if units == "mi" else (f"{km:,.0f} km", f"{mi:,.0f} mi")
    )
    return f"Distance from {escape(origin.label)}: <b>{first}</b> ({second}) in a straight line"


def _contacts(center: dict[str, Any]) -> str:
    people = sorted(
        center.get("contacts", []),
        key=lambda p: (
            list(ContactRole.codes()).index(p["role"])
            if p.get("role") in ContactRole.codes()
            else 99,
            p.get("name") or "",
        ),
    )
    if not people:
        return "<p class='muted'>No named contacts on file; use the main phone number.</p>"
    rows = "".join(
        f"<tr><td>{escape(_label(ContactRole, p.get('role')))}</td><td>{_t(p.get('name'))}</td>"
        f"<td>{_t(p.get('phone'))}</td><td>{_t(p.get('email'))}</td>"
        f"<td class='small'>{escape(_fact_source(p))}</td></tr>"
        for p in people
    )
    return (
        "<table class='grid' width='100%'><tr><th>Role</th><th>Name</th><th>Phone</th>"
        f"<th>Email</th><th>Source</th></tr>{rows}</table>"
    )


def _trials(center: dict[str, Any], today: date) -> str:
    """The center's trials, each status "as of" its record's date and marked when stale."""
    links = center.get("trials", [])
    if not links:
        return "<p class='muted'>No registered trials on file.</p>"
    rows = []
    for link in links:
        status = link.get("site_status") or link.get("trial_status")
        phases = ", ".join(_label(Phase, p) for p in link.get("phases") or []) or "—"
        title = link.get("title") or ""
        if len(title) > 110:
            title = title[:107].rstrip() + "…"
        updated = link.get("last_update")
        shown = escape(status_text(_label(TrialStatus, status), updated, today))
        if status_stale(updated, today):
            shown = f"<span class='stale'>{shown}</span>"
        rows.append(
            f"<tr><td><b>{escape(link['nct_id'])}</b></td><td>{shown}"
            f"</td><td>{escape(phases)}</td><td>{escape(title)}</td></tr>"
        )
    return (
        "<table class='grid' width='100%'><tr><th width='16%'>NCT number</th>"
        "<th width='26%'>Site status (registry record date)</th>"
        "<th width='12%'>Phase</th><th>Title</th></tr>"
        + "".join(rows)
        + "</table>"
        "<p class='small'>Look a trial up at clinicaltrials.gov/study/NCT… · "
        f"{TRIAL_NOTE}</p>"
    )


def _money(center: dict[str, Any]) -> str:
    low, high = center.get("cost_min_usd"), center.get("cost_max_usd")
    if low is None and high is None:
        cost = "<span class='muted'>unknown — ask the financial counselor</span>"
    elif low is not None and high is not None and low != high:
        cost = f"US${low:,} – US${high:,}"
    else:
        cost = f"US${(low if low is not None else high):,}"
    notes = center.get("insurance_notes")
    insurance = _yes_no(center.get("insurance_accepted")) + (f" — {escape(notes)}" if notes else "")
    return (
        "<table width='100%'>"
        f"<tr><td width='32%'>Typical cost</td><td>{cost}</td></tr>"
        f"<tr><td>Insurance accepted</td><td>{insurance}</td></tr>"
        + "".join(
            f"<tr><td>{label}</td><td>{_yes_no(center.get(field))}</td></tr>"
            for label, field in (
                ("Payment plans", "payment_plans"),
                ("Financial assistance", "financial_assistance"),
                ("Reduced cost in trials", "trial_reduced_cost"),
            )
        )
        + "</table>"
    )


def _provenance(center: dict[str, Any]) -> str:
    verified = center.get("last_verified")
    who = f" by {escape(center['verified_by'])}" if center.get("verified_by") else ""
    checked = (
        f"Last verified by a person: {escape(str(verified))}{who}."
        if verified
        else "Not yet verified by a person: facts marked “inferred” come from public "
        "registries and may be out of date."
    )
    source = _label(Provenance, center.get("source"))
    ref = f" ({escape(center['source_ref'])})" if center.get("source_ref") else ""
    loc = center.get("location_source")
    located = f" Location from: {escape(_label(Provenance, loc))}." if loc else ""
    return f"<p class='small'>{checked} Record source: {escape(source)}{ref}.{located}</p>"


def _address(center: dict[str, Any]) -> str:
    city_line = " ".join(
        p
        for p in (
            ", ".join(x for x in (center.get("city"), center.get("region")) if x),
            center.get("postal_code"),
        )
        if p
    )
    lines = [center.get("address"), city_line, center.get("country")]
    return (
        "<br/>".join(escape(x) for x in lines if x) or "<span class='muted'>address unknown</span>"
    )


def center_html(
    center: dict[str, Any],
    number: int,
    origin: Origin | None,
    units: str,
    today: date | None = None,
) -> str:
    """One center's section of the sheet; `today` dates the trial statuses' staleness."""
    kind = _label(CenterKind, center.get("kind")) if center.get("kind") else "Kind not recorded"
    team = center.get("team", [])
    therapies = [
        f"{escape(_label(Therapy, t['therapy']))} <span class='small'>"
        f"({escape(_fact_source(t))})</span>"
        for t in center.get("therapies", [])
    ]
    conditions = [escape(_label(Condition, c["condition"])) for c in center.get("conditions", [])]
    specialties = [
        escape(_label(Specialty, m["discipline"])) for m in team if m.get("role") == "specialty"
    ]
    services = [
        escape(_label(SupportService, m["discipline"])) for m in team if m.get("role") == "service"
    ]
    age = ""
    if center.get("age_min") is not None or center.get("age_max") is not None:
        age = f"Ages {center.get('age_min') or 0}–{center.get('age_max') or 'any'}. "
    setting = _label(Setting, center.get("setting")) if center.get("setting") else "unknown"
    parts = [
        f"<h2>{number}. {escape(center['name'])}</h2>",
        f"<p class='muted'>{escape(kind)}</p>",
        "<table width='100%'><tr><td width='55%' valign='top'>" + _address(center) + "</td>"
        "<td valign='top'>" + f"Phone: {_t(center.get('phone'))}<br/>Email: "
        f"{_t(center.get('email'))}<br/>Website: {_t(center.get('website'))}</td></tr></table>",
    ]
    distance = _distance(center, origin, units)
    if distance:
        parts.append(f"<p>{distance}</p>")
    for flag in center.get("red_flags", []):
        parts.append(
            f"<p class='flag'>&nbsp;Concern on file: "
            f"{escape(_label(RedFlagKind, flag.get('kind')))} — "
            f"{escape(flag.get('description') or '')}&nbsp;</p>"
        )
    parts += [
        "<h3>Contacts</h3>",
        _contacts(center),
        "<h3>Therapies and conditions</h3>",
        f"<p>Therapies: {_facts(therapies)}</p>",
        f"<p>Conditions: {_facts(conditions)}</p>",
        f"<p>Care team: {_facts(specialties)}"
        + (f"; support: {_facts(services)}" if services else "")
        + "</p>",
        f"<p>Setting: {escape(setting)}. {age}"
        + (escape(center["eligibility_notes"]) if center.get("eligibility_notes") else "")
        + "</p>",
        "<h3>Registered trials</h3>",
        _trials(center, today or date.today()),
        "<h3>Costs and financial help</h3>",
        _money(center),
        _provenance(center),
    ]
    return "".join(parts)


def referral_html(
    centers: list[dict[str, Any]],
    origin: Origin | None = None,
    *,
    prepared: date | None = None,
    units: str = "mi",
) -> str:
    """The whole sheet as HTML: a header, then one page per center."""
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
    body = []
    for number, center in enumerate(centers, start=1):
        brk = " style='page-break-before: always'" if number > 1 else ""
        body.append(f"<div{brk}>{center_html(center, number, origin, units, prepared)}</div>")
    return f"<html><head><style>{STYLE}</style></head><body>{head}{''.join(body)}</body></html>"


# --- PDF -------------------------------------------------------------------------------------


def ensure_gui_app() -> Any:
    """The running QGuiApplication, or a new offscreen one (the command line has no window)."""
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(["directory-app"])
    return app


def write_pdf(html: str, path: str | Path, *, page: str = "letter") -> None:
    """Lay `html` out on Letter or A4 pages with 2 cm margins and page numbers, and write the
    PDF atomically. Needs a QGuiApplication (see `ensure_gui_app`)."""
    with PDF_LOCK:
        _write_pdf(html, path, page=page)


def _write_pdf(html: str, path: str | Path, *, page: str) -> None:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    size = QPageSize.PageSizeId.A4 if page.lower() == "a4" else QPageSize.PageSizeId.Letter
    # QTextDocument.print_ keeps a 2 cm margin inside the page on its own; none is added here.
    writer.setPageLayout(
        QPageLayout(
            QPageSize(size),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setResolution(300)
    writer.setTitle(TITLE)
    writer.setCreator("Stem Cell Center Directory")
    document = QTextDocument()
    document.setDocumentMargin(0)
    document.setHtml(html)
    # No page size of our own: QTextDocument.print_ then lays the text out on the writer's page
    # rectangle at the writer's resolution, and numbers the pages at the bottom.
    document.print_(writer)
    del writer  # finishes the PDF into the buffer
    buffer.close()
    atomic_write_bytes(path, bytes(data.data()))


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

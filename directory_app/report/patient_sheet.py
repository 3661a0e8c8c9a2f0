"""The referral sheet for one patient: the chosen answers of a patient match, each with why it
fits, what does not and what is not on record, its trials with their status "as of" the
record's date and the registry's site contacts, and the questions to ask that center.

It says nothing about who the patient is: the head repeats the profile's criteria (age, sex,
condition, place, radius), never a name. Centers print how to reach them (address, phone,
website, people by role) in the words of `core.present.center_facts`, as the shortlist sheet
does; a trial site with no center on record prints its trials and their contacts only. The
layout is `pages`: each answer kept on one page when it fits, short ones sharing a page, so
the sheet takes as few pages as its content needs.
"""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from directory_app.core.directory.vocab import Condition
from directory_app.core.matching.checks import FAILS, FITS, UNKNOWN, Check
from directory_app.core.matching.explain import (
    contact_text,
    distance_text,
    other_condition,
    questions,
    status_text,
)
from directory_app.core.matching.matcher import TRIAL_SITE, CenterMatch, TrialMatch
from directory_app.core.matching.profile import PatientProfile
from directory_app.core.present.center_facts import TRIAL_NOTE, center_facts
from directory_app.report import pages
from directory_app.report.pages import Sheet, keep_together
from directory_app.report.referral_sheet import STYLE, _address, _contacts, _value, load_shortlist

TITLE = "Referral sheet — centers and trials for this patient"
#: At most this many trials that do not fit are named per answer (one line each); the fitting
#: ones are all printed in full.
OTHER_TRIALS = 4
EXTRA_STYLE = """
ul { margin: 0 0 0 14px; }
li { margin: 0; }
.fits { color: #1b5e20; font-weight: bold; }
.fails { color: #8a1c13; font-weight: bold; }
.unknown { color: #6d4c00; font-weight: bold; }
"""


def profile_lines(p: PatientProfile, place: str = "", units: str = "mi") -> list[str]:
    """The profile's criteria in words, for the sheet's head (no identity: there is none)."""
    out = []
    if p.age is not None:
        out.append(f"age {p.age}")
    if p.sex:
        out.append(p.sex)
    if p.condition:
        out.append(Condition.label_of(p.condition))
    if p.failed_treatments is not None:
        out.append(f"{p.failed_treatments} conventional treatment"
                   f"{'s' * (p.failed_treatments != 1)} failed")  # fmt: skip
    if place:
        reach = ""
        if p.radius_km is not None:
            per = 1.0 if units == "km" else 1.609344
            reach = f"within {p.radius_km / per:,.0f} {units} of "
        out.append(f"{reach}{place}")
    if p.insurance:
        out.append("wants to use insurance")
    if p.max_cost_usd is not None:
        out.append(f"can pay up to ${p.max_cost_usd:,}")
    if p.notes.strip():
        out.append(p.notes.strip())
    return out


def _checks(title: str, css: str, checks: list[Check], *, sources: bool = True) -> str:
    """A verdict's facts as a list, each with its source (an unknown's "source" is only the
    record that lacks the fact, left out as noise)."""
    if not checks:
        return ""
    items = "".join(
        f"<li>{escape(c.fact)}" + (f" <span class='small'>({escape(c.source)})</span>"
                                   if sources and c.source else "") + "</li>"
        for c in checks
    )  # fmt: skip
    return f"<p class='{css}'>{title}</p><ul>{items}</ul>"


def _trial(t: TrialMatch) -> str:
    """A fitting trial in full: status with its date, why it fits, site contacts with their
    source, the registry's eligibility lists."""
    fits = [c for c in t.checks if c.verdict == FITS]
    unknown = [c for c in t.checks if c.verdict == UNKNOWN]
    parts = [
        f"<p><b>{escape(t.nct_id)}</b> — {escape(t.title)}<br/>"
        f"Status: {escape(status_text(t))} · clinicaltrials.gov/study/{escape(t.nct_id)}</p>",
        "<p class='small'>Fits: " + escape("; ".join(c.fact for c in fits)) + "</p>" if fits
        else "",
        "<p class='small'>Not on record: " + escape("; ".join(c.fact for c in unknown))
        + "</p>" if unknown else "",
    ]  # fmt: skip
    if t.contacts:
        people = "<br/>".join(escape(contact_text(c)) for c in t.contacts)
        parts.append(f"<p>Site contact: {people} <span class='small'>"
                     f"({escape(t.contacts_source)})</span></p>")  # fmt: skip
    else:
        parts.append("<p class='small'>No site contact in the registry record held here; "
                     "use the trial's page.</p>")  # fmt: skip
    for title, items in (("Inclusion", t.inclusion), ("Exclusion", t.exclusion)):
        if items:
            lis = "".join(f"<li>{escape(i)}</li>" for i in items)
            parts.append(f"<p class='small'><b>{title} criteria</b></p><ul class='small'>"
                         f"{lis}</ul>")  # fmt: skip
    return keep_together("".join(parts))


def _other_trials(trials: list[TrialMatch]) -> str:
    """Trials of the patient's condition here that do not fit (closed, outside the age
    limits), one line each: worth knowing, not worth a page. Trials of other conditions are
    left out."""
    relevant = [t for t in trials if not other_condition(t)]
    if not relevant:
        return ""
    rows = []
    for t in relevant[:OTHER_TRIALS]:
        why = next(c.fact for c in t.checks if c.verdict == FAILS).replace(f", {t.nct_id}", "")
        rows.append(f"<li>{escape(t.nct_id)} — {escape(status_text(t))}: does not fit "
                    f"({escape(why)})</li>")  # fmt: skip
    more = len(relevant) - OTHER_TRIALS
    extra = f"<li>and {more} more</li>" if more > 0 else ""
    return (f"<p class='small'>Other trials of this condition here</p><ul class='small'>"
            f"{''.join(rows)}{extra}</ul>")  # fmt: skip


def answer_html(
    m: CenterMatch, number: int, center: dict[str, Any] | None, units: str, today: date
) -> str:
    """One answer's block: how to reach it, why it fits, its trials, the questions to ask."""
    if m.kind == TRIAL_SITE or center is None:
        kind = "Trial site; no center on record (reach it through the trial's contacts)"
        reach = ""
    else:
        facts = center_facts(center, today)
        contact = facts.section("contact")
        kind = facts.kind.value if facts.kind.known else "Center"
        reach = (
            "<table width='100%'><tr><td width='55%' valign='top'>" + _address(facts) + "</td>"
            f"<td valign='top'>Phone: {_value(contact.get('phone'))}<br/>Website: "
            f"{_value(contact.get('website'))}</td></tr></table>"
            + keep_together("<h3>Contacts</h3>" + _contacts(facts))
        )
    fitting = m.fitting_trials
    whom = "the trial's contacts" if m.kind == TRIAL_SITE else escape(m.name)
    asked = "".join(f"<li>{escape(q)}</li>" for q in questions(m))
    parts = [
        f"<h2>{number}. {escape(m.name)}</h2>",
        f"<p class='muted'>{escape(kind)} · {escape(distance_text(m, units))} in a straight "
        "line</p>",
        reach,
        keep_together(
            "<h3>Why it may fit</h3>"
            + (_checks("Fits", "fits", m.fits) or "<p class='muted'>Nothing on record fits "
               "yet.</p>")
            + _checks("Not on record — ask", "unknown", m.unknown, sources=False)
            + _checks("Does not fit", "fails", m.fails)
        ),  # fmt: skip
        f"<h3>Trials that fit ({len(fitting)})</h3>",
        "".join(_trial(t) for t in fitting) or "<p class='muted'>None on record.</p>",
        _other_trials([t for t in m.trials if not t.fits]),
        keep_together(f"<h3>Questions to ask {whom}</h3><ul>{asked}</ul>"),
    ]
    return "".join(parts)


def patient_sheet(
    matches: list[CenterMatch],
    lines: list[str],
    centers: dict[int, dict[str, Any]],
    *,
    prepared: date | None = None,
    units: str = "mi",
) -> Sheet:
    """The sheet for the chosen answers; `centers` holds the exchange-form record of each
    center answer (see `load_shortlist`), `lines` the profile in words."""
    prepared = prepared or date.today()
    head = (
        f"<h1>{TITLE}</h1>"
        f"<p class='muted'>Prepared {prepared.isoformat()} from the Stem Cell Center Directory "
        f"· {len(matches)} answer{'s' * (len(matches) != 1)}, best fit first</p>"
        f"<p>Profile matched: {escape(', '.join(lines) or 'no criteria given')}.</p>"
        "<p class='small'>“Not on record” is not “no”: the directory does not know, so ask. "
        "Statuses are as the registry record said on its date; check the trial's page.</p>"
        f"<p class='note'>&nbsp;{TRIAL_NOTE}&nbsp;</p>"
    )
    blocks = [
        answer_html(m, i, centers.get(m.center_id) if m.center_id is not None else None,
                    units, prepared)
        for i, m in enumerate(matches, 1)
    ]  # fmt: skip
    return Sheet(head=head, blocks=blocks, style=STYLE + EXTRA_STYLE, title=TITLE)


def build_patient_sheet(
    session: Session,
    matches: list[CenterMatch],
    lines: list[str],
    *,
    prepared: date | None = None,
    units: str = "mi",
) -> Sheet:
    """`patient_sheet` with the centers' records read from the directory."""
    ids = [m.center_id for m in matches if m.center_id is not None]
    centers = dict(zip(ids, load_shortlist(session, ids), strict=True))
    return patient_sheet(matches, lines, centers, prepared=prepared, units=units)


def write_patient_sheet(sheet: Sheet, path: str | Path, *, page: str = "letter") -> int:
    """Write the PDF (needs a QGuiApplication, see `referral_sheet.ensure_gui_app`); returns
    its page count."""
    return pages.write_pdf(sheet, path, page=page, title=TITLE)

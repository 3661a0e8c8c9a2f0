"""A match put into words for people: the one-line summary a results row shows, the
per-criterion explanation the Patient tab's detail pane shows, and the questions to ask each
center, which the patient's referral sheet prints.

Kept in core (no Qt) so the tab and the sheet say the same thing in the same words, and so the
wording is tested without a window. Every sentence comes from a `Check` (fact and source) or a
trial's registry record; nothing here adds a fact.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from directory_app.core.directory.vocab import TrialStatus
from directory_app.core.matching.checks import FAILS, FITS, UNKNOWN, Check
from directory_app.core.matching.matcher import TRIAL_SITE, CenterMatch, TrialMatch
from directory_app.core.matching.profile import MatchError
from directory_app.core.search.distance_rank import format_distance

VERDICT_WORDS = {FITS: "Fits", FAILS: "Does not fit", UNKNOWN: "Unknown"}
VERDICT_COLORS = {FITS: "#1b5e20", FAILS: "#b71c1c", UNKNOWN: "#6d4c00"}

#: What a coordinator asks every center, whatever the record says: the record rarely knows.
STANDING_QUESTIONS = (
    "What will the treatment cost the patient, all in (treatment, stay, travel, follow-up)?",
    "Is the patient's insurance accepted, and is prior authorization needed?",
    "If this is a trial: is treatment within the trial at no cost to the patient?",
    "How long is the stay near the center, and how often and for how long is follow-up?",
)

#: The fields a saved profile may hold. There is no name, birth date or address field: the
#: app holds no patient identity, and a file with any other key is refused on reading.
PROFILE_KEYS = (
    "age", "sex", "condition", "failed_treatments", "notes", "place", "radius", "units",
    "insurance", "max_cost_usd",
)  # fmt: skip


def summary(m: CenterMatch) -> str:
    """ "2 fit · 1 unknown" (a failing criterion named first): what a results row shows."""
    parts = []
    if m.fails:
        parts.append(f"{len(m.fails)} does not fit")
    parts.append(f"{len(m.fits)} fit")
    if m.unknown:
        parts.append(f"{len(m.unknown)} unknown")
    return " · ".join(parts)


def distance_text(m: CenterMatch, units: str) -> str:
    return "distance unknown" if m.distance_km is None else format_distance(m.distance_km, units)


def status_text(t: TrialMatch) -> str:
    """The status a coordinator acts on (the site's when the registry gives one) with the date
    of the record that said it: "Recruiting (site; as of 2025-09-01)"."""
    code = t.site_status or t.status
    where = "site; " if t.site_status else ""
    when = f"as of {t.last_update.isoformat()}" if t.last_update else "record date unknown"
    return f"{TrialStatus.label_of(code)} ({where}{when})"


def contact_text(c: dict[str, Any]) -> str:
    """A registry site contact on one line: name (role), phone, email; blanks left out."""
    role = str(c.get("role") or "").replace("_", " ").lower()
    name = str(c.get("name") or "unnamed") + (f" ({role})" if role else "")
    return ", ".join(str(p) for p in (name, c.get("phone"), c.get("email")) if p)


#: The question an unknown criterion raises. Insurance and cost are left to the standing
#: questions, which ask them whatever the record says.
_ASK = {
    "age": "Which ages does the center accept for this treatment?",
    "prior treatments": "Which conventional treatments must have failed first, and how many?",
    "condition": "Does the center treat this condition, within a trial or as care?",
    "sex": "Does the trial enrol patients of this sex?",
    "status": "Is the trial still enrolling at this site?",
    "distance": "Where exactly does treatment take place?",
}


def questions(m: CenterMatch) -> list[str]:
    """What to ask this center (or a site's trial contacts): what its unknown criteria leave
    open, whether a failing fact still holds, then the standing questions."""
    asked = list(dict.fromkeys(_ASK[c.criterion] for c in m.unknown if c.criterion in _ASK))
    asked += [f"The record says: {c.fact}. Is that still so?" for c in m.fails]
    return asked + list(STANDING_QUESTIONS)


def _check_rows(checks: list[Check]) -> str:
    rows = []
    for c in sorted(checks, key=lambda c: (c.verdict != FAILS, c.verdict != UNKNOWN)):
        source = f"<br><span class='src'>{escape(c.source)}</span>" if c.source else ""
        rows.append(
            f"<tr><td style='color:{VERDICT_COLORS[c.verdict]}'><b>"
            f"{VERDICT_WORDS[c.verdict]}</b></td><td>{escape(c.fact)}{source}</td></tr>"
        )
    return "<table cellspacing='0' cellpadding='3'>" + "".join(rows) + "</table>"


def _criteria_list(title: str, items: list[str]) -> str:
    if not items:
        return ""
    lis = "".join(f"<li>{escape(i)}</li>" for i in items)
    return f"<p><b>{title}</b></p><ul>{lis}</ul>"


def trial_html(t: TrialMatch, *, checks: bool = True) -> str:
    """One trial: id and title, status with its date, verdicts, site contacts with their
    source, and the registry's inclusion and exclusion lists."""
    verdict = "fits" if t.fits else "does not fit"
    link = f" <a href='{escape(t.url)}'>{escape(t.url)}</a>" if t.url else ""
    parts = [
        f"<p><b>{escape(t.nct_id)}</b> ({verdict}) — {escape(t.title)}<br>"
        f"Status: {escape(status_text(t))}{link}</p>"
    ]
    if checks:
        parts.append(_check_rows(t.checks))
    if t.contacts:
        lines = "<br>".join(escape(contact_text(c)) for c in t.contacts)
        parts.append(f"<p>Site contacts: {lines}<br><span class='src'>"
                     f"{escape(t.contacts_source)}</span></p>")  # fmt: skip
    else:
        parts.append("<p class='src'>No site contact in the registry record held here.</p>")
    lists = _criteria_list("Inclusion criteria", t.inclusion) + _criteria_list(
        "Exclusion criteria", t.exclusion
    )
    parts.append(lists or "<p class='src'>Eligibility criteria text not in the registry "
                          "record held here; see the trial's page.</p>")  # fmt: skip
    return "".join(parts)


def explanation_html(m: CenterMatch, units: str = "mi") -> str:
    """The detail pane for one answer: why it fits, what does not, what is unknown, each with
    its source, then its trials (fitting ones first) with their eligibility lists."""
    kind = "Trial site with no center on record" if m.kind == TRIAL_SITE else "Center"
    place = ", ".join(p for p in (m.city, m.region) if p)
    head = (
        f"<h3>{escape(m.name)}</h3><p class='src'>{kind}"
        f"{' · ' + escape(place) if place else ''} · {escape(distance_text(m, units))} · "
        f"{escape(summary(m))}</p>"
    )
    shown = [t for t in m.trials if not other_condition(t)]
    others = len(m.trials) - len(shown)
    trials = "".join(f"<hr>{trial_html(t)}" for t in shown)
    none = "" if shown else "<p class='src'>No registered trial of this condition here.</p>"
    verb = "studies" if others == 1 else "study"
    rest = (f"<hr><p class='src'>{others} more trial{'s' * (others != 1)} here {verb} other "
            "conditions.</p>" if others else "")  # fmt: skip
    return (
        "<style>.src{color:#555;font-size:small} td{vertical-align:top}</style>"
        f"{head}{_check_rows(m.checks)}<h4>Trials ({len(m.fitting_trials)} of "
        f"{len(m.trials)} fit)</h4>{none}{trials}{rest}"
    )


def other_condition(t: TrialMatch) -> bool:
    """The trial studies another condition than the patient's: named, not shown in full."""
    return any(c.criterion == "condition" and c.verdict == FAILS for c in t.checks)


# --- saving a profile, only when the user asks -----------------------------------------------


def write_profile_file(path: str | Path, values: dict[str, Any]) -> None:
    """Save a profile the user chose to save: the profile's fields only (see PROFILE_KEYS)."""
    kept = {k: values[k] for k in PROFILE_KEYS if k in values}
    Path(path).write_text(json.dumps(kept, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_profile_file(path: str | Path) -> dict[str, Any]:
    """A saved profile's fields; MatchError naming the file and field for anything else (a
    file with a name or any other field in it is not a profile this app wrote)."""
    name = Path(path).name
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MatchError(f"{name}: not a saved profile ({exc})") from None
    if not isinstance(data, dict):
        raise MatchError(f"{name}: not a saved profile (expected an object)")
    for key in data:
        if key not in PROFILE_KEYS:
            raise MatchError(f"{name}, field {key!r}: not a profile field; accepted: "
                             f"{', '.join(PROFILE_KEYS)}")  # fmt: skip
    return data

"""The coordinator's shortlist and the side-by-side comparison of centers.

The shortlist lives in the database (`app_settings`), not in a settings file, so it travels with
the directory it refers to. It is stored as center uids, which survive export/import and an
undone delete; a uid whose center is gone is skipped when read but kept in storage until the
list is next changed, so undoing a delete brings the center back onto the shortlist too.

`compare_rows` turns 2-4 centers (exchange form) into labelled text rows; the dialog only paints.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory_app.core.directory import vocab
from directory_app.core.directory.models import Center, Setting
from directory_app.core.present.center_facts import CenterFacts, Fact, TrialFact, center_facts
from directory_app.core.present.words import NONE_RECORDED

SHORTLIST_KEY = "shortlist"


# --- the stored shortlist ---------------------------------------------------------------------


def _stored_uids(session: Session) -> list[str]:
    row = session.get(Setting, SHORTLIST_KEY)
    if row is None:
        return []
    try:
        value = json.loads(row.value)
    except ValueError:
        return []  # a damaged value is not worth refusing to start over
    return [u for u in value if isinstance(u, str)] if isinstance(value, list) else []


def _id_by_uid(session: Session, uids: Iterable[str]) -> dict[str, int]:
    wanted = list(dict.fromkeys(uids))
    if not wanted:
        return {}
    stmt = select(Center.uid, Center.id).where(Center.uid.in_(wanted))
    return {uid: id_ for uid, id_ in session.execute(stmt)}


def get_shortlist(session: Session) -> list[int]:
    """Center ids on the shortlist, in the coordinator's order, skipping deleted centers."""
    uids = _stored_uids(session)
    ids = _id_by_uid(session, uids)
    return [ids[u] for u in uids if u in ids]


def set_shortlist(session: Session, ids: Sequence[int]) -> list[int]:
    """Replace the shortlist (unknown ids and repeats dropped); returns what was stored."""
    wanted = list(dict.fromkeys(ids))
    uid_of: dict[int, str] = {}
    if wanted:
        stmt = select(Center.id, Center.uid).where(Center.id.in_(wanted))
        uid_of = {id_: uid for id_, uid in session.execute(stmt)}
    kept = [i for i in wanted if i in uid_of]
    session.merge(Setting(key=SHORTLIST_KEY, value=json.dumps([uid_of[i] for i in kept])))
    return kept


def add(session: Session, center_id: int) -> list[int]:
    """Append a center (no-op if already there); returns the shortlist."""
    current = get_shortlist(session)
    if center_id in current:
        return current
    return set_shortlist(session, [*current, center_id])


def remove(session: Session, center_id: int) -> list[int]:
    return set_shortlist(session, [i for i in get_shortlist(session) if i != center_id])


def clear(session: Session) -> list[int]:
    return set_shortlist(session, [])


# --- comparison -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompareRow:
    """One line of the comparison: a label and one text per center."""

    label: str
    values: tuple[str, ...]
    differs: bool


def _lines(facts: Sequence[Fact]) -> str:
    """A list's entries one per line, NONE_RECORDED for an empty one."""
    return "\n".join(f.value for f in facts) if facts else NONE_RECORDED


def _setting(f: CenterFacts) -> str:
    setting, stay = f.fact("setting"), f.fact("typical_stay")
    return setting.value + (f"; typical stay {stay.value}" if stay.known else "")


def _accreditation(f: CenterFacts) -> str:
    accreditation, scope = f.fact("accreditation"), f.fact("accreditation_scope")
    if not accreditation.known:
        return accreditation.value
    return f"{accreditation.value} ({scope.value})" if scope.known else accreditation.value


def _insurance(f: CenterFacts) -> str:
    accepted, notes = f.fact("insurance_accepted"), f.fact("insurance_notes")
    return f"{accepted.value} — {notes.value}" if notes.known else accepted.value


def _trials(c: dict[str, Any], f: CenterFacts) -> str:
    """'NCT01234567 (Recruiting (as of 2022-04-05; stale, check the registry))' per trial; the
    date comes from `trial_records` (the detail loader's), when the caller read them."""
    dated = "trial_records" in c

    def line(t: TrialFact) -> str:
        if t.site_status is None:
            return t.nct_id
        return f"{t.nct_id} ({t.site_status if dated else t.status_label})"

    return "\n".join(line(t) for t in f.trials) if f.trials else NONE_RECORDED


def _verified(f: CenterFacts) -> str:
    when, who = f.fact("last_verified"), f.fact("verified_by")
    return f"{when.value} by {who.value}" if when.known and who.known else when.value


def compare_rows(centers: list[dict[str, Any]]) -> list[CompareRow]:
    """Readable rows comparing centers in exchange form, in the words of `center_facts`;
    `differs` marks rows whose texts are not all equal. Contact rows appear for every role
    any of the centers lists."""
    if not 2 <= len(centers) <= 4:
        raise ValueError(f"compare 2 to 4 centers, not {len(centers)}")
    facts = [center_facts(c) for c in centers]

    def value(key: str) -> Callable[[dict[str, Any], CenterFacts], str]:
        return lambda _c, f: f.fact(key).value

    def items(section: str, key: str) -> Callable[[dict[str, Any], CenterFacts], str]:
        return lambda _c, f: _lines(f.section(section).items(key))

    def role(name: str) -> Callable[[dict[str, Any], CenterFacts], str]:
        return lambda _c, f: _lines([p for p in f.section("contact").items("person")
                                     if p.label == name])

    spec: list[tuple[str, Callable[[dict[str, Any], CenterFacts], str]]] = [
        ("Kind", lambda _c, f: f.kind.value),
        ("Address", value("address")),
        ("Place", value("place")),
        ("Phone", value("phone")),
        ("Email", value("email")),
        ("Website", value("website")),
    ]
    roles = {r.get("role") for c in centers for r in c.get("contacts", [])}
    spec += [(f"Contact: {r.label}", role(r.label)) for r in vocab.ContactRole
             if r.value in roles]
    spec += [
        ("Therapies", items("therapies", "therapy")),
        ("Conditions", items("conditions", "condition")),
        ("Specialties", items("team", "specialty")),
        ("Support services", items("team", "service")),
        ("Setting / stay", lambda _c, f: _setting(f)),
        ("Age range (years)", value("ages")),
        ("Requires failed conventional treatment", value("requires_failed_conventional")),
        ("Cost (USD)", value("cost")),
        ("Insurance accepted", lambda _c, f: _insurance(f)),
        ("Payment plans", value("payment_plans")),
        ("Financial assistance", value("financial_assistance")),
        ("Reduced cost in trials", value("trial_reduced_cost")),
        ("Accreditation", lambda _c, f: _accreditation(f)),
        ("Trials", _trials),
        ("Red flags", lambda _c, f: "\n".join(r.label for r in f.red_flags) or NONE_RECORDED),
        ("Last verified", lambda _c, f: _verified(f)),
        ("Source", value("source")),
    ]
    rows = []
    for label, get in spec:
        values = tuple(get(c, f) for c, f in zip(centers, facts, strict=True))
        rows.append(CompareRow(label, values, differs=len(set(values)) > 1))
    return rows


def compare_as_text(names: Sequence[str], rows: Sequence[CompareRow]) -> str:
    """Tab-separated text (header of names, then one line per row) for pasting into a
    spreadsheet or an email; multi-line cells are joined with '; '."""
    lines = ["\t".join(["", *names])]
    for row in rows:
        cells = [v.replace("\n", "; ") for v in row.values]
        lines.append("\t".join([row.label, *cells]))
    return "\n".join(lines) + "\n"

"""The coordinator's shortlist and the side-by-side comparison of centers.

The shortlist lives in the database (`app_settings`), not in a settings file, so it travels with
the directory it refers to. It is stored as center uids, which survive export/import and an
undone delete; a uid whose center is gone is skipped when read but kept in storage until the
list is next changed, so undoing a delete brings the center back onto the shortlist too.

`compare_rows` turns 2-4 centers (exchange form) into labelled text rows; the dialog only paints.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory_app.core.directory import vocab
from directory_app.core.directory.models import Center, Setting

SHORTLIST_KEY = "shortlist"
UNKNOWN = "unknown"
NONE_RECORDED = "none recorded"


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


def _label(cls: type[vocab.Vocab], code: str | None) -> str:
    return cls.label_of(code, UNKNOWN)


def _yes_no(value: bool | None) -> str:
    return UNKNOWN if value is None else ("Yes" if value else "No")


def _text(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return UNKNOWN
    return str(value)


def _lines(items: Iterable[str]) -> str:
    items = list(items)
    return "\n".join(items) if items else NONE_RECORDED


def _range(low: int | None, high: int | None, fmt: str = "{:,}") -> str:
    if low is None and high is None:
        return UNKNOWN
    if high is None:
        return f"from {fmt.format(low)}"
    if low is None:
        return f"up to {fmt.format(high)}"
    if low == high:
        return fmt.format(low)
    return f"{fmt.format(low)} – {fmt.format(high)}"


def _place(c: dict[str, Any]) -> str:
    region = " ".join(p for p in (c.get("region"), c.get("postal_code")) if p)
    parts = [p for p in (c.get("city"), region, c.get("country")) if p]
    return ", ".join(parts) if parts else UNKNOWN


def _therapies(c: dict[str, Any]) -> str:
    return _lines(
        _label(vocab.Therapy, t["therapy"])
        + (f" — {_label(vocab.Delivery, t['delivery']).lower()}" if t.get("delivery") else "")
        for t in c.get("therapies", [])
    )


def _team(c: dict[str, Any], role: str, cls: type[vocab.Vocab]) -> str:
    return _lines(_label(cls, t["discipline"]) for t in c.get("team", []) if t["role"] == role)


def _contact(c: dict[str, Any], role: str) -> str:
    rows = [r for r in c.get("contacts", []) if r.get("role") == role]
    return _lines(
        " · ".join(p for p in (r.get("name"), r.get("phone"), r.get("email")) if p) for r in rows
    )


def _setting(c: dict[str, Any]) -> str:
    text = _label(vocab.Setting, c.get("setting"))
    stay = c.get("typical_stay_days")
    if stay is not None:
        text += f"; typical stay {stay} day{'s' if stay != 1 else ''}"
    return text


def _accreditation(c: dict[str, Any]) -> str:
    if not c.get("accreditation"):
        return "none known"
    text = _label(vocab.Accreditation, c["accreditation"])
    return f"{text} ({c['accreditation_scope']})" if c.get("accreditation_scope") else text


def _insurance(c: dict[str, Any]) -> str:
    text = _yes_no(c.get("insurance_accepted"))
    return f"{text} — {c['insurance_notes']}" if c.get("insurance_notes") else text


def _trials(c: dict[str, Any]) -> str:
    """'NCT01234567 (recruiting (as of 2022-04-05; stale, check the registry))' per trial; the
    date comes from `trial_records` (the detail loader's), when the caller read them."""
    from directory_app.core.search.staleness import status_text

    records = c.get("trial_records") or {}
    today = date.today()

    def line(t: dict[str, Any]) -> str:
        if not t.get("site_status"):
            return str(t["nct_id"])
        label = _label(vocab.TrialStatus, t["site_status"]).lower()
        updated = (records.get(t["nct_id"]) or {}).get("last_update")
        if "trial_records" in c:
            when = date.fromisoformat(updated) if isinstance(updated, str) else updated
            label = status_text(label, when, today)
        return f"{t['nct_id']} ({label})"

    return _lines(line(t) for t in c.get("trials", []))


def _verified(c: dict[str, Any]) -> str:
    if not c.get("last_verified"):
        return "never"
    who = f" by {c['verified_by']}" if c.get("verified_by") else ""
    return f"{c['last_verified']}{who}"


def _source(c: dict[str, Any]) -> str:
    text = _label(vocab.Provenance, c.get("source"))
    return f"{text} ({c['source_ref']})" if c.get("source_ref") else text


def compare_rows(centers: list[dict[str, Any]]) -> list[CompareRow]:
    """Readable rows comparing centers in exchange form; `differs` marks rows whose texts are
    not all equal. Contact rows appear for every role any of the centers lists."""
    if not 2 <= len(centers) <= 4:
        raise ValueError(f"compare 2 to 4 centers, not {len(centers)}")
    spec: list[tuple[str, Any]] = [
        ("Kind", lambda c: _label(vocab.CenterKind, c.get("kind"))),
        ("Address", lambda c: _text(c.get("address"))),
        ("Place", _place),
        ("Phone", lambda c: _text(c.get("phone"))),
        ("Email", lambda c: _text(c.get("email"))),
        ("Website", lambda c: _text(c.get("website"))),
    ]
    roles = {r.get("role") for c in centers for r in c.get("contacts", [])}
    spec += [
        (f"Contact: {role.label}", lambda c, r=role.value: _contact(c, r))
        for role in vocab.ContactRole
        if role.value in roles
    ]
    spec += [
        ("Therapies", _therapies),
        ("Conditions", lambda c: _lines(_label(vocab.Condition, r["condition"])
                                        for r in c.get("conditions", []))),
        ("Specialties", lambda c: _team(c, "specialty", vocab.Specialty)),
        ("Support services", lambda c: _team(c, "service", vocab.SupportService)),
        ("Setting / stay", _setting),
        ("Age range (years)", lambda c: _range(c.get("age_min"), c.get("age_max"), "{}")),
        ("Requires failed conventional treatment",
         lambda c: _yes_no(c.get("requires_failed_conventional"))),
        ("Cost (USD)", lambda c: _range(c.get("cost_min_usd"), c.get("cost_max_usd"), "${:,}")),
        ("Insurance accepted", _insurance),
        ("Payment plans", lambda c: _yes_no(c.get("payment_plans"))),
        ("Financial assistance", lambda c: _yes_no(c.get("financial_assistance"))),
        ("Reduced cost in trials", lambda c: _yes_no(c.get("trial_reduced_cost"))),
        ("Accreditation", _accreditation),
        ("Trials", _trials),
        ("Red flags", lambda c: _lines(_label(vocab.RedFlagKind, r["kind"])
                                       for r in c.get("red_flags", []))),
        ("Last verified", _verified),
        ("Source", _source),
    ]  # fmt: skip
    rows = []
    for label, get in spec:
        values = tuple(get(c) for c in centers)
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

"""`directory-app check` and Tools -> Check database: is the database sound, and do its rows
obey the app's own rules?

Every finding is a `Problem` the user can read and the GUI can list. Nothing is changed unless a
repair is asked for; `repair` then applies the documented fix of each repairable problem inside
the caller's transaction, so all repairs land together or not at all:

    with store.session() as s:
        problems = run_checks(s)
        repair(s, problems)
        remaining = run_checks(s)

Repairs only ever remove what is provably wrong (an orphan row, an impossible coordinate) or
restore an obvious intent (a swapped min/max); anything needing judgement - an unknown code, an
empty name - is reported and left for a person. Checks read only ids and the checked columns,
never free text such as notes, so nothing private reaches a log.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, func, or_, select, text, update
from sqlalchemy.orm import Session

from directory_app.core.directory import vocab
from directory_app.core.directory.models import Base, new_uid

NCT_RE = re.compile(r"NCT\d{8}")
MAX_AGE_YEARS = 120


@dataclass(frozen=True)
class Problem:
    """One thing wrong: which rule found it, where, what a person should know, and whether
    `repair` can fix it. `column` names the field concerned when there is one."""

    rule: str
    table: str
    row_id: int | str | None
    message: str
    repairable: bool
    column: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "table": self.table,
            "row_id": self.row_id,
            "column": self.column,
            "message": self.message,
            "repairable": self.repairable,
        }


@dataclass(frozen=True)
class Rule:
    """A check and, when the fix is unambiguous, its repair; `repair_doc` says what it does."""

    name: str
    doc: str
    find: Callable[[Session], Iterable[Problem]]
    fix: Callable[[Session, Problem], None] | None = None
    repair_doc: str = "not repaired automatically: needs a person's judgement"


def _t(name: str) -> Table:
    return Base.metadata.tables[name]


LABEL = {
    "centers": "center",
    "therapy_offerings": "therapy offering",
    "conditions_treated": "condition",
    "team_members": "team member",
    "contacts": "contact",
    "red_flags": "red flag",
    "center_aliases": "alias",
    "trials": "trial",
    "trial_sites": "trial site",
    "import_batches": "import",
}


def _where(table: str, row_id: object) -> str:
    return f"{LABEL.get(table, table)} {row_id}"


def _bump(table: Table) -> dict[str, Any]:
    """A repaired center gets a new version, so an edit opened before the repair is refused."""
    return {"version": table.c.version + 1} if "version" in table.c else {}


# --- SQLite's own checks -------------------------------------------------------------------


def _find_corruption(s: Session) -> Iterable[Problem]:
    if s.get_bind().dialect.name != "sqlite":
        return  # the server guards its own pages
    for (line,) in s.execute(text("PRAGMA integrity_check")):
        if line != "ok":
            yield Problem(
                "integrity", "(database)", None,
                f"SQLite integrity check: {line}; restore a backup", False,
            )  # fmt: skip


def _fk_columns(s: Session, table: str) -> dict[int, tuple[str, str]]:
    """fk id -> (child column, parent table), from the schema actually in the file."""
    rows = s.execute(text(f'PRAGMA foreign_key_list("{table}")')).all()
    return {int(r[0]): (str(r[3]), str(r[2])) for r in rows}


def _find_orphans(s: Session) -> Iterable[Problem]:
    """Rows pointing at a parent that does not exist (possible if foreign keys were ever off).
    PostgreSQL always enforces foreign keys, so only SQLite files are searched."""
    if s.get_bind().dialect.name != "sqlite":
        return
    columns: dict[str, dict[int, tuple[str, str]]] = {}
    for table, rowid, parent, fkid in s.execute(text("PRAGMA foreign_key_check")).all():
        if table not in columns:
            columns[table] = _fk_columns(s, table)
        column, _parent = columns[table].get(int(fkid), ("?", parent))
        value = s.execute(text(f'SELECT "{column}" FROM "{table}" WHERE rowid = :r'), {"r": rowid})
        missing = value.scalar() if column != "?" else "?"
        known = table in Base.metadata.tables and column in _t(table).c
        yield Problem(
            "orphan", table, rowid,
            f"{_where(table, rowid)} points at missing {LABEL.get(parent, parent)} {missing}",
            known, column,
        )  # fmt: skip


def _fix_orphan(s: Session, p: Problem) -> None:
    """A nullable link (an import batch) is cleared; a row that cannot exist alone is deleted."""
    table = _t(p.table)
    assert p.column is not None
    if table.c[p.column].nullable:
        values = {p.column: None, **_bump(table)}
        s.execute(update(table).where(table.c.id == p.row_id).values(values))
    else:
        s.execute(table.delete().where(table.c.id == p.row_id))


# --- the app's rules -----------------------------------------------------------------------


def _find_coordinates(s: Session) -> Iterable[Problem]:
    c = _t("centers").c
    lat_bad = or_(c.latitude < -90, c.latitude > 90)
    lon_bad = or_(c.longitude < -180, c.longitude > 180)
    half = or_(
        and_(c.latitude.is_(None), c.longitude.is_not(None)),
        and_(c.latitude.is_not(None), c.longitude.is_(None)),
    )
    rows = s.execute(
        select(c.id, c.latitude, c.longitude).where(or_(lat_bad, lon_bad, half)).order_by(c.id)
    )
    for row_id, lat, lon in rows:
        if lat is None or lon is None:
            why = "has only one of latitude/longitude"
        elif not -90 <= lat <= 90:
            why = f"latitude {lat} is outside -90..90"
        else:
            why = f"longitude {lon} is outside -180..180"
        yield Problem("coordinates", "centers", row_id, f"center {row_id}: {why}", True, "latitude")


def _fix_coordinates(s: Session, p: Problem) -> None:
    """Both coordinates are cleared: an unknown place is shown as unknown, never misplaced."""
    t = _t("centers")
    s.execute(
        update(t)
        .where(t.c.id == p.row_id)
        .values(latitude=None, longitude=None, location_source=None, **_bump(t))
    )


RANGES: tuple[tuple[str, str, str], ...] = (
    ("centers", "cost_min_usd", "cost_max_usd"),
    ("centers", "age_min", "age_max"),
    ("trials", "min_age_years", "max_age_years"),
)


def _find_swapped(s: Session) -> Iterable[Problem]:
    for table_name, low, high in RANGES:
        t = _t(table_name)
        rows = s.execute(
            select(t.c.id, t.c[low], t.c[high]).where(t.c[low] > t.c[high]).order_by(t.c.id)
        )
        for row_id, lo, hi in rows:
            yield Problem(
                "min_above_max", table_name, row_id,
                f"{_where(table_name, row_id)}: {low} {lo} is more than {high} {hi}", True, low,
            )  # fmt: skip


def _fix_swapped(s: Session, p: Problem) -> None:
    """The two ends are swapped: whoever typed them meant the range, not an empty one."""
    t = _t(p.table)
    low, high = next((lo, hi) for tn, lo, hi in RANGES if tn == p.table and lo == p.column)
    s.execute(
        update(t).where(t.c.id == p.row_id).values({low: t.c[high], high: t.c[low], **_bump(t)})
    )


NON_NEGATIVE = ("cost_min_usd", "cost_max_usd", "age_min", "age_max", "typical_stay_days")


def _find_impossible(s: Session) -> Iterable[Problem]:
    c = _t("centers").c
    for column in NON_NEGATIVE:
        limit = MAX_AGE_YEARS if column.startswith("age") else None
        bad = c[column] < 0 if limit is None else or_(c[column] < 0, c[column] > limit)
        for row_id, value in s.execute(select(c.id, c[column]).where(bad).order_by(c.id)):
            yield Problem(
                "impossible_value", "centers", row_id,
                f"center {row_id}: {column} {value} is impossible", True, column,
            )  # fmt: skip


def _fix_impossible(s: Session, p: Problem) -> None:
    """The value is cleared to unknown: no guess is better than a wrong number."""
    t = _t("centers")
    assert p.column is not None
    s.execute(update(t).where(t.c.id == p.row_id).values({p.column: None, **_bump(t)}))


#: Coded columns and the vocabulary they draw from.
CODED: tuple[tuple[str, str, type[vocab.Vocab]], ...] = (
    ("centers", "kind", vocab.CenterKind),
    ("centers", "setting", vocab.Setting),
    ("centers", "accreditation", vocab.Accreditation),
    ("centers", "source", vocab.Provenance),
    ("centers", "kind_source", vocab.Provenance),
    ("centers", "location_source", vocab.Provenance),
    ("centers", "contact_source", vocab.Provenance),
    ("therapy_offerings", "therapy", vocab.Therapy),
    ("therapy_offerings", "delivery", vocab.Delivery),
    ("conditions_treated", "condition", vocab.Condition),
    ("contacts", "role", vocab.ContactRole),
    ("red_flags", "kind", vocab.RedFlagKind),
    ("trials", "status", vocab.TrialStatus),
    ("trial_sites", "site_status", vocab.TrialStatus),
    *(
        (table, "source", vocab.Provenance)
        for table in ("therapy_offerings", "conditions_treated", "team_members", "contacts")
    ),
    ("red_flags", "source", vocab.Provenance),
)
TEAM: dict[str, type[vocab.Vocab]] = {
    "specialty": vocab.Specialty,
    "service": vocab.SupportService,
}


def _unknown(table: str, row_id: int, column: str, value: object) -> Problem:
    return Problem(
        "unknown_code", table, row_id,
        f"{_where(table, row_id)}: unknown {column} code {value!r}", False, column,
    )  # fmt: skip


def _find_unknown_codes(s: Session) -> Iterable[Problem]:
    for table_name, column, codes in CODED:
        t = _t(table_name)
        bad = and_(t.c[column].is_not(None), t.c[column].not_in(codes.codes()))
        for row_id, value in s.execute(select(t.c.id, t.c[column]).where(bad).order_by(t.c.id)):
            yield _unknown(table_name, row_id, column, value)
    tm = _t("team_members").c
    for row_id, role, discipline in s.execute(
        select(tm.id, tm.role, tm.discipline).order_by(tm.id)
    ):
        if role not in TEAM:
            yield _unknown("team_members", row_id, "role", role)
        elif discipline not in TEAM[role].codes():
            yield _unknown("team_members", row_id, "discipline", discipline)
    tr = _t("trials").c
    phases = set(vocab.Phase.codes())
    for row_id, value in s.execute(select(tr.id, tr.phases).order_by(tr.id)):
        for phase in value or []:
            if phase not in phases:
                yield _unknown("trials", row_id, "phases", phase)


def _normal_nct(value: str) -> str:
    return re.sub(r"[\s\-_]", "", value).upper()


def _find_bad_nct(s: Session) -> Iterable[Problem]:
    t = _t("trials").c
    rows = s.execute(select(t.id, t.nct_id).order_by(t.id)).all()
    taken = {nct for _id, nct in rows}
    for row_id, nct in rows:
        if nct is not None and NCT_RE.fullmatch(nct):
            continue
        normal = _normal_nct(nct or "")
        fixable = NCT_RE.fullmatch(normal) is not None and normal not in taken
        taken.add(normal)  # two rows normalising alike: only the first is fixed
        yield Problem(
            "nct_id", "trials", row_id,
            f"trial {row_id}: {nct!r} is not an NCT id (NCT and 8 digits)", fixable, "nct_id",
        )  # fmt: skip


def _fix_nct(s: Session, p: Problem) -> None:
    """Spaces, dashes and case are normalised ('nct 0123-4567' -> 'NCT01234567') when that gives
    a valid id no other trial has; anything else is left for a person."""
    t = _t("trials")
    nct = s.execute(select(t.c.nct_id).where(t.c.id == p.row_id)).scalar()
    if nct:
        s.execute(update(t).where(t.c.id == p.row_id).values(nct_id=_normal_nct(nct)))


def _find_empty_names(s: Session) -> Iterable[Problem]:
    c = _t("centers").c
    empty = or_(c.name.is_(None), func.trim(c.name) == "")
    for (row_id,) in s.execute(select(c.id).where(empty).order_by(c.id)):
        message = f"center {row_id} has no name"
        yield Problem("empty_name", "centers", row_id, message, False, "name")


def _find_duplicate_uids(s: Session) -> Iterable[Problem]:
    c = _t("centers").c
    first: dict[str, int] = {}
    for row_id, uid in s.execute(select(c.id, c.uid).order_by(c.id)):
        if not uid:
            yield Problem("uid", "centers", row_id, f"center {row_id} has no uid", True, "uid")
        elif uid in first:
            yield Problem(
                "uid", "centers", row_id,
                f"center {row_id} has the same uid {uid!r} as center {first[uid]}", True, "uid",
            )  # fmt: skip
        else:
            first[uid] = row_id


def _fix_uid(s: Session, p: Problem) -> None:
    """The later row gets a fresh uid; the first keeps its identity for sync and export."""
    t = _t("centers")
    s.execute(update(t).where(t.c.id == p.row_id).values(uid=new_uid(), **_bump(t)))


RULES: tuple[Rule, ...] = (
    Rule("integrity", "SQLite's integrity_check finds damaged pages or indexes", _find_corruption,
         repair_doc="not repaired: restore a backup (directory-app restore FILE)"),
    Rule("orphan", "a row points at a center, trial or import that does not exist",
         _find_orphans, _fix_orphan,
         "the row is deleted (trial sites, therapies...) or its optional link cleared"),
    Rule("coordinates", "latitude/longitude out of range, or only one of them set",
         _find_coordinates, _fix_coordinates, "both coordinates are cleared to unknown"),
    Rule("min_above_max", "a cost or age range whose minimum is above its maximum",
         _find_swapped, _fix_swapped, "minimum and maximum are swapped"),
    Rule("impossible_value", "a negative cost, age or stay, or an age above 120",
         _find_impossible, _fix_impossible, "the value is cleared to unknown"),
    Rule("unknown_code", "a kind, therapy, condition, discipline or status outside the app's "
         "vocabularies", _find_unknown_codes),
    Rule("nct_id", "a trial id that is not NCT followed by eight digits", _find_bad_nct,
         _fix_nct, "spaces, dashes and case normalised when that gives a valid, unused id"),
    Rule("empty_name", "a center without a name", _find_empty_names),
    Rule("uid", "a center with no uid or the same uid as another", _find_duplicate_uids,
         _fix_uid, "the later center gets a new uid"),
)  # fmt: skip
RULES_BY_NAME = {rule.name: rule for rule in RULES}


@dataclass(frozen=True)
class Unlocated:
    """A center with no coordinates: not a fault in the file, but a radius search never lists
    it (it is counted as "unknown location" instead), so `check` names it for a person to place
    with an address, a place the gazetteer knows, or coordinates."""

    id: int
    name: str
    place: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "place": self.place}


def unlocated_centers(session: Session) -> list[Unlocated]:
    """Every center without both coordinates, by id, with the place its record gives."""
    c = _t("centers").c
    rows = session.execute(
        select(c.id, c.name, c.city, c.region, c.country)
        .where(or_(c.latitude.is_(None), c.longitude.is_(None)))
        .order_by(c.id)
    )
    out = []
    for row_id, name, *place in rows:
        where = ", ".join(str(part) for part in place if part) or "no place recorded"
        out.append(Unlocated(row_id, name or "(no name)", where))
    return out


def run_checks(session: Session) -> list[Problem]:
    """Every problem every rule finds, in rule order. Reads only; the caller owns the session."""
    return [problem for rule in RULES for problem in rule.find(session)]


def repair(session: Session, problems: Sequence[Problem] | None = None) -> list[Problem]:
    """Apply the documented fix of each repairable problem (found afresh when not given) and
    return the ones repaired. Runs in the caller's transaction: if any fix fails, the caller's
    rollback undoes them all. Orphans are fixed first, as removing them can settle others.

    A file with damaged pages is not touched at all (returns []): writing into a broken b-tree
    can spread the damage, and the way out is a restore."""
    found = run_checks(session) if problems is None else list(problems)
    if any(p.rule == "integrity" for p in found):
        return []
    done = []
    for problem in sorted(found, key=lambda p: p.rule != "orphan"):
        rule = RULES_BY_NAME.get(problem.rule)
        if problem.repairable and rule is not None and rule.fix is not None:
            rule.fix(session, problem)
            done.append(problem)
    session.flush()
    return done

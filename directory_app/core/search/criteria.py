"""Each search criterion twice, side by side: as a SQL condition over `center_search` that
narrows the candidates, and as an explanation of one result ("HSCT (autologous) [inferred]",
"cost unknown").

Keeping the two halves next to each other is what keeps them honest: the SQL decides which
centers come back, the explanation tells the user why, and a criterion whose halves disagreed
would show a reason that is not the real one.

Unknowns: for a nullable column the SQL keeps NULL rows when `unknown == "keep"` (the
explanation then lists the criterion as unknown) and drops them on "drop". Fact lists (therapies,
conditions, team, trial links, red flags) record facts known to exist; they are never NULL, so
a missing fact is a plain non-match. "Verified within N months" treats never-verified as a known
"no", not an unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

from directory_app.core.directory.vocab import (
    Accreditation,
    CenterKind,
    Condition,
    Setting,
    Specialty,
    SupportService,
    Therapy,
    Vocab,
)
from directory_app.core.present.words import label
from directory_app.core.search.shapes import CenterFilter, months_before
from directory_app.core.search.sql import SEARCH, Backend, codes_of, has_code

S = SEARCH.c


@dataclass(frozen=True)
class Facts:
    """What the explanations may read for one center: its `center_search` record."""

    row: Any

    def codes(self, name: str, verified_only: bool) -> list[tuple[str, bool]]:
        """(code, verified) for the fact set `name`, only verified ones if asked."""
        verified = set(codes_of(getattr(self.row, f"{name}_verified")))
        return [
            (code, code in verified)
            for code in codes_of(getattr(self.row, name))
            if code in verified or not verified_only
        ]


Explanation = tuple[Sequence[str], Sequence[str]]  # (matched, unknown)


@dataclass(frozen=True)
class Criterion:
    where: ColumnElement[bool]
    explain: Callable[[Facts], Explanation]
    is_text: bool = False
    #: False for a plain column test; True for a set or text test, which SQL should only
    #: evaluate on rows the cheap tests kept (SQLite evaluates in the order given).
    costly: bool = False
    #: The `center_search` columns `explain` reads besides those every result row reads
    #: (`rows.ROW_COLUMNS`): a search selects only the columns its rows need.
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class Context:
    flt: CenterFilter
    backend: Backend
    as_of: date
    words: tuple[str, ...] = ()
    #: Center id -> FDA letters matching its name and place beyond its stored red flags
    #: (`letter_flags`): counted in rows and by "exclude red flags" as the detail pane shows.
    letter_flags: Mapping[int, int] = field(default_factory=dict)

    @property
    def keep(self) -> bool:
        return self.flt.unknown == "keep"

    def col(self, name: str) -> Any:
        """A fact set column, its verified-only variant when the filter asks for that."""
        return S[f"{name}_verified" if self.flt.verified_only else name]


def _fact_label(vocab: type[Vocab], code: str, verified: bool) -> str:
    return label(vocab, code) + ("" if verified else " [inferred]")


def _nullable(match: ColumnElement[bool], col: Any, keep: bool) -> ColumnElement[bool]:
    """`match`, or - when unknowns are kept - `col` being NULL."""
    return or_(match, col.is_(None)) if keep else match


# --------------------------------------------------------------------------------------------
# Builders: each returns a Criterion, or None when the filter does not ask for it.


def _text(ctx: Context) -> Criterion | None:
    if not ctx.words:
        return None
    shown = " ".join(ctx.flt.text.split())
    return Criterion(
        ctx.backend.text_match(list(ctx.words)),
        lambda f: ([f'text matches "{shown}"'], []),
        is_text=True,
        costly=True,
    )


def _kinds(ctx: Context) -> Criterion | None:
    if not ctx.flt.kinds:
        return None

    def explain(f: Facts) -> Explanation:
        kind = f.row.kind
        return ([], ["kind unknown"]) if kind is None else ([label(CenterKind, kind)], [])

    return Criterion(_nullable(S.kind.in_(sorted(ctx.flt.kinds)), S.kind, ctx.keep), explain)


def _fact_set(
    ctx: Context, name: str, codes: frozenset[str], vocab: type[Vocab], need_all: bool
) -> Criterion | None:
    """'Has any of' / 'has all of' these codes in the fact set `name`."""
    if not codes:
        return None
    tests = [has_code(ctx.col(name), code) for code in sorted(codes)]
    where = and_(*tests) if need_all else or_(*tests)

    def explain(f: Facts) -> Explanation:
        found = f.codes(name, ctx.flt.verified_only)
        return [_fact_label(vocab, c, v) for c, v in found if c in codes], []

    return Criterion(where, explain, costly=True, reads=(name, f"{name}_verified"))


def _therapies(ctx: Context) -> Criterion | None:
    return _fact_set(ctx, "therapies", ctx.flt.therapies, Therapy, need_all=False)


def _conditions(ctx: Context) -> Criterion | None:
    return _fact_set(ctx, "conditions", ctx.flt.conditions, Condition, need_all=False)


def _specialties(ctx: Context) -> Criterion | None:
    return _fact_set(ctx, "specialties", ctx.flt.specialties, Specialty, need_all=True)


def _services(ctx: Context) -> Criterion | None:
    return _fact_set(ctx, "services", ctx.flt.services, SupportService, need_all=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _trials(ctx: Context) -> Criterion | None:
    mode = ctx.flt.trials
    if mode == "none":
        return Criterion(S.trial_links == 0, lambda f: (["no registered trials"], []))
    if mode == "any":
        return Criterion(
            S.trial_links > 0,
            lambda f: ([f"takes part in {_plural(f.row.trial_links, 'registered trial')}"], []),
        )
    if mode == "recruiting":
        return Criterion(
            S.trials_recruiting > 0,
            lambda f: ([f"recruiting in {_plural(f.row.trials_recruiting, 'trial')}"], []),
        )
    return None


def _min_disciplines(ctx: Context) -> Criterion | None:
    wanted = ctx.flt.min_disciplines
    if wanted <= 0:
        return None
    col = "disciplines_verified" if ctx.flt.verified_only else "disciplines"
    return Criterion(
        S[col] >= wanted,
        lambda f: ([f"{getattr(f.row, col)} disciplines on the care team"], []),
        reads=(col,),
    )


def _accreditations(ctx: Context) -> Criterion | None:
    if not ctx.flt.accreditations:
        return None

    def explain(f: Facts) -> Explanation:
        value = f.row.accreditation
        if value is None:
            return [], ["accreditation unknown"]
        return [f"{label(Accreditation, value)} accredited"], []

    where = S.accreditation.in_(sorted(ctx.flt.accreditations))
    return Criterion(_nullable(where, S.accreditation, ctx.keep), explain, reads=("accreditation",))


def _outpatient(ctx: Context) -> Criterion | None:
    if not ctx.flt.outpatient_only:
        return None

    def explain(f: Facts) -> Explanation:
        value = f.row.setting
        return ([], ["setting unknown"]) if value is None else ([label(Setting, value)], [])

    where = S.setting.in_((Setting.OUTPATIENT.value, Setting.BOTH.value))
    return Criterion(_nullable(where, S.setting, ctx.keep), explain, reads=("setting",))


def _max_cost(ctx: Context) -> Criterion | None:
    limit = ctx.flt.max_cost_usd
    if limit is None:
        return None

    def explain(f: Facts) -> Explanation:
        cost = f.row.cost_min_usd
        return ([], ["cost unknown"]) if cost is None else ([f"cost from ${cost:,}"], [])

    where = _nullable(S.cost_min_usd <= limit, S.cost_min_usd, ctx.keep)
    return Criterion(where, explain, reads=("cost_min_usd",))


def _yes(ctx: Context, name: str, yes: str, unknown: str) -> Criterion:
    """A yes/no/unknown column that must be yes (insurance, financial assistance)."""

    def explain(f: Facts) -> Explanation:
        return ([], [unknown]) if getattr(f.row, name) is None else ([yes], [])

    return Criterion(_nullable(S[name].is_(True), S[name], ctx.keep), explain, reads=(name,))


def _insurance(ctx: Context) -> Criterion | None:
    if not ctx.flt.insurance:
        return None
    return _yes(ctx, "insurance_accepted", "insurance accepted", "insurance unknown")


def _financial(ctx: Context) -> Criterion | None:
    if not ctx.flt.financial_assistance:
        return None
    return _yes(ctx, "financial_assistance", "financial assistance", "financial assistance unknown")


def _age(ctx: Context) -> Criterion | None:
    age = ctx.flt.age
    if age is None:
        return None
    lo, hi = S.age_min, S.age_max
    if ctx.keep:  # a known bound that excludes the age excludes; a missing bound is unknown
        where = and_(or_(lo.is_(None), lo <= age), or_(hi.is_(None), hi >= age))
    else:
        where = and_(lo <= age, hi >= age)

    def explain(f: Facts) -> Explanation:
        a, b = f.row.age_min, f.row.age_max
        if a is None and b is None:
            return [], ["age range unknown"]
        if a is None:
            return [f"ages up to {b}"], ["minimum age unknown"]
        if b is None:
            return [f"ages {a} and up"], ["maximum age unknown"]
        return [f"ages {a}–{b}"], []

    return Criterion(where, explain, reads=("age_min", "age_max"))


def _no_red_flags(ctx: Context) -> Criterion | None:
    if not ctx.flt.exclude_red_flags:
        return None
    where = S.red_flags == 0
    if ctx.letter_flags:
        # A few dozen letters flag a few centers at most: a plain list of ids.
        where = and_(where, S.center_id.not_in(sorted(ctx.letter_flags)))
    return Criterion(where, lambda f: (["no red flags"], []))


def _verified_within(ctx: Context) -> Criterion | None:
    months = ctx.flt.verified_within_months
    if months is None:
        return None
    cutoff = months_before(ctx.as_of, months)
    return Criterion(
        S.last_verified >= cutoff,
        lambda f: ([f"verified {f.row.last_verified.isoformat()}"], []),
    )


BUILDERS: tuple[Callable[[Context], Criterion | None], ...] = (
    _text, _kinds, _therapies, _conditions, _trials, _specialties, _services, _min_disciplines,
    _accreditations, _outpatient, _max_cost, _insurance, _financial, _age, _no_red_flags,
    _verified_within,
)  # fmt: skip


def compile_criteria(ctx: Context) -> list[Criterion]:
    """The criteria `ctx.flt` asks for, in the order explanations list them."""
    return [c for build in BUILDERS if (c := build(ctx)) is not None]

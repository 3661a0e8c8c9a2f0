"""Trial-level criteria: condition, trial status, phase, therapy and age must hold for ONE trial.

Why: every criterion checked against the center as a whole sends patients to the wrong place.
A center with a completed multiple sclerosis trial and a recruiting Crohn's trial has "MS" and
"recruiting" among its facts, yet no MS trial it could refer a patient to. So:

- When a search names any trial-level criterion (a condition, a therapy, "recruiting now", a
  phase), a center matches only if one of its trials satisfies all of them at once: the trial's
  conditions (its condition list, else its title) name a wanted condition, its interventions
  (and title) name a wanted therapy, its status at this site is recruiting, its phases include a
  wanted phase, and - when an age is given - the age lies in the trial's age range (a missing
  bound does not exclude), and - with `fresh_within_months` - its registry record was updated
  within those months. The result row names those trials (`ResultRow.matched_trials`) and
  dates its status by their newest record.
- A fact a person recorded on the center itself ("offers HSCT for MS", verified, no trial)
  still matches the condition and therapy criteria on its own, marked "[recorded]", as long as
  the search asks nothing only a trial can answer (status, phase, record date).

The SQL criteria run first and keep a superset (a trial's facts are inferred onto its centers);
this check then reads the survivors' trials in one query and classifies each trial once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory_app.core.directory.models import Trial, TrialSite
from directory_app.core.directory.vocab import Condition, TrialStatus
from directory_app.core.search.criteria import Context
from directory_app.core.search.shapes import CenterFilter
from directory_app.core.search.sql import Backend, codes_of
from directory_app.core.search.staleness import updated_within


def needs_trial_match(flt: CenterFilter) -> bool:
    """Whether `flt` names a criterion that must hold for one trial."""
    return bool(
        flt.conditions
        or flt.therapies
        or flt.phases
        or flt.trials == "recruiting"
        or flt.fresh_within_months is not None
    )


@dataclass(frozen=True)
class TrialFacts:
    """What the one-trial rule reads of one trial at one site (`trial_facts` builds it)."""

    nct_id: str
    status: str
    phases: frozenset[str]
    conditions: frozenset[str]
    therapies: frozenset[str]
    age_min: float | None
    age_max: float | None
    last_update: date | None


@lru_cache(maxsize=65_536)
def _conditions(title: str, conditions: tuple[str, ...]) -> frozenset[str]:
    # In the function (start-up time): the classifier compiles a hundred patterns on import,
    # and a search with no condition or therapy criterion never classifies a trial.
    from directory_app.core.registry.classify import conditions_of

    return frozenset(c.value for c in conditions_of(conditions, title))


@lru_cache(maxsize=65_536)
def _therapies(
    title: str, interventions: tuple[str, ...], conditions: tuple[str, ...]
) -> frozenset[str]:
    from directory_app.core.registry.classify import therapies_from_text  # as in _conditions

    # The study's conditions decide an HSCT that names neither autologous nor allogeneic.
    found = {Condition(c) for c in _conditions(title, conditions)}
    return frozenset(t.value for t in therapies_from_text(list(interventions), title, found))


def trial_facts(row: Any, conditions: bool = True, therapies: bool = True) -> TrialFacts:
    """A trial-site row (site_status, status, title, phases, conditions, interventions, ages,
    last_update) classified: conditions and therapies read from its registry text (cached by
    that text, and skipped - left empty - when the search asks for neither)."""
    title = row.title or ""
    return TrialFacts(
        nct_id=row.nct_id,
        status=row.site_status or row.status,
        phases=frozenset(row.phases or ()),
        conditions=(
            _conditions(title, tuple(row.conditions or ())) if conditions else frozenset()
        ),
        therapies=(
            _therapies(title, tuple(row.interventions or ()), tuple(row.conditions or ()))
            if therapies else frozenset()
        ),
        age_min=row.min_age_years,
        age_max=row.max_age_years,
        last_update=row.last_update,
    )


def trial_meets(t: TrialFacts, f: CenterFilter, today: date) -> bool:
    """THE one-trial rule: whether trial `t` (at one site) satisfies every trial-level
    criterion of `f` at once - condition, therapy, recruiting, phase, record date, age."""
    if f.conditions and not (t.conditions & f.conditions):
        return False
    if f.therapies and not (t.therapies & f.therapies):
        return False
    if f.trials == "recruiting" and t.status != TrialStatus.RECRUITING.value:
        return False
    if f.phases and not (t.phases & f.phases):
        return False
    fresh = f.fresh_within_months
    if fresh is not None and not updated_within(t.last_update, fresh, today):
        return False
    if f.age is not None:
        if t.age_min is not None and f.age < t.age_min:
            return False
        if t.age_max is not None and f.age > t.age_max:
            return False
    return True


@dataclass
class TrialMatcher:
    """Keeps the candidates for which one trial (or a recorded fact) satisfies the filter, and
    remembers why, for the result rows."""

    session: Session
    backend: Backend
    flt: CenterFilter
    #: center id -> NCT ids of the trials that satisfy every trial-level criterion.
    trials: dict[int, tuple[str, ...]] = field(default_factory=dict)
    #: center ids that matched on facts a person recorded, without a trial.
    recorded: set[int] = field(default_factory=set)
    #: center id -> newest registry update among its matched trials (None: undated).
    as_of: dict[int, date | None] = field(default_factory=dict)
    #: The day "updated within N months" counts from.
    today: date = field(default_factory=date.today)
    #: center id -> whether it matched, for every center judged so far in this search.
    _judged: dict[int, bool] = field(default_factory=dict)

    def _trial_ok(self, t: TrialFacts) -> bool:
        return trial_meets(t, self.flt, self.today)

    def _recorded_ok(self, row: Any) -> bool:
        f = self.flt
        if f.trials == "recruiting" or f.phases or f.fresh_within_months is not None:
            return False
        if f.conditions and not (set(codes_of(row.conditions_verified)) & f.conditions):
            return False
        return not (f.therapies and not (set(codes_of(row.therapies_verified)) & f.therapies))

    def _trials_of(self, ids: Sequence[int]) -> dict[int, list[TrialFacts]]:
        stmt = (
            select(
                TrialSite.center_id,
                TrialSite.site_status,
                Trial.nct_id,
                Trial.status,
                Trial.title,
                Trial.phases,
                Trial.conditions,
                Trial.interventions,
                Trial.min_age_years,
                Trial.max_age_years,
                Trial.last_update,
            )  # fmt: skip
            .join(Trial, Trial.id == TrialSite.trial_id)
            .where(self.backend.ids_in(TrialSite.__table__.c.center_id, list(ids)))
            .order_by(Trial.nct_id)
        )
        by_center: dict[int, list[TrialFacts]] = {}
        cache: dict[tuple[str, str | None], TrialFacts] = {}
        for row in self.session.execute(stmt):
            key = (row.nct_id, row.site_status)
            facts = cache.get(key)
            if facts is None:
                facts = cache[key] = trial_facts(
                    row, bool(self.flt.conditions), bool(self.flt.therapies)
                )
            by_center.setdefault(row.center_id, []).append(facts)
        return by_center

    def keep(self, candidates: list[Any]) -> list[Any]:
        """The candidates (center_search records first in each item) that match trial-wise.

        Each center is judged once per search: a nearest-first search reads its inner ring
        again as the box grows, and must not read those centers' trials again."""
        fresh = {c[0].center_id: c[0] for c in candidates if c[0].center_id not in self._judged}
        if fresh:
            trials = self._trials_of(list(fresh))
            for cid, row in fresh.items():
                fits = [t for t in trials.get(cid, ()) if self._trial_ok(t)]
                if fits:
                    self.trials[cid] = tuple(t.nct_id for t in fits)
                    dates = [t.last_update for t in fits if t.last_update is not None]
                    self.as_of[cid] = max(dates) if dates else None
                    self._judged[cid] = True
                elif self._recorded_ok(row):
                    self.recorded.add(cid)
                    self._judged[cid] = True
                else:
                    self._judged[cid] = False
        return [item for item in candidates if self._judged[item[0].center_id]]


def matcher_for(session: Session, ctx: Context) -> TrialMatcher | None:
    """The one-trial check a search needs, or None when it names no trial-level criterion."""
    if not needs_trial_match(ctx.flt):
        return None
    return TrialMatcher(session, ctx.backend, ctx.flt, today=ctx.as_of)

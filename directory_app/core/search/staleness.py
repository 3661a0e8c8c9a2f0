"""How old a registry status is: "Recruiting (as of 2022-04-05)", stale after 12 months.

Why: a trial's status ("recruiting", "active") is only what the registry said on the day the
record was last updated. Shown without that date, a status from 2022 reads as today's, and a
coordinator sends a patient to a trial that closed years ago. So every view that shows a
registry status (results table, detail pane, compare, referral sheet, exports, the command
line) takes its wording and its stale flag from here, and they can never disagree.

A record is stale when its last update is `STATUS_STALE_AFTER_MONTHS` or more before the day
asked about; a record with no update date is stale too (its age is unknown). The same rule,
applied to the newest record in the directory, says how old the registry data as a whole is
(`registry_age`), for the About box, `info` and the status bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from directory_app.core.directory.vocab import ACTIVE_TRIAL_STATUSES, TrialStatus
from directory_app.core.search.shapes import months_before

if TYPE_CHECKING:  # the views import the date rules before the database layer is loaded
    from sqlalchemy.orm import Session
    from sqlalchemy.sql.elements import ColumnElement

    from directory_app.core.search.sql import Backend

#: A registry record last updated this many months ago or more is shown as stale.
STATUS_STALE_AFTER_MONTHS = 12
STALE_ADVICE = "check the registry"


def status_stale(last_update: date | None, as_of: date) -> bool:
    """Whether a status from a record last updated on `last_update` is stale on `as_of`."""
    return last_update is None or last_update <= months_before(as_of, STATUS_STALE_AFTER_MONTHS)


def updated_within(last_update: date | None, months: int, as_of: date) -> bool:
    """Whether the record was updated in the `months` before `as_of` (`--fresh-within`)."""
    return last_update is not None and last_update > months_before(as_of, months)


def status_text(label: str, last_update: date | None, as_of: date) -> str:
    """'Recruiting (as of 2022-04-05; stale, check the registry)' - a status with its date."""
    when = f"as of {last_update.isoformat()}" if last_update else "date unknown"
    if status_stale(last_update, as_of):
        return f"{label} ({when}; stale, {STALE_ADVICE})"
    return f"{label} ({when})"


def months_between(earlier: date, later: date) -> int:
    """Whole months from `earlier` to `later` (0 when `later` is not after it)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return max(months, 0)


@dataclass(frozen=True)
class RegistryAge:
    """How old the directory's registry data is: its newest trial record's update date."""

    newest: date | None
    months: int | None
    stale: bool

    def warning(self) -> str | None:
        """One sentence for the About box, `info` and the status bar, or None when fresh."""
        if not self.stale:
            return None
        if self.newest is None:
            return "Trial statuses have no update date: check each one in the registry."
        age = self.age_text()
        return (
            f"Registry data is {age} old (newest record {self.newest.isoformat()}): trial "
            f"statuses may have changed; {STALE_ADVICE} or update."
        )

    def age_text(self) -> str:
        """'4 years 1 month' ('age unknown' without a dated record)."""
        if self.months is None:
            return "age unknown"
        years, months = divmod(self.months, 12)
        age = f"{years} year{'s' * (years != 1)}" if years else ""
        if months or not years:
            age += f"{' ' if age else ''}{months} month{'s' * (months != 1)}"
        return age

    def status_line(self) -> str | None:
        """The status bar's short form of `warning`, or None when the data is fresh."""
        if not self.stale:
            return None
        if self.newest is None:
            return "registry statuses undated: check the registry"
        return f"registry data {self.age_text()} old: check the registry or update"

    def as_json(self) -> dict[str, object]:
        return {
            "newest_record": self.newest.isoformat() if self.newest else None,
            "age_months": self.months,
            "stale": self.stale,
            "warning": self.warning(),
        }


def registry_age(session: Session, as_of: date | None = None) -> RegistryAge | None:
    """The age of the directory's trial records; None when it holds no trials at all."""
    from sqlalchemy import func, select

    # In the function: the ORM mappers load at the first query; the quick command-line
    # search imports this module for its date rules alone.
    from directory_app.core.directory.models import Trial

    today = as_of or date.today()
    count, newest = session.execute(select(func.count(Trial.id), func.max(Trial.last_update))).one()
    if not count:
        return None
    months = None if newest is None else months_between(newest, today)
    return RegistryAge(newest, months, status_stale(newest, today))


def status_dates(
    session: Session, backend: Backend, ids: Sequence[int]
) -> dict[int, tuple[date | None, date | None, date | None]]:
    """Per center in `ids`: the newest update date of its recruiting, its active and all its
    trial records - one grouped query for the whole page, whatever its size."""
    from sqlalchemy import Date, case, func, select, type_coerce

    # In the function: as in registry_age.
    from directory_app.core.directory.models import Trial, TrialSite

    if not ids:
        return {}
    ts, t = TrialSite.__table__.c, Trial.__table__.c
    status = func.coalesce(ts.site_status, t.status)
    active = sorted(getattr(s, "value", s) for s in ACTIVE_TRIAL_STATUSES)

    def newest(when: ColumnElement[bool] | None) -> Any:
        value = t.last_update if when is None else case((when, t.last_update))
        return type_coerce(func.max(value), Date)

    stmt = (
        select(
            ts.center_id,
            newest(status == TrialStatus.RECRUITING.value),
            newest(status.in_(active)),
            newest(None),
        )
        .select_from(TrialSite.__table__.join(Trial.__table__, t.id == ts.trial_id))
        .where(backend.ids_in(ts.center_id, list(ids)))
        .group_by(ts.center_id)
    )
    return {row[0]: (row[1], row[2], row[3]) for row in session.execute(stmt)}


def row_status_date(
    dates: tuple[date | None, date | None, date | None] | None, recruiting: bool, active: int
) -> date | None:
    """The date behind a row's status: its recruiting trials' newest record when it is
    recruiting, else its active trials', else any trial's; None without trials."""
    if dates is None:
        return None
    if recruiting:
        return dates[0]
    return dates[1] if active else dates[2]

"""Reading search records from the database as fast as Python can: plain tuples from the
driver's cursor, made into namedtuples.

Also here: `collector_paused`, because a search that builds tens of thousands of records and
rows would otherwise run the cycle collector every 700 of them, each time over all the records
built so far - a fifth of an unpaged search's time, for objects that never form cycles.

Why: an unpaged search over a wide radius reads tens of thousands of records, which the GUI's
"loading the rest" and every export wait for. The database layer's per-row result objects cost
~1 µs per attribute read, and a record is read some thirty times on its way to a result row; a
namedtuple reads in ~50 ns. The SQLite driver returns dates as ISO text and booleans as 0/1, so
only those columns are converted; PostgreSQL's driver already returns Python values.
"""

from __future__ import annotations

import gc
import threading
from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, Date, Select
from sqlalchemy.orm import Session


@lru_cache(maxsize=8)
def _record_type(keys: tuple[str, ...]) -> type[tuple[Any, ...]]:
    return namedtuple("SearchRecord", keys, rename=True)


@lru_cache(maxsize=65_536)
def _iso_date(text: str) -> date:
    return date.fromisoformat(text[:10])


def _as_date(value: Any) -> Any:
    return _iso_date(value) if isinstance(value, str) else value


def _as_bool(value: Any) -> Any:
    return bool(value) if isinstance(value, int) else value


def fetch_records(
    session: Session, stmt: Select[Any], params: dict[str, Any] | None = None
) -> list[Any]:
    """The rows of `stmt` as namedtuples (fields named like its columns), read from the
    driver's cursor in one call, dates and booleans as Python values on every database."""
    result = session.execute(stmt, params)
    try:
        raw = result.cursor.fetchall()  # type: ignore[attr-defined]
    finally:
        result.close()
    make = _record_type(tuple(result.keys()))._make  # type: ignore[attr-defined]
    convert = [
        (i, _as_date if isinstance(col.type, Date) else _as_bool)
        for i, col in enumerate(stmt.selected_columns)
        if isinstance(col.type, Date | Boolean)
    ]
    if not convert or session.get_bind().dialect.name != "sqlite":
        return list(map(make, raw))
    if len(convert) == 1:
        (i, fn), j = convert[0], convert[0][0] + 1
        return [make(r[:i] + (fn(r[i]),) + r[j:]) for r in raw]
    out = []
    for r in raw:
        values = list(r)
        for i, fn in convert:
            values[i] = fn(values[i])
        out.append(make(values))
    return out


def fetch_tuples(
    session: Session, stmt: Select[Any], params: dict[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """The rows of `stmt` as plain tuples, for text and number columns only (no conversion)."""
    result = session.execute(stmt, params)
    try:
        rows: list[tuple[Any, ...]] = result.cursor.fetchall()  # type: ignore[attr-defined]
    finally:
        result.close()
    return rows


_PAUSE_LOCK = threading.Lock()
_pausers = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a search runs (see the module docstring). Nested
    and concurrent searches (the GUI runs them in a worker thread) share one pause: the
    collector resumes, if it was running, when the last of them ends."""
    global _pausers, _resume
    with _PAUSE_LOCK:
        if _pausers == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pausers += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _pausers -= 1
            if _pausers == 0 and _resume:
                gc.enable()

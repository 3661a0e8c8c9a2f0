"""The search's tables, and the one place it speaks a particular SQL dialect.

`center_search` (migration 0002) is a compact copy of everything the search filters on, one row
per center, kept current by triggers and clustered by quarter-degree map cell: a bounding box is
read as one contiguous key range per row of cells. It is not an ORM model because nothing but
the search reads it and nothing at all writes it except those triggers.

What differs between SQLite and PostgreSQL (the `Backend` classes) is full text - FTS5 on
SQLite, tsvector GIN indexes on PostgreSQL - and how a long list of ids is passed. User text
never reaches either query language unescaped: it is cut into words of letters and digits, and
only those words, quoted, are placed in the FTS5 or tsquery expression. Operators, quotes,
stars, parentheses or `NEAR` a user types are therefore plain words or nothing at all.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    column,
    func,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from directory_app.core.directory.models import Center
from directory_app.core.search.shapes import SearchError

CENTERS = Center.__table__
CELLS_PER_DEGREE = 4
UNLOCATED_CELL = -1

_FACT_SETS = ("specialties", "services", "therapies", "conditions")
_COUNTS = ("disciplines", "disciplines_verified", "trial_links", "trials_active",
           "trials_recruiting", "red_flags")  # fmt: skip

SEARCH = Table(
    "center_search",
    MetaData(),
    Column("lat_cell", Integer, primary_key=True),
    Column("lon_cell", Integer, primary_key=True),
    Column("center_id", Integer, primary_key=True),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("name", String(300)),
    Column("kind", String(30)),
    Column("setting", String(20)),
    Column("accreditation", String(20)),
    Column("cost_min_usd", Integer),
    Column("age_min", Integer),
    Column("age_max", Integer),
    Column("insurance_accepted", Boolean),
    Column("financial_assistance", Boolean),
    Column("last_verified", Date),
    *(Column(f"{name}{suffix}", Text) for name in _FACT_SETS for suffix in ("", "_verified")),
    *(Column(name, Integer) for name in _COUNTS),
)


def codes_of(folded: str | None) -> list[str]:
    """The codes of a `,a,b,` set column, sorted."""
    return list(_codes(folded or ""))


@lru_cache(maxsize=4096)
def code_tuple(folded: str | None) -> tuple[str, ...]:
    """The codes of a `,a,b,` set column, sorted, as a shared tuple: a directory holds few
    distinct fact sets, and every result row reads three."""
    return _codes(folded or "")


@lru_cache(maxsize=4096)
def _codes(folded: str) -> tuple[str, ...]:
    # A directory holds few distinct fact sets, and a full result reads three per row.
    return tuple(sorted(c for c in folded.split(",") if c))


def has_code(col: ColumnElement[str], code: str) -> ColumnElement[bool]:
    """`code` is in the `,a,b,` set `col` (LIKE with escaping: codes contain `_`)."""
    return col.contains(f",{code},", autoescape=True)


# --------------------------------------------------------------------------------------------
# Map cells


@dataclass(frozen=True)
class Box:
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float


def _cell(value: float, shift: int) -> int:
    # The same arithmetic as the triggers' CAST((x + shift) * 4 AS INTEGER); both round the same
    # IEEE operations, and monotonically, so a point inside the box is inside its cell range.
    return int((value + shift) * CELLS_PER_DEGREE)


def _in_box() -> ColumnElement[bool]:
    s = SEARCH.c
    return and_(
        s.lat_cell.in_(bindparam("box_lat_cells", expanding=True)),
        s.lon_cell.between(bindparam("box_lon_cell_min"), bindparam("box_lon_cell_max")),
        s.latitude.between(bindparam("box_min_lat"), bindparam("box_max_lat")),
        s.longitude.between(bindparam("box_min_lon"), bindparam("box_max_lon")),
    )


#: Located centers inside a box given by `box_params`: the cell key ranges first (one per row of
#: cells, read as a contiguous range of the clustered primary key), then exact coordinates.
#: Bound parameters, so a search that grows its box reuses one compiled statement.
IN_BOX = _in_box()


def box_params(box: Box) -> dict[str, Any]:
    """Parameter values of `IN_BOX` for `box`."""
    return {
        "box_lat_cells": list(range(_cell(box.min_lat, 90), _cell(box.max_lat, 90) + 1)),
        "box_lon_cell_min": _cell(box.min_lon, 180),
        "box_lon_cell_max": _cell(box.max_lon, 180),
        "box_min_lat": box.min_lat,
        "box_max_lat": box.max_lat,
        "box_min_lon": box.min_lon,
        "box_max_lon": box.max_lon,
    }


def located() -> ColumnElement[bool]:
    return SEARCH.c.lat_cell > UNLOCATED_CELL


def unlocated() -> ColumnElement[bool]:
    return SEARCH.c.lat_cell == UNLOCATED_CELL


# --------------------------------------------------------------------------------------------
# Full text

_WORD = re.compile(r"[^\W_]+")
#: Letters that do not decompose into a base letter but are commonly typed without the mark.
SPECIAL_FOLDS = {"ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th", "Þ": "th",
                 "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ł": "l", "Ł": "l",
                 "ı": "i"}  # fmt: skip


def fold_table() -> dict[str, str]:
    """Accented Latin letters (U+00C0-U+017F) -> lowercase ASCII. PostgreSQL's text search does
    not fold accents, so migration 0002 builds the same table into an SQL function applied to
    the indexed text, and PostgresBackend folds the query words with it (a test checks that the
    two tables agree)."""
    table = dict(SPECIAL_FOLDS)
    for code in range(0xC0, 0x180):
        letter = chr(code)
        base = unicodedata.normalize("NFKD", letter)[0]
        if letter not in table and base != letter and base.isascii() and base.isalpha():
            table[letter] = base.lower()
    return table


_FOLD = str.maketrans(fold_table())


def search_words(user_text: str) -> list[str]:
    """The words of what a user typed: letters and digits only, case folded, in order.

    "multi-agent" -> ["multi", "agent"]; '"', "*" -> []; "OR(" -> ["or"]. Accents are left to
    the backend (FTS5 removes them itself; PostgreSQL folds with `fold_table`)."""
    normalized = unicodedata.normalize("NFC", user_text or "")
    return [w.casefold() for w in _WORD.findall(normalized)]


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression requiring every word (as a prefix when 2+ letters long).

    Each word is a quoted FTS5 string, so no word can act as an operator."""
    return " ".join(f'"{w}"*' if len(w) > 1 else f'"{w}"' for w in words)


def tsquery(words: list[str]) -> str:
    """A PostgreSQL `to_tsquery` text requiring every word as a prefix."""
    return " & ".join(f"{w}:*" for w in words)


#: Identical to the GIN index expressions of migration 0002, or PostgreSQL will not use them.
PG_CENTER_DOCUMENT = (
    "to_tsvector('simple', search_fold(coalesce(centers.name, '') || ' '"
    " || coalesce(centers.city, '') || ' ' || coalesce(centers.notes, '')))"
)
PG_TRIAL_DOCUMENT = "to_tsvector('simple', search_fold(trials.title))"
#: Identical to the GIN index expression of migration 0013 (a center's other names).
PG_ALIAS_DOCUMENT = "to_tsvector('simple', search_fold(center_aliases.name))"


class Backend:
    """Dialect-specific SQL. This base serves databases without full text (it refuses text)."""

    name = "unsupported"

    def text_match(self, words: list[str]) -> ColumnElement[bool]:
        raise SearchError(f"full-text search is not available on this database ({self.name})")

    def text_once(self, session: Session, words: list[str]) -> ColumnElement[bool] | None:
        """A condition equal to `text_match(words)` for a search that runs several statements,
        cheaper when the text query would otherwise run in each; None: use `text_match`."""
        return None

    def ids_in(self, col: ColumnElement[int], ids: Iterable[int]) -> ColumnElement[bool]:
        """`col` is one of `ids`, passed as few bound parameters as the dialect allows."""
        return col.in_(sorted(ids))

    def in_places(self, places: Iterable[tuple[str, tuple[str, ...]]]) -> ColumnElement[bool]:
        """A condition on `centers` keeping at least every center that is in one of the cities
        of `places` (city, words) and whose name has one of that place's words, and few others:
        the caller compares names and places exactly. This base reads every row's city; the
        full-text backends find the few through their index."""
        cities = sorted({city.lower() for city, _words in places})
        return func.lower(func.trim(CENTERS.c.city)).in_(cities)


TEXT_HIT_FUNCTION = "search_text_hit"


class SqliteBackend(Backend):
    """FTS5 table `centers_fts` (name with the center's aliases, city, notes, trial titles),
    kept current by triggers (migrations 0002 and 0013)."""

    name = "sqlite"

    def text_match(self, words: list[str]) -> ColumnElement[bool]:
        matches = (
            text("SELECT rowid FROM centers_fts WHERE centers_fts MATCH :fts_query")
            .bindparams(fts_query=fts5_query(words))
            .columns(column("rowid", Integer))
        )
        return SEARCH.c.center_id.in_(matches)

    def text_once(self, session: Session, words: list[str]) -> ColumnElement[bool] | None:
        # FTS5 cannot test one rowid cheaply, so a search that grows its box would re-run the
        # whole match in every statement. Instead the ids are fetched once - as one JSON array,
        # which crosses into Python twice as fast as a row per id - and a per-connection SQL
        # function tests membership, so SQLite still drops non-matching rows before Python
        # sees them. The search writes nothing (a temporary table would), so it also runs on a
        # read-only connection.
        found = session.execute(
            text("SELECT json_group_array(rowid) FROM centers_fts WHERE centers_fts MATCH :q"),
            {"q": fts5_query(words)},
        ).scalar_one()
        hits = frozenset(json.loads(found))
        dbapi = session.connection().connection.driver_connection
        dbapi.create_function(  # type: ignore[union-attr]
            TEXT_HIT_FUNCTION, 1, hits.__contains__, deterministic=True
        )
        hit: ColumnElement[bool] = getattr(func, TEXT_HIT_FUNCTION)(SEARCH.c.center_id) == 1
        return hit

    def ids_in(self, col: ColumnElement[int], ids: Iterable[int]) -> ColumnElement[bool]:
        # One JSON parameter instead of thousands of bound ones.
        values = (
            text("SELECT value FROM json_each(:id_list)")
            .bindparams(id_list=json.dumps(sorted(ids)))
            .columns(column("value", Integer))
        )
        return col.in_(values)

    def in_places(self, places: Iterable[tuple[str, tuple[str, ...]]]) -> ColumnElement[bool]:
        # The city as a phrase in the FTS5 city column, one of the words in its name column:
        # a handful of index lookups instead of reading 100,000 cities (~30 ms) and comparing
        # thousands of names in a letter's large city.
        clauses = sorted({
            f'(city : "{" ".join(city_words)}" AND name : ({" OR ".join(name_words)}))'
            for city, words in places
            if (city_words := search_words(city))
            and (name_words := [f'"{w}"' for word in words for w in search_words(word)])
        })  # fmt: skip
        if not clauses:
            return CENTERS.c.id.in_([])
        matches = (
            text("SELECT rowid FROM centers_fts WHERE centers_fts MATCH :place_query")
            .bindparams(place_query=" OR ".join(clauses))
            .columns(column("rowid", Integer))
        )
        return CENTERS.c.id.in_(matches)


class PostgresBackend(Backend):
    """tsvector expressions over accent-folded center text and trial titles, each with a GIN
    index; the query words are folded with the same table."""

    name = "postgresql"

    def text_match(self, words: list[str]) -> ColumnElement[bool]:
        clause = text(
            "(center_search.center_id IN (SELECT centers.id FROM centers"
            f" WHERE {PG_CENTER_DOCUMENT} @@ to_tsquery('simple', :ts_query))"
            " OR center_search.center_id IN (SELECT trial_sites.center_id FROM trial_sites"
            " JOIN trials ON trials.id = trial_sites.trial_id"
            f" WHERE {PG_TRIAL_DOCUMENT} @@ to_tsquery('simple', :ts_query))"
            " OR center_search.center_id IN (SELECT center_aliases.center_id FROM center_aliases"
            f" WHERE {PG_ALIAS_DOCUMENT} @@ to_tsquery('simple', :ts_query)))"
        ).bindparams(ts_query=tsquery([w.translate(_FOLD) for w in words]))
        return clause  # type: ignore[return-value]

    def ids_in(self, col: ColumnElement[int], ids: Iterable[int]) -> ColumnElement[bool]:
        # One array parameter instead of thousands of bound ones.
        return col == any_(bindparam("id_array", sorted(ids), type_=ARRAY(Integer)))

    def in_places(self, places: Iterable[tuple[str, tuple[str, ...]]]) -> ColumnElement[bool]:
        # The city as a phrase and one of the name's words, against the GIN-indexed center
        # document (name, city, notes): a superset found through the index, which the caller
        # narrows to the name and the city themselves.
        def terms(phrase: str, joint: str) -> str:
            return joint.join(w.translate(_FOLD) for w in search_words(phrase))

        clauses = sorted({
            f"(({city_terms}) & ({name_terms}))"
            for city, words in places
            if (city_terms := terms(city, " <-> "))
            and (name_terms := " | ".join(t for word in words if (t := terms(word, " <-> "))))
        })  # fmt: skip
        if not clauses:
            return CENTERS.c.id.in_([])
        clause = text(f"{PG_CENTER_DOCUMENT} @@ to_tsquery('simple', :place_query)").bindparams(
            place_query=" | ".join(clauses)
        )
        return clause  # type: ignore[return-value]


_BACKENDS: dict[str, type[Backend]] = {"sqlite": SqliteBackend, "postgresql": PostgresBackend}


def optimize_search_index(session: Session) -> None:
    """Compact the full-text index after a bulk load (an import, a rebuild).

    Triggers add rows to FTS5 in many small segments; merging them into one halves the time of
    prefix queries. Takes about a second per 100,000 centers; PostgreSQL needs nothing."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO centers_fts (centers_fts) VALUES ('optimize')"))


def backend_for(session: Session) -> Backend:
    """The SQL fragments for the database `session` talks to."""
    return _BACKENDS.get(session.get_bind().dialect.name, Backend)()

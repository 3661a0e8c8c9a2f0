"""The FDA letters a search counts as red flags besides the stored ones.

The detail pane shows a letter as a red flag on any center whose name and place match its firm
(`clinic_check.lookup.letters_at`), also a center added, imported or renamed after the seed was
built, which has no stored `red_flags` row for it. The search's "Red flags" column and its
"exclude red flags" filter must say the same, so each search matches the letters once: the few
centers in a letter's city whose name has one of the firm's words are found through the text
index, then compared with the same rule the detail pane uses. There are a few dozen letters,
so this costs one small indexed query, not a pass over the directory.

Which words: a center matches a firm name when the two reduced names are equal or the shorter,
of three words or more, appears whole in the longer (`lookup`). Either way the center's name
holds three consecutive words of the firm's name, or all of it, so it holds one of the firm's
every third word (`name_words`); of the three ways to pick every third word, the one whose
shortest word is longest, as initials ("US") may be written apart ("U.S.") in the index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from directory_app.core.clinic_check.letters import RegulatorLetter, bundled_letters, firm_key
from directory_app.core.clinic_check.lookup import letters_at
from directory_app.core.directory.models import RedFlag
from directory_app.core.registry.names import fold
from directory_app.core.search.fetch import fetch_tuples
from directory_app.core.search.sql import CENTERS as C
from directory_app.core.search.sql import Backend

FLAGS = RedFlag.__table__


def name_words(firm: str) -> tuple[str, ...]:
    """Words of `firm` (reduced) of which any name matching it holds at least one."""
    words = firm_key(firm).split()
    if len(words) < 3:
        return tuple(words)
    picks = [tuple(words[start::3]) for start in range(3)]
    return max(picks, key=lambda pick: min(len(w) for w in pick))


def _places(letters: list[RegulatorLetter]) -> list[tuple[str, tuple[str, ...]]]:
    return [(fold(letter.city or "").strip(), name_words(name))
            for letter in letters for name in letter.names]  # fmt: skip


@lru_cache(maxsize=1)
def _by_city() -> dict[str, tuple[RegulatorLetter, ...]]:
    """The bundled letters that name a city, by folded city (the file changes with a release)."""
    cities: defaultdict[str, list[RegulatorLetter]] = defaultdict(list)
    for letter in bundled_letters():
        if letter.city:
            cities[fold(letter.city).strip()].append(letter)
    return {city: tuple(letters) for city, letters in cities.items()}


_CANDIDATES: dict[str, Select[Any]] = {}


def _candidates(backend: Backend) -> Select[Any]:
    """The statement finding the centers worth comparing, built once per dialect: every search
    runs it, and building the text query costs as much as running it."""
    stmt = _CANDIDATES.get(backend.name)
    if stmt is None:
        letters = [letter for found in _by_city().values() for letter in found]
        columns = (C.c[name] for name in ("id", "name", "city", "region"))
        stmt = select(*columns).where(backend.in_places(_places(letters)))
        _CANDIDATES[backend.name] = stmt
    return stmt


def letter_flags(session: Session, backend: Backend) -> Mapping[int, int]:
    """Center id -> how many letters match its name and place and are not already stored on
    it (a stored flag with the letter's link is the same flag, as the detail pane counts)."""
    by_city = _by_city()
    if not by_city:
        return {}
    matched: dict[int, list[str]] = {}
    for cid, name, city, region in fetch_tuples(session, _candidates(backend)):
        # Only the letters of the center's own city can match it (`letters_at`).
        letters = by_city.get(fold(city or "").strip())
        if not letters:
            continue
        found = letters_at({"name": name, "city": city, "region": region}, letters)
        if found:
            matched[cid] = [letter.source_url for letter in found]
    if not matched:
        return {}
    stored: defaultdict[int, set[str | None]] = defaultdict(set)
    rows = select(FLAGS.c.center_id, FLAGS.c.evidence_url).where(
        backend.ids_in(FLAGS.c.center_id, matched)
    )
    for cid, url in fetch_tuples(session, rows):
        stored[cid].add(url)
    counts = {cid: sum(url not in stored[cid] for url in urls) for cid, urls in matched.items()}
    return {cid: n for cid, n in counts.items() if n}

"""Shared pieces of the hostile-input and crash tests: strategies for malicious or broken input,
a cheap fingerprint of a database's committed data, a small directory built from real records,
and a tally of generated cases that is printed at the end of the test run.

The fingerprint reads the SQLite file through its own read-only connection, so it sees exactly
what is committed: a failed import or save that left anything behind changes it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from directory_app.core import paths
from directory_app.core.exchange.directory_form import add_directory
from directory_app.core.storage.engine import Store
from directory_app.core.storage.opening import open_store

# --- settings ---------------------------------------------------------------------------------

#: A fixed seed (CI and a developer's machine generate the same cases), no per-case
#: deadline (a slow CI core is not a bug), and no complaints about big or slow-to-build inputs.
FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
        HealthCheck.large_base_example,
    ],
)


def fuzz(max_examples: int) -> settings:
    return settings(FUZZ, max_examples=max_examples)


# --- case tally -------------------------------------------------------------------------------

CASES: Counter[str] = Counter()
OUTCOMES: dict[str, str] = {}
_STASH_KEY = pytest.StashKey["_CaseTally"]()


class Tally:
    """Counts cases inside a @given function (which hypothesis may call more than asked for
    while shrinking; that only ever counts more)."""

    def __init__(self) -> None:
        self.n = 0
        self.outcomes: Counter[str] = Counter()

    def __call__(self, outcome: str = "ok") -> None:
        self.n += 1
        self.outcomes[outcome] += 1


class _CaseTally:
    """A pytest plugin registered on first use: the case counts in the run's summary."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not CASES:
            return
        total = sum(CASES.values())
        terminalreporter.write_sep("-", f"hostile-input cases run: {total:,}")
        for name, n in sorted(CASES.items()):
            terminalreporter.write_line(f"  {name}: {n:,} ({OUTCOMES.get(name, '')})")


def record_cases(config: pytest.Config, name: str, tally: Tally, minimum: int) -> None:
    """Count the cases of `tally` under `name` and fail if fewer than `minimum` ran (a strategy
    that silently filters everything away would otherwise test nothing)."""
    if _STASH_KEY not in config.stash:
        plugin = _CaseTally()
        config.stash[_STASH_KEY] = plugin
        config.pluginmanager.register(plugin, "fuzz-case-tally")
    CASES[name] += tally.n
    OUTCOMES[name] = ", ".join(f"{k} {v:,}" for k, v in tally.outcomes.most_common())
    assert tally.n >= minimum, f"{name}: only {tally.n} cases ran, expected at least {minimum}"


# --- databases --------------------------------------------------------------------------------


def fingerprint(db: Path | Store) -> str:
    """A hash of every row of every table as committed in the SQLite file."""
    path = db.path if isinstance(db, Store) else db
    assert path is not None, "fingerprints are taken of SQLite files"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        digest = hashlib.sha256()
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        for table in tables:
            digest.update(f"\x00{table}\x00".encode())
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                digest.update(repr(row).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()
    finally:
        conn.close()


def table_counts(path: Path) -> dict[str, int]:
    """Rows per ordinary table of the SQLite file (read-only)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%' ORDER BY name"
            )
        ]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


def integrity_ok(path: Path) -> bool:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def seed_subset(n_centers: int) -> dict[str, Any]:
    """The first `n_centers` centers of the bundled directory (real records) and their trials."""
    with paths.SEED_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    centers = data["centers"][:n_centers]
    wanted = {link["nct_id"] for c in centers for link in c["trials"]}
    trials = [t for t in data["trials"] if t["nct_id"] in wanted]
    return {**data, "centers": centers, "trials": trials}


def small_real_store(template: Path, folder: Path, n_centers: int = 60) -> Store:
    """A database holding a slice of the bundled directory: real names, cities and trial
    titles, small enough that a fingerprint costs a few milliseconds."""
    target = folder / "small.db"
    shutil.copyfile(template, target)
    target.chmod(0o600)
    store = open_store(target, seed=False)
    with store.session() as s:
        add_directory(s, seed_subset(n_centers))
    return store


# --- strategies -------------------------------------------------------------------------------

#: Pieces that have broken parsers and query languages before: FTS5 and tsquery operators,
#: SQL quoting, LIKE wildcards, format strings, control and direction characters, odd Unicode.
NASTY_PIECES: tuple[str, ...] = (
    '"', "'", "''", '""', "*", "-", "+", "^", ":", "(", ")", "{", "}", "[", "]", "NEAR(", "NEAR/2",
    "AND", "OR", "NOT", "&", "|", "!", "<->", "\\", "%", "_", "%s", "{0}", "${x}", ";", "--",
    "/*", "*/", "' OR 1=1 --", "\"; DROP TABLE centers; --", "name:", "centers_fts", "rowid",
    "\x00", "\x01", "\x1b[2J", "\r\n", "\t", "\u00a0", "\u200b", "\u202e", "\ufeff", "\ufffd",
    "\U0001f9ec", "ß", "İ", "ı", "ﬁ", "Å", "e\u0301", "Σ", "ς", "日本", "١٢٣", "Ⅳ", "²",
    "NaN", "inf", "-0", "1e309", "0x1F", "9" * 30, "NCT0", "NCT01234567",
)  # fmt: skip

nasty_text = st.lists(st.sampled_from(NASTY_PIECES) | st.text(max_size=4), max_size=12).map("".join)

#: Big text without asking hypothesis to draw every character (that would be slow).
huge_text = st.builds(
    lambda piece, times: piece * times,
    st.text(min_size=1, max_size=6) | st.sampled_from(NASTY_PIECES),
    st.integers(min_value=2_000, max_value=20_000),
)

_TEXT_KINDS = (
    st.text(),
    nasty_text,
    st.text(alphabet=st.characters(codec="utf-8")),
    st.text(alphabet=st.characters(max_codepoint=0x7F)),
)
#: One case in about twenty is huge (a whole page pasted into a box): those cost far more than
#: the others, and a few are enough to show nothing breaks.
hostile_text = st.sampled_from(range(20)).flatmap(
    lambda i: huge_text if i == 19 else _TEXT_KINDS[i % len(_TEXT_KINDS)]
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    hostile_text,
)

json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)


def pick(options: Iterable[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from(list(options))

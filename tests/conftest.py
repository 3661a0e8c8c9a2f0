"""Test set-up shared by every test: Qt runs offscreen, so the suite needs no display; each test
gets its own database file in a temporary folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import pg_server as pg

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the user's real database from a test.
os.environ.pop("DIRECTORY_APP_DB", None)


# --- database engines ---------------------------------------------------------------------
# Tests that use `empty_store`, `any_store` or `engine_url` run once per engine: SQLite and a
# real PostgreSQL server the suite starts itself (tests/pg_server.py). A test that is about the
# SQLite file itself (WAL, backups, corruption) is marked `sqlite_only`, or its module is listed
# below; GUI tests run on SQLite (the GUI on PostgreSQL is covered by tests/core/test_postgres.py).
ENGINES = ("sqlite", "postgresql")
SQLITE_ONLY_MODULES = frozenset({
    "test_backup.py",  # the SQLite backup API and backup files
    "test_concurrency.py",  # WAL readers and writers in other processes on one file
    "test_integrity.py",  # damages the file with plain sqlite3, as another tool might
    "test_store.py",  # opening, refusing and checking database files
})  # fmt: skip
SQLITE_ONLY_TESTS = frozenset({
    "test_privacy.py::test_check_repair_backup_and_restore_never_log_notes",
    "test_privacy.py::test_backup_files_hold_no_more_than_the_database",
})  # fmt: skip


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engines",
        default=None,
        help="comma-separated database engines for store tests: sqlite,postgresql (default: "
        "both when PostgreSQL is installed or CI=true, else sqlite)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: runs on SQLite only (about the file itself)")


def selected_engines(config: pytest.Config) -> list[str]:
    chosen = config.getoption("--engines")
    if chosen is None:
        with_pg = pg.find_bindir() is not None or os.environ.get("CI") == "true"
        return list(ENGINES) if with_pg else ["sqlite"]
    engines = [e.strip() for e in chosen.split(",") if e.strip()]
    unknown = set(engines) - set(ENGINES)
    if unknown or not engines:
        raise pytest.UsageError(f"--engines: choose from {','.join(ENGINES)}")
    return engines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_engine" not in metafunc.fixturenames:
        return
    path = metafunc.definition.path
    key = f"{path.name}::{metafunc.definition.originalname}"
    engines = selected_engines(metafunc.config)
    if (
        metafunc.definition.get_closest_marker("sqlite_only")
        or path.name in SQLITE_ONLY_MODULES
        or key in SQLITE_ONLY_TESTS
        or "gui" in path.parts
    ):
        engines = ["sqlite"]
    if engines != ["sqlite"]:
        metafunc.parametrize("db_engine", engines, indirect=True)


@pytest.fixture
def db_engine(request: pytest.FixtureRequest) -> str:
    """The engine this test runs on ('sqlite' unless parametrised)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pg.PgServer]:
    """One throw-away PostgreSQL server for the whole run. Missing binaries skip the test,
    except under CI=true, where the real thing must run."""
    try:
        server = pg.start_server()
    except pg.PgUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires PostgreSQL tests to run: {exc}")
        pytest.skip(str(exc))
    try:
        server.prepare_template()
        yield server
    finally:
        pg.stop_server(server)


@pytest.fixture(scope="session")
def pg_pool(pg_server: pg.PgServer) -> Iterator[pg.DatabasePool]:
    pool = pg.DatabasePool(pg_server)
    yield pool
    pool.close()


@pytest.fixture
def pg_url(pg_server: pg.PgServer, pg_pool: pg.DatabasePool) -> Iterator[str]:
    """A fresh, migrated, empty PostgreSQL database for this test alone."""
    name = pg_pool.take()
    yield pg_server.url(name)
    pg_pool.give_back(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database migrated once; tests get copies (migrating costs ~0.2 s)."""
    from directory_app.core.storage.opening import open_store

    path = tmp_path_factory.mktemp("template") / "empty.db"
    open_store(path, seed=False).close()
    return path


@pytest.fixture
def engine_url(db_engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of an empty, migrated database on this test's engine (SQLite: tmp_path/empty.db)."""
    if db_engine == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    from directory_app.core.storage.engine import resolve_url

    target = tmp_path / "empty.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
    target.chmod(0o600)  # as open_store creates it
    return resolve_url(target)


@pytest.fixture
def any_store(engine_url: str) -> Iterator[object]:
    """A migrated database with nothing in it, on each engine in turn."""
    from directory_app.core.storage.opening import open_store

    store = open_store(engine_url, seed=False)
    yield store
    store.close()


@pytest.fixture
def empty_store(any_store: object) -> object:
    """A migrated database with nothing in it (on each engine, see `any_store`)."""
    return any_store


@pytest.fixture
def seeded_store(tmp_path: Path) -> Iterator[object]:
    """A database holding the bundled directory, as a user gets it on first start."""
    from directory_app.core.storage.opening import open_store

    store = open_store(tmp_path / "seeded.db")
    yield store
    store.close()

"""The same app on PostgreSQL: URLs, migrations both ways, every column type, the CLI, search
with distance and text giving the same answers as on SQLite, and the desktop app starting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import create_engine, inspect, select

from directory_app.cli import main
from directory_app.core.directory.models import Center
from directory_app.core.exchange.directory_form import add_directory, dump_directory
from directory_app.core.search.query import CenterFilter, search
from directory_app.core.storage.engine import (
    Store,
    alembic_config,
    current_revision,
    display_url,
    head_revision,
    make_engine,
    resolve_url,
)
from directory_app.core.storage.migrations import migrate
from directory_app.core.storage.opening import open_store
from directory_app.core.storage.seed import seed_if_empty
from tests.pg_server import PgServer

MI = 1.609344
ROCHESTER, BOSTON, HOUSTON = (44.0121, -92.4802), (42.3601, -71.0589), (29.7604, -95.3698)


def test_plain_postgresql_urls_use_the_bundled_driver():
    assert resolve_url("postgresql://ann@db.clinic.example/directory") == (
        "postgresql+psycopg://ann@db.clinic.example/directory")  # fmt: skip
    assert resolve_url("postgres://ann@db/d").startswith("postgresql+psycopg://")
    url = "postgresql+psycopg://ann@db/d"
    assert resolve_url(url) == url


def test_passwords_never_appear_in_shown_urls_or_errors(capsys):
    url = "postgresql+psycopg://ann:s3cret@127.0.0.1:1/directory?connect_timeout=1"
    assert "s3cret" not in display_url(url)
    assert main(["--db", url, "info"]) == 2
    err = capsys.readouterr().err
    assert "cannot prepare the database" in err and "s3cret" not in err


def test_migrations_run_up_down_and_up_again_on_postgresql(pg_server: PgServer):
    pg_server.execute("CREATE DATABASE migrations_check")
    engine = make_engine(pg_server.url("migrations_check"))
    try:
        migrate(engine)
        assert current_revision(engine) == head_revision()
        assert "sync_state" in inspect(engine).get_table_names()
        migrate_down = create_engine(pg_server.url("migrations_check"))
        command.downgrade(alembic_config(migrate_down), "base")
        migrate_down.dispose()
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
        pg_server.drop_database("migrations_check")


ROUND_TRIP: dict[str, Any] = {
    "trials": [{
        "nct_id": "NCT00000001", "title": "MSC for lupus", "acronym": None, "status": "completed",
        "phases": ["phase1", "phase2"], "conditions": ["lupus"], "interventions": ["MSC"],
        "sponsor": "A University", "min_age_years": 18.5, "max_age_years": None,
        "last_update": "2024-02-29", "url": "https://clinicaltrials.gov/study/NCT00000001",
    }],
    "centers": [{
        "uid": "0" * 32, "name": "Zürich Ünïcode Clinic", "latitude": -33.868820012345678,
        "longitude": 151.209295, "insurance_accepted": False, "payment_plans": True,
        "financial_assistance": None, "last_verified": "2025-01-31", "typical_stay_days": 0,
        "edited_fields": ["name", "phone"], "notes": "Line one\nLine 'two' \"quoted\" 100%",
        "source": "verified",
        "therapies": [{"therapy": "msc_umbilical_cord", "delivery": None, "source": "registry",
                       "source_ref": "NCT00000001", "verified_on": None}],
        "trials": [{"nct_id": "NCT00000001", "site_status": None, "facility": "Zürich",
                    "city": None, "region": None, "country": "Switzerland"}],
    }],
}  # fmt: skip


def test_every_column_type_round_trips_unchanged(any_store: Store):
    """JSON lists, dates, booleans (and unknown), doubles and text come back as they went in."""
    with any_store.session() as s:
        add_directory(s, ROUND_TRIP)
    with any_store.session() as s:
        doc = dump_directory(s)
    [center] = doc["centers"]
    for key, value in ROUND_TRIP["centers"][0].items():
        if key not in ("therapies", "trials"):
            assert center[key] == value, key
    assert center["therapies"][0]["therapy"] == "msc_umbilical_cord"
    assert doc["trials"][0]["phases"] == ["phase1", "phase2"]
    assert doc["trials"][0]["last_update"] == "2024-02-29"
    assert center["version"] == 1


def test_cli_info_centers_and_check_work_on_postgresql(pg_url: str, capsys):
    store = open_store(pg_url, seed=False)
    with store.session() as s:
        add_directory(s, ROUND_TRIP)
    store.close()
    assert main(["--db", pg_url, "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["engine"] == "postgresql" and info["schema_revision"] == head_revision()
    assert info["centers"] == 1 and info["trials"] == 1
    assert main(["--db", pg_url, "centers", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["name"] == "Zürich Ünïcode Clinic"
    assert main(["--db", pg_url, "check"]) == 0
    assert "no problems" in capsys.readouterr().out
    env_db = os.environ.get("DIRECTORY_APP_DB")
    os.environ["DIRECTORY_APP_DB"] = pg_url
    try:
        assert main(["info", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["engine"] == "postgresql"
    finally:
        os.environ.pop("DIRECTORY_APP_DB")
        if env_db is not None:
            os.environ["DIRECTORY_APP_DB"] = env_db


FILTERS = [
    CenterFilter(origin=ROCHESTER, radius_km=500 * MI),
    CenterFilter(origin=BOSTON, radius_km=150 * MI, limit=20),
    CenterFilter(origin=HOUSTON, sort="distance", limit=25),
    CenterFilter(text="lupus"),
    CenterFilter(text="medical center", origin=BOSTON, radius_km=1000 * MI),
    CenterFilter(trials="recruiting", origin=ROCHESTER, radius_km=800 * MI),
    CenterFilter(therapies=frozenset({"hsct_autologous"}), sort="name"),
]


def _answers(store: Store) -> list[list[tuple[str, float | None]]]:
    with store.session() as s:
        uid = dict(s.execute(select(Center.id, Center.uid)).all())
        return [
            [(uid[r.id], None if r.distance_km is None else round(r.distance_km, 6))
             for r in search(s, flt)]  # fmt: skip
            for flt in FILTERS
        ]


def test_search_gives_the_same_answers_on_both_engines(pg_url: str, tmp_path: Path):
    """The bundled directory on SQLite and on PostgreSQL: every filter, same centers, same
    order, same distances."""
    lite, pg = open_store(tmp_path / "lite.db", seed=False), open_store(pg_url, seed=False)
    try:
        assert seed_if_empty(lite) and seed_if_empty(pg)
        on_sqlite, on_pg = _answers(lite), _answers(pg)
    finally:
        lite.close()
        pg.close()
    assert any(len(rows) > 3 for rows in on_sqlite), "the filters must find something"
    for flt, a, b in zip(FILTERS, on_sqlite, on_pg, strict=True):
        assert a == b, flt


def test_words_joined_by_punctuation_are_found_on_both_engines(any_store: Store):
    """PostgreSQL's parser would keep 'HSCT/MSC' as one path token; FTS5 splits it."""
    center = {"uid": "1" * 32, "name": "Karmanos/Wayne State University",
              "notes": "HSCT/MSC programme; St.Mary's referrals", "edited_fields": []}  # fmt: skip
    with any_store.session() as s:
        add_directory(s, {"centers": [center]})
    with any_store.session() as s:
        for words in ("wayne", "msc", "mary"):
            assert len(search(s, CenterFilter(text=words))) == 1, words


def test_desktop_app_starts_on_postgresql(pg_url: str, tmp_path: Path):
    """`directory-app --db postgresql+psycopg://...`: opens, seeds, paints and quits."""
    shot = tmp_path / "window.png"
    home = str(tmp_path)
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen", "HOME": home, "XDG_CONFIG_HOME": home,
                        "XDG_DATA_HOME": home}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "directory_app", "--db", pg_url, "--smoke", "--screenshot",
         str(shot)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert shot.stat().st_size > 0
    store = open_store(pg_url, seed=False)
    try:
        with store.session() as s:
            assert dump_directory(s)["centers"], "the first start seeded the shared directory"
    finally:
        store.close()


def test_dates_are_dates_not_text_on_postgresql(pg_url: str):
    store = open_store(pg_url, seed=False)
    try:
        with store.session() as s:
            add_directory(s, ROUND_TRIP)
        columns = {c["name"]: str(c["type"]) for c in inspect(store.engine).get_columns("centers")}
        assert columns["last_verified"] == "DATE" and columns["insurance_accepted"] == "BOOLEAN"
        with store.session() as s:
            center = s.scalars(select(Center)).one()
            assert center.last_verified == date(2025, 1, 31)
            assert center.financial_assistance is None and center.insurance_accepted is False
    finally:
        store.close()


def test_unreachable_server_is_one_line_error_exit_2(capsys):
    bad = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    assert main(["--db", bad, "info"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("directory-app: error:") and "\n" not in err

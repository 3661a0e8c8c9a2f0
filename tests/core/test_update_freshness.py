"""How current each trial is: the day an update last checked it with the registry (migration
0005), and sites the registry's full record no longer lists, marked removed and reported.

Against the loopback registry (tests/ctgov_server.py) serving real records of the bundled
export; migrations on both engines.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import inspect, select, text

from directory_app.cli import main
from directory_app.core.directory.models import Trial, TrialSite
from directory_app.core.importing.importer import run_import, run_undo_last
from directory_app.core.importing.online_update import checked_summary, run_update
from directory_app.core.registry import online_setting
from directory_app.core.registry.http_fetch import FetchPolicy
from directory_app.core.storage.engine import Store, alembic_config, make_engine
from directory_app.core.storage.migrations import migrate
from directory_app.core.storage.opening import open_store
from tests.ctgov_server import FakeRegistry, real_studies

DAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv(online_setting.CONFIG_ENV, str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return folder


def _policy() -> FetchPolicy:
    return FetchPolicy(timeout=5, retries=0, min_interval=0, sleep=lambda s: None)


def _multi_site_study() -> dict:
    return next(
        s for s in real_studies()
        if len({loc["facility"] for loc in
                s["protocolSection"]["contactsLocationsModule"]["locations"]}) >= 3
        and "Multiple Sclerosis" in s["protocolSection"]["conditionsModule"]["conditions"]
    )  # fmt: skip


def _nct(study: dict) -> str:
    return str(study["protocolSection"]["identificationModule"]["nctId"])


def _write(path: Path, studies: list[dict]) -> Path:
    path.write_text(json.dumps({"studies": studies}))
    return path


def _sites(store: Store, nct: str) -> dict[str, str | None]:
    with store.session() as s:
        rows = s.execute(
            select(TrialSite.facility, TrialSite.site_status)
            .join(Trial, Trial.id == TrialSite.trial_id)
            .where(Trial.nct_id == nct)
        )
        return {facility: status for facility, status in rows}


def _checked(store: Store, nct: str) -> date | None:
    with store.session() as s:
        return s.scalar(select(Trial.checked_on).where(Trial.nct_id == nct))


def _update(store: Store, httpserver: HTTPServer, studies: list[dict], day: date = DAY):  # type: ignore[no-untyped-def]
    httpserver.clear()
    httpserver.expect_request("/api/v2/studies").respond_with_handler(FakeRegistry(studies))
    online_setting.set_online_allowed(True)
    return run_update(store, api_base=httpserver.url_for("/api/v2"), policy=_policy(),
                      today=day, page_size=50)  # fmt: skip


def test_update_stamps_checked_on_and_marks_sites_no_longer_listed(
    empty_store: Store, tmp_path: Path, httpserver: HTTPServer
):
    full = _multi_site_study()
    nct = _nct(full)
    assert run_import(empty_store, _write(tmp_path / "older.json", [full])).ok
    assert _checked(empty_store, nct) is None  # a file import is not a check with the registry
    listed = _sites(empty_store, nct)
    assert len(listed) >= 3 and "removed" not in listed.values()

    newer = copy.deepcopy(full)
    locations = newer["protocolSection"]["contactsLocationsModule"]["locations"]
    dropped = locations.pop()["facility"]
    locations[:] = [loc for loc in locations if loc["facility"] != dropped]
    report = _update(empty_store, httpserver, [newer]).report
    assert report.ok, report.errors
    after = _sites(empty_store, nct)
    assert after[dropped] == "removed"
    assert [f for f, st in after.items() if st == "removed"] == [dropped]
    assert report.sites_removed == 1
    [change] = report.trial_changes
    assert change.nct_id == nct and change.sites_removed == 1
    assert f"{nct}: 1 site(s) no longer listed (marked removed)" in report.text()
    assert _checked(empty_store, nct) == DAY

    # A removed site no longer counts as one of the center's active trials in search.
    with empty_store.session() as s:
        center_id = s.scalar(select(TrialSite.center_id).where(TrialSite.facility == dropped))
        active = s.scalar(text("SELECT trials_active FROM center_search WHERE center_id = :c"),
                          {"c": center_id})  # fmt: skip
    assert active == 0

    # A second update the next day: nothing else changes, only the check date moves.
    again = _update(empty_store, httpserver, [newer], day=date(2026, 12, 2)).report
    assert again.ok and again.sites_removed == 0 and again.trials_updated == 0
    assert _checked(empty_store, nct) == date(2026, 12, 2)

    # Undo takes the second update back, then the first: the site and the dates return.
    run_undo_last(empty_store)
    assert _checked(empty_store, nct) == DAY
    run_undo_last(empty_store)
    assert _sites(empty_store, nct) == listed
    assert _checked(empty_store, nct) is None


def test_a_file_import_never_marks_sites_removed(empty_store: Store, tmp_path: Path):
    """A downloaded file may be a partial list ("1 of 20 sites"); only an update decides."""
    full = _multi_site_study()
    assert run_import(empty_store, _write(tmp_path / "full.json", [full])).ok
    trimmed = copy.deepcopy(full)
    trimmed["protocolSection"]["contactsLocationsModule"]["locations"].pop(0)
    report = run_import(empty_store, _write(tmp_path / "trimmed.json", [trimmed]))
    assert report.ok and report.sites_removed == 0
    assert "removed" not in _sites(empty_store, _nct(full)).values()


def test_the_check_date_is_exported_and_read_back(
    empty_store: Store, tmp_path: Path, httpserver: HTTPServer
):
    from directory_app.core.exchange.csv_file import read_csv
    from directory_app.core.exchange.export import export_to

    study = _multi_site_study()
    assert _update(empty_store, httpserver, [study]).report.ok
    for fmt in ("json", "csv"):
        out = tmp_path / f"directory.{fmt}"
        with empty_store.session() as session:
            export_to(session, fmt, out)
        document = json.loads(out.read_text()) if fmt == "json" else read_csv(out)
        trials = document["trials"]
        [trial] = [t for t in trials if t["nct_id"] == _nct(study)]
        assert trial["checked_on"] == DAY.isoformat()
        other = tmp_path / f"copy-{fmt}.db"
        copy_store = open_store(other, seed=False)
        try:
            assert run_import(copy_store, out).ok
            assert _checked(copy_store, _nct(study)) == DAY
        finally:
            copy_store.close()


def test_online_status_says_how_current_the_trials_are(
    tmp_path: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
):
    db = tmp_path / "d.db"
    store = open_store(db, seed=False)
    try:
        assert run_import(store, _write(tmp_path / "a.json", real_studies(40))).ok
        assert main(["--db", str(db), "online", "status"]) == 0
        total = checked_summary(store).trials
        assert f"Trials checked with the registry: none of {total:,} yet" in capsys.readouterr().out
        assert _update(store, httpserver, [_multi_site_study()]).report.ok
    finally:
        store.close()
    assert main(["--db", str(db), "online", "status"]) == 0
    out = capsys.readouterr().out
    assert "Trials checked with the registry: 1 of" in out and "last 2026-12-01" in out


def test_migration_0005_adds_the_column_and_keeps_every_trial(
    db_engine: str, tmp_path: Path, request: pytest.FixtureRequest
):
    from alembic import command

    if db_engine == "postgresql":
        server = request.getfixturevalue("pg_server")
        server.execute("CREATE DATABASE migration_0005")
        url = server.url("migration_0005")
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    try:
        migrate(engine, "0003")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO trials (nct_id, title, status, phases, conditions, interventions)"
                " VALUES ('NCT01234567', 'MSC in lupus', 'recruiting', '[]', '[]', '[]')"
            ))  # fmt: skip
        migrate(engine)
        assert "checked_on" in {c["name"] for c in inspect(engine).get_columns("trials")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT nct_id, status, checked_on FROM trials")).all() == [
                ("NCT01234567", "recruiting", None)
            ]
        command.downgrade(alembic_config(engine), "0003")
        engine.dispose()
        assert "checked_on" not in {c["name"] for c in inspect(engine).get_columns("trials")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT nct_id FROM trials")).scalars().all() == [
                "NCT01234567"
            ]
    finally:
        engine.dispose()
        if db_engine == "postgresql":
            request.getfixturevalue("pg_server").drop_database("migration_0005")

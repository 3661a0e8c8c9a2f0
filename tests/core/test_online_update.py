"""Update from ClinicalTrials.gov against a real HTTP server on 127.0.0.1 serving real records.

The server (tests/ctgov_server.py) pages the bundled export's studies as API v2 JSON. Every
failure mode must leave the database byte-for-byte as it was and say what happened in one line;
a complete update lands in one import batch; a second update changes nothing.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from directory_app.cli import main
from directory_app.core.directory.models import ImportBatch, Trial
from directory_app.core.importing.importer import run_import
from directory_app.core.importing.online_update import OnlineNotAllowed, run_update
from directory_app.core.registry import online_setting, standing_query
from directory_app.core.registry.http_fetch import FetchError, FetchPolicy
from directory_app.core.storage.opening import open_store
from tests.ctgov_server import FakeRegistry, real_studies

STUDIES = 300
PAGE = 100
PATH = "/api/v2/studies"


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv(online_setting.CONFIG_ENV, str(folder))
    return folder


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def policy(waits: list[float]) -> FetchPolicy:
    """Real retries and backoff, but the waits are recorded instead of slept."""
    return FetchPolicy(timeout=5, retries=2, backoff=0.5, min_interval=0, sleep=waits.append)


@pytest.fixture
def studies() -> list[dict]:
    return real_studies(STUDIES)


def serve(httpserver: HTTPServer, registry: FakeRegistry) -> str:
    httpserver.expect_request(PATH).respond_with_handler(registry)
    return httpserver.url_for("/api/v2")


def update(db: Path, api_base: str, tmp_path: Path, policy: FetchPolicy, **kw):  # type: ignore[no-untyped-def]
    store = open_store(db, seed=False)
    try:
        return run_update(store, api_base=api_base, cache_dir=tmp_path / "cache", policy=policy,
                          page_size=PAGE, **kw)  # fmt: skip
    finally:
        store.close()


def trial_count(db: Path) -> tuple[int, int]:
    store = open_store(db, seed=False)
    try:
        with store.session() as s:
            trials = s.scalar(select(func.count()).select_from(Trial)) or 0
            batches = s.scalar(select(func.count()).select_from(ImportBatch)) or 0
            return trials, batches
    finally:
        store.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "directory.db"
    open_store(path, seed=False).close()
    return path


def test_the_setting_is_off_until_turned_on(config_dir: Path):
    assert not online_setting.is_online_allowed()
    online_setting.set_online_allowed(True)
    assert online_setting.is_online_allowed()
    assert json.loads((config_dir / "online.json").read_text()) == {online_setting.KEY: True}
    online_setting.set_online_allowed(False)
    assert not online_setting.is_online_allowed()
    (config_dir / "online.json").write_text("{not json")
    assert not online_setting.is_online_allowed()


def test_update_refuses_while_the_setting_is_off(db: Path, tmp_path: Path, policy: FetchPolicy):
    with pytest.raises(OnlineNotAllowed):
        update(db, "http://127.0.0.1:9/api/v2", tmp_path, policy)


def test_standing_query_and_refresh_requests():
    ids = [f"NCT{n:08d}" for n in range(400)]
    reqs = standing_query.requests_for(ids + ids[:5])
    assert reqs[0]["query.cond"].count(" OR ") == len(standing_query.CONDITIONS) - 1
    assert '"multiple sclerosis"' in reqs[0]["query.cond"]
    assert "CAR-T" in reqs[0]["query.intr"] and "filter.ids" not in reqs[0]
    refreshed = [i for r in reqs[1:] for i in r["filter.ids"].split(",")]
    assert refreshed == ids  # every known trial once, in order, in chunks
    assert len(reqs) == 1 + -(-400 // standing_query.IDS_PER_REQUEST)
    urls = standing_query.handoff_urls(ids)
    assert all(u.startswith("https://clinicaltrials.gov/api/v2/studies?") for u in urls)
    assert all(len(u) < 2100 for u in urls)


def test_full_update_over_pages_in_one_batch_then_a_no_op(
    db: Path, tmp_path: Path, httpserver: HTTPServer, policy: FetchPolicy, studies: list[dict]
):
    online_setting.set_online_allowed(True)
    registry = FakeRegistry(studies)
    base = serve(httpserver, registry)
    result = update(db, base, tmp_path, policy)
    assert result.report.ok, result.report.errors
    assert result.pages == STUDIES // PAGE and len(registry.log) == STUDIES // PAGE
    assert [r.get("pageToken") for r in registry.log] == [None, "100", "200"]

    # The same studies imported from one file give the same directory.
    reference = tmp_path / "reference.db"
    open_store(reference, seed=False).close()
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"studies": studies}))
    ref_store = open_store(reference, seed=False)
    run_import(ref_store, page)
    ref_store.close()
    trials, batches = trial_count(db)
    assert trials == trial_count(reference)[0] == result.report.trials_new > 0
    assert batches == 1
    assert not any((tmp_path / "cache").iterdir())  # the download was removed once imported

    registry.log.clear()
    again = update(db, base, tmp_path, policy)
    assert again.report.ok
    assert again.report.trials_new == again.report.trials_updated == 0
    assert again.report.centers_new == again.report.links_new == 0
    assert trial_count(db)[0] == trials
    assert any("filter.ids" in r for r in registry.log)  # the known trials were refreshed


def test_the_report_lists_what_changed_per_trial(
    db: Path, tmp_path: Path, httpserver: HTTPServer, policy: FetchPolicy, studies: list[dict]
):
    """The directory first holds a real record with less in it (status unknown, last site not
    yet listed); the update brings the full record and the report says what changed."""
    online_setting.set_online_allowed(True)
    full = next(
        s for s in studies
        if len(s["protocolSection"]["contactsLocationsModule"]["locations"]) >= 2
        and s["protocolSection"]["statusModule"]["overallStatus"] != "UNKNOWN"
        and "Multiple Sclerosis" in s["protocolSection"]["conditionsModule"]["conditions"]
    )  # fmt: skip
    trimmed = copy.deepcopy(full)
    trimmed["protocolSection"]["statusModule"]["overallStatus"] = "UNKNOWN"
    trimmed["protocolSection"]["contactsLocationsModule"]["locations"].pop()
    first = tmp_path / "older.json"
    first.write_text(json.dumps({"studies": [trimmed]}))
    store = open_store(db, seed=False)
    assert run_import(store, first).ok
    store.close()

    base = serve(httpserver, FakeRegistry([full]))
    report = update(db, base, tmp_path, policy).report
    assert report.ok, report.errors
    nct = full["protocolSection"]["identificationModule"]["nctId"]
    status = full["protocolSection"]["statusModule"]["overallStatus"].lower()
    [change] = report.trial_changes
    assert (change.nct_id, change.status, change.sites_added) == (nct, ["unknown", status], 1)
    assert f"{nct}: status unknown -> {status}; 1 site(s) added" in report.text()


def _fail_always(response: Response):  # type: ignore[no-untyped-def]
    return lambda n, req: response


def _truncated(n: int, req: Request) -> Response:
    body = json.dumps({"studies": real_studies(3)})
    return Response(body[: len(body) // 2], content_type="application/json")


def _redirect(n: int, req: Request) -> Response:
    return Response("", status=302, headers={"Location": "http://198.51.100.7/api/v2/studies"})


def _dropped(n: int, req: Request) -> Response:
    """Headers promise the whole page; the server sends part of it and hangs up."""
    body = json.dumps({"studies": real_studies(3)}).encode()

    def part():  # type: ignore[no-untyped-def]
        yield body[:500]

    response = Response(part(), content_type="application/json")
    response.headers["Content-Length"] = str(len(body))
    return response


FAILURES = {
    "http-500": (_fail_always(Response("oops", status=500)), "HTTP 500"),
    "http-429": (_fail_always(Response("", status=429, headers={"Retry-After": "3"})), "HTTP 429"),
    "truncated-json": (_truncated, "cut off"),
    "wrong-content-type": (
        _fail_always(Response("<html>maintenance</html>", content_type="text/html")),
        "text/html",
    ),
    "redirect-to-another-host": (_redirect, "another host (198.51.100.7); refused"),
    "connection-dropped": (_dropped, "connection failed"),
}


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_every_failure_leaves_the_database_unchanged(
    name: str, db: Path, tmp_path: Path, httpserver: HTTPServer, policy: FetchPolicy,
    studies: list[dict],
):  # fmt: skip
    online_setting.set_online_allowed(True)
    fault, words = FAILURES[name]
    # The first page is fine; the second one fails.
    registry = FakeRegistry(studies, fault=lambda n, req: fault(n, req) if n >= 2 else None)
    base = serve(httpserver, registry)
    before = db.read_bytes()
    with pytest.raises(FetchError) as caught:
        update(db, base, tmp_path, policy)
    message = str(caught.value)
    assert words in message and "\n" not in message
    assert db.read_bytes() == before
    if name == "redirect-to-another-host":
        assert len(registry.log) == 2  # refused at once, not retried
    else:
        assert len(registry.log) == 1 + policy.retries + 1


def test_retry_after_is_honoured_and_the_download_resumes(
    db: Path, tmp_path: Path, httpserver: HTTPServer, policy: FetchPolicy, waits: list[float],
    studies: list[dict],
):  # fmt: skip
    online_setting.set_online_allowed(True)
    busy = {2: Response("", status=429, headers={"Retry-After": "7"}), 3: Response("", status=500)}
    registry = FakeRegistry(studies, fault=lambda n, req: busy.get(n))
    base = serve(httpserver, registry)
    result = update(db, base, tmp_path, policy)
    assert result.report.ok and result.pages == 3
    assert waits == [7.0, policy.backoff * 2]  # Retry-After, then the backoff of the 2nd try

    # An interrupted download resumes: page 1 is not fetched a second time.
    db2 = tmp_path / "second.db"
    open_store(db2, seed=False).close()
    registry2 = FakeRegistry(studies, fault=lambda n, req: Response("", status=500) if n >= 2
                             else None)  # fmt: skip
    httpserver.clear()
    base = serve(httpserver, registry2)
    with pytest.raises(FetchError):
        update(db2, base, tmp_path, policy)
    registry2.fault = None
    registry2.log.clear()
    resumed = update(db2, base, tmp_path, policy)
    assert resumed.report.ok and resumed.pages == 3
    assert [r.get("pageToken") for r in registry2.log] == ["100", "200"]
    assert trial_count(db2)[0] == trial_count(db)[0]


def test_handoff_urls_return_what_the_importer_accepts(
    db: Path, tmp_path: Path, httpserver: HTTPServer, studies: list[dict]
):
    registry = FakeRegistry(studies)
    base = serve(httpserver, registry)
    ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in studies[:40]]
    folder = tmp_path / "carried"
    folder.mkdir()
    urls = standing_query.handoff_urls(ids, api_base=base)
    assert len(urls) == 2
    for i, url in enumerate(urls):
        (folder / f"download-{i}.json").write_bytes(httpx.get(url).content)
    store = open_store(db, seed=False)
    try:
        report = run_import(store, folder)
    finally:
        store.close()
    assert report.ok, report.errors
    assert report.studies_read == STUDIES + 40  # the standing query's page, then the 40 ids


def test_cli_online_on_then_update(
    db: Path, tmp_path: Path, httpserver: HTTPServer, studies: list[dict],
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
):  # fmt: skip
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    base = serve(httpserver, FakeRegistry(studies[:60]))
    open_store(db).close()  # the bundled directory, as the command line opens it
    trials_before, batches_before = trial_count(db)
    assert main(["online", "on"]) == 0
    assert "Nothing else ever leaves this computer" in capsys.readouterr().out
    assert main(["--db", str(db), "update", "--json", "--api-base", base]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["import"]["errors"] == [] and out["import"]["studies_read"] >= 60
    assert trial_count(db) == (trials_before + out["import"]["trials_new"], batches_before + 1)

    assert main(["online", "off"]) == 0
    capsys.readouterr()
    before = db.read_bytes()
    assert main(["--db", str(db), "update", "--api-base", base]) == 2
    err = capsys.readouterr().err
    assert "directory-app online on" in err and "https://clinicaltrials.gov/api/v2/studies?" in err
    assert db.read_bytes() == before


def test_matches_standing_query_on_real_records():
    """The local form of the standing query (for the seed build): autoimmune condition and a
    cell therapy, judged on real records of the bundled export."""
    import dataclasses

    from directory_app.core.registry.ctgov import iter_studies
    from tests.ctgov_server import SOURCE

    records = {s.nct_id: s for s in iter_studies(SOURCE)}
    ms_msc = next(
        s for s in records.values()
        if "Multiple Sclerosis" in s.conditions and "mesenchymal" in s.title.lower()
    )  # fmt: skip
    assert standing_query.matches_standing_query(ms_msc)
    # A real MSC study of a condition the directory is not about (ARDS/COVID-19).
    assert not standing_query.matches_standing_query(records["NCT04447833"])
    # The same MS study with a drug instead of cells no longer matches.
    drug_only = dataclasses.replace(
        ms_msc, title="Ocrelizumab in Relapsing MS", interventions=("Drug: Ocrelizumab",)
    )
    assert not standing_query.matches_standing_query(drug_only)
    # "Cell therapy" named only in the title still counts.
    titled = dataclasses.replace(drug_only, title="Cell Therapy in Relapsing MS",
                                 interventions=("Drug: Single Dose",))  # fmt: skip
    assert standing_query.matches_standing_query(titled)
    chosen = [s for s in records.values() if standing_query.matches_standing_query(s)]
    assert 0 < len(chosen) < len(records) / 2


def test_retry_after_as_seconds_or_an_http_date():
    from directory_app.core.registry.http_fetch import _retry_after

    now = 1_780_000_000.0  # 2026-05-28 20:26:40 GMT
    assert _retry_after("7", now) == 7.0
    assert _retry_after("Thu, 28 May 2026 20:27:10 GMT", now) == 30.0
    assert _retry_after("Thu, 28 May 2026 20:00:00 GMT", now) == 0.0  # already past
    assert _retry_after("soon", now) is None and _retry_after(None, now) is None


def test_cli_update_failure_is_one_line_exit_2_and_changes_nothing(
    db: Path, tmp_path: Path, httpserver: HTTPServer, studies: list[dict],
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
):  # fmt: skip
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setattr(FetchPolicy, "__init__", _quick_policy_init)
    base = serve(httpserver, FakeRegistry(studies, fault=_redirect))
    open_store(db).close()  # the bundled directory, as the command line opens it
    assert main(["online", "on"]) == 0
    capsys.readouterr()
    before = db.read_bytes()
    assert main(["--db", str(db), "update", "--api-base", base]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "another host (198.51.100.7); refused" in lines[0]
    assert "the directory is unchanged" in lines[0] and captured.out == ""
    assert db.read_bytes() == before


_real_policy_init = FetchPolicy.__init__


def _quick_policy_init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
    """The command's own policy, without its polite pause between requests."""
    _real_policy_init(self, *args, **kwargs)
    self.min_interval = 0

"""`directory-app --version`, `info`, `centers --json` and the refusal of a bad `--db`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from directory_app import __version__
from directory_app.cli import main
from directory_app.core import paths


def test_version_prints_package_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out.strip()
    sources = json.loads(paths.SEED_FILE.read_text(encoding="utf-8"))["meta"]["sources"]
    newest = max(s["date"] for s in sources if s["date"])
    assert newest >= "2025-09-01", "the 2025 multiple sclerosis table is bundled"
    assert out == f"directory-app {__version__} (bundled data {newest})"


def test_bundled_data_date_reads_the_newest_source_date(tmp_path):
    seed = tmp_path / "directory.json"
    seed.write_text(json.dumps({"centers": [{"meta": 1}], "meta": {"sources": [
        {"date": "2021-01-02"}, {"date": None}, {"date": "2023-05-06"}]}, "trials": []}))
    assert paths.bundled_data_date(seed) == "2023-05-06"
    seed.write_text(json.dumps({"centers": [{"meta": {"sources": [{"date": "2099-01-01"}]}}],
                                "meta": {"sources": [{"date": "2020-02-02"}]}}, indent=1))
    assert paths.bundled_data_date(seed) == "2020-02-02"
    seed.write_text('{"centers": []}')
    assert paths.bundled_data_date(seed) == "unknown"
    assert paths.bundled_data_date(tmp_path / "missing.json") == "unknown"


def test_info_reports_bundled_directory_counts(tmp_path: Path, capsys):
    assert main(["--db", str(tmp_path / "d.db"), "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["database"] == str(tmp_path / "d.db")
    assert info["schema_revision"]
    assert info["centers"] >= 150
    assert info["trials"] >= 100
    assert info["trial_sites"] >= info["centers"]
    assert {s["name"] for s in info["data"]["sources"]} >= {"ClinicalTrials.gov", "HIFLD Hospitals"}


def test_centers_json_lists_every_center_with_all_fields(tmp_path: Path, capsys):
    assert main(["--db", str(tmp_path / "d.db"), "centers", "--json"]) == 0
    centers = json.loads(capsys.readouterr().out)
    assert len(centers) >= 150
    for field in ("uid", "name", "kind", "latitude", "longitude", "therapies", "conditions",
                  "team", "contacts", "trials", "source", "last_verified", "cost_min_usd"):
        assert field in centers[0]
    assert all(c["trials"] for c in centers), "every bundled center comes from a trial site"


def test_most_us_centers_have_coordinates(tmp_path: Path, capsys):
    main(["--db", str(tmp_path / "d.db"), "centers", "--json"])
    us = [c for c in json.loads(capsys.readouterr().out) if c["country"] == "United States"]
    placed = [c for c in us if c["latitude"] is not None and c["longitude"] is not None]
    assert len(us) > 50
    assert len(placed) / len(us) >= 0.9


NOT_A_DB = b"not a database at all\n"
TRUNCATED_DB = b"SQLite format 3\x00" + b"\0" * 3


@pytest.mark.parametrize("content", [NOT_A_DB, TRUNCATED_DB])
def test_bad_db_file_gives_one_line_error_exit_2_and_is_untouched(tmp_path: Path, content: bytes):
    bad = tmp_path / "notes.db"
    bad.write_bytes(content)
    for args in (["info"], ["centers", "--json"], []):
        proc = subprocess.run(
            [sys.executable, "-m", "directory_app", "--db", str(bad), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 2
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("directory-app")]
        assert len(lines) == 1 and str(bad) in lines[0]
        assert proc.stdout == ""
        assert bad.read_bytes() == content

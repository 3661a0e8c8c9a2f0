"""Exports say how old each trial status is, and keep the per-section verification: a 2022
"recruiting" in a file must read as 2022's, and an export read back must lose nothing."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from directory_app.core.directory.models import Center
from directory_app.core.exchange.export import export_to
from directory_app.core.exchange.json_file import export_document, read_json
from directory_app.core.importing.importer import run_import
from directory_app.core.registry.fields import RecordError
from directory_app.core.storage.opening import open_store

SECTIONS = {"contact": "2026-11-30", "identity": "2025-03-14"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled directory, with one center verified section by section."""
    path = tmp_path_factory.mktemp("seeded") / "directory.db"
    store = open_store(path)
    with store.session() as s:
        first = s.scalars(select(Center).order_by(Center.uid)).first()
        assert first is not None
        first.verified_sections = dict(SECTIONS)
    store.close()
    return path


@pytest.fixture
def source(seeded: Path, tmp_path: Path) -> Any:
    shutil.copyfile(seeded, tmp_path / "copy.db")
    store = open_store(tmp_path / "copy.db", seed=False)
    yield store
    store.close()


def test_json_export_dates_every_status_and_marks_the_stale(source):
    with source.session() as s:
        data = export_document(s, today=date(2026, 12, 4))
        early = export_document(s, today=date(2022, 10, 20))
    for trial in data["trials"]:
        assert trial["status_as_of"] == trial["last_update"]
        assert trial["status_stale"] is True  # every bundled record is over 12 months old
    recent = [t for t in early["trials"] if t["last_update"] == "2022-10-05"]
    assert recent and all(t["status_stale"] is False for t in recent)
    updated = {t["nct_id"]: t["last_update"] for t in data["trials"]}
    links = [link for c in data["centers"] for link in c["trials"]]
    assert len(links) > 500
    for link in links:
        assert link["status_as_of"] == updated[link["nct_id"]]
        assert link["status_stale"] is True


def test_csv_export_has_the_status_date_on_trial_and_site_rows(source, tmp_path):
    with source.session() as s:
        export_to(s, "csv", tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    trials = [r for r in rows if r["record"] == "trial"]
    sites = [r for r in rows if r["record"] == "site"]
    assert trials and sites
    assert all(r["status_as_of"] == r["last_update"] and r["status_stale"] == "true"
               for r in trials)  # fmt: skip
    assert all(r["status_as_of"] and r["status_stale"] == "true" for r in sites)
    assert all(r["status_as_of"] == "" for r in rows if r["record"] == "center")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_per_section_verification_is_exported_and_read_back(source, empty_store, tmp_path, fmt):
    path = tmp_path / f"out.{fmt}"
    with source.session() as s:
        export_to(s, fmt, path)
    if fmt == "json":
        exported = [c for c in json.loads(path.read_text())["centers"] if "verified_sections" in c]
        assert [c["verified_sections"] for c in exported] == [SECTIONS]
    report = run_import(empty_store, path)
    assert report.ok, report.errors
    with empty_store.session() as s:
        kept = [c.verified_sections for c in s.scalars(select(Center)) if c.verified_sections]
    assert kept == [SECTIONS]


@pytest.mark.parametrize(
    "sections, message",
    [({"kitchen": "2026-01-01"}, "verified_sections.kitchen': unknown section"),
     ({"contact": "last week"}, "verified_sections.contact': \"last week\" is not a date"),
     (["contact"], "verified_sections': expected an object")],
)  # fmt: skip
def test_a_bad_per_section_verification_is_refused_by_name(source, tmp_path, sections, message):
    path = tmp_path / "out.json"
    with source.session() as s:
        export_to(s, "json", path)
    data = json.loads(path.read_text())
    data["centers"][3]["verified_sections"] = sections
    path.write_text(json.dumps(data))
    with pytest.raises(RecordError) as err:
        read_json(path)
    assert str(err.value).startswith("out.json, row 4, field 'centers[3].")
    assert message in str(err.value)

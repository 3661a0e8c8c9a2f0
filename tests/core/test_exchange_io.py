"""Our own CSV and JSON exports: lossless round trips, formula neutralising, atomic writes, and
importing them back (new centers added, existing ones left alone, undo, malformed files)."""

from __future__ import annotations

import csv
import json
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from directory_app.cli import main
from directory_app.core.directory.models import Center, Contact, RedFlag
from directory_app.core.exchange.csv_file import neutralise, read_csv, restore
from directory_app.core.exchange.export import (
    FilterError,
    export_to,
    filter_from_json,
    matching_ids,
)
from directory_app.core.exchange.json_file import read_json
from directory_app.core.importing.importer import run_import, run_undo_last
from directory_app.core.registry.fields import RecordError
from directory_app.core.storage.atomic import atomic_text, atomic_write_text
from directory_app.core.storage.opening import open_store

TRICKY = {
    "notes": '=HYPERLINK("http://evil.example","click")\nsecond line, "quoted"',
    "insurance_notes": "+SUM(A1:A2)",
    "eligibility_notes": "\tstarts with a tab",
    "accreditation_scope": "\rstarts with a carriage return",
    "verified_by": "'already quoted",
    "email": "",  # an empty text, not a missing one
    "name": "-Sjögren Centre ✓",
}


@pytest.fixture(scope="module")
def source_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded directory with people's edits, provenance and awkward text in it."""
    path = tmp_path_factory.mktemp("source") / "source.db"
    store = open_store(path)
    with store.session() as s:
        centers = list(s.scalars(select(Center).order_by(Center.id).limit(3)))
        first = centers[0]
        for field, value in TRICKY.items():
            setattr(first, field, value)
        first.edited_fields = ["notes", "name"]
        first.last_verified, first.source = date(2026, 1, 5), "verified"
        first.cost_min_usd, first.cost_max_usd, first.insurance_accepted = 25000, 90000, False
        first.contacts.append(
            Contact(
                role="coordinator",
                name="@Jane Doe",
                phone="+1 216 555 0100",
                email="jane@example.org",
                source="verified",
                verified_on=date(2026, 1, 5),
            )
        )
        centers[1].red_flags.append(
            RedFlag(
                kind="unproven_marketing", description="Ads", evidence_url=None, source="verified"
            )
        )
        centers[2].longitude = -0.000123456789
    store.close()
    return path


@pytest.fixture(scope="module")
def small_export(source_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Our CSV export of the first 15 centers (with the awkward text) and their trials."""
    folder = tmp_path_factory.mktemp("small")
    store = open_store(source_file, seed=False)
    try:
        with store.session() as s:
            ids = list(s.scalars(select(Center.id).order_by(Center.id).limit(15)))
            export_to(s, "csv", folder / "good.csv", ids)
    finally:
        store.close()
    return folder / "good.csv"


@pytest.fixture
def source(source_file: Path, tmp_path: Path) -> Any:
    target = tmp_path / "source.db"
    shutil.copyfile(source_file, target)
    store = open_store(target, seed=False)
    yield store
    store.close()


def export(store: Any, fmt: str, path: Path, ids: list[int] | None = None) -> bytes:
    with store.session() as s:
        export_to(s, fmt, path, ids)
    return path.read_bytes()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_import_export_round_trip_is_lossless(source, empty_store, tmp_path, fmt):
    first = export(source, fmt, tmp_path / f"first.{fmt}")
    report = run_import(empty_store, tmp_path / f"first.{fmt}")
    assert report.ok, report.errors
    assert report.kind == "directory" and report.centers_new > 500
    second = export(empty_store, fmt, tmp_path / f"second.{fmt}")
    assert first == second
    again = run_import(empty_store, tmp_path / f"first.{fmt}")
    assert again.centers_new == 0 and again.centers_unchanged == report.centers_new


def test_csv_neutralises_formula_cells_and_reverses_exactly(source, tmp_path):
    export(source, "csv", tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    center = next(r for r in rows if r["record"] == "center" and r["notes"])
    assert center["notes"].startswith("'=HYPERLINK")
    assert center["insurance_notes"] == "'+SUM(A1:A2)"
    assert center["eligibility_notes"] == "'\tstarts with a tab"
    assert center["accreditation_scope"] == "'\rstarts with a carriage return"
    assert center["verified_by"] == "''already quoted"
    assert center["email"] == "'" and center["name"] == "'-Sjögren Centre ✓"
    contact = next(r for r in rows if r["record"] == "contact")
    assert contact["name"] == "'@Jane Doe" and contact["phone"] == "'+1 216 555 0100"
    negative = [r["longitude"] for r in rows if r["longitude"].startswith("-")]
    assert negative and all(not cell.startswith("'") for cell in negative)  # numbers stay numbers
    for row in rows:
        for cell in row.values():
            assert not (cell or "").startswith(("=", "+", "@", "\t", "\r")), cell
    data = read_csv(tmp_path / "out.csv")
    back = next(c for c in data["centers"] if c["notes"])
    assert {f: back[f] for f in TRICKY} == TRICKY


@pytest.mark.parametrize(
    "text", ["", "=1+1", "+", "-x", "@", "\t", "\r\n", "'", "''", "plain", "a=b", " =x"]
)
def test_neutralise_and_restore_are_inverse(text):
    assert restore(neutralise(text)) == text
    assert not neutralise(text).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_filtered_export_holds_only_matching_centers_and_their_trials(source, tmp_path):
    flt = filter_from_json('{"therapies": ["msc_bone_marrow"], "sort": "name"}')
    with source.session() as s:
        ids = matching_ids(s, flt)
    assert ids
    export(source, "json", tmp_path / "some.json", ids)
    data = json.loads((tmp_path / "some.json").read_text(encoding="utf-8"))
    assert len(data["centers"]) == len(ids)
    assert all(
        any(t["therapy"] == "msc_bone_marrow" for t in c["therapies"]) for c in data["centers"]
    )
    linked = {t["nct_id"] for c in data["centers"] for t in c["trials"]}
    assert {t["nct_id"] for t in data["trials"]} == linked


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1]", "JSON object"),
        ('{"colour": 1}', "unknown filter field 'colour'"),
        ('{"therapies": "msc"}', "list of codes"),
        ('{"origin": [1]}', "[latitude, longitude]"),
        ("{nope", "not valid JSON"),
    ],
)
def test_bad_filters_are_explained(text, message):
    with pytest.raises(FilterError, match=message):
        filter_from_json(text)


def test_importing_over_existing_centers_leaves_them_and_lists_differences(source, tmp_path):
    export(source, "json", tmp_path / "mine.json")
    with source.session() as s:
        center = s.scalars(select(Center).where(Center.notes.is_not(None))).first()
        center.notes = "changed here since the export"
    report = run_import(source, tmp_path / "mine.json")
    assert report.centers_new == 0 and report.centers_kept == 1
    assert [d.field for d in report.differences] == ["notes"]
    with source.session() as s:
        assert s.scalar(select(Center.notes).where(Center.id == center.id)) == (
            "changed here since the export"
        )


def test_undo_of_a_directory_import_removes_what_it_added(small_export, empty_store):
    report = run_import(empty_store, small_export)
    undo = run_undo_last(empty_store)
    assert undo.centers_removed == report.centers_new == 15
    assert undo.trials_removed == report.trials_new > 0
    with empty_store.session() as s:
        assert s.scalars(select(Center)).first() is None


def _bad_csv(good: Path, tmp_path: Path, edit: str) -> Path:
    with good.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    blank = [""] * len(header)
    if edit == "bool":
        row = next(r for r in rows if r[0] == "center")
        row[header.index("insurance_accepted")] = "maybe"
    elif edit == "record":
        rows.insert(2, ["bogus", *blank[1:]])
    elif edit == "orphan":
        orphan = ["therapy", "deadbeef", *blank[2:]]
        orphan[header.index("therapy")] = "msc_adipose"
        rows.insert(1, orphan)
    bad = tmp_path / f"bad-{edit}.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return bad


@pytest.mark.parametrize(
    ("edit", "field"),
    [("bool", "insurance_accepted"), ("record", "record"), ("orphan", "center_uid")],
)
def test_malformed_csv_names_row_and_column_and_imports_nothing(
    small_export, empty_store, tmp_path, edit, field
):
    bad = _bad_csv(small_export, tmp_path, edit)
    with pytest.raises(RecordError) as caught:
        read_csv(bad)
    assert caught.value.field == field and caught.value.row is not None
    report = run_import(empty_store, bad)
    with empty_store.session() as s:
        assert not report.ok and s.scalars(select(Center)).first() is None


def test_malformed_json_names_the_record_and_member(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "format": "directory-app/1",
                "trials": [],
                "centers": [
                    {"uid": "a" * 32, "name": "A"},
                    {"uid": "b" * 32, "name": "B", "therapies": [{"therapy": 5}]},
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(RecordError) as caught:
        read_json(path)
    assert (caught.value.row, caught.value.field) == (2, "centers[1].therapies[0].therapy")


@pytest.mark.parametrize(
    "center, field",
    [
        ({"therapies": [{"therapy": "snake_oil"}]}, "therapies[0].therapy"),
        ({"age_min": 500}, "age_min"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"cost_min_usd": 90000, "cost_max_usd": 10000}, "cost_min_usd"),
    ],
)
def test_own_format_import_applies_the_editors_rules(tmp_path, center, field):
    """A file must not bring in what a person could not type in the edit dialog."""
    path = tmp_path / "odd.json"
    document = {"format": "directory-app/1", "trials": [],
                "centers": [{"uid": "c" * 32, "name": "Sample Center", **center}]}
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(RecordError) as caught:
        read_json(path)
    assert caught.value.row == 1
    assert caught.value.field.startswith("centers[0]")
    assert field.split("[")[0].split(".")[0] in caught.value.field


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "export.csv"
    atomic_write_text(target, "old complete file\n")
    os.chmod(target, 0o640)
    with pytest.raises(RuntimeError), atomic_text(target) as fh:
        fh.write("half a fi")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old complete file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]
    atomic_write_text(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert target.stat().st_mode & 0o777 == 0o640  # permissions of the replaced file are kept


def test_cli_export_and_import_with_exit_codes(source_file, tmp_path, capsys):
    db = tmp_path / "cli.db"
    shutil.copyfile(source_file, db)
    out = tmp_path / "filtered.csv"
    flt = '{"therapies": ["msc_umbilical_cord"]}'
    assert main(["--db", str(db), "export", "--format", "csv", str(out), "--filter-json", flt]) == 0
    assert "centers" in capsys.readouterr().out
    assert (
        main(["--db", str(db), "export", "--format", "csv", str(out), "--filter-json", '{"x": 1}'])
        == 2
    )
    assert "unknown filter field" in capsys.readouterr().err
    fresh = tmp_path / "fresh.db"
    open_store(fresh, seed=False).close()
    assert main(["--db", str(fresh), "import", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "directory" and report["centers_new"] > 0
    assert main(["--db", str(fresh), "import", "--undo-last"]) == 0
    assert "removed" in capsys.readouterr().out
    assert main(["--db", str(fresh), "import", "--undo-last"]) == 2
    assert "no import to undo" in capsys.readouterr().err


@pytest.mark.parametrize("text", [" =1+1", "  +cmd", "\u00a0-2", "\uff1dHYPERLINK(1)", " \uff20x"])
def test_formulas_behind_blanks_or_in_fullwidth_are_neutralised(text):
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text

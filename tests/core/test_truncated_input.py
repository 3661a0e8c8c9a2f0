"""A download cut short must be refused whole, never imported as if it were complete.

A browser or proxy that drops a connection leaves a file that ends mid-record. Such a file is
refused with the file, row and field named, and the database is left exactly as it was.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from directory_app.core.importing.importer import run_import
from directory_app.core.registry.ctgov import RecordError, iter_studies
from directory_app.core.storage.opening import open_store

DATA = Path(__file__).resolve().parent.parent / "data" / "ctgov"
CLASSIC = DATA / "classic-autoimmune.csv"
CURRENT = DATA / "current-autoimmune.csv"


def _cut_inside_last_quoted_field(source: Path, tmp_path: Path) -> Path:
    """The classic CSV cut inside the last record's 9th field, "Outcome Measures" (quoted)."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = next(csv.reader([lines[-1]]))
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="").writerow(cells[:8])
    cut = buf.getvalue() + ',"' + cells[8][:5]
    target = tmp_path / source.name
    target.write_text("".join(lines[:-1]) + cut, encoding="utf-8")
    return target


def test_quoted_field_open_at_end_of_file_is_refused_with_row_and_field(tmp_path: Path) -> None:
    cut = _cut_inside_last_quoted_field(CLASSIC, tmp_path)
    with pytest.raises(RecordError) as info:
        list(iter_studies(cut))
    err = info.value
    assert err.file == cut.name
    assert err.row == 17  # the 17th data row is the one cut short
    assert err.field == "Outcome Measures"
    assert "end of the file" in err.message


def test_record_with_too_few_fields_is_refused_naming_the_first_missing_one(
    tmp_path: Path,
) -> None:
    lines = CURRENT.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0]
    rows = list(csv.reader(lines[1:]))
    short = rows[2][:9]
    writer_lines = [header] + lines[1:3]
    target = tmp_path / "short.csv"
    buf = io.StringIO()
    csv.writer(buf).writerow(short)
    target.write_text("".join(writer_lines) + buf.getvalue(), encoding="utf-8")
    columns = next(csv.reader([header]))
    with pytest.raises(RecordError) as info:
        list(iter_studies(target))
    assert info.value.row == 3
    assert info.value.field == columns[9].strip()
    assert f"9 of {len(columns)} fields" in info.value.message


def test_record_with_extra_fields_is_refused(tmp_path: Path) -> None:
    text = CLASSIC.read_text(encoding="utf-8").rstrip("\n") + ',"surplus"\n'
    target = tmp_path / "extra.csv"
    target.write_text(text, encoding="utf-8")
    with pytest.raises(RecordError) as info:
        list(iter_studies(target))
    assert info.value.row == 17
    assert "28 fields" in info.value.message


def test_json_page_cut_short_is_refused_with_the_record_number(tmp_path: Path) -> None:
    raw = (DATA / "v2-page.json").read_bytes()
    count = len(json.loads(raw)["studies"])
    assert count >= 2
    target = tmp_path / "page.json"
    target.write_bytes(raw[: len(raw) * 2 // 3])
    with pytest.raises(RecordError) as info:
        list(iter_studies(target))
    assert info.value.row is not None and 1 <= info.value.row <= count
    assert "cut short" in info.value.message


def test_zip_member_cut_short_is_refused(tmp_path: Path) -> None:
    raw = (DATA / "v2-page.json").read_bytes()
    target = tmp_path / "pages.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("page-1.json", raw[: len(raw) // 2])
    with pytest.raises(RecordError) as info:
        list(iter_studies(target))
    assert info.value.file == "pages.zip/page-1.json"


def test_zip_archive_itself_cut_short_is_refused(tmp_path: Path) -> None:
    whole = DATA / "v2-two-pages.zip"
    target = tmp_path / "cut.zip"
    target.write_bytes(whole.read_bytes()[: whole.stat().st_size - 200])
    with pytest.raises(RecordError) as info:
        list(iter_studies(target))
    assert info.value.file == "cut.zip"


@pytest.mark.parametrize("all_conditions", [False, True])
def test_truncated_import_leaves_the_database_byte_for_byte_unchanged(
    tmp_path: Path, all_conditions: bool
) -> None:
    db = tmp_path / "d.db"
    open_store(db, seed=False).close()
    store = open_store(db, seed=False)
    run_import(store, CURRENT, all_conditions=True)
    store.close()
    before = db.read_bytes()
    shutil.copyfile(db, tmp_path / "before.db")
    cut = _cut_inside_last_quoted_field(CLASSIC, tmp_path)
    store = open_store(db, seed=False)
    try:
        report = run_import(store, cut, all_conditions=all_conditions)
    finally:
        store.close()
    assert not report.ok
    assert [(e["file"], e["row"], e["field"]) for e in report.errors] == [
        (cut.name, 17, "Outcome Measures")
    ]
    assert report.batch_id is None
    assert db.read_bytes() == before

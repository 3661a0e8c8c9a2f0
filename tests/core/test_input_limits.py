"""Zip bombs and huge fields are refused in seconds with memory bounded, naming file, row, field.

The caps live in `core/registry/limits.py`; these tests build the hostile files themselves.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from directory_app.core.importing.importer import run_import
from directory_app.core.registry import limits
from directory_app.core.registry.ctgov import RecordError, iter_studies
from directory_app.core.storage.opening import open_store

DATA = Path(__file__).resolve().parent.parent / "data" / "ctgov"
CURRENT = DATA / "current-autoimmune.csv"
MB = 1 << 20


def _bomb(target: Path, expanded_mb: int) -> Path:
    """A zip whose one CSV member expands from about 1 MB to `expanded_mb` MB."""
    header = CURRENT.read_bytes().split(b"\n", 1)[0] + b"\n"
    block = b"0" * MB
    with (
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("studies.csv", "w", force_zip64=True) as member,
    ):
        member.write(header)
        for _ in range(expanded_mb):
            member.write(block)
    return target


def _peak_rss_mb(argv: list[str]) -> tuple[int, float, str]:
    """Run `argv` under a fresh Python that reports its child's peak RSS (so the children this
    test process waited for before cannot count): exit code, peak MB, stderr of the child."""
    wrapper = (
        "import json, resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps([r.returncode, peak, r.stderr]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *argv], capture_output=True, text=True, check=True
    )
    code, peak, stderr = json.loads(out.stdout)
    return code, peak, stderr


@pytest.mark.slow  # building the 1 GB bomb takes several seconds
def test_zip_bomb_is_refused_in_seconds_with_bounded_memory(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.zip", 1024)
    assert bomb.stat().st_size < 2 * MB  # 1 MB on disk, 1 GB expanded
    db = tmp_path / "d.db"
    open_store(db).close()  # seeded, as the import command would otherwise seed it first
    before = db.read_bytes()
    started = time.monotonic()
    argv = [sys.executable, "-m", "directory_app.cli", "--db", str(db), "import", str(bomb)]
    code, peak_mb, stderr = _peak_rss_mb(argv)
    elapsed = time.monotonic() - started
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "bomb.zip/studies.csv" in lines[0] and "zip bomb" in lines[0]
    assert elapsed < 10
    assert peak_mb < 300
    assert db.read_bytes() == before


def test_member_that_expands_a_thousand_times_is_refused_under_the_size_cap(
    tmp_path: Path,
) -> None:
    bomb = _bomb(tmp_path / "small-bomb.zip", 64)
    started = time.monotonic()
    with pytest.raises(RecordError) as info:
        list(iter_studies(bomb))
    assert time.monotonic() - started < 1
    assert info.value.file == "small-bomb.zip/studies.csv"
    assert "zip bomb" in info.value.message


def test_member_above_the_size_cap_is_refused_even_when_it_compresses_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The size cap stands on its own, not only the ratio: a lowered cap shows it on a file
    the ratio lets through."""
    target = tmp_path / "plain.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        archive.write(CURRENT, "studies.csv")
    assert len(list(iter_studies(target))) > 0
    monkeypatch.setattr("directory_app.core.registry.ctgov.MAX_MEMBER_BYTES", 1000)
    with pytest.raises(RecordError) as info:
        list(iter_studies(target))
    assert info.value.file == "plain.zip/studies.csv"
    assert "more than the 1,000 bytes" in info.value.message


def test_member_with_another_compression_method_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "bz.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_BZIP2) as archive:
        archive.write(CURRENT, "studies.csv")
    with pytest.raises(RecordError) as info:
        list(iter_studies(target))
    assert "deflate" in info.value.message


def test_line_without_end_is_refused_before_it_is_held_whole(tmp_path: Path) -> None:
    """A plain (not zipped) CSV whose second line never ends: refused at the record cap."""
    target = tmp_path / "endless.csv"
    header = CURRENT.read_bytes().split(b"\n", 1)[0] + b"\n"
    with target.open("wb") as fh:
        fh.write(header)
        for _ in range(limits.MAX_RECORD_CHARS // MB + 4):
            fh.write(b"x" * MB)
    started = time.monotonic()
    with pytest.raises(RecordError) as info:
        list(iter_studies(target))
    assert time.monotonic() - started < 10
    assert info.value.file == "endless.csv" and info.value.row == 1
    assert "runs past" in info.value.message


def _current_csv_with(tmp_path: Path, column: str, value: str) -> tuple[Path, list[str]]:
    rows = list(csv.reader(io.StringIO(CURRENT.read_text(encoding="utf-8"))))
    header = [h.strip() for h in rows[0]]
    rows[2][header.index(column)] = value
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    target = tmp_path / "big-field.csv"
    target.write_text(buf.getvalue(), encoding="utf-8")
    return target, header


def test_sixteen_megabyte_title_is_refused_naming_row_and_field(tmp_path: Path) -> None:
    target, _ = _current_csv_with(tmp_path, "Study Title", "T" * (16 * MB))
    with pytest.raises(RecordError) as info:
        list(iter_studies(target))
    assert (info.value.row, info.value.field) == (2, "Study Title")
    assert "field runs past" in info.value.message


def test_title_above_the_stored_text_cap_is_refused(tmp_path: Path) -> None:
    target, _ = _current_csv_with(tmp_path, "Study Title", "T" * (limits.MAX_TEXT_CHARS + 1))
    with pytest.raises(RecordError) as info:
        list(iter_studies(target))
    assert (info.value.row, info.value.field) == (2, "Study Title")
    assert f"{limits.MAX_TEXT_CHARS:,}" in info.value.message


def test_title_just_under_the_cap_is_read(tmp_path: Path) -> None:
    target, _ = _current_csv_with(tmp_path, "Study Title", "T" * limits.MAX_TEXT_CHARS)
    studies = list(iter_studies(target))
    assert len(studies[1].title) == limits.MAX_TEXT_CHARS


def test_huge_json_title_is_refused_and_the_database_is_unchanged(tmp_path: Path) -> None:
    page = json.loads((DATA / "v2-page.json").read_text(encoding="utf-8"))
    ident = page["studies"][0]["protocolSection"]["identificationModule"]
    ident["briefTitle"] = "T" * (16 * MB)
    target = tmp_path / "page.json"
    target.write_text(json.dumps(page), encoding="utf-8")
    db = tmp_path / "d.db"
    open_store(db, seed=False).close()
    before = db.read_bytes()
    store = open_store(db, seed=False)
    try:
        report = run_import(store, target, all_conditions=True)
    finally:
        store.close()
    assert not report.ok
    (error,) = report.errors
    assert error["row"] == 1
    assert error["field"] == "protocolSection.identificationModule.briefTitle"
    assert db.read_bytes() == before

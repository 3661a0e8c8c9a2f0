"""Hostile files for the importer: every format it accepts (ClinicalTrials.gov classic and
current CSV, API v2 JSON, zips of those, and the app's own CSV and JSON export), generated from
scratch and by mutating real files - the fixtures in tests/data/ctgov and an export of real
centers. Wrong encodings, byte-order marks, missing, extra and repeated columns, ragged rows,
huge fields, NUL bytes, deep nesting, wrong JSON types and plain byte noise.

The promise checked: a file the importer cannot take is refused with a `RecordError` (file, row
or record, field) and nothing else, and a refused import leaves the database exactly as it was.
A file it does take leaves a directory that can still be searched, near a place too.

Three layers, cheapest first: reading alone (most cases), an import inside a transaction on a
small real database that is always rolled back, and the whole user action (`run_import`, with
its backup and commit) for a smaller number of cases.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory_app.core.exchange.csv_file import COLUMNS as OWN_COLUMNS
from directory_app.core.exchange.csv_file import read_csv
from directory_app.core.exchange.csv_file import rows as own_csv_rows
from directory_app.core.exchange.json_file import NOT_EXPORTED, dumps, read_json
from directory_app.core.importing.importer import (
    DIRECTORY_CSV,
    DIRECTORY_JSON,
    detect_import_format,
    import_into,
    run_import,
)
from directory_app.core.registry.ctgov import iter_studies
from directory_app.core.registry.fields import RecordError
from directory_app.core.search.query import CenterFilter, search
from directory_app.core.storage.engine import Store
from directory_app.core.storage.opening import open_store
from tests.fuzz_support import (
    Tally,
    fingerprint,
    fuzz,
    hostile_text,
    huge_text,
    json_values,
    nasty_text,
    pick,
    record_cases,
    seed_subset,
    small_real_store,
)

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "ctgov"


# --- real starting points ---------------------------------------------------------------------


def _own_export() -> dict[str, Any]:
    """An export document of twenty real centers, as `directory-app export` writes it."""
    data = seed_subset(20)
    centers = [{k: v for k, v in c.items() if k not in NOT_EXPORTED} for c in data["centers"]]
    return {"format": data["format"], "meta": {"exported_by": "directory-app"},
            "trials": data["trials"], "centers": centers}  # fmt: skip


def _own_csv_bytes(doc: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=OWN_COLUMNS, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(own_csv_rows(doc))
    return out.getvalue().encode("utf-8")


OWN_DOC = _own_export()
REAL_FILES: dict[str, bytes] = {
    p.name: p.read_bytes() for p in sorted(FIXTURES.iterdir()) if p.suffix in (".csv", ".json")
}
REAL_FILES["own-export.json"] = dumps(OWN_DOC).encode("utf-8")
REAL_FILES["own-export.csv"] = _own_csv_bytes(OWN_DOC)
REAL_JSON: dict[str, Any] = {
    name: json.loads(data) for name, data in REAL_FILES.items() if name.endswith(".json")
}
ZIP_FIXTURE = (FIXTURES / "v2-two-pages.zip").read_bytes()

CLASSIC_HEADER = next(csv.reader(io.StringIO(REAL_FILES["classic-autoimmune.csv"].decode())))
CURRENT_HEADER = next(csv.reader(io.StringIO(REAL_FILES["current-autoimmune.csv"].decode())))
HEADERS = (CLASSIC_HEADER, CURRENT_HEADER, list(OWN_COLUMNS))

NASTY_BYTES = (
    b"\x00", b'"', b",", b"\n", b"\r", b"\r\n", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
    b"\xc3", b"\xe2\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"{", b"[", b"]", b"}",
    b":", b"\\", b"\\u0000", b"\\ud800", b"NaN", b"-Infinity", b"1e999", b"|", b"'", b"=",
    b"PK\x03\x04", b"null", b"true",
)  # fmt: skip
ENCODINGS = ("utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-16-le", "utf-32")


# --- strategies -------------------------------------------------------------------------------


@st.composite
def byte_mutations(draw: st.DrawFn, base: bytes) -> bytes:
    """`base` with one to four byte-level accidents: flips, insertions of nasty bytes, cuts,
    truncation, repeated chunks."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(pick(["flip", "insert", "delete", "truncate", "repeat"]))
        pos = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(pick(NASTY_BYTES) | st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[pos:]
        elif op == "repeat":
            chunk = data[pos : pos + draw(st.integers(1, 200))]
            data[pos:pos] = chunk * draw(st.integers(1, 3))
    return bytes(data)


@st.composite
def reencoded(draw: st.DrawFn, base: bytes) -> bytes:
    """A real file saved in another encoding (as spreadsheet programs do)."""
    text = base.decode("utf-8", errors="replace")
    return text.encode(draw(pick(ENCODINGS)), errors="replace")


def deep_value(depth: int) -> str:
    """A list nested `depth` deep, as JSON text (json.dumps would recurse)."""
    return "[" * depth + "]" * depth


#: JSON text that `json.dumps` cannot or will not write, spliced in where a marker stands:
#: deep nesting, integers too long to convert, non-finite and out-of-range numbers, lone
#: surrogates and NUL escapes, a huge string.
RAW_JSON: tuple[str, ...] = (
    deep_value(40), deep_value(990), deep_value(3000), deep_value(100_000),
    "9" * 5000, "1" + "0" * 400, "1" + "0" * 30, "-" + "9" * 19, "1e999", "-1e999", "NaN",
    "Infinity", "-Infinity", "-0", "1E-400", "500.5", "-181", '"\\ud800"', '"\\u0000x"',
    '"\\udfff\\ud800"', '"' + "x" * 200_000 + '"', '{"a": 1, "a": [2]}', "[1,]", "{,}",
)  # fmt: skip


def _node_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            paths += _node_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            paths += _node_paths(value, (*prefix, i))
    return paths


NODE_PATHS = {name: _node_paths(doc) for name, doc in REAL_JSON.items()}


@st.composite
def json_mutations(draw: st.DrawFn, name: str) -> bytes:
    """A real JSON document with one to three of its nodes (any node, leaves as likely as
    whole modules) replaced, removed, wrapped, multiplied or swapped for raw JSON text."""
    doc = copy.deepcopy(REAL_JSON[name])
    raw: dict[str, str] = {}
    for _ in range(draw(st.integers(1, 3))):
        parent: Any = None
        key: Any = None
        node = doc
        for step in draw(pick(NODE_PATHS[name])):
            if not isinstance(node, dict | list):
                break
            try:
                node, parent, key = node[step], node, step
            except (KeyError, IndexError, TypeError):
                break
        op = draw(pick(["replace", "replace", "delete", "wrap", "repeat", "raw", "raw"]))
        if parent is None:
            doc = draw(json_values) if op != "wrap" else [doc]
        elif op == "delete":
            del parent[key]
        elif op == "wrap":
            parent[key] = draw(pick([[node], {"value": node}, str(node)[:50]]))
        elif op == "repeat" and isinstance(node, list):
            parent[key] = node * draw(st.integers(2, 30))
        elif op == "raw":
            marker = f"@@raw-{len(raw)}@@"
            raw[marker] = draw(pick(RAW_JSON))
            parent[key] = marker
        else:
            parent[key] = draw(json_values)
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()), indent=draw(pick([None, 1])))
    for marker, snippet in raw.items():
        text = text.replace(json.dumps(marker), snippet, 1)
    return text.encode(draw(pick(("utf-8", "utf-8", "utf-8", "utf-8-sig", "latin-1"))), "replace")


REAL_CELLS: dict[str, st.SearchStrategy[str]] = {
    "NCT Number": pick(["NCT01234567", "nct01234567", "NCT0123", " NCT01234567 ", "", "NCT" * 5]),
    "Status": pick(["Recruiting", "RECRUITING", "Active, not recruiting", "Unknown status", "x"]),
    "Study Status": pick(["RECRUITING", "COMPLETED", "", "WITHDRAWN", "Paused"]),
    "Phases": pick(["Phase 1|Phase 2", "PHASE1|PHASE2", "Phase I/II", "NA", "Phase 9", ""]),
    "Age": pick(["18 Years to 65 Years (Adult)", "up to 18 Years", "Child, Adult", "18 Yrs", ""]),
    "Last Update Posted": pick(["2022-09-14", "September 14, 2022", "2022-13-45", "Sept 2022"]),
    "Locations": st.lists(
        st.lists(pick(["Mayo Clinic", "Rochester", "Minnesota", "55905", "United States",
                       "Korea, Republic of", ""]) | nasty_text, max_size=5).map(", ".join),
        max_size=4,
    ).map("|".join),
    "record": pick(["center", "trial", "therapy", "condition", "team", "contact", "site", "x"]),
    "center_uid": pick(["u1", "u2", "", "'=cmd"]),
    "latitude": pick(["44.02", "nan", "inf", "-1e999", "91", "x", ""]),
    "nct_id": pick(["NCT01234567", "NCT0", ""]),
    "status": pick(["recruiting", "completed", "", "RECRUITING"]),
}  # fmt: skip


def cell(column: str) -> st.SearchStrategy[str]:
    usual = REAL_CELLS.get(column, pick(["", "Mayo Clinic", "true", "1", '["phase1"]', "|"]))
    return usual | usual | hostile_text


def _real_rows() -> list[dict[str, str]]:
    rows = []
    for name in ("classic-autoimmune.csv", "current-autoimmune.csv", "own-export.csv"):
        text = REAL_FILES[name].decode("utf-8-sig")
        rows += list(csv.DictReader(io.StringIO(text)))[:12]
    return rows


REAL_ROWS = _real_rows()


@st.composite
def csv_from_scratch(draw: st.DrawFn) -> bytes:
    """A CSV with a real header (classic, current or our own) bent out of shape - columns
    dropped, added, repeated or shuffled - over real rows with a few cells made hostile, some
    rows with too few or too many cells; written with any quoting, line ending and encoding."""
    header = list(draw(pick(HEADERS)))
    for _ in range(draw(st.integers(0, 3))):
        op = draw(pick(["drop", "add", "repeat", "shuffle"]))
        if op == "drop" and header:
            header.pop(draw(st.integers(0, len(header) - 1)))
        elif op == "add":
            header.insert(draw(st.integers(0, len(header))), draw(nasty_text))
        elif op == "repeat" and header:
            header.append(draw(pick(header)))
        elif op == "shuffle":
            header = draw(st.permutations(header))
    rows = []
    for _ in range(draw(st.integers(0, 3))):
        real = draw(pick(REAL_ROWS))
        row = [real.get(name) or "" for name in header]
        width = len(header) + draw(pick([0, 0, 0, -1, 1, -len(header), 5]))
        row = (row + [""] * 5)[: max(width, 0)]
        for _ in range(draw(st.integers(0, 3)) if row else 0):
            i = draw(st.integers(0, len(row) - 1))
            row[i] = draw(cell(header[i] if i < len(header) else ""))
        rows.append(row)
    out = io.StringIO()
    writer = csv.writer(
        out,
        quoting=draw(pick([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        lineterminator=draw(pick(["\r\n", "\n", "\r"])),
    )
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(draw(pick(ENCODINGS)), errors="replace")


V2_PATHS = (
    ("protocolSection", "identificationModule", "nctId"),
    ("protocolSection", "identificationModule", "briefTitle"),
    ("protocolSection", "statusModule", "overallStatus"),
    ("protocolSection", "statusModule", "lastUpdatePostDateStruct", "date"),
    ("protocolSection", "designModule", "phases"),
    ("protocolSection", "conditionsModule", "conditions"),
    ("protocolSection", "eligibilityModule", "minimumAge"),
    ("protocolSection", "armsInterventionsModule", "interventions"),
    ("protocolSection", "contactsLocationsModule", "locations"),
)


@st.composite
def v2_from_scratch(draw: st.DrawFn) -> bytes:
    """API v2 shapes (one study, a list, a page) whose members hold anything at all."""
    studies = []
    for _ in range(draw(st.integers(0, 2))):
        study: dict[str, Any] = {}
        for path in draw(st.lists(pick(V2_PATHS), max_size=4)):
            node = study
            for key in path[:-1]:
                node = node.setdefault(key, {})
                if not isinstance(node, dict):
                    break
            else:
                node[path[-1]] = draw(json_values)
        studies.append(study)
    shape = draw(pick(["single", "list", "page", "anything"]))
    doc: Any = {
        "single": studies[0] if studies else {},
        "list": studies,
        "page": {"studies": studies, "nextPageToken": draw(json_values)},
        "anything": draw(json_values),
    }[shape]
    return json.dumps(doc).encode(draw(pick(("utf-8", "utf-8-sig", "utf-16"))), "replace")


noise = st.binary(max_size=300) | huge_text.map(lambda t: t.encode("utf-8", "surrogatepass"))

real_mutations = st.sampled_from(sorted(REAL_FILES)).flatmap(
    lambda name: st.one_of(
        byte_mutations(REAL_FILES[name]),
        reencoded(REAL_FILES[name]),
        json_mutations(name) if name in REAL_JSON else byte_mutations(REAL_FILES[name]),
    )
)


@st.composite
def zip_of(draw: st.DrawFn) -> bytes:
    """A zip holding generated members, or the real zip fixture with bytes changed."""
    if draw(st.booleans()):
        return draw(byte_mutations(ZIP_FIXTURE))
    out = io.BytesIO()
    with zipfile.ZipFile(
        out, "w", compression=draw(pick([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    ) as archive:
        for i in range(draw(st.integers(0, 3))):
            name = draw(pick([f"page{i}.json", f"dir/{i}.csv", f".hidden{i}", f"__MACOSX/{i}"]))
            archive.writestr(name, draw(pick(list(REAL_FILES.values())) | real_mutations))
    return out.getvalue()


#: Any file a person might hand to the importer.
import_files = st.one_of(
    real_mutations, real_mutations, csv_from_scratch(), v2_from_scratch(), zip_of(), noise,
    st.sampled_from(sorted(REAL_FILES)).map(REAL_FILES.__getitem__),
)  # fmt: skip


def read_only(path: Path) -> str:
    """Everything `import_into` reads, without a database: the format, then every record."""
    fmt = detect_import_format(path)
    if fmt == DIRECTORY_JSON:
        read_json(path)
    elif fmt == DIRECTORY_CSV:
        read_csv(path)
    else:
        for _ in iter_studies(path):
            pass
    return fmt


# --- reading ----------------------------------------------------------------------------------


def test_reading_any_file_raises_only_record_error(tmp_path: Path, pytestconfig):
    tally = Tally()
    target = tmp_path / "download"

    @fuzz(2500)
    @given(data=import_files)
    def read(data: bytes) -> None:
        target.write_bytes(data)
        try:
            fmt = read_only(target)
        except RecordError as exc:
            assert exc.file.startswith(target.name) and str(exc)  # zip members: "download/x"
            tally("refused")
            return
        tally(f"read {fmt}")

    read()
    assert tally.outcomes["refused"] > 100 and tally.n - tally.outcomes["refused"] > 100
    record_cases(pytestconfig, "import: reading", tally, minimum=2000)


def test_huge_fields_nul_bytes_and_deep_nesting_are_refused_or_read(tmp_path: Path):
    """The worst cases by hand, so they run whatever the generator picks."""
    deep = deep_value(200_000).encode()
    big = "x" * 3_000_000
    cases = {
        "deep.json": deep,
        "deep-page.json": b'{"studies": [' + deep + b"]}",
        "deep-own.json": b'{"centers": [' + deep + b"]}",
        "deep-member.json": b'{"protocolSection": ' + deep + b"}",
        "nul.csv": REAL_FILES["classic-autoimmune.csv"].replace(b",", b",\x00", 5),
        "nul-own.csv": REAL_FILES["own-export.csv"].replace(b"\r\n", b"\x00\r\n", 3),
        "huge-cell.csv": ",".join(CLASSIC_HEADER).encode() + b"\n" + f'"{big}"'.encode(),
        "huge-own.json": dumps({**OWN_DOC, "meta": {"notes": big}}).encode(),
        "utf16.csv": REAL_FILES["classic-autoimmune.csv"].decode().encode("utf-16"),
        "empty.json": b"",
        "bom-only.csv": b"\xef\xbb\xbf",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        try:
            read_only(path)
        except RecordError as exc:
            assert exc.file == name


BAD_POINTS = [
    ("NaN", "5"), ("Infinity", "0"), ("500.5", "5"), ("45", "720"), ("1" + "0" * 400, "1"),
]  # fmt: skip


@pytest.mark.parametrize(("lat", "lon"), BAD_POINTS)
def test_coordinates_the_map_cannot_use_are_refused_in_every_format(
    tmp_path: Path, lat: str, lon: str
):
    """A NaN, infinite or out-of-range position would break every distance search later."""
    study = json.dumps(REAL_JSON["v2-single-study.json"])
    point = '"geoPoint": {"lat": 44.02056, "lon": -92.48272}'
    assert point in study
    files = {"study.json": study.replace(point, f'"geoPoint": {{"lat": {lat}, "lon": {lon}}}')}
    doc = copy.deepcopy(OWN_DOC)
    doc["centers"][0]["latitude"], doc["centers"][0]["longitude"] = "@lat@", "@lon@"
    own = dumps(doc).replace('"@lat@"', lat).replace('"@lon@"', lon)
    files["own.json"] = own
    files["own.csv"] = _own_csv_bytes(doc).decode().replace("@lat@", lat).replace("@lon@", lon)
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(RecordError) as caught:
            read_only(path)
        assert "lat" in str(caught.value) or "lon" in str(caught.value), caught.value


def test_unpaired_surrogate_escapes_are_refused(tmp_path: Path):
    study = json.dumps(REAL_JSON["v2-single-study.json"])
    title = '"briefTitle": "Stem Cell Fistula Plug in Perianal Crohn\'s Disease"'
    assert title in study
    paired = tmp_path / "paired.json"  # an escaped emoji is a real character and fine
    paired.write_text(study.replace(title, '"briefTitle": "Plug \\ud83e\\uddec"'), "utf-8")
    assert [s.title for s in iter_studies(paired)] == ["Plug \U0001f9ec"]
    lone = tmp_path / "lone.json"
    lone.write_text(study.replace(title, '"briefTitle": "Plug \\ud800"'), "utf-8")
    with pytest.raises(RecordError, match="unpaired"):
        read_only(lone)
    own = tmp_path / "own.json"
    own.write_text(dumps(OWN_DOC).replace('"name": "', '"name": "\\udc00', 1), "utf-8")
    with pytest.raises(RecordError, match="unpaired"):
        read_only(own)


# --- importing into a database ----------------------------------------------------------------


@pytest.fixture
def small_store(sqlite_template: Path, tmp_path: Path):
    store = small_real_store(sqlite_template, tmp_path, n_centers=30)
    yield store
    store.close()


def test_import_in_a_transaction_raises_only_record_error_and_leaves_a_searchable_directory(
    small_store: Store, tmp_path: Path, pytestconfig
):
    before = fingerprint(small_store)
    tally = Tally()
    target = tmp_path / "download"

    @fuzz(350)
    @given(data=import_files, all_conditions=st.booleans())
    def imported(data: bytes, all_conditions: bool) -> None:
        target.write_bytes(data)
        session = small_store.factory()
        session.begin()
        try:
            import_into(session, target, all_conditions=all_conditions)
            # What was taken in must not break the search that reads it next.
            search(session, CenterFilter(text="clinic", limit=10))
            search(session, CenterFilter(origin=(44.02, -92.46), radius_km=20_000, limit=50))
            tally("imported")
        except RecordError:
            tally("refused")
        finally:
            session.rollback()
            session.close()
        assert fingerprint(small_store) == before

    imported()
    assert tally.outcomes["imported"] > 20 and tally.outcomes["refused"] > 20
    record_cases(pytestconfig, "import: into a database", tally, minimum=300)


def test_a_refused_import_changes_nothing_in_the_database(
    sqlite_template: Path, tmp_path: Path, pytestconfig
):
    """The whole user action, backup and commit included: a refused file leaves every row as
    it was. (A file that is taken is undone by restoring the starting copy.)"""
    (tmp_path / "start").mkdir()
    small_real_store(sqlite_template, tmp_path / "start", n_centers=30).close()
    start = tmp_path / "start" / "small.db"
    work = tmp_path / "work" / "directory.db"
    work.parent.mkdir()
    shutil.copyfile(start, work)
    before = fingerprint(start)
    state = {"store": open_store(work, seed=False)}
    target = tmp_path / "download"
    tally = Tally()

    @fuzz(50)
    @given(data=import_files)
    def imported(data: bytes) -> None:
        target.write_bytes(data)
        report = run_import(state["store"], target)
        if report.ok:
            tally("imported")
            state["store"].close()
            shutil.copyfile(start, work)
            for suffix in ("-wal", "-shm"):
                Path(f"{work}{suffix}").unlink(missing_ok=True)
            state["store"] = open_store(work, seed=False)
        else:
            assert report.errors and report.batch_id is None
            tally("refused")
        assert fingerprint(work) == before

    try:
        imported()
    finally:
        state["store"].close()
    assert tally.outcomes["refused"] > 10
    record_cases(pytestconfig, "import: whole action", tally, minimum=40)

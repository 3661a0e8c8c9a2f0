"""ClinicalTrials.gov study records, read from any of the registry's three download formats.

The directory learns which centers run which trials from ClinicalTrials.gov. Users bring files
they downloaded themselves, in whichever format the site gave them: the classic CSV (as in old
exports), the current CSV download, or API v2 JSON (one study, a list, a page, or a folder/zip
of those). The format is sniffed from the content, since file names are not reliable.

Everything is streamed: `iter_studies` yields one `StudyRecord` at a time, so a file with a
hundred thousand sites never exists as objects all at once. JSON pages are streamed element by
element too (see `streams.iter_json_records`); only a single study object is ever held whole.

Bad input raises `RecordError` (a ValueError) naming the file, the 1-based data row or record,
and the field — never another exception type — so the GUI can show the user exactly what to fix.
"""

from __future__ import annotations

import csv
import lzma
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from directory_app.core.geo import regions
from directory_app.core.registry.eligibility import parse_enrollment, parse_sex
from directory_app.core.registry.fields import (
    FORMAT_CLASSIC_CSV,
    FORMAT_CURRENT_CSV,
    FORMAT_FOLDER,
    FORMAT_V2_JSON,
    FORMAT_ZIP,
    NCT_ID,
    FieldContext,
    RecordError,
    SiteRecord,
    StudyRecord,
    format_intervention,
    parse_age_range,
    parse_date,
    parse_nct_id,
    parse_phases,
    parse_status,
    sniff_format,
    study_url,
)
from directory_app.core.registry.limits import (
    MAX_ARCHIVE_BYTES,
    MAX_COMPRESSION_RATIO,
    MAX_FIELD_CHARS,
    MAX_MEMBER_BYTES,
    MAX_RECORD_CHARS,
    RATIO_FLOOR_BYTES,
    check_study_text,
    mib,
)
from directory_app.core.registry.streams import (
    DecodeError,
    JsonSyntaxError,
    LineTooLong,
    byte_chunks,
    decode_chunks,
    decode_lines,
    iter_json_records,
)
from directory_app.core.registry.v2_json import study_from_json

__all__ = [
    "FORMAT_CLASSIC_CSV", "FORMAT_CURRENT_CSV", "FORMAT_FOLDER", "FORMAT_V2_JSON", "FORMAT_ZIP",
    "RecordError", "SiteRecord", "StudyRecord", "detect_format", "iter_studies",
    "NCT_ID", "parse_date", "parse_location", "parse_phases", "parse_status", "study_url",
]  # fmt: skip

_SNIFF_BYTES = 1 << 16
# Whole Locations cells of large trials exceed the csv module's 128 KiB default field limit;
# the cap that replaces it is `limits.MAX_FIELD_CHARS`.
csv.field_size_limit(MAX_FIELD_CHARS)


def parse_location(text: str, *, has_postal_code: bool = False) -> SiteRecord:
    """Split "Facility, City, [State,] [ZIP,] Country" from the right.

    Facility names may contain commas, so the country is taken last (re-joining "Korea, Republic
    of"), then the postal code (current CSV only), then the state if it is a U.S. state or looks
    like a region, then the city; whatever is left is the facility.
    """
    tokens = [t.strip() for t in text.split(",")]
    tokens = [t for t in tokens if t]
    if not tokens:
        return SiteRecord(facility="", city="")
    country = tokens.pop()
    if tokens and regions.is_country_tail(country):
        country = f"{tokens.pop()}, {country}"
    postal = None
    if has_postal_code and tokens and _POSTAL.fullmatch(tokens[-1]):
        postal = tokens.pop()
    region = None
    if len(tokens) >= 2 and regions.looks_like_region(
        tokens[-1], tokens[-2], country, room=len(tokens) >= 3
    ):
        region = tokens.pop()
    city = tokens.pop() if tokens else ""
    return SiteRecord(
        facility=", ".join(tokens), city=city, region=region, postal_code=postal, country=country
    )


_POSTAL = re.compile(r"(?=[A-Za-z0-9 -]*\d)[A-Za-z0-9][A-Za-z0-9 -]{1,9}")


def detect_format(path: str | Path) -> str:
    """Name the format of a file or folder from its content: one of the FORMAT_* constants."""
    path = Path(path)
    name = path.name or str(path)
    if path.is_dir():
        return FORMAT_FOLDER
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise RecordError(name, None, None, f"cannot read the file: {exc.strerror}") from None
    fmt = sniff_format(head)
    if fmt is None:
        raise RecordError(name, None, None, _unrecognized(head))
    return fmt


def _unrecognized(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "the file is UTF-16 encoded; save it as UTF-8"
    return (
        "not a ClinicalTrials.gov download (expected a CSV with an 'NCT Number' column, "
        "API v2 JSON, or a zip of those)"
    )


def iter_studies(path: str | Path) -> Iterator[StudyRecord]:
    """Yield every study in a file, folder or zip, one at a time, in file order.

    Folder and zip members are read in name order; members that are neither JSON nor a CSV
    with an "NCT Number" header (a README, say) are skipped.
    """
    path = Path(path)
    name = path.name or str(path)
    fmt = detect_format(path)
    try:
        if fmt == FORMAT_FOLDER:
            for child in sorted(path.iterdir()):
                if child.is_file() and not child.name.startswith("."):
                    with child.open("rb") as fh:
                        yield from _iter_stream(fh, child.name, skip_unknown=True)
        elif fmt == FORMAT_ZIP:
            with zipfile.ZipFile(path) as archive:
                members = [i for i in archive.infolist() if _is_data_member(i)]
                _check_archive(name, members)
                for info in sorted(members, key=lambda i: i.filename):
                    try:
                        member_fh = archive.open(info)
                    except (NotImplementedError, RuntimeError) as exc:  # method, encryption
                        message = f"cannot open {info.filename!r}: {exc}"
                        raise RecordError(name, None, None, message) from None
                    with member_fh as fh:
                        member = f"{name}/{info.filename}"
                        yield from _iter_stream(fh, member, skip_unknown=True)
        else:
            with path.open("rb") as fh:
                yield from _iter_stream(fh, name, skip_unknown=False)
    except OSError as exc:
        raise RecordError(name, None, None, f"cannot read: {exc}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, lzma.LZMAError) as exc:
        raise RecordError(name, None, None, f"damaged zip archive: {exc}") from None


def _is_data_member(info: zipfile.ZipInfo) -> bool:
    """Not a folder (or nameless entry), not hidden, not macOS metadata."""
    base = info.filename.rsplit("/", 1)[-1]
    return bool(base) and not base.startswith(".") and "__MACOSX" not in info.filename


def _check_archive(name: str, members: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip bomb from its directory, before a byte is expanded.

    The zip reader never yields more than a member's declared size (it stops there and checks
    the CRC), so the declared sizes bound what reading can cost. Only "stored" and "deflate"
    members are read: other methods expand a whole compressed block at once, whatever it says.
    """
    total = 0
    for info in members:
        member = f"{name}/{info.filename}"
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            message = "compressed with a method other than deflate; zip it again with the default"
            raise RecordError(member, None, None, message)
        size, packed = info.file_size, max(info.compress_size, 1)
        if size > MAX_MEMBER_BYTES:
            message = (
                f"expands to {mib(size)}, more than the {mib(MAX_MEMBER_BYTES)} a registry "
                "download may be; refused as damaged or a zip bomb"
            )
            raise RecordError(member, None, None, message)
        if size > RATIO_FLOOR_BYTES and size / packed > MAX_COMPRESSION_RATIO:
            message = (
                f"expands {size / packed:,.0f} times (to {mib(size)}); no registry download "
                "compresses that well, so it is refused as a zip bomb"
            )
            raise RecordError(member, None, None, message)
        total += size
    if total > MAX_ARCHIVE_BYTES:
        message = f"expands to {mib(total)} in all, more than {mib(MAX_ARCHIVE_BYTES)}; refused"
        raise RecordError(name, None, None, message)


def _iter_stream(fh: IO[bytes], name: str, *, skip_unknown: bool) -> Iterator[StudyRecord]:
    head = fh.read(_SNIFF_BYTES)
    fmt = sniff_format(head)
    if fmt in (None, FORMAT_ZIP):
        if skip_unknown:
            return
        raise RecordError(name, None, None, _unrecognized(head))
    chunks = byte_chunks(fh, head)
    if fmt == FORMAT_V2_JSON:
        yield from _iter_json(chunks, name)
    else:
        yield from _iter_csv(chunks, name, fmt)


# --- CSV ---------------------------------------------------------------------------------------

# Logical field → column header, per format. Required fields must have their column.
_COLUMNS: dict[str, dict[str, str]] = {
    FORMAT_CLASSIC_CSV: {
        "nct": "NCT Number", "title": "Title", "status": "Status", "conditions": "Conditions",
        "interventions": "Interventions", "locations": "Locations", "acronym": "Acronym",
        "sponsor": "Sponsor/Collaborators", "phases": "Phases", "age": "Age",
        "last_update": "Last Update Posted", "sex": "Gender", "enrollment": "Enrollment",
        "start_date": "Start Date", "completion_date": "Completion Date",
    },
    FORMAT_CURRENT_CSV: {
        "nct": "NCT Number", "title": "Study Title", "status": "Study Status",
        "conditions": "Conditions", "interventions": "Interventions", "locations": "Locations",
        "acronym": "Acronym", "sponsor": "Sponsor", "phases": "Phases", "age": "Age",
        "last_update": "Last Update Posted", "sex": "Sex", "enrollment": "Enrollment",
        "start_date": "Start Date", "completion_date": "Completion Date",
    },
}  # fmt: skip
_REQUIRED = ("nct", "title", "status", "conditions", "interventions", "locations")


def _iter_csv(chunks: Iterator[bytes], name: str, fmt: str) -> Iterator[StudyRecord]:
    """Strictly: every record must have exactly the header's fields and close its quotes, since
    a record cut short (a dropped download) would otherwise be stored as if it were complete."""
    row = 0  # data row being read; 0 while reading the header
    lines = _RecordLines(decode_lines(chunks, max_line=MAX_RECORD_CHARS))
    columns = _COLUMNS[fmt]
    header: list[str] = []
    try:
        reader = csv.reader(lines, strict=True)
        header = [h.strip() for h in next(reader, [])]
        index = {h: i for i, h in reversed(list(enumerate(header)))}
        for key in _REQUIRED:
            if columns[key] not in index:
                raise RecordError(name, None, columns[key], "required column is missing")
        where = {key: index.get(col) for key, col in columns.items()}
        row = 1
        lines.mark()
        for cells in reader:
            if any(c.strip() for c in cells):
                _check_field_count(name, row, header, cells)
                get = _cell_getter(cells, where)
                study = _study_from_csv(get, fmt, FieldContext(name, row, columns))
                check_study_text(study, name, row, columns)
                yield study
                row += 1
            lines.mark()
    except DecodeError as exc:
        raise RecordError(name, row or None, None, f"{exc}; save the file as UTF-8") from None
    except (LineTooLong, _RecordTooLong) as exc:
        message = f"{exc}; no registry record is that long, so the file is refused as damaged"
        field = _open_field(lines.since_mark(), header) if isinstance(exc, _RecordTooLong) else None
        raise RecordError(name, row or None, field, message) from None
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            field = _open_field(lines.since_mark(), header, longer_than=MAX_FIELD_CHARS)
            message = (
                f"a field runs past {MAX_FIELD_CHARS:,} characters; no registry field is "
                "that long, so the file is refused as damaged"
            )
            raise RecordError(name, row or None, field, message) from None
        if lines.at_end and "end of data" in str(exc):
            field = _open_field(lines.since_mark(), header)
            message = "a quoted field runs to the end of the file; the file is cut short"
            raise RecordError(name, row or None, field, message) from None
        raise RecordError(name, row or None, None, f"malformed CSV: {exc}") from None


class _RecordTooLong(ValueError):
    pass


class _RecordLines:
    """The text lines fed to the csv reader, remembering those of the record being read so a
    record cut off at end of file can be re-read to say which field was left open, and
    refusing a record (a quoted field left open, say) that grows past MAX_RECORD_CHARS."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._current: list[str] = []
        self._size = 0
        self.at_end = False

    def __iter__(self) -> _RecordLines:
        return self

    def __next__(self) -> str:
        try:
            line = next(self._lines)
        except StopIteration:
            self.at_end = True
            raise
        self._current.append(line)
        self._size += len(line)
        if self._size > MAX_RECORD_CHARS:
            raise _RecordTooLong(f"a record runs past {MAX_RECORD_CHARS:,} characters")
        return line

    def mark(self) -> None:
        """A record ended: forget its lines."""
        self._current = []
        self._size = 0

    def since_mark(self) -> list[str]:
        return self._current


def _open_field(lines: list[str], header: list[str], longer_than: int | None = None) -> str | None:
    """The header name of the last field a record reached (the one left open at end of file),
    or of its first field longer than `longer_than`. A scan by `str.find`, not the csv module,
    since the latter refuses the very field we want to name."""
    text = "".join(lines)
    index, pos = 0, 0
    while pos < len(text):
        start = pos
        if text[pos] == '"':  # a quoted field: skip to its closing quote ("" is an escaped one)
            pos += 1
            while True:
                pos = text.find('"', pos)
                if pos < 0 or text[pos + 1 : pos + 2] != '"':
                    break
                pos += 2
            if pos < 0:
                break
            pos += 1
        comma = text.find(",", pos)
        end = len(text) if comma < 0 else comma
        if longer_than is not None and end - start > longer_than:
            break
        if comma < 0:
            break
        index, pos = index + 1, comma + 1
    return header[index] if index < len(header) else None


def _check_field_count(name: str, row: int, header: list[str], cells: list[str]) -> None:
    if len(cells) < len(header):
        message = (
            f"the record has {len(cells)} of {len(header)} fields; "
            "the file may be cut short or damaged"
        )
        raise RecordError(name, row, header[len(cells)], message)
    if len(cells) > len(header):
        message = f"the record has {len(cells)} fields but the header names {len(header)}"
        raise RecordError(name, row, None, message)


def _cell_getter(cells: list[str], where: dict[str, int | None]) -> Callable[[str], str]:
    def get(key: str) -> str:
        i = where[key]
        return cells[i].strip() if i is not None and i < len(cells) else ""

    return get


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


def _study_from_csv(get: Callable[[str], str], fmt: str, ctx: FieldContext) -> StudyRecord:
    nct_id = parse_nct_id(ctx, "nct", get("nct"))
    title = get("title")
    if not title:
        raise ctx.error("title", "the study has no title")
    sponsors = _split(get("sponsor"))
    min_age, max_age = ctx.convert("age", parse_age_range, get("age"))
    postal = fmt == FORMAT_CURRENT_CSV
    interventions = tuple(_intervention(item) for item in _split(get("interventions")))
    sites = tuple(parse_location(loc, has_postal_code=postal) for loc in _split(get("locations")))
    return StudyRecord(
        nct_id=nct_id,
        title=title,
        acronym=get("acronym") or None,
        status=ctx.convert("status", parse_status, get("status")),
        phases=ctx.convert("phases", parse_phases, get("phases")),
        conditions=_split(get("conditions")),
        interventions=interventions,
        sponsor=sponsors[0] if sponsors else None,
        last_update=ctx.convert("last_update", parse_date, get("last_update")),
        url=study_url(nct_id),
        min_age_years=min_age,
        max_age_years=max_age,
        sites=sites,
        sex=ctx.convert("sex", parse_sex, get("sex")),
        enrollment=ctx.convert("enrollment", parse_enrollment, get("enrollment")),
        start_date=ctx.convert("start_date", parse_date, get("start_date")),
        completion_date=ctx.convert("completion_date", parse_date, get("completion_date")),
    )


_INTERVENTION_TYPE = re.compile(r"[A-Za-z][A-Za-z _/]{1,30}")


def _intervention(text: str) -> str:
    """Normalise "BIOLOGICAL: X" to "Biological: X"; text without a type ("Ratio 1:2") stays."""
    kind, sep, rest = text.partition(":")
    if sep and rest.strip() and _INTERVENTION_TYPE.fullmatch(kind.strip()):
        return format_intervention(kind, rest)
    return format_intervention("", text)


_P = "protocolSection."
_JSON_NAMES = {
    "title": _P + "identificationModule.briefTitle",
    "acronym": _P + "identificationModule.acronym",
    "sponsor": _P + "sponsorCollaboratorsModule.leadSponsor.name",
    "conditions": _P + "conditionsModule.conditions",
    "interventions": _P + "armsInterventionsModule.interventions",
    "locations": _P + "contactsLocationsModule.locations",
}


def _iter_json(chunks: Iterator[bytes], name: str) -> Iterator[StudyRecord]:
    index = 1
    try:
        for record in iter_json_records(decode_chunks(chunks)):
            study = study_from_json(record, FieldContext(name, index))
            check_study_text(study, name, index, _JSON_NAMES)
            yield study
            index += 1
    except DecodeError as exc:
        raise RecordError(name, index, None, f"{exc}; save the file as UTF-8") from None
    except JsonSyntaxError as exc:
        raise RecordError(name, index, None, str(exc)) from None

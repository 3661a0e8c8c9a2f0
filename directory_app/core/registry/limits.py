"""How big a registry download may be, in one place: one zip member, a whole zip, one record,
one field and one stored text value.

Without caps, a small hostile or broken file costs unbounded time and memory: a 1 MB zip that
expands to a gigabyte, a line with no end, a 16 MB "title". Every limit here sits far above
anything ClinicalTrials.gov produces (a study's title is limited to a few hundred characters,
the largest trials list a few thousand sites, a whole CSV download for this directory's
conditions is tens of megabytes), so a real file never meets one; a file that does is refused
at once, naming file, row and field, before it is read any further.
"""

from __future__ import annotations

from typing import Any

from directory_app.core.registry.fields import RecordError, StudyRecord

MIB = 1 << 20

#: What one zip member may expand to (checked against the archive's directory before reading;
#: the zip reader never yields more than a member declares).
MAX_MEMBER_BYTES = 512 * MIB
#: What all members of one zip may expand to together.
MAX_ARCHIVE_BYTES = 2048 * MIB
#: Expanded-to-compressed ratio beyond which a large member is a bomb, not a download. Registry
#: CSV and JSON compress about 5-15 to 1; a run of one byte about 1000 to 1.
MAX_COMPRESSION_RATIO = 200
#: Members smaller than this are not held to the ratio (tiny repetitive files compress well).
RATIO_FLOOR_BYTES = 8 * MIB

#: One CSV record, or one JSON study object, in characters (a record of many sites runs to a
#: few hundred kilobytes). Also the longest line read while looking for a record's end.
MAX_RECORD_CHARS = 32 * MIB
#: One CSV cell or JSON value; a Locations cell holding every site is the largest real one.
MAX_FIELD_CHARS = 8 * MIB
#: One text value the directory stores: a title, sponsor, condition, intervention, facility.
MAX_TEXT_CHARS = 20_000


def mib(n: int) -> str:
    """A size for a message: "512 MB"."""
    return f"{n / MIB:,.0f} MB" if n >= MIB else f"{n:,} bytes"


def check_study_text(study: StudyRecord, file: str, row: int, names: dict[str, str]) -> None:
    """Refuse a study with a stored text value longer than MAX_TEXT_CHARS.

    `names` maps the logical fields ("title", "acronym", "sponsor", "conditions",
    "interventions", "locations") to how the file names them, for the error."""
    values: list[tuple[str, Any]] = [
        ("title", study.title),
        ("acronym", study.acronym),
        ("sponsor", study.sponsor),
        *(("conditions", c) for c in study.conditions),
        *(("interventions", i) for i in study.interventions),
        *(("locations", s.facility) for s in study.sites),
        *(("locations", s.city) for s in study.sites),
        *(("locations", s.region) for s in study.sites),
        *(("locations", s.country) for s in study.sites),
    ]
    for key, value in values:
        if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            message = (
                f"a value of {len(value):,} characters is longer than the "
                f"{MAX_TEXT_CHARS:,} this directory stores; the file is damaged"
            )
            raise RecordError(file, row, names.get(key, key), message)

"""Build the trimmed HIFLD hospital list that ships in `resources/hifld_hospitals.csv`.

Usage: python db/build_hifld.py PATH/TO/hifld-hospitals.csv [OUTPUT.csv]

The HIFLD "Hospitals" layer (public domain) gives U.S. trial sites an address, phone, website
and coordinates. The full export carries 27 columns the app does not use, so only the columns
the matcher and the directory need are kept. Missing values (`NOT AVAILABLE`, `-999`) become
empty cells, ZIP codes get back the leading zeros a spreadsheet stripped, and rows are sorted
by numeric ID so rebuilding from the same source gives a byte-identical file.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

COLUMNS = ["ID", "NAME", "ADDRESS", "CITY", "STATE", "ZIP", "TELEPHONE", "TYPE", "STATUS",
           "LATITUDE", "LONGITUDE", "WEBSITE", "BEDS"]  # fmt: skip
MISSING = {"NOT AVAILABLE", "-999", "-999.0"}
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "resources" / "hifld_hospitals.csv"


def clean(column: str, value: str | None) -> str:
    value = (value or "").strip()
    if value in MISSING:
        return ""
    if column == "ZIP" and value.isdigit() and len(value) < 5:
        return value.zfill(5)
    return value


def build(source: Path, output: Path) -> int:
    """Write the trimmed list; return the number of hospitals written."""
    with source.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{source}: missing columns {', '.join(missing)}")
        rows = [[clean(c, row[c]) for c in COLUMNS] for row in reader]
    rows.sort(key=lambda r: (int(r[0]) if r[0].isdigit() else float("inf"), r[0]))
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return len(rows)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    output = Path(argv[2]) if len(argv) == 3 else DEFAULT_OUTPUT
    count = build(Path(argv[1]), output)
    print(f"wrote {count} hospitals to {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

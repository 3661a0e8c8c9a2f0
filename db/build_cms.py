"""Build the trimmed CMS hospital list that ships in `resources/cms_hospitals.csv`.

Usage: python db/build_cms.py PATH/TO/hospital-general-information.csv [OUTPUT.csv]

The CMS "Hospital General Information" file (Care Compare, public domain) names every
Medicare-certified U.S. hospital with its CMS Certification Number (CCN), current address,
phone and hospital type. The seed build joins U.S. centers to it for their kind and contacts
(`directory_app.core.registry.cms`). Only the columns the join and the directory use are kept;
CCNs and ZIP codes keep their leading zeros, and rows are sorted by CCN so rebuilding from the
same file gives a byte-identical list.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

#: (column in the CMS file, column in the bundled list)
COLUMNS = (
    ("Facility ID", "CCN"),
    ("Facility Name", "NAME"),
    ("Address", "ADDRESS"),
    ("City/Town", "CITY"),
    ("State", "STATE"),
    ("ZIP Code", "ZIP"),
    ("Telephone Number", "TELEPHONE"),
    ("Hospital Type", "TYPE"),
    ("Hospital Ownership", "OWNERSHIP"),
)
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "resources" / "cms_hospitals.csv"


def clean(column: str, value: str | None) -> str:
    value = " ".join((value or "").split())
    if column == "ZIP Code" and value.isdigit() and len(value) < 5:
        return value.zfill(5)
    if column == "Facility ID" and value.isdigit() and len(value) < 6:
        return value.zfill(6)
    return value


def build(source: Path, output: Path) -> int:
    """Write the trimmed list; return the number of hospitals written."""
    with source.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c, _ in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{source}: missing columns {', '.join(missing)}")
        rows = [[clean(c, row[c]) for c, _ in COLUMNS] for row in reader]
    rows.sort()
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([name for _, name in COLUMNS])
        writer.writerows(rows)
    return len(rows)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    output = Path(argv[2]) if len(argv) == 3 else DEFAULT_OUTPUT
    count = build(Path(argv[1]), output)
    print(f"wrote {count} hospitals to {output.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

"""Copy the cell-therapy candidates of the flat MS study table into `db/sources/`.

    python db/extract_ms_trials.py FULL_TABLE.csv

The full table (every multiple sclerosis study on ClinicalTrials.gov, as of September 2025,
3,616 rows) is mostly drug and rehabilitation studies the directory has no use for. This keeps
every row whose titles, interventions or keywords mention cells, stem cells, transplants or a
cell product (a deliberately wide net: `db/build_seed.py` then applies the registry classifier,
which decides what is a stem cell or cell therapy study), with every column unchanged, so the
repository carries a few hundred rows instead of the whole table. Same input, same bytes.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "sources" / "ctgov-ms-cell-trials-2025-09.csv"

#: Any mention of a cell, a transplant or a cell product; a superset of what the classifier
#: can call a stem cell or cell therapy study.
CANDIDATE = re.compile(
    r"stem|stromal|mesenchymal|transplant|hematopoietic|haematopoietic|hemopoietic"
    r"|\bcar[- ]?t|chimeric antigen|cell[- ]?(?:based )?therap|t[- ]?cells?\b|\btregs?\b"
    r"|regulatory t|dendritic|\bnk\b|natural killer|\bmscs?\b|hsct|\bbmt\b|cord blood"
    r"|umbilical|adipose|\bsvf\b|exosome|secretome|vesicle|cellular|marrow|progenitor"
    r"|\bcd19\b|\bbcma\b|fibroblast|mononuclear|\bcells?\b",
    re.IGNORECASE,
)
SEARCHED = ("BriefTitle", "OfficialTitle", "InterventionNames", "Keywords")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with args.source.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = [r for r in reader if CANDIDATE.search(" ".join(r.get(c) or "" for c in SEARCHED))]
    rows.sort(key=lambda r: r["NCTId"])
    with args.out.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{args.out.name}: {len(rows)} of the table's studies")
    return 0


if __name__ == "__main__":
    sys.exit(main())

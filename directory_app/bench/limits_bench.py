"""Hostile downloads: how fast and in how much memory the import refuses them.

Each case is a real `directory-app import` process on a fresh copy of the bundled directory,
timed and its peak memory (RSS) measured by a wrapper process, so nothing earlier counts.
The baseline is the same command importing a real registry download (the current-CSV sample
the tests use, which is accepted), run the same way in the same session:

- a zip bomb: about 1 MB on disk, one CSV member expanding to 1 GB (`--expanded-mb`);
- a zip whose one 64 MB member is a record that never ends (stored, so no ratio gives it away);
- a classic CSV with a 16 MB title (over the field cap).

Targets: refused (exit 2, one line naming the file) in under 10 s with a peak under 300 MB.
Printed per case: size on disk, exit code, seconds, peak MB, both as ratios to the baseline.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

MB = 1 << 20
TARGET_SECONDS = 10.0
TARGET_PEAK_MB = 300.0
SAMPLE = "current-autoimmune.csv"
#: Runs a command and prints its exit code, stderr and its peak RSS (the wrapper's children).
WRAPPER = (
    "import json, resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
    "print(json.dumps([r.returncode, peak, r.stderr]))\n"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sample", type=Path,
                        help=f"an accepted registry download for the baseline (default: "
                        f"tests/data/ctgov/{SAMPLE} of a source checkout)")  # fmt: skip
    parser.add_argument("--expanded-mb", type=int, default=1024,
                        help="what the zip bomb's member expands to")  # fmt: skip


def _bomb(target: Path, header: bytes, expanded_mb: int) -> Path:
    block = b"0" * MB
    with (
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("studies.csv", "w", force_zip64=True) as member,
    ):
        member.write(header)
        for _ in range(expanded_mb):
            member.write(block)
    return target


def _endless_line(target: Path, header: bytes, megabytes: int) -> Path:
    """A zip of one CSV member of `megabytes` MB: the header, then one record that never ends
    (its last quoted field runs to the end), stored without compression - nothing about it
    looks like a bomb but its size."""
    with (
        zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive,
        archive.open("studies.csv", "w", force_zip64=True) as member,
    ):
        member.write(header + b'NCT00000000,"')
        block = b"x" * MB
        for _ in range(megabytes):
            member.write(block)
    return target


def _huge_title(target: Path, sample: Path, megabytes: int) -> Path:
    with sample.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, first = rows[0], rows[1]
    column = next(i for i, name in enumerate(header) if "title" in name.lower())
    first[column] = "T" * (megabytes * MB)
    out = io.StringIO()
    csv.writer(out).writerows([header, first])
    target.write_text(out.getvalue(), encoding="utf-8")
    return target


def _measure(db: Path, path: Path) -> tuple[int, float, float, str]:
    """Exit code, seconds, peak MB and the first stderr line of one import process."""
    argv = [sys.executable, "-m", "directory_app.cli", "--db", str(db), "import", str(path)]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WRAPPER, *argv], capture_output=True,
                          text=True, check=True)  # fmt: skip
    seconds = time.perf_counter() - started
    code, peak, stderr = json.loads(done.stdout)
    lines = stderr.strip().splitlines()
    return int(code), seconds, float(peak), lines[0] if lines else ""


def run(args: argparse.Namespace) -> int:
    sample = args.sample or Path(__file__).resolve().parents[2] / "tests/data/ctgov" / SAMPLE
    if not sample.is_file():
        print(f"no sample download at {sample}; give one with --sample", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seeded = folder / "seeded.db"
        subprocess.run([sys.executable, "-m", "directory_app.cli", "--db", str(seeded), "info"],
                       capture_output=True, check=True)  # fmt: skip (seeds the bundled data)
        header = sample.read_bytes().split(b"\n", 1)[0] + b"\n"
        cases = [
            ("baseline: real download", sample),
            (f"zip bomb ({args.expanded_mb} MB)", _bomb(folder / "bomb.zip", header,
                                                        args.expanded_mb)),
            ("64 MB zip member", _endless_line(folder / "big.zip", header, 64)),
            ("16 MB title", _huge_title(folder / "title.csv", sample, 16)),
        ]  # fmt: skip
        rows = []
        for label, path in cases:
            db = folder / f"{path.stem}.db"
            shutil.copyfile(seeded, db)
            rows.append((label, path.stat().st_size / MB, *_measure(db, path)))
    base_s, base_mb = rows[0][3], rows[0][4]
    print(f"{'case':<26} {'on disk':>9} {'exit':>4} {'seconds':>8} {'x base':>7} "
          f"{'peak MB':>8} {'x base':>7}  ok")  # fmt: skip
    failed = False
    for i, (label, size, code, seconds, peak, line) in enumerate(rows):
        ok = code == 2 and seconds < TARGET_SECONDS and peak < TARGET_PEAK_MB if i else code == 0
        failed |= not ok
        print(f"{label:<26} {size:>7.1f}MB {code:>4} {seconds:>8.2f} {seconds / base_s:>7.2f} "
              f"{peak:>8.1f} {peak / base_mb:>7.2f}  {'yes' if ok else 'NO'}")  # fmt: skip
        if i and line:
            print(f"    {line[:150]}")
    print(f"targets: refused (exit 2) in < {TARGET_SECONDS:.0f} s with peak < "
          f"{TARGET_PEAK_MB:.0f} MB")  # fmt: skip
    return 1 if failed else 0

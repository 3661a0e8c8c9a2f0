"""Command-line start-up, measured as whole processes against the interpreter's own start-up.

A person waits for the whole process: interpreter start, imports, opening the database, the
answer. So each command is run as a fresh subprocess, several times, interleaved with two
baselines run the same way on the same interpreter:

- `directory-app search --near 44106 --limit 5` on the bundled directory, against
  `python -c "import sqlalchemy.orm"` (a search cannot avoid loading the ORM); target <= 1.5x;
- `directory-app --version`, against a bare `python -c pass`; target <= 1.5x.

Printed: the median and the fastest run of each, and both ratios of the medians with their
targets. Runs see no `DIRECTORY_APP_DB` and may write byte-code caches, as a user's do. The
database is a temporary copy of the bundled directory (seeded by one untimed run)
unless `--db` is given.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: (command, baseline, target ratio of their medians)
TARGETS = (("search", "import sqlalchemy.orm", 1.5), ("--version", "python -c pass", 1.5))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each process")
    parser.add_argument("--db", help="database to search (default: a fresh bundled directory)")


def app_command() -> list[str]:
    """The installed `directory-app` script beside this interpreter (what a user runs), else
    `python -m directory_app`."""
    folder = Path(sys.executable).parent
    for name in ("directory-app", "directory-app.exe"):
        script = folder / name
        if script.is_file():
            return [str(script)]
    return [sys.executable, "-m", "directory_app"]


def processes(db: str) -> dict[str, list[str]]:
    app = app_command()
    return {
        "search": [*app, "--db", db, "search", "--near", "44106", "--limit", "5"],
        "--version": [*app, "--version"],
        "import sqlalchemy.orm": [sys.executable, "-c", "import sqlalchemy.orm"],
        "python -c pass": [sys.executable, "-c", "pass"],
    }


def time_process(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning `argv` to its exit; a failing run stops the benchmark."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): "
                         f"{done.stderr.decode(errors='replace').strip()}")
    return elapsed


def measure(argvs: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, list[float]]:
    """`runs` timings of each process, round-robin, so a busy moment of the machine touches all
    of them alike; one untimed warm-up run each fills the OS file cache."""
    for argv in argvs.values():
        time_process(argv, env)
    samples: dict[str, list[float]] = {name: [] for name in argvs}
    for _ in range(runs):
        for name, argv in argvs.items():
            samples[name].append(time_process(argv, env))
    return samples


def report(samples: dict[str, list[float]]) -> tuple[list[str], bool]:
    """The printed table and whether every ratio is within its target."""
    lines = [f"{'process':<26}{'median ms':>10}{'min ms':>9}"]
    for name, values in samples.items():
        lines.append(f"{name:<26}{1000 * statistics.median(values):>10.1f}"
                     f"{1000 * min(values):>9.1f}")
    within = True
    for command, baseline, target in TARGETS:
        ratio = statistics.median(samples[command]) / statistics.median(samples[baseline])
        ok = ratio <= target
        within = within and ok
        lines.append(f"ratio {command} / {baseline}: {ratio:.2f} "
                     f"(target <= {target}: {'within' if ok else 'OVER'})")
    return lines, within


def run(args: argparse.Namespace) -> int:
    # As a user runs it: no database from the environment, and byte-code cached after the first
    # run (an installed wheel is compiled at install; without the cache every run recompiles).
    env = {k: v for k, v in os.environ.items()
           if k not in ("DIRECTORY_APP_DB", "PYTHONDONTWRITEBYTECODE")}
    with tempfile.TemporaryDirectory(prefix="directory-bench-") as tmp:
        db = args.db or str(Path(tmp) / "directory.db")
        argvs = processes(db)
        time_process([*app_command(), "--db", db, "info"], env)  # first start: seeds the copy
        samples = measure(argvs, args.runs, env)
    lines, _within = report(samples)
    print(f"{args.runs} runs of each process, interleaved; {' '.join(app_command())}")
    print("\n".join(lines))
    return 0

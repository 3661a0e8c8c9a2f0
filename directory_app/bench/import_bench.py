"""Import speed and memory: a large synthetic API v2 file, and the real classic CSV.

1. Writes a synthetic ClinicalTrials.gov API v2 page (20,000 studies with 100,000 sites by
   default) into a temporary folder, one study at a time, then imports it with every condition
   kept into an empty temporary database, in a fresh interpreter so that the peak resident
   memory printed is the import's own (targets: 60 s, 500 MB).
2. Imports the bundled classic CSV (1,389 studies) into empty databases - autoimmune studies
   only (the default) and every study - each in a fresh interpreter (so the one-off loading of
   the hospital list and gazetteer is counted, as a user pays it), and prints the times against
   a baseline measured in the same run on the same machine: parsing the same file without
   importing it (target: 3 s on two cores).

Wall and CPU seconds are both printed, with the load average: on a busy machine wall time
grows while CPU time stays put.

Synthetic studies are marked as such (titles end in "(synthetic)", NCT numbers start NCT9) and
use real U.S. hospital names from the bundled HIFLD list plus made-up hospitals abroad, so that
matching and placement do real work; most sites carry a geoPoint, as API v2 sites do.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from directory_app.core import paths

CLASSIC_CSV = paths.DB_DIR / "sources" / "ctgov-msc-trials-2022.csv"
_CONDITIONS = [
    "Systemic Lupus Erythematosus",
    "Multiple Sclerosis",
    "Crohn Disease",
    "Rheumatoid Arthritis",
    "Systemic Sclerosis",
    "Type 1 Diabetes",
    "Graft Vs Host Disease",
    "Ulcerative Colitis",
    "Osteoarthritis, Knee",
    "ARDS",
]
_INTERVENTIONS = [
    "Umbilical cord mesenchymal stem cells",
    "Bone marrow derived MSC",
    "Adipose-derived stromal cells",
    "Autologous hematopoietic stem cell transplantation",
    "Placebo",
]
_STATUSES = ["RECRUITING", "COMPLETED", "ACTIVE_NOT_RECRUITING", "UNKNOWN", "TERMINATED"]
_ABROAD = [
    ("Madrid", "Spain", 40.4165, -3.7026),
    ("Guangzhou", "China", 23.1167, 113.25),
    ("Seoul", "Korea, Republic of", 37.566, 126.9784),
    ("Tehran", "Iran", 35.6944, 51.4215),
    ("Paris", "France", 48.8534, 2.3488),
    ("Stockholm", "Sweden", 59.3294, 18.0687),
    ("São Paulo", "Brazil", -23.5475, -46.6361),
    ("Cairo", "Egypt", 30.0626, 31.2497),
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--studies", type=int, default=20_000)
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument(
        "--facilities",
        type=int,
        default=12_000,
        help="distinct facilities the sites are drawn from",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-classic", action="store_true", help="skip the classic CSV part")
    parser.add_argument("--child", nargs=3, metavar=("FILE", "DB", "SCOPE"), help=argparse.SUPPRESS)


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _facilities(rng: random.Random, n: int) -> list[dict[str, Any]]:
    # Only when this benchmark runs: `python -m directory_app.bench` imports every benchmark.
    from directory_app.core.registry.hifld import load_hospitals

    us = [h for h in load_hospitals() if h.latitude is not None and (h.status or "") != "CLOSED"]
    rng.shuffle(us)
    out: list[dict[str, Any]] = []
    for h in us[: int(n * 0.6)]:
        out.append(
            {
                "facility": h.name.title(),
                "city": h.city.title(),
                "state": h.state,
                "country": "United States",
                "lat": h.latitude,
                "lon": h.longitude,
            }
        )
    while len(out) < n:
        city, country, lat, lon = rng.choice(_ABROAD)
        out.append(
            {
                "facility": f"Synthetic University Hospital No. {len(out)}",
                "city": city,
                "country": country,
                "lat": lat + rng.uniform(-0.2, 0.2),
                "lon": lon + rng.uniform(-0.2, 0.2),
            }
        )
    return out


def _site_counts(rng: random.Random, studies: int, sites: int) -> list[int]:
    base, extra = divmod(sites, studies)
    counts = [base + (i < extra) for i in range(studies)]
    for _ in range(studies):  # spread them out while keeping the total exact
        a, b = rng.randrange(studies), rng.randrange(studies)
        move = rng.randint(0, max(counts[a] - 1, 0))
        counts[a] -= move
        counts[b] += move
    return counts


def _study(rng: random.Random, number: int, sites: list[dict[str, Any]]) -> dict[str, Any]:
    locations = []
    for f in sites:
        loc = {
            "facility": f["facility"],
            "city": f["city"],
            "country": f["country"],
            "status": rng.choice(["RECRUITING", "COMPLETED", "NOT_YET_RECRUITING"]),
        }
        if "state" in f:
            loc["state"] = f["state"]
        if rng.random() < 0.9:
            loc["geoPoint"] = {"lat": f["lat"], "lon": f["lon"]}
        locations.append(loc)
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": f"NCT9{number:07d}",
                "briefTitle": f"Cell therapy study {number} (synthetic)",
            },
            "statusModule": {
                "overallStatus": rng.choice(_STATUSES),
                "lastUpdatePostDateStruct": {
                    "date": f"202{rng.randint(0, 4)}-0{rng.randint(1, 9)}-15"
                },
            },
            "conditionsModule": {"conditions": rng.sample(_CONDITIONS, 2)},
            "designModule": {"phases": rng.choice([["PHASE1"], ["PHASE1", "PHASE2"], ["PHASE2"]])},
            "armsInterventionsModule": {
                "interventions": [{"type": "BIOLOGICAL", "name": rng.choice(_INTERVENTIONS)}]
            },
            "contactsLocationsModule": {"locations": locations},
        }
    }


def write_synthetic(path: Path, studies: int, sites: int, facilities: int, seed: int) -> int:
    """Write the synthetic page one study at a time; returns the number of sites written."""
    rng = random.Random(seed)
    pool = _facilities(rng, facilities)
    counts = _site_counts(rng, studies, sites)
    with path.open("w", encoding="utf-8") as fh:
        _write_page(fh, rng, pool, counts)
    return sum(counts)


def _write_page(
    fh: IO[str], rng: random.Random, pool: list[dict[str, Any]], counts: list[int]
) -> None:
    fh.write('{"studies": [\n')
    for number, count in enumerate(counts, start=1):
        chosen = rng.sample(pool, min(count, len(pool)))
        fh.write(("," if number > 1 else "") + json.dumps(_study(rng, number, chosen)) + "\n")
    fh.write('], "nextPageToken": null}\n')


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(file: str, db: str, scope: str) -> int:
    """In a fresh interpreter: import `file` into the empty database `db` (every study with
    scope "all", autoimmune ones with "default"); print one JSON line of figures."""
    # In the child process, as it starts: the importer loads only where it is measured.
    from directory_app.core.importing.importer import run_import
    from directory_app.core.storage.opening import open_store

    store = open_store(db, seed=False)
    started, cpu = time.perf_counter(), _cpu_seconds()
    report = run_import(store, file, all_conditions=scope == "all")
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    store.close()
    figures = ("studies_read", "sites_read", "trials_new", "centers_new", "sites_matched")
    result = {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak_rss_mb()}
    result |= {"ok": report.ok, "errors": report.errors}
    result |= {k: getattr(report, k) for k in figures}
    print(json.dumps(result))
    return 0 if report.ok else 1


def _run_child(file: Path, db: Path, scope: str = "all") -> dict[str, Any]:
    command = [sys.executable, "-m", "directory_app.bench", "import"]
    command += ["--child", str(file), str(db), scope]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"import failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _parse_only(file: Path) -> float:
    # Only when this benchmark runs: `python -m directory_app.bench` imports every benchmark.
    from directory_app.core.registry.ctgov import iter_studies

    started = time.perf_counter()
    for _ in iter_studies(file):
        pass
    return time.perf_counter() - started


def _line(label: str, r: dict[str, Any], target: float) -> str:
    verdict = "ok" if r["seconds"] <= target else "OVER"
    return (
        f"{label}: {r['seconds']:.2f} s wall ({verdict}, target {target:g} s), "
        f"{r['cpu_seconds']:.2f} s CPU, peak RSS {r['peak_rss_mb']:.0f} MB; "
        f"{r['studies_read']:,} studies, {r['trials_new']:,} trials, "
        f"{r['centers_new']:,} new centers, {r['sites_read']:,} sites"
    )


def run(args: argparse.Namespace) -> int:
    if args.child:
        return _child(*args.child)
    print(
        f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} CPUs (wall times grow with other work on the machine)"
    )
    with tempfile.TemporaryDirectory(prefix="directory-bench-") as folder:
        tmp = Path(folder)
        big = tmp / "synthetic-v2.json"
        started = time.perf_counter()
        sites = write_synthetic(big, args.studies, args.sites, args.facilities, args.seed)
        print(
            f"synthetic API v2 page: {args.studies:,} studies, {sites:,} sites, "
            f"{big.stat().st_size / 1e6:,.0f} MB, written in {time.perf_counter() - started:.1f} s"
        )
        result = _run_child(big, tmp / "big.db")
        print(_line("  import, all conditions", result, 60))
        print(f"  peak RSS target 500 MB: {'ok' if result['peak_rss_mb'] <= 500 else 'OVER'}")
        if args.skip_classic:
            return 0
        baseline = min(_parse_only(CLASSIC_CSV) for _ in range(3))
        print(
            f"classic CSV ({CLASSIC_CSV.name}), each import in a fresh process into an empty "
            f"database; baseline = parsing the file only: {baseline:.3f} s"
        )
        for scope, label in (("default", "autoimmune only (default)"), ("all", "all conditions")):
            r = _run_child(CLASSIC_CSV, tmp / f"classic-{scope}.db", scope)
            print(_line(f"  import, {label}", r, 3) + f"; {r['seconds'] / baseline:.0f}x baseline")
    return 0

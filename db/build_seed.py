"""Build the bundled directory (`db/seed/directory.json`) from public records only.

    python db/build_seed.py [CTGOV_EXPORT.csv]

Input: a ClinicalTrials.gov export (default: `db/sources/ctgov-msc-trials-2022.csv`). The
studies that name an autoimmune or immune-mediated condition are kept; each distinct site
(same facility + city after normalisation) becomes one center, placed and enriched from the
HIFLD hospital list (U.S.) or the offline gazetteer (elsewhere). Kind, conditions, therapies and
care-team specialties are inferred from the registry and marked as such with their NCT id; no
center is marked verified, because no person has checked these facts.

The output goes through a scratch database and the app's own exporter, so the seed is exactly
the exchange form the app reads, and the same input always gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from directory_app.core import paths  # noqa: E402
from directory_app.core.exchange.directory_form import TRIAL_FIELDS, add_directory, dump_directory  # noqa: E402
from directory_app.core.registry.classify import is_autoimmune_study  # noqa: E402
from directory_app.core.registry.ctgov import StudyRecord, iter_studies  # noqa: E402
from directory_app.core.registry.sites import add_study, center_key, new_center  # noqa: E402
from directory_app.core.storage.opening import open_store  # noqa: E402

DEFAULT_SOURCE = paths.DB_DIR / "sources" / "ctgov-msc-trials-2022.csv"


def trial_dict(study: StudyRecord) -> dict[str, Any]:
    data = {f: getattr(study, f) for f in TRIAL_FIELDS}
    data["phases"] = [p.value for p in study.phases]
    data["status"] = study.status.value
    data["conditions"] = list(study.conditions)
    data["interventions"] = list(study.interventions)
    data["last_update"] = study.last_update.isoformat() if study.last_update else None
    return data


def build(source: Path) -> dict[str, Any]:
    studies = sorted(
        (s for s in iter_studies(source) if is_autoimmune_study(s)), key=lambda s: s.nct_id
    )
    centers: dict[str, dict[str, Any]] = {}
    for study in studies:
        for site in study.sites:
            if not site.facility.strip():
                continue
            key = center_key(site)
            if key not in centers:
                centers[key] = new_center(site, study)
            add_study(centers[key], site, study)
    last_update = max((s.last_update for s in studies if s.last_update), default=None)
    placed = sum(1 for c in centers.values() if c["latitude"] is not None)
    meta = {
        "title": "Bundled directory: trial sites of autoimmune stem cell studies",
        "generated_from": source.name,
        "studies": len(studies),
        "centers": len(centers),
        "centers_placed": placed,
        "sources": [
            {
                "name": "ClinicalTrials.gov",
                "date": last_update.isoformat() if last_update else None,
                "licence": "U.S. government work (public domain)",
                "url": "https://clinicaltrials.gov/",
                "note": "classic CSV export of mesenchymal stem/stromal cell studies; "
                "autoimmune and immune-mediated conditions kept",
            },
            {
                "name": "HIFLD Hospitals",
                "date": None,
                "licence": "public domain",
                "url": "https://hifld-geoplatform.opendata.arcgis.com/",
                "note": "address, phone, website and coordinates of matched U.S. hospitals",
            },
            {
                "name": "GeoNames",
                "date": None,
                "licence": "CC BY 4.0",
                "url": "https://www.geonames.org/",
                "note": "city coordinates for sites outside the U.S. or not matched to a hospital",
            },
        ],
    }
    document = {"trials": [trial_dict(s) for s in studies], "centers": list(centers.values())}
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "seed.db", seed=False)
        try:
            with store.session() as s:
                add_directory(s, document)
            with store.session() as s:
                return dump_directory(s, meta=meta)
        finally:
            store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=paths.SEED_FILE)
    args = parser.parse_args(argv)
    data = build(args.source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    args.out.write_text(text, encoding="utf-8")
    meta = data["meta"]
    print(
        f"{args.out.name}: {meta['studies']} studies, {meta['centers']} centers "
        f"({meta['centers_placed']} placed), {len(data['trials'])} trials"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

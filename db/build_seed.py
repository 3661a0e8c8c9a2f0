"""Build the bundled directory (`db/seed/directory.json`) from public records only.

    python db/build_seed.py [CTGOV_EXPORT.csv] [--ms-table FLAT_TABLE.csv]

Inputs, both in `db/sources/`: a ClinicalTrials.gov export of MSC studies (September 2022,
classic CSV), whose studies naming an autoimmune or immune-mediated condition are kept; and the
flat table of multiple sclerosis studies (September 2025, API v2, cell-therapy candidates only:
`db/extract_ms_trials.py`), whose stem cell and cell therapy studies (the registry classifier's
call) are kept. A study in both is one trial, its newer record winning (`registry.combine`);
each trial names the download its record came from (`record_source`).

Each distinct named site (same facility + city after normalisation) becomes one center, placed
and enriched from the HIFLD hospital list (U.S.) or the offline gazetteer (elsewhere). A site
known only by its city (the 2025 table names none) becomes a place of the trial, never a
center; it is linked to a center only where the trial's sponsor is that center, in that city
(`registry.city_sites`). Kind, conditions, therapies and care-team specialties are inferred from
the registry and marked as such with their NCT id; no center is marked verified, because no
person has checked these facts.

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

from db.seed_cms import apply_cms, cms_summary, recount_kinds  # noqa: E402
from directory_app.core import paths  # noqa: E402
from directory_app.core.clinic_check.letters import bundled_letters  # noqa: E402
from directory_app.core.clinic_check.lookup import regulator_flags  # noqa: E402
from directory_app.core.exchange.directory_form import TRIAL_FIELDS, add_directory, dump_directory  # noqa: E402
from directory_app.core.registry import city_sites  # noqa: E402
from directory_app.core.registry.classify import (  # noqa: E402
    is_autoimmune_study,
    study_therapies,
)
from directory_app.core.registry.combine import Sourced, combine  # noqa: E402
from directory_app.core.registry.ctgov import SiteRecord, StudyRecord, iter_studies  # noqa: E402
from directory_app.core.registry.flat_csv import iter_flat_studies  # noqa: E402
from directory_app.core.registry.institutions import (  # noqa: E402
    BY_CCN,
    merge_same_institution,
)
from directory_app.core.registry.sites import add_study, center_key, new_center  # noqa: E402
from directory_app.core.storage.opening import open_store  # noqa: E402

DEFAULT_SOURCE = paths.DB_DIR / "sources" / "ctgov-msc-trials-2022.csv"
DEFAULT_MS_TABLE = paths.DB_DIR / "sources" / "ctgov-ms-cell-trials-2025-09.csv"
#: How each download is named on the trials read from it.
SOURCE_2022 = "ClinicalTrials.gov MSC studies export 2022-09"
SOURCE_2025 = "ClinicalTrials.gov MS studies table 2025-09"


def trial_dict(item: Sourced) -> dict[str, Any]:
    study = item.study
    data = {f: getattr(study, f) for f in TRIAL_FIELDS}
    data["phases"] = [p.value for p in study.phases]
    data["status"] = study.status.value
    data["conditions"] = list(study.conditions)
    data["interventions"] = list(study.interventions)
    for field in ("last_update", "start_date", "completion_date"):
        value = getattr(study, field)
        data[field] = value.isoformat() if value else None
    data["record_source"] = item.source
    data["sites_total"] = study.sites_total
    data["places"] = []
    return data


def is_cell_therapy_study(study: StudyRecord) -> bool:
    """An autoimmune study that gives a stem cell or other cell therapy (classifier's call)."""
    return is_autoimmune_study(study) and bool(study_therapies(study))


def read_studies(source: Path, ms_table: Path | None) -> list[Sourced]:
    """Both downloads' kept studies, one record per study (the newer wins)."""
    msc = (Sourced(s, SOURCE_2022) for s in iter_studies(source) if is_autoimmune_study(s))
    if ms_table is None:
        return combine(msc)
    ms = (Sourced(s, SOURCE_2025) for s in iter_flat_studies(ms_table) if is_cell_therapy_study(s))
    return combine(msc, ms)


def add_city_sites(
    items: list[Sourced], trials: dict[str, dict[str, Any]], centers: dict[str, dict[str, Any]]
) -> int:
    """Places for the sites known only by city; links where the sponsor is the center there.
    Returns how many places were linked that way."""
    index = city_sites.sponsor_center_index(centers.values())
    by_uid = {c["uid"]: c for c in centers.values()}
    linked = 0
    for item in items:
        study = item.study
        for site in city_sites.unnamed_sites(study):
            place = city_sites.place_dict(site)
            uid = city_sites.sponsor_center(study, site, index)
            if uid is not None:
                place.update(center_uid=uid, inferred_from=city_sites.SPONSOR_CITY)
                link_site = SiteRecord(
                    facility=study.sponsor or "", city=site.city, region=site.region,
                    country=site.country,
                )
                add_study(by_uid[uid], link_site, study)
                for link in by_uid[uid]["trials"]:
                    if link["nct_id"] == study.nct_id:
                        link["inferred_from"] = city_sites.SPONSOR_CITY
                linked += 1
            trials[study.nct_id]["places"].append(place)
    return linked


def add_regulator_flags(centers: dict[str, dict[str, Any]]) -> int:
    """Red flags from the FDA letters on centers whose name and place match one; how many."""
    flagged = 0
    for center in centers.values():
        flags = regulator_flags(center)
        center["red_flags"].extend(flags)
        flagged += bool(flags)
    return flagged


def build(source: Path, ms_table: Path | None = DEFAULT_MS_TABLE) -> dict[str, Any]:
    items = read_studies(source, ms_table)
    studies = [i.study for i in items]
    centers: dict[str, dict[str, Any]] = {}
    for study in studies:
        for site in study.sites:
            if not site.facility.strip():
                continue
            key = center_key(site)
            if key not in centers:
                centers[key] = new_center(site, study)
            add_study(centers[key], site, study)
    # One institution, one center: by the registry's names and HIFLD first, then by the CCN
    # the CMS step gives (before trial places link to centers, so no link names a merged one).
    merges, _moved = merge_same_institution(centers)
    cms = apply_cms(list(centers.values()))
    same_ccn, _moved = merge_same_institution(centers, rules=(BY_CCN,))
    if same_ccn:
        merges = sorted([*merges, *same_ccn], key=lambda m: (m.city, m.kept))
        recount_kinds(cms, list(centers.values()))
    trials = {i.study.nct_id: trial_dict(i) for i in items}
    linked = add_city_sites(items, trials, centers)
    flagged = add_regulator_flags(centers)
    def newest(source_name: str) -> str | None:
        days = [i.study.last_update for i in items if i.source == source_name]
        day = max((d for d in days if d), default=None)
        return day.isoformat() if day else None

    placed = sum(1 for c in centers.values() if c["latitude"] is not None)
    places = [p for t in trials.values() for p in t["places"]]
    by_source = {
        name: sum(1 for i in items if i.source == name) for name in (SOURCE_2022, SOURCE_2025)
    }
    meta = {
        "title": "Bundled directory: trial sites of autoimmune stem cell studies",
        "generated_from": [source.name] + ([ms_table.name] if ms_table else []),
        "studies": len(studies),
        "studies_by_source": by_source,
        "centers": len(centers),
        "centers_placed": placed,
        "city_only_sites": len(places),
        "city_only_sites_placed": sum(1 for p in places if p["latitude"] is not None),
        "city_only_sites_linked_by_sponsor": linked,
        "centers_with_fda_letters": flagged,
        "merged_centers": [m.line() for m in merges],
        "cms": cms.as_meta(),
        "sources": [
            {
                "name": "ClinicalTrials.gov",
                "record_source": SOURCE_2022,
                "provenance": "registry",
                "date": newest(SOURCE_2022),
                "licence": "U.S. government work (public domain)",
                "url": "https://clinicaltrials.gov/",
                "note": "classic CSV export of mesenchymal stem/stromal cell studies "
                "(September 2022); autoimmune and immune-mediated conditions kept",
            },
            {
                "name": "ClinicalTrials.gov",
                "record_source": SOURCE_2025,
                "provenance": "registry",
                "date": newest(SOURCE_2025),
                "licence": "U.S. government work (public domain)",
                "url": "https://clinicaltrials.gov/",
                "note": "flat API v2 table of every multiple sclerosis study (September 2025); "
                "its stem cell and cell therapy studies kept; it names only each study's "
                "first site, by city, and how many sites the registry lists",
            },
            {
                "name": "FDA warning and untitled letters to stem cell firms",
                "provenance": "fda",
                "date": max(x.letter_date for x in bundled_letters()).isoformat(),
                "licence": "U.S. government work (public domain); press reports linked",
                "url": "https://www.fda.gov/inspections-compliance-enforcement-and-"
                "criminal-investigations/compliance-actions-and-activities/warning-letters",
                "note": "resources/fda/warning-letters.csv; a red flag on a center only where "
                "its name and city match a letter",
            },
            {
                "name": "HIFLD Hospitals",
                "provenance": "hifld",
                "date": None,
                "licence": "public domain",
                "url": "https://hifld-geoplatform.opendata.arcgis.com/",
                "note": "address, phone, website and coordinates of matched U.S. hospitals",
            },
            {
                "name": "CMS Hospital General Information",
                "provenance": "cms",
                "date": None,
                "licence": "U.S. government work (public domain)",
                "url": "https://data.cms.gov/provider-data/dataset/xubh-q36u",
                "note": "CMS Certification Number, hospital type, current address and phone "
                "of matched U.S. hospitals; the kind 'hospital' where the registry said none",
            },
            {
                "name": "GeoNames",
                "provenance": "gazetteer",
                "date": None,
                "licence": "CC BY 4.0",
                "url": "https://www.geonames.org/",
                "note": "city coordinates for sites outside the U.S. or not matched to a hospital",
            },
        ],
    }
    document = {"trials": [trials[k] for k in sorted(trials)], "centers": list(centers.values())}
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
    parser.add_argument("--ms-table", type=Path, default=DEFAULT_MS_TABLE)
    parser.add_argument("--out", type=Path, default=paths.SEED_FILE)
    args = parser.parse_args(argv)
    data = build(args.source, args.ms_table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    args.out.write_text(text, encoding="utf-8")
    meta = data["meta"]
    print(
        f"{args.out.name}: {meta['studies']} studies, {meta['centers']} centers "
        f"({meta['centers_placed']} placed), {len(data['trials'])} trials; "
        f"{meta['city_only_sites']} sites known only by city "
        f"({meta['city_only_sites_placed']} placed, "
        f"{meta['city_only_sites_linked_by_sponsor']} linked to their sponsor's center)"
    )
    merged = meta.get("merged_centers") or []
    print(f"{len(merged)} institutions registered under several names, each now one center "
          "(every other name kept as an alias; split one off by editing):")
    for line in merged:
        print(f"  {line}")
    print(cms_summary(meta["cms"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

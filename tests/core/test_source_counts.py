"""`info` says what each data source supplied, counted from the database's own rows."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sqlalchemy import update

from directory_app.cli import main
from directory_app.core import paths
from directory_app.core.directory.models import Center
from directory_app.core.storage.opening import open_store

SEED = json.loads(paths.SEED_FILE.read_text(encoding="utf-8"))


def _info(db: Path, capsys) -> tuple[dict, list[str]]:
    assert main(["--db", str(db), "info", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert main(["--db", str(db), "info"]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("source: ")]
    return data, lines


def test_info_counts_each_sources_rows(tmp_path: Path, capsys):
    data, lines = _info(tmp_path / "d.db", capsys)
    by_name = {s["name"]: s for s in data["sources"]}
    per_download = Counter(t["record_source"] for t in SEED["trials"])
    assert len(per_download) == 2, "the 2022 MSC export and the 2025 MS table"
    for record_source, n in per_download.items():
        assert by_name[record_source]["counts"]["trials"] == n
    table_2025 = next(s for s in by_name if "2025" in s)
    city_only = sum(
        len(t.get("places", [])) for t in SEED["trials"] if t["record_source"] == table_2025
    )
    assert by_name[table_2025]["counts"]["sites known only by city"] == city_only
    cms = by_name["CMS Hospital General Information"]["counts"]
    assert cms["centers with a CMS Certification Number"] == sum(
        1 for c in SEED["centers"] if c["ccn"]
    )
    assert by_name["FDA warning and untitled letters to stem cell firms"]["counts"][
        "letters bundled"
    ] == 28
    # The text form has one line per source, each with its date and counts.
    assert len(lines) == len(data["sources"]) == len(SEED["meta"]["sources"])
    assert any(f"{per_download[table_2025]} trials" in x and "2025-09" in x for x in lines)


def test_counts_follow_the_rows_not_the_bundled_metadata(tmp_path: Path, capsys):
    db = tmp_path / "d.db"
    before, _ = _info(db, capsys)
    store = open_store(db)
    try:
        with store.session() as s:
            s.execute(update(Center).where(Center.ccn.is_not(None)).values(ccn=None))
            s.commit()
    finally:
        store.close()
    after, lines = _info(db, capsys)
    name = "CMS Hospital General Information"
    counted = {s["name"]: s["counts"] for s in before["sources"]}[name]
    assert counted["centers with a CMS Certification Number"] > 0
    now = {s["name"]: s["counts"] for s in after["sources"]}[name]
    assert now["centers with a CMS Certification Number"] == 0
    assert any(x.startswith(f"source: {name}") and "0 centers with a CMS" in x for x in lines)

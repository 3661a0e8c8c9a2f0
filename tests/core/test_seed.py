"""The bundled directory: built from public records, reproducible, loaded on first start."""

from __future__ import annotations

from pathlib import Path

from directory_app.core import paths
from directory_app.core.storage.opening import counts
from directory_app.core.storage.seed import read_seed, seed_if_empty


def test_seed_build_reproduces_the_committed_seed_byte_for_byte(tmp_path: Path, capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_seed", paths.DB_DIR / "build_seed.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "directory.json"
    assert module.main(["--out", str(out)]) == 0
    assert out.read_bytes() == paths.SEED_FILE.read_bytes()
    # The build lists every merge of one institution's sites, with the rule that joined them.
    printed = capsys.readouterr().out
    merges = read_seed()["meta"]["merged_centers"]
    assert f"{len(merges)} institutions registered under several names, each now one center" \
        in printed  # fmt: skip
    assert all(f"  {line}\n" in printed for line in merges)


def test_seed_marks_every_registry_inference_with_its_nct_id():
    data = read_seed()
    nct_ids = {t["nct_id"] for t in data["trials"]}
    for center in data["centers"]:
        assert center["source"] == "registry"
        assert center["last_verified"] is None, "nobody has verified the bundled facts"
        for key in ("conditions", "therapies", "team"):
            for fact in center[key]:
                assert fact["source"] == "registry"
                assert fact["source_ref"] in nct_ids
                assert fact["verified_on"] is None
        if center["kind"] is not None and center["kind_source"] == "cms":
            assert center["kind_source_ref"] == f"CMS CCN {center['ccn']}"
        elif center["kind"] is not None:
            assert center["kind_source"] == "registry" and center["kind_source_ref"] in nct_ids


def test_hifld_matched_centers_carry_address_and_hospital_reference():
    hifld = [c for c in read_seed()["centers"] if c["location_source"] == "hifld"]
    assert len(hifld) >= 80
    for center in hifld:
        assert center["country"] == "United States"
        assert center["address"] and center["latitude"] and center["longitude"]
        assert "HIFLD hospital" in center["source_ref"]


def test_first_open_loads_seed_once(empty_store):
    assert seed_if_empty(empty_store) is True
    first = counts(empty_store)
    assert seed_if_empty(empty_store) is False
    assert counts(empty_store) == first
    assert first["centers"] == len(read_seed()["centers"])


def test_every_bundled_center_passes_the_editors_validation():
    """A coordinator must be able to save any bundled center without first repairing it."""
    from directory_app.core.directory.validation import validate_center

    problems = [
        (center["name"], error)
        for center in read_seed()["centers"]
        for error in validate_center(center)
    ]
    assert problems == []


def test_opening_a_seeded_database_does_not_wait_for_another_writer(tmp_path: Path):
    """Only the very first start takes the import lock; later starts just read."""
    import sqlite3

    from directory_app.core.storage.opening import open_store

    path = tmp_path / "busy.db"
    open_store(path).close()
    writer = sqlite3.connect(path, timeout=0)
    writer.execute("BEGIN IMMEDIATE")  # another process in the middle of an import
    try:
        store = open_store(path)
        assert counts(store)["centers"] == len(read_seed()["centers"])
        store.close()
    finally:
        writer.rollback()
        writer.close()

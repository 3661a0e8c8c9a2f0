"""Privacy by design: files only their owner can read, no column meant for a patient, and a
center's notes never written to a log or an error message."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from directory_app.cli import main
from directory_app.core.directory.models import Base, Center
from directory_app.core.storage.backup import backup, backup_before, restore
from directory_app.core.storage.engine import Store
from directory_app.core.storage.integrity import repair, run_checks
from directory_app.core.storage.opening import open_store

SECRET = "Dr. Okafor prefers referrals by fax, ext 4471"
PATIENT_WORDS = {"patient", "ssn", "dob", "mrn", "birth", "birthdate", "social", "insurance_id"}

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_data_dir_database_wal_and_backups_are_owner_only(tmp_path: Path):
    store = open_store(tmp_path / "fresh" / "data" / "directory.db", seed=False)
    try:
        with store.session() as s:
            s.add(Center(name="A", notes=SECRET))
        data_dir = tmp_path / "fresh" / "data"
        assert mode(data_dir) == 0o700
        for name in ("directory.db", "directory.db-wal", "directory.db-shm"):
            assert mode(data_dir / name) == 0o600, name
        made = backup_before(store, "import")
        assert made is not None
        assert mode(made.parent) == 0o700 and mode(made) == 0o600
        named = backup(store, tmp_path / "named.db")
        assert mode(named) == 0o600
    finally:
        store.close()


@posix_only
def test_a_restored_database_is_owner_only_even_when_none_existed(tmp_path: Path):
    store = open_store(tmp_path / "a.db", seed=False)
    with store.session() as s:
        s.add(Center(name="A"))
    copy = backup(store, tmp_path / "copy.db")
    store.close()
    restore(tmp_path / "new" / "b.db", copy)
    assert mode(tmp_path / "new" / "b.db") == 0o600
    assert mode(tmp_path / "new") == 0o700


def column_names(store: Store) -> set[str]:
    names = {c.name for table in Base.metadata.tables.values() for c in table.columns}
    inspector = inspect(store.engine)
    for table in inspector.get_table_names():
        names |= {c["name"] for c in inspector.get_columns(table)}
    return names


def test_schema_has_no_column_for_patient_identifiers(empty_store: Store):
    """The directory describes centers; nothing in it may identify a patient."""
    for name in column_names(empty_store):
        words = set(re.split(r"[_\W]+", name.lower()))
        assert not words & PATIENT_WORDS, f"column {name!r} looks like a patient identifier"
        assert "patient" not in name.lower(), name


def test_check_repair_backup_and_restore_never_log_notes(empty_store, tmp_path, caplog, capsys):
    with empty_store.session() as s:
        s.add(Center(name="A", notes=SECRET, eligibility_notes=SECRET, latitude=123.0,
                     longitude=5.0, insurance_notes=SECRET))  # fmt: skip
    capsys.readouterr()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")  # every statement and row
    with empty_store.session() as s:
        assert run_checks(s)
        assert repair(s)
    copy = backup(empty_store)
    restore(empty_store, copy)
    db = str(empty_store.path)
    assert main(["--db", db, "check", "--json"]) == 0
    assert main(["--db", db, "backup"]) == 0
    assert main(["--db", db, "restore", str(copy), "--yes"]) == 0
    assert caplog.records, "logging was on, so something was logged"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "sqlalchemy.engine" in {r.name.rsplit(".", 1)[0] for r in caplog.records}
    out, err = capsys.readouterr()
    for text in (logged, out, err):
        assert "Okafor" not in text


def test_database_errors_do_not_echo_the_values_being_saved(empty_store: Store):
    with empty_store.session() as s:
        s.add(Center(uid="same", name="A"))
    with pytest.raises(IntegrityError) as failed, empty_store.session() as s:
        s.add(Center(uid="same", name="B", notes=SECRET))
    assert "Okafor" not in str(failed.value)


def test_backup_files_hold_no_more_than_the_database(empty_store: Store, tmp_path: Path):
    """A backup is the same database, not a log or an export with extra fields."""
    with empty_store.session() as s:
        s.add(Center(name="A", notes=SECRET))
    copy = backup(empty_store, tmp_path / "b.db")
    conn = sqlite3.connect(copy)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()
    live = set(inspect(empty_store.engine).get_table_names())
    assert {t for t in tables if not t.startswith("sqlite_")} >= live
    assert column_names(empty_store) == column_names(open_store(copy, seed=False))

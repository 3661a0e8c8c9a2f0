"""Opening, configuring and migrating the database."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from directory_app.core.directory.models import Center, TherapyOffering
from directory_app.core.storage.engine import (
    StoreError,
    current_revision,
    head_revision,
    make_engine,
    resolve_url,
)
from directory_app.core.storage.migrations import migrate
from directory_app.core.storage.opening import open_store


def test_new_database_is_migrated_to_head_with_wal_and_foreign_keys(tmp_path: Path):
    store = open_store(tmp_path / "new.db", seed=False)
    try:
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    finally:
        store.close()


def test_new_database_file_is_readable_by_owner_only(tmp_path: Path):
    store = open_store(tmp_path / "private.db", seed=False)
    store.close()
    assert (tmp_path / "private.db").stat().st_mode & 0o077 == 0


def test_db_argument_beats_environment_variable(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("DIRECTORY_APP_DB", str(tmp_path / "env.db"))
    assert resolve_url(None).endswith("env.db")
    assert resolve_url(tmp_path / "arg.db").endswith("arg.db")
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"this is a text file\n" * 20, "not a SQLite database"),
        (b"SQLite format 3\x00" + b"\xff" * 5000, "damaged SQLite database"),
    ],
)
def test_non_sqlite_or_corrupt_file_is_refused_and_left_untouched(
    tmp_path: Path, content: bytes, message: str
):
    bad = tmp_path / "bad.db"
    bad.write_bytes(content)
    with pytest.raises(StoreError, match=message) as info:
        open_store(bad)
    assert str(bad) in str(info.value)
    assert "\n" not in str(info.value)
    assert bad.read_bytes() == content
    assert not (tmp_path / "bad.db-wal").exists()


def test_database_created_at_first_revision_is_upgraded_with_data_kept(tmp_path: Path):
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO centers (id, uid, name, source, edited_fields, created_at,"
                " updated_at, version, last_verified) VALUES (1, 'abc', 'Old Center', 'verified',"
                " '[]', '2025-01-01 00:00:00', '2025-01-01 00:00:00', 1, '2025-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO therapy_offerings (center_id, therapy, source)"
                " VALUES (1, 'hsct_autologous', 'verified')"
            )
        )
    engine.dispose()
    store = open_store(path, seed=False)
    try:
        assert current_revision(store.engine) == head_revision()
        with store.session() as s:
            center = s.get(Center, 1)
            assert center is not None
            assert center.name == "Old Center"
            assert center.last_verified == date(2025, 1, 1)
            assert [t.therapy for t in center.therapies] == ["hsct_autologous"]
            assert s.query(TherapyOffering).count() == 1
    finally:
        store.close()


def test_sqlite_file_passes_integrity_check_after_writes(empty_store):
    with empty_store.session() as s:
        s.add(Center(name="A"))
    path = empty_store.path
    empty_store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()

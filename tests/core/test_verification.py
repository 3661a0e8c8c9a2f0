"""Verification per section: a person confirms parts of a record, and only those get today's
date; the center's `last_verified` (badge, "verified within" filter) follows its least recently
verified section, and undo puts the sections back."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect, select, text

from directory_app.core.directory.editing import load_center, revert_center, save_center
from directory_app.core.directory.models import Center
from directory_app.core.directory.verification import (
    SECTION_KEYS,
    UnknownSection,
    mark_verified,
    section_dates,
)
from directory_app.core.exchange.directory_form import add_directory
from directory_app.core.search.query import CenterFilter, search
from directory_app.core.storage.engine import alembic_config, make_engine
from directory_app.core.storage.migrations import migrate

EARLIER = date(2025, 3, 14)
TODAY = date(2026, 12, 3)
NEVER_VERIFIED = {
    "centers": [{"uid": "reg0001", "name": "Registry Center", "city": "Boston",
                 "country": "United States", "source": "registry", "phone": "617-555-0100",
                 "edited_fields": []}],
}  # fmt: skip


def never_verified(store) -> int:
    with store.session() as s:
        add_directory(s, NEVER_VERIFIED)
        return s.scalar(select(Center.id).where(Center.uid == "reg0001"))


def save(store, center_id: int, today: date, verified, **changes) -> dict:
    with store.session() as s:
        data = {**load_center(s, center_id), **changes}
        save_center(s, data, expected_version=None, today=today, verified=verified)
    with store.session() as s:
        return load_center(s, center_id)


def test_a_record_saved_before_sections_was_verified_as_a_whole():
    assert section_dates(None, "2025-03-14") == dict.fromkeys(SECTION_KEYS, EARLIER)
    assert section_dates(None, None) == dict.fromkeys(SECTION_KEYS)


def test_verifying_every_section_stores_the_single_date_as_before():
    stored, last = mark_verified(None, None, SECTION_KEYS, TODAY)
    assert (stored, last) == (None, TODAY)


def test_unknown_section_is_refused():
    with pytest.raises(UnknownSection, match="'phones'"):
        mark_verified(None, None, ["phones"], TODAY)


def test_saving_only_the_phone_keeps_the_center_never_verified(empty_store):
    center_id = never_verified(empty_store)
    after = save(empty_store, center_id, TODAY, ["contact"], phone="617-555-0199")
    assert after["phone"] == "617-555-0199"
    assert after["last_verified"] is None  # the badge still says "never verified"
    assert after["verified_sections"] == {"contact": "2026-12-03"}
    with empty_store.session() as s:
        rows = search(s, CenterFilter(verified_within_months=6, as_of=TODAY))
    assert rows == []  # nor does it pass "verified within"


def test_mark_all_as_verified_verifies_the_whole_center(empty_store):
    center_id = never_verified(empty_store)
    save(empty_store, center_id, TODAY, ["contact"], phone="617-555-0199")
    after = save(empty_store, center_id, TODAY, None)
    assert after["last_verified"] == "2026-12-03"
    assert "verified_sections" not in after  # one date for all: stored as it always was
    with empty_store.session() as s:
        rows = search(s, CenterFilter(verified_within_months=6, as_of=TODAY))
    assert [r.name for r in rows] == ["Registry Center"]


def test_last_verified_is_the_least_recently_verified_section(empty_store):
    center_id = never_verified(empty_store)
    save(empty_store, center_id, EARLIER, None)  # the whole record, back then
    after = save(empty_store, center_id, TODAY, ["contact", "costs"])
    assert after["last_verified"] == "2025-03-14"
    assert after["verified_sections"]["contact"] == "2026-12-03"
    assert after["verified_sections"]["identity"] == "2025-03-14"
    with empty_store.session() as s:
        assert search(s, CenterFilter(verified_within_months=12, as_of=TODAY)) == []


def test_saving_nothing_verified_keeps_who_verified_last(empty_store):
    center_id = never_verified(empty_store)
    with empty_store.session() as s:
        data = load_center(s, center_id)
        save_center(s, data, expected_version=None, today=EARLIER, verified_by="J. Chen")
    after = save(empty_store, center_id, TODAY, [], notes="Called, no answer")
    assert (after["last_verified"], after["verified_by"]) == ("2025-03-14", "J. Chen")
    assert "verified_sections" not in after


def test_undo_puts_the_sections_back(empty_store):
    center_id = never_verified(empty_store)
    with empty_store.session() as s:
        before = load_center(s, center_id)
    after = save(empty_store, center_id, TODAY, ["contact"], phone="617-555-0199")
    with empty_store.session() as s:
        revert_center(s, before, expected_version=after["version"])
    with empty_store.session() as s:
        back = load_center(s, center_id)
    assert "verified_sections" not in back and back["last_verified"] is None
    with empty_store.session() as s:
        revert_center(s, after, expected_version=back["version"])
    with empty_store.session() as s:
        assert load_center(s, center_id)["verified_sections"] == {"contact": "2026-12-03"}


def test_migration_0008_adds_the_column_and_keeps_every_center(
    db_engine: str, tmp_path, request: pytest.FixtureRequest
):
    from alembic import command

    if db_engine == "postgresql":
        server = request.getfixturevalue("pg_server")
        server.execute("CREATE DATABASE migration_0008")
        url = server.url("migration_0008")
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    try:
        migrate(engine, "0005")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO centers (uid, name, source, last_verified, edited_fields, version,"
                " created_at, updated_at) VALUES ('u1', 'Old Center', 'verified', '2025-03-14',"
                " '[]', 1, '2025-03-14 00:00:00', '2025-03-14 00:00:00')"
            ))  # fmt: skip
        migrate(engine)
        assert "verified_sections" in {c["name"] for c in inspect(engine).get_columns("centers")}
        with engine.connect() as conn:
            row = conn.execute(text("SELECT name, verified_sections FROM centers")).one()
        assert tuple(row) == ("Old Center", None)
        command.downgrade(alembic_config(engine), "0005")
        engine.dispose()
        assert "verified_sections" not in {
            c["name"] for c in inspect(engine).get_columns("centers")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM centers")).scalars().all() == ["Old Center"]
    finally:
        engine.dispose()
        if db_engine == "postgresql":
            request.getfixturevalue("pg_server").drop_database("migration_0008")

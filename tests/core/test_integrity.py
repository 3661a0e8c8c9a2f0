"""`directory-app check`: finds what is wrong, repairs only on request and only what has one
right answer, all in one transaction, and says with its exit code whether problems remain."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from directory_app.cli import main
from directory_app.core.directory.models import (
    Center,
    TeamMember,
    TherapyOffering,
    Trial,
    TrialSite,
)
from directory_app.core.storage.backup_folder import backups_of
from directory_app.core.storage.engine import Store
from directory_app.core.storage.integrity import RULES, Problem, repair, run_checks
from directory_app.core.storage.opening import open_store


def add_sound_rows(store: Store) -> Store:
    """Three sound centers (ids 1-3), each at one site of trial 1 (NCT01234567)."""
    with store.session() as s:
        trial = Trial(nct_id="NCT01234567", title="HSCT for lupus", status="recruiting",
                      phases=["phase2"])  # fmt: skip
        for i in range(3):
            center = Center(
                name=f"Center {i}", kind="transplant_center", latitude=40.0 + i,
                longitude=-75.0, age_min=18, age_max=65, cost_min_usd=1000, cost_max_usd=5000,
                notes="private note",
            )  # fmt: skip
            center.therapies.append(TherapyOffering(therapy="hsct_autologous"))
            center.team.append(TeamMember(role="specialty", discipline="rheumatology"))
            center.trial_sites.append(TrialSite(trial=trial, facility=f"Center {i}"))
            s.add(center)
    return store


@pytest.fixture
def store(empty_store: Store) -> Store:
    return add_sound_rows(empty_store)


def damage(store: Store, *statements: str) -> None:
    """Write as another tool might: plain SQLite, foreign keys not enforced."""
    conn = sqlite3.connect(store.path)
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def checks(store: Store) -> list[Problem]:
    with store.session() as s:
        return run_checks(s)


def found(store: Store) -> set[tuple[str, str, object, bool]]:
    return {(p.rule, p.table, p.row_id, p.repairable) for p in checks(store)}


def test_a_sound_database_has_no_problems(store: Store, capsys):
    assert checks(store) == []
    assert main(["--db", str(store.path), "check"]) == 0
    assert "ok: no problems found" in capsys.readouterr().out


def test_the_bundled_directory_passes_every_check(seeded_store: Store):
    assert checks(seeded_store) == []


def test_every_rule_documents_what_it_checks_and_how_it_repairs():
    for rule in RULES:
        assert rule.doc and rule.repair_doc
        assert (rule.fix is None) == rule.repair_doc.startswith("not repaired")


@pytest.mark.parametrize(
    "statements, expected",
    [
        (["INSERT INTO trial_sites (trial_id, center_id, facility) VALUES (1, 99, 'Gone')"],
         {("orphan", "trial_sites", 4, True)}),
        (["DELETE FROM trials WHERE id = 1"],
         {("orphan", "trial_sites", i, True) for i in (1, 2, 3)}),
        (["UPDATE centers SET latitude = 123.0 WHERE id = 1",
          "UPDATE centers SET longitude = -200 WHERE id = 2",
          "UPDATE centers SET longitude = NULL WHERE id = 3"],
         {("coordinates", "centers", i, True) for i in (1, 2, 3)}),
        (["UPDATE centers SET cost_min_usd = 9000 WHERE id = 1",
          "UPDATE centers SET age_min = 70 WHERE id = 2",
          "UPDATE trials SET min_age_years = 60, max_age_years = 18"],
         {("min_above_max", "centers", 1, True), ("min_above_max", "centers", 2, True),
          ("min_above_max", "trials", 1, True)}),
        (["UPDATE centers SET typical_stay_days = -3 WHERE id = 1",
          "UPDATE centers SET age_max = 300 WHERE id = 2"],
         {("impossible_value", "centers", 1, True), ("impossible_value", "centers", 2, True)}),
        (["UPDATE centers SET kind = 'spa' WHERE id = 1",
          "UPDATE therapy_offerings SET therapy = 'msc_placenta' WHERE id = 1",
          "UPDATE team_members SET discipline = 'astrology' WHERE id = 2",
          "UPDATE trials SET status = 'Recruiting!', phases = '[\"phase9\"]'",
          "UPDATE trial_sites SET site_status = 'open' WHERE id = 3"],
         {("unknown_code", "centers", 1, False), ("unknown_code", "therapy_offerings", 1, False),
          ("unknown_code", "team_members", 2, False), ("unknown_code", "trials", 1, False),
          ("unknown_code", "trial_sites", 3, False)}),
        (["UPDATE trials SET nct_id = 'nct 0123-4567'"], {("nct_id", "trials", 1, True)}),
        (["UPDATE trials SET nct_id = 'ISRCTN123'"], {("nct_id", "trials", 1, False)}),
        (["UPDATE centers SET name = '   ' WHERE id = 2"], {("empty_name", "centers", 2, False)}),
    ],
    ids=["orphan-site", "missing-trial", "coordinates", "min-above-max", "impossible",
         "unknown-codes", "nct-fixable", "nct-foreign", "empty-name"],
)  # fmt: skip
def test_each_rule_reports_the_rows_that_break_it(store: Store, statements, expected):
    damage(store, *statements)
    assert found(store) == expected


def test_unknown_codes_name_the_column_and_the_value(store: Store):
    damage(store, "UPDATE therapy_offerings SET therapy = 'msc_placenta' WHERE id = 1")
    [problem] = checks(store)
    assert problem.column == "therapy" and "'msc_placenta'" in problem.message


def break_many_things(store: Store) -> None:
    damage(
        store,
        "INSERT INTO trial_sites (trial_id, center_id, facility) VALUES (1, 99, 'Gone')",
        "UPDATE centers SET latitude = 123.0 WHERE id = 1",
        "UPDATE centers SET cost_min_usd = 9000, cost_max_usd = 2000 WHERE id = 2",
        "UPDATE centers SET typical_stay_days = -3 WHERE id = 3",
        "UPDATE trials SET nct_id = 'nct 0123-4567'",
        "UPDATE centers SET kind = 'spa' WHERE id = 3",  # needs a person
        "UPDATE centers SET import_batch_id = 42 WHERE id = 1",  # an import record that is gone
    )


def test_repair_fixes_each_repairable_problem_as_documented(store: Store):
    break_many_things(store)
    with store.session() as s:
        repaired = repair(s, run_checks(s))
    assert {p.rule for p in repaired} == {
        "orphan", "coordinates", "min_above_max", "impossible_value", "nct_id",
    }  # fmt: skip
    assert found(store) == {("unknown_code", "centers", 3, False)}
    with store.session() as s:
        one, two, three = (s.get(Center, i) for i in (1, 2, 3))
        assert (one.latitude, one.longitude) == (None, None)
        assert (two.cost_min_usd, two.cost_max_usd) == (2000, 9000)
        assert three.typical_stay_days is None and three.kind == "spa"
        assert s.scalar(select(Trial.nct_id)) == "NCT01234567"
        assert s.get(TrialSite, 4) is None
        assert one.import_batch_id is None, "an optional link is cleared, the center kept"
        assert all(c.version > 1 for c in (one, two, three)), "each repair is a new version"


def test_repairs_are_one_transaction_undone_together(store: Store):
    break_many_things(store)
    before = checks(store)
    with pytest.raises(RuntimeError), store.session() as s:
        assert repair(s)
        raise RuntimeError("the user cancelled")
    assert checks(store) == before


def test_a_repair_makes_an_edit_opened_before_it_stale(store: Store):
    damage(store, "UPDATE centers SET latitude = 123.0 WHERE id = 1")
    with store.factory() as editing:
        center = editing.get(Center, 1)
        assert center is not None
        with store.session() as s:
            repair(s)
        center.phone = "+1 555 0100"
        with pytest.raises(StaleDataError):
            editing.commit()


def lose_uid_uniqueness(store: Store) -> None:
    """Rebuild `centers` without its UNIQUE(uid), as a careless external tool might."""
    conn = sqlite3.connect(store.path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        # As SQLite's own table-rebuild recipe: triggers of other tables that read `centers`
        # (the aliases' search triggers) are not checked while it is briefly missing.
        conn.execute("PRAGMA legacy_alter_table = ON")
        ddl = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'centers'").fetchone()[0]
        extras = [row[0] for row in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'centers' AND type IN "
            "('index', 'trigger') AND sql IS NOT NULL")]  # fmt: skip
        conn.execute("BEGIN")
        new = re.sub(r",\s*UNIQUE \(uid\)", "", ddl).replace("centers", "centers_new", 1)
        conn.execute(new)
        conn.execute("INSERT INTO centers_new SELECT * FROM centers")
        conn.execute("DROP TABLE centers")
        conn.execute("ALTER TABLE centers_new RENAME TO centers")
        for sql in extras:
            conn.execute(sql)
        conn.execute("UPDATE centers SET uid = (SELECT uid FROM centers WHERE id = 1) WHERE id = 3")
        conn.execute("COMMIT")
    finally:
        conn.close()


def test_duplicate_uid_is_found_and_the_later_center_gets_a_new_one(store: Store):
    store.close()
    lose_uid_uniqueness(store)
    assert found(store) == {("uid", "centers", 3, True)}
    with store.session() as s:
        first_uid = s.get(Center, 1).uid
        repair(s)
    with store.session() as s:
        assert s.get(Center, 1).uid == first_uid
        assert s.get(Center, 3).uid not in (first_uid, "", None)
    assert checks(store) == []


def test_damage_quick_check_misses_is_found_by_check(store: Store, capsys):
    """An index whose entries no longer match its table: open_store's quick_check passes, the
    full integrity check does not, and the way out is a restore, not a repair."""
    store.close()
    conn = sqlite3.connect(store.path)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_centers_name ON centers (city)'"
        " WHERE name = 'ix_centers_name'"
    )
    conn.commit()
    conn.close()
    damage(store, "UPDATE centers SET latitude = 123.0 WHERE id = 1")
    assert main(["--db", str(store.path), "check", "--repair"]) == 1
    out, err = capsys.readouterr()
    assert "integrity" in out and "restore a backup" in out
    assert "not repairing" in err, "no writes into a damaged file, not even the repairable ones"
    assert ("coordinates", "centers", 1, True) in found(store)


def test_check_command_exit_codes_and_json(store: Store, tmp_path: Path, capsys):
    db = str(store.path)
    break_many_things(store)
    assert main(["--db", db, "check", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["ok"] and len(report["problems"]) == 7 and report["repaired"] == []

    assert main(["--db", db, "check", "--repair", "--json"]) == 1, "the unknown kind remains"
    report = json.loads(capsys.readouterr().out)
    assert len(report["repaired"]) == 6 and [p["rule"] for p in report["problems"]] == [
        "unknown_code"
    ]
    assert Path(report["backup"]).name.endswith("-repair.db"), "a backup before repairing"
    assert [b.path for b in backups_of(store.path)] == [Path(report["backup"])]

    damage(store, "UPDATE centers SET kind = 'autoimmune_clinic' WHERE id = 3")
    assert main(["--db", db, "check"]) == 0
    assert main(["--db", str(tmp_path / "absent.db"), "check"]) == 2
    assert not (tmp_path / "absent.db").exists(), "checking never creates a database"


def test_check_of_a_damaged_file_exits_2_and_points_to_restore(tmp_path: Path, capsys):
    store = open_store(tmp_path / "dir.db", seed=False)
    store.close()
    with (tmp_path / "dir.db").open("r+b") as fh:
        fh.seek(4096)
        fh.write(b"\x00\xff" * 8192)
    assert main(["--db", str(tmp_path / "dir.db"), "check"]) == 2
    err = capsys.readouterr().err
    assert "directory-app restore FILE" in err and len(err.strip().splitlines()) == 1


def test_rules_and_repairs_run_on_postgresql(pg_url: str, capsys):
    """The app's rules are plain SQL on any engine; the file-level checks (integrity, orphans)
    are SQLite's alone, since a server enforces foreign keys and guards its own pages."""
    store = add_sound_rows(open_store(pg_url, seed=False))
    try:
        assert checks(store) == []
        with store.engine.begin() as conn:
            for sql in (
                "UPDATE centers SET latitude = 123.0 WHERE id = 1",
                "UPDATE centers SET cost_min_usd = 9000 WHERE id = 2",
                "UPDATE trials SET nct_id = 'nct01234567', phases = '[\"phase9\"]'",
                "UPDATE centers SET name = ' ' WHERE id = 3",
            ):
                conn.exec_driver_sql(sql)
        assert found(store) == {
            ("coordinates", "centers", 1, True), ("min_above_max", "centers", 2, True),
            ("nct_id", "trials", 1, True), ("unknown_code", "trials", 1, False),
            ("empty_name", "centers", 3, False),
        }  # fmt: skip
        assert main(["--db", pg_url, "check", "--repair"]) == 1
        assert {p.rule for p in checks(store)} == {"unknown_code", "empty_name"}
        assert "backup taken first" not in capsys.readouterr().out, "pg_dump's job, not ours"
    finally:
        store.close()


def test_check_lists_centers_without_a_location_and_still_passes(store: Store, capsys):
    with store.session() as s:
        s.add(Center(name="Sample Unplaced Clinic (test data)", city="Nowhereville",
                     country="Norway"))  # fmt: skip
        s.add(Center(name="Sample Placeless Clinic (test data)"))
    db = str(store.path)
    assert main(["--db", db, "check"]) == 0, "a missing location is not damage"
    out = capsys.readouterr().out
    assert "note: 2 centers without a known location" in out
    assert re.search(r"\b4  Sample Unplaced Clinic \(test data\) - Nowhereville, Norway\n", out)
    assert re.search(r"\b5  Sample Placeless Clinic \(test data\) - no place recorded\n", out)
    assert "Center 0" not in out, "located centers are not listed"
    assert main(["--db", db, "check", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and [u["id"] for u in report["unlocated"]] == [4, 5]
    assert report["unlocated"][0]["place"] == "Nowhereville, Norway"


def test_a_directory_with_every_center_placed_has_no_location_note(store: Store, capsys):
    assert main(["--db", str(store.path), "check", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unlocated"] == []
    assert main(["--db", str(store.path), "check"]) == 0
    assert "without a known location" not in capsys.readouterr().out

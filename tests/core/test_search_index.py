"""The search's machinery: the search index following every kind of write, the migration,
distances against geopy, and the number of queries a page costs."""

from __future__ import annotations

import dataclasses
import gc
import random
from datetime import date

import pytest
from geographiclib.geodesic import Geodesic
from geopy.distance import geodesic
from sqlalchemy import delete, event, text, update

from directory_app.core.directory.models import (
    Center,
    TeamMember,
    TherapyOffering,
    Trial,
    TrialSite,
)
from directory_app.core.directory.vocab import ACTIVE_TRIAL_STATUSES
from directory_app.core.search.distance_rank import (
    VINCENTY_ERROR_KM,
    distance_within,
    lambert_from,
    lambert_km,
    vincenty_km,
)
from directory_app.core.search.fetch import collector_paused
from directory_app.core.search.rows import _result
from directory_app.core.search.sql import fold_table
from tests.core.test_search import ROCHESTER, SPECIALISTS, add, find, names, only, point


def test_distances_agree_with_geopy_from_next_door_to_the_antipodes():
    rng = random.Random(7)
    for _ in range(300):
        a = (rng.uniform(-90, 90), rng.uniform(-180, 180))
        b = (
            (rng.uniform(-90, 90), rng.uniform(-180, 180))
            if rng.random() < 0.5
            else point(a, rng.uniform(0.01, 500), rng.uniform(0, 360))
        )
        exact = geodesic(a, b).km
        assert lambert_km(*a, *b) == pytest.approx(exact, rel=2e-5, abs=1e-9)
        km, inside = distance_within(a, *b, radius_km=exact * (1 + 1e-9))
        assert inside and km == pytest.approx(exact, rel=2e-5)


def test_centers_a_centimetre_apart_in_distance_come_in_geodesic_order(empty_store):
    add(empty_store, "Alpha", point(ROCHESTER, 57.37376, azimuth=10))
    add(empty_store, "Zed", point(ROCHESTER, 57.37375, azimuth=200))
    assert names(empty_store, origin=ROCHESTER, limit=1) == ["Zed"]
    assert names(empty_store, origin=ROCHESTER, radius_km=60) == ["Zed", "Alpha"]


def test_text_search_follows_inserts_updates_and_deletes(empty_store):
    cid = add(
        empty_store, "Old Name", trials=[("NCT01", "Stem cells for lupus", "recruiting", None)]
    )
    with empty_store.session() as s:
        s.get(Center, cid).name = "New Name"
    assert names(empty_store, text="old") == []
    assert names(empty_store, text="new name") == ["New Name"]
    with empty_store.session() as s:
        s.execute(update(Trial).values(title="Stem cells for vasculitis"))
    assert names(empty_store, text="lupus") == []
    assert names(empty_store, text="vasculitis") == ["New Name"]
    with empty_store.session() as s:
        s.execute(delete(TrialSite))
    assert names(empty_store, text="vasculitis") == []
    with empty_store.session() as s:
        s.delete(s.get(Center, cid))
    assert names(empty_store, text="new") == []


def test_trial_status_change_moves_a_center_in_and_out_of_recruiting(empty_store):
    add(empty_store, "Site", trials=[("NCT01", "A", "not_yet_recruiting", None)])
    assert names(empty_store, trials="recruiting") == []
    with empty_store.session() as s:
        s.execute(update(Trial).values(status="recruiting"))
    assert only(empty_store, trials="recruiting").active_trials == 1


def test_a_page_costs_the_same_number_of_queries_however_long(empty_store):
    for i in range(40):
        trial = (f"NCT{i}", "t", "recruiting", None)
        add(empty_store, f"C{i:02d}", point(ROCHESTER, i + 1), team=SPECIALISTS,
            therapies=["hsct_autologous"], trials=[trial])  # fmt: skip
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(empty_store.engine, "before_cursor_execute", listener)
    try:
        counts = []
        for criteria in ({"limit": 2}, {"limit": 40}, {"origin": ROCHESTER, "radius_km": 100}):
            statements.clear()
            assert len(find(empty_store, **criteria)) == criteria.get("limit", 40)
            counts.append(len(statements))
    finally:
        event.remove(empty_store.engine, "before_cursor_execute", listener)
    # The centers in an FDA letter's city (through the text index; none here, so no query for
    # their stored flags), the candidates, then one query for the page's addresses and one for
    # its trial status dates; a radius reads no unlocated centers (they are counted apart,
    # `unlocated_left_out`).
    assert counts == [4, 4, 4]


def test_fast_built_rows_equal_dataclass_built_rows(empty_store):
    add(empty_store, "A", point(ROCHESTER, 2), therapies=["hsct_autologous"])
    row = only(empty_store, origin=ROCHESTER)
    values = dataclasses.asdict(row)
    assert _result(values) == row == type(row)(**values)
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.name = "B"  # type: ignore[misc]


def test_search_index_follows_fact_edits_and_deletes(empty_store):
    cid = add(empty_store, "A", point(ROCHESTER, 2))
    with empty_store.session() as s:
        s.add(TherapyOffering(center_id=cid, therapy="hsct_autologous", source="verified"))
        s.add(TeamMember(center_id=cid, role="specialty", discipline="neurology"))
    assert names(empty_store, therapies={"hsct_autologous"}, specialties={"neurology"}) == ["A"]
    with empty_store.session() as s:
        s.execute(update(TeamMember).values(discipline="nephrology"))
        s.execute(delete(TherapyOffering))
        s.get(Center, cid).latitude = None
    assert names(empty_store, therapies={"hsct_autologous"}) == []
    assert names(empty_store, specialties={"nephrology"}) == ["A"]
    unplaced = only(empty_store, origin=ROCHESTER, radius_km=5, show_unlocated=True)
    assert unplaced.unknown == ("location unknown",)
    with empty_store.session() as s:
        s.delete(s.get(Center, cid))
        assert s.execute(text("SELECT count(*) FROM center_search")).scalar() == 0


def test_search_index_of_a_bulk_built_directory_agrees_with_its_tables(empty_store):
    from directory_app.bench.synthetic import NAME_PREFIX, build_synthetic
    from directory_app.core.exchange.directory_form import load_centers

    assert build_synthetic(empty_store, 300, seed=3)["centers"] == 300
    rows = {r.id: r for r in find(empty_store, limit=None)}
    with empty_store.session() as s:
        centers = load_centers(s)
        for c in centers:
            row = rows[c.id]
            active = [
                t
                for t in c.trial_sites
                if (t.site_status or t.trial.status) in ACTIVE_TRIAL_STATUSES
            ]
            assert row.name.startswith(NAME_PREFIX)
            assert row.therapies == tuple(sorted(t.therapy for t in c.therapies))
            assert row.specialties == tuple(
                sorted(t.discipline for t in c.team if t.role == "specialty")
            )
            assert row.services == tuple(
                sorted(t.discipline for t in c.team if t.role == "service")
            )
            assert (row.active_trials, row.red_flags) == (len(active), len(c.red_flags))
    assert len(centers) == len(rows) == 300


def test_migration_agrees_with_the_app_on_active_statuses_and_accent_folding():
    import importlib.util

    from directory_app.core import paths

    path = paths.MIGRATIONS / "versions" / "0002_search_indexes.py"
    spec = importlib.util.spec_from_file_location("m0002", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.ACTIVE_STATUSES) == set(ACTIVE_TRIAL_STATUSES)
    assert module.fold_table() == fold_table()


@pytest.mark.sqlite_only
def test_database_from_first_revision_is_searchable_after_upgrade(tmp_path):
    from directory_app.core.storage.engine import make_engine
    from directory_app.core.storage.migrations import migrate
    from directory_app.core.storage.opening import open_store

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO centers (id, uid, name, notes, latitude, longitude, source, edited_fields,"
            " created_at, updated_at, version) VALUES (1, 'abc', 'Old Center', 'lupus program',"
            " 44.02, -92.47, 'verified', '[]', '2025-01-01', '2025-01-01', 1)"
        ))  # fmt: skip
        conn.execute(text(
            "INSERT INTO therapy_offerings (center_id, therapy, source)"
            " VALUES (1, 'hsct_autologous', 'verified')"
        ))  # fmt: skip
    engine.dispose()
    store = open_store(tmp_path / "old.db", seed=False)
    try:
        row = only(store, text="lupus", origin=ROCHESTER, radius_km=10,
                   therapies={"hsct_autologous"})  # fmt: skip
        assert row.name == "Old Center" and row.distance_km < 2
    finally:
        store.close()


def test_vincenty_is_within_its_bound_of_the_geodesic_and_lambert_from_is_lambert():
    rng = random.Random(11)
    for _ in range(2000):
        a = (rng.uniform(-89, 89), rng.uniform(-180, 180))
        b = point(a, rng.choice([rng.uniform(0, 1), rng.uniform(0, 2000), rng.uniform(0, 11_000)]),
                  rng.uniform(0, 360))  # fmt: skip
        exact = Geodesic.WGS84.Inverse(*a, *b)["s12"] / 1000
        found = vincenty_km(*a, *b)
        assert found is not None and abs(found - exact) <= VINCENTY_ERROR_KM
        assert lambert_from(*a)(*b) == lambert_km(*a, *b)  # the same arithmetic, bit for bit


def test_dense_neighbours_come_in_geodesic_order(empty_store):
    """Distances a fraction of a millimetre to a few metres apart, in every direction: the
    order is the geodesic's, whichever formula had to decide it."""
    rng = random.Random(3)
    base = 412.3
    for i in range(60):
        step = rng.choice([0.0000003, 0.000002, 0.0004, 0.003])  # km: 0.3 mm .. 3 m
        add(empty_store, f"C{i:02d}", point(ROCHESTER, base, azimuth=rng.uniform(0, 360)))
        base += step
    rows = find(empty_store, origin=ROCHESTER, radius_km=500)
    exact = [Geodesic.WGS84.Inverse(*ROCHESTER, r.latitude, r.longitude)["s12"] for r in rows]
    assert exact == sorted(exact) and len(rows) == 60


def test_a_search_pauses_the_cycle_collector_and_restores_it(empty_store):
    add(empty_store, "A", point(ROCHESTER, 2))
    assert gc.isenabled()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
        assert only(empty_store, origin=ROCHESTER).name == "A"
        assert not gc.isenabled()
    assert gc.isenabled()
    only(empty_store, origin=ROCHESTER)
    assert gc.isenabled()
    gc.disable()
    try:
        only(empty_store, origin=ROCHESTER)
        assert not gc.isenabled()  # a collector someone else paused stays paused
    finally:
        gc.enable()


def test_records_carry_dates_and_booleans_as_python_values(empty_store):
    add(empty_store, "A", point(ROCHESTER, 2), last_verified=date(2026, 1, 2),
        insurance_accepted=True)  # fmt: skip
    row = only(empty_store, origin=ROCHESTER, insurance=True)
    assert row.last_verified == date(2026, 1, 2) and type(row.last_verified) is date
    assert "insurance accepted" in row.matched


def test_counts_match_the_fda_letters_only_when_they_filter_by_red_flags(empty_store):
    """A count (relax suggestions, "without this criterion") shows no red-flag column, so it
    skips the letter lookup unless "exclude red flags" needs it; a page of rows always runs it."""
    from directory_app.core.search.query import CenterFilter, count_matching, search

    add(empty_store, "C", point(ROCHESTER, 1))
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731

    def letter_lookups(run) -> int:
        statements.clear()
        with empty_store.session() as s:
            run(s)
        # no text criterion here, so only the letters' lookup reads the text index
        return sum("centers_fts" in sql or "to_tsquery" in sql for sql in statements)

    event.listen(empty_store.engine, "before_cursor_execute", listener)
    try:
        plain, excluding = CenterFilter(), CenterFilter(exclude_red_flags=True)
        assert letter_lookups(lambda s: count_matching(s, plain)) == 0
        assert letter_lookups(lambda s: count_matching(s, excluding)) == 1
        assert letter_lookups(lambda s: search(s, plain)) == 1
    finally:
        event.remove(empty_store.engine, "before_cursor_execute", listener)

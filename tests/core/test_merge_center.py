"""Merge by editing: a duplicate center folded into the one it duplicates, and back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from directory_app.cli import main
from directory_app.core.directory.editing import EditConflict, load_center
from directory_app.core.directory.models import (
    Center,
    CenterAlias,
    Trial,
    TrialPlace,
    TrialSite,
)
from directory_app.core.importing.merge_center import (
    MergeError,
    merge_into,
    suggest_merges,
    unmerge,
)
from directory_app.core.importing.split_center import split_alias
from directory_app.core.search.query import search
from directory_app.core.search.shapes import CenterFilter
from tests.alias_samples import DUPLICATE, KEPT, TODAY, comparable, two_centers


def found(store: Any, text: str) -> list[str]:
    with store.session() as s:
        return [r.name for r in search(s, CenterFilter(text=text, as_of=TODAY))]


def test_a_merge_moves_names_links_places_facts_and_unknown_fields(any_store: Any) -> None:
    kept_id, other_id = two_centers(any_store)
    with any_store.session() as s:
        result = merge_into(s, kept_id, other_id, today=TODAY)
    assert result.merged_name == DUPLICATE and result.moved_trials == ("NCT09900012",)
    with any_store.session() as s:
        assert s.get(Center, other_id) is None
        kept = load_center(s, kept_id)
        place = s.scalar(select(TrialPlace))
        assert place is not None and place.center_id == kept_id
    assert [(a["name"], a["source"]) for a in kept["aliases"]] == [
        ("LUH", "registry"), (DUPLICATE, "verified")]
    assert kept["aliases"][1]["verified_on"] == TODAY.isoformat()
    # Each trial once; the link the duplicate brought keeps the facility the registry wrote.
    assert sorted((t["nct_id"], t["facility"]) for t in kept["trials"]) == [
        ("NCT09900011", KEPT), ("NCT09900012", DUPLICATE)]
    # The center's own facts stay; the duplicate's others are added with their provenance.
    assert sorted((c["condition"], c["source"]) for c in kept["conditions"]) == [
        ("lupus", "registry"), ("multiple_sclerosis", "registry")]
    assert [c["name"] for c in kept["contacts"]] == ["Dana Lee"]
    assert [f["description"] for f in kept["red_flags"]] == ["ask about costs"]
    # Unknown fields take the duplicate's values; known ones keep the center's.
    assert (kept["phone"], kept["address"], kept["postal_code"], kept["contact_source"]) == (
        "+1 216 555 0142", "1 Lakeside Way", "44106", "verified")
    assert kept["cost_min_usd"] == 90000
    assert (kept["latitude"], kept["location_source"]) == (41.5, "gazetteer")
    assert found(any_store, "LUH Main") == [KEPT]


def test_unmerge_puts_both_centers_back_exactly(any_store: Any) -> None:
    kept_id, other_id = two_centers(any_store)
    with any_store.session() as s:
        kept_before, other_before = load_center(s, kept_id), load_center(s, other_id)
        result = merge_into(s, kept_id, other_id, today=TODAY)
    with any_store.session() as s:
        version = load_center(s, kept_id)["version"]
    with any_store.session() as s, pytest.raises(EditConflict):
        unmerge(s, kept_before, other_before, result.moved_places,
                expected_version=version + 1)
    with any_store.session() as s:
        assert unmerge(s, kept_before, other_before, result.moved_places,
                       expected_version=version) == other_id
    with any_store.session() as s:
        assert comparable(load_center(s, kept_id)) == comparable(kept_before)
        assert comparable(load_center(s, other_id)) == comparable(other_before)
        place = s.scalar(select(TrialPlace))
        assert place is not None and place.center_id == other_id
    assert found(any_store, "LUH Main") == [DUPLICATE]


def test_a_merged_name_can_be_split_off_again(any_store: Any) -> None:
    kept_id, other_id = two_centers(any_store)
    with any_store.session() as s:
        merge_into(s, kept_id, other_id, today=TODAY)
    with any_store.session() as s:
        split = split_alias(s, kept_id, DUPLICATE)
    assert split.moved_trials == ("NCT09900012",)
    assert found(any_store, "LUH Main") == [DUPLICATE]


def test_what_cannot_be_merged_is_refused_and_nothing_changes(any_store: Any) -> None:
    kept_id, other_id = two_centers(any_store)
    with any_store.session() as s:
        far = Center(name="LUH Akron", city="Akron", region="OH", country="United States")
        s.add(far)
        s.flush()
        far_id = far.id
        versions = {c.id: c.version for c in s.scalars(select(Center))}
    with any_store.session() as s, pytest.raises(MergeError, match="into itself"):
        merge_into(s, kept_id, kept_id)
    with any_store.session() as s, pytest.raises(MergeError, match="different places"):
        merge_into(s, kept_id, far_id)
    with any_store.session() as s, pytest.raises(MergeError, match="no center with id 999999"):
        merge_into(s, kept_id, 999999)
    with any_store.session() as s, pytest.raises(EditConflict, match="changed elsewhere"):
        merge_into(s, kept_id, other_id, expected_other_version=versions[other_id] + 1)
    with any_store.session() as s:
        assert {c.id: c.version for c in s.scalars(select(Center))} == versions
        assert s.scalar(select(CenterAlias).where(CenterAlias.name == DUPLICATE)) is None


def test_merge_runs_from_the_command_line(
    any_store: Any, engine_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    kept_id, other_id = two_centers(any_store)
    assert main(["--db", engine_url, "merge", str(other_id), "--into", str(other_id)]) == 2
    assert "cannot be merged into itself" in capsys.readouterr().err
    assert main(["--db", engine_url, "merge", str(other_id), "--into", str(kept_id),
                 "--json"]) == 0  # fmt: skip
    answer = json.loads(capsys.readouterr().out)
    assert answer == {"center": kept_id, "merged": other_id, "name": DUPLICATE,
                      "trials": ["NCT09900012"]}  # fmt: skip
    assert main(["--db", engine_url, "show", str(kept_id)]) == 0
    assert "Also registered as: LUH (" in capsys.readouterr().out


def test_suggestions_list_what_the_build_would_merge_and_nothing_once_merged(
    any_store: Any, engine_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with any_store.session() as s:
        big = Center(name="Lakeside University Medical Center", city="Cleveland",
                     region="OH", country="United States", source="registry")
        trials = [Trial(nct_id=f"NCT0990002{n}", title="t", status="completed") for n in (1, 2)]
        big.trial_sites = [TrialSite(trial=t, facility=big.name) for t in trials]
        short = Center(name="LUH Lakeside University Hospitals", city="Cleveland", region="OH",
                       country="United States", source="registry")
        twin = Center(name="Lakeside University Hospital", city="Cleveland", region="OH",
                      country="United States", source="registry")
        elsewhere = Center(name="Lakeside University Hospital", city="Akron", region="OH",
                           country="United States", source="registry")
        s.add_all([big, short, twin, elsewhere])
        s.flush()
        big_id, twin_id = big.id, twin.id
    with any_store.session() as s:
        found = suggest_merges(s)
    # Both name "Lakeside University" once "Medical Center" / "Hospital" is left off; the
    # center with the most trials keeps its name; "LUH ..." is another name; Akron another
    # place.
    assert [(m.duplicate_id, m.into_id, m.rule) for m in found] == [
        (twin_id, big_id, "same institution name")]
    assert found[0].line() == (
        f"merge {twin_id} --into {big_id}   # 'Lakeside University Hospital' into "
        "'Lakeside University Medical Center' (Cleveland, OH): same institution name")
    assert main(["--db", engine_url, "merge", "--suggest", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [m["duplicate_id"] for m in data["suggestions"]] == [twin_id]
    assert main(["--db", engine_url, "merge", "--suggest", str(twin_id)]) == 2
    assert "--suggest takes no ids" in capsys.readouterr().err
    assert main(["--db", engine_url, "merge", str(twin_id)]) == 2
    assert "give the duplicate's id and --into ID" in capsys.readouterr().err
    assert main(["--db", engine_url, "merge", str(twin_id), "--into", str(big_id)]) == 0
    capsys.readouterr()
    assert main(["--db", engine_url, "merge", "--suggest"]) == 0
    assert capsys.readouterr().out.startswith("No two centers of one city name the same")


def test_the_bundled_directory_leaves_nothing_to_suggest(seeded_store: Any) -> None:
    """The seed build already made every merge its rules find (the CMS number included)."""
    with seeded_store.session() as s:
        assert suggest_merges(s) == []

"""A center's other registered names: found by the text search on both engines, listed by
`show`, kept by exports, and split off again as a center of their own (`split`)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from directory_app.cli import main
from directory_app.core.directory.editing import EditConflict, load_center
from directory_app.core.directory.models import (
    Center,
    CenterAlias,
    ConditionTreated,
)
from directory_app.core.importing.split_center import SplitError, rejoin_split, split_alias
from directory_app.core.search.query import search
from directory_app.core.search.shapes import CenterFilter
from tests.alias_samples import MAIN, OTHER, comparable, merged_center


def found(store: Any, text: str) -> list[str]:
    with store.session() as s:
        return [r.name for r in search(s, CenterFilter(text=text, as_of=date(2026, 6, 1)))]


def test_the_text_search_finds_a_center_by_an_alias(any_store: Any) -> None:
    merged_center(any_store)
    assert found(any_store, "LUH Lakeside") == [MAIN]
    assert found(any_store, "lakeside university hospitals") == [MAIN]
    assert found(any_store, "luh") == [MAIN]


def test_alias_edits_and_a_renamed_center_keep_the_search_current(any_store: Any) -> None:
    center_id = merged_center(any_store)
    with any_store.session() as s:
        s.get(Center, center_id).name = "LUH Medical Center"
    assert found(any_store, "LUH Lakeside") == ["LUH Medical Center"]
    with any_store.session() as s:
        alias = s.scalar(select(CenterAlias))
        alias.name = "Westgate Hospital"
    assert found(any_store, "LUH Lakeside") == []
    assert found(any_store, "westgate") == ["LUH Medical Center"]
    with any_store.session() as s:
        s.delete(s.scalar(select(CenterAlias)))
    assert found(any_store, "westgate") == []
    assert found(any_store, "luh medical") == ["LUH Medical Center"]


def test_split_makes_the_alias_a_center_with_its_trials_and_facts(any_store: Any) -> None:
    center_id = merged_center(any_store)
    with any_store.session() as s:
        result = split_alias(s, center_id, OTHER)
    assert result.old_id == center_id and result.name == OTHER
    assert result.moved_trials == ("NCT09900002",)
    with any_store.session() as s:
        old, new = s.get(Center, center_id), s.get(Center, result.new_id)
        assert [a.name for a in old.aliases] == []
        assert [t.trial.nct_id for t in old.trial_sites] == ["NCT09900001"]
        assert {c.condition for c in old.conditions} == {"lupus"}
        assert {t.therapy for t in old.therapies} == {"msc_umbilical_cord"}
        assert (new.city, new.region, new.country) == ("Cleveland", "OH", "United States")
        assert [t.trial.nct_id for t in new.trial_sites] == ["NCT09900002"]
        assert {c.condition for c in new.conditions} == {"multiple_sclerosis"}
        assert {t.therapy for t in new.therapies} == {"hsct_autologous"}
        assert all(f.source == "registry" and f.source_ref == "NCT09900002"
                   for f in [*new.conditions, *new.therapies])
        assert new.latitude is not None and new.location_source == "gazetteer"
    # Each name now finds its own center.
    assert found(any_store, "LUH Lakeside") == [OTHER]
    assert found(any_store, "university hospitals medical") == [MAIN]


def test_split_keeps_facts_a_person_verified(any_store: Any) -> None:
    center_id = merged_center(any_store)
    with any_store.session() as s:
        c = s.get(Center, center_id)
        c.conditions.append(ConditionTreated(condition="crohns_disease", source="verified",
                                             verified_on=date(2026, 5, 1)))
    with any_store.session() as s:
        split_alias(s, center_id, OTHER)
    with any_store.session() as s:
        c = s.get(Center, center_id)
        assert {(f.condition, f.source) for f in c.conditions} == {
            ("lupus", "registry"), ("crohns_disease", "verified")}


def test_split_refuses_what_it_cannot_do_and_changes_nothing(any_store: Any) -> None:
    center_id = merged_center(any_store)
    with any_store.session() as s, pytest.raises(SplitError, match="has no alias 'Nope'"):
        split_alias(s, center_id, "Nope")
    with any_store.session() as s, pytest.raises(SplitError, match="no center with id 999999"):
        split_alias(s, 999999, OTHER)
    with any_store.session() as s:
        version = s.get(Center, center_id).version
    with any_store.session() as s, pytest.raises(SplitError, match="changed elsewhere"):
        split_alias(s, center_id, OTHER, expected_version=version + 1)
    with any_store.session() as s:
        assert s.scalar(select(Center).where(Center.name == OTHER)) is None
        assert [a.name for a in s.get(Center, center_id).aliases] == [OTHER]


def test_rejoining_a_split_puts_the_center_back_exactly(any_store: Any) -> None:
    center_id = merged_center(any_store)
    with any_store.session() as s:
        before = load_center(s, center_id)
        result = split_alias(s, center_id, OTHER, expected_version=before["version"])
    with any_store.session() as s:
        after = load_center(s, center_id)
        new = load_center(s, result.new_id)
    assert after["version"] == before["version"] + 1  # an editor holding the old one is refused
    with any_store.session() as s, pytest.raises(EditConflict):
        rejoin_split(s, before, result.new_id, expected_version=before["version"],
                     expected_new_version=new["version"])
    with any_store.session() as s, pytest.raises(EditConflict):
        rejoin_split(s, before, result.new_id, expected_version=after["version"],
                     expected_new_version=new["version"] + 1)
    with any_store.session() as s:
        assert rejoin_split(s, before, result.new_id, expected_version=after["version"],
                            expected_new_version=new["version"]) == center_id
    with any_store.session() as s:
        assert s.get(Center, result.new_id) is None
        assert comparable(load_center(s, center_id)) == comparable(before)
    assert found(any_store, "LUH Lakeside") == [MAIN]
    # And the same split can be made again (redo).
    with any_store.session() as s:
        again = split_alias(s, center_id, OTHER)
    assert again.moved_trials == ("NCT09900002",)
    assert found(any_store, "LUH Lakeside") == [OTHER]


def test_show_lists_the_aliases_and_split_runs_from_the_command_line(
    any_store: Any, engine_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    center_id = merged_center(any_store)
    assert main(["--db", engine_url, "show", str(center_id)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{MAIN}\nAlso registered as: {OTHER} (inferred from "
                          "ClinicalTrials.gov NCT09900002)\n")
    assert main(["--db", engine_url, "info"]) == 0
    assert "other registered names: 1, kept by 1 center that merges one" in capsys.readouterr().out
    assert main(["--db", engine_url, "split", str(center_id), "--alias", "Nope"]) == 2
    assert "has no alias 'Nope'" in capsys.readouterr().err
    assert main(["--db", engine_url, "split", str(center_id), "--alias", OTHER, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["center"] == center_id and answer["trials"] == ["NCT09900002"]
    assert main(["--db", engine_url, "show", str(center_id)]) == 0
    assert "Also registered as" not in capsys.readouterr().out
    assert main(["--db", engine_url, "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["other_names"], info["centers_with_other_names"], info["centers"]) == (0, 0, 2)
    assert main(["--db", engine_url, "show", str(answer["new_center"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == OTHER


def test_the_bundled_directory_finds_merged_names(seeded_store: Any) -> None:
    ireland = found(seeded_store, "Lake/University Ireland")
    assert len(ireland) == 1 and ireland[0].startswith("Ireland Cancer Center at University")
    assert found(seeded_store, "UH Hospitals Cleveland") == [
        "University Hospitals Cleveland Medical Center, Case Comprehensive Cancer Center"]

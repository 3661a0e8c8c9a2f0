"""An empty or tiny result explains itself: per active criterion, how many centers dropping it
alone would give. Runs on SQLite and PostgreSQL (the `empty_store` fixture)."""

from __future__ import annotations

import json
from typing import Any

from geographiclib.geodesic import Geodesic

from directory_app.cli import main
from directory_app.core.directory.models import Center, TeamMember, TherapyOffering
from directory_app.core.search.query import CenterFilter, search
from directory_app.core.search.relax import relax_text, relaxations

ROCHESTER = (44.0225, -92.4662)


def _at(miles: float) -> tuple[float, float]:
    g = Geodesic.WGS84.Direct(ROCHESTER[0], ROCHESTER[1], 90.0, miles * 1609.344)
    return g["lat2"], g["lon2"]


def _directory(store: Any) -> None:
    with store.session() as s:
        for name, miles, therapy in (("Near MSC", 10, "msc_bone_marrow"),
                                     ("Far HSCT", 400, "hsct_autologous"),
                                     ("Farther HSCT", 900, "hsct_autologous")):  # fmt: skip
            c = Center(name=name, kind="academic_hospital")
            c.latitude, c.longitude = _at(miles)
            c.therapies = [TherapyOffering(therapy=therapy, source="verified")]
            c.team = [TeamMember(role="specialty", discipline="neurology", source="verified")]
            s.add(c)


def test_each_criterion_dropped_alone_is_counted(empty_store):
    _directory(empty_store)
    flt = CenterFilter(origin=ROCHESTER, radius_km=300 * 1.609344, therapies={"hsct_autologous"},
                       specialties={"neurology"})  # fmt: skip
    with empty_store.session() as s:
        assert search(s, flt) == []
        found = relaxations(s, flt)
    assert [(r.label, r.count) for r in found] == [
        ("without 'HSCT (autologous)'", 1),
        ("without 'Neurology'", 0),
        ("within 600 mi", 1),
        ("at any distance", 2),
    ]
    # The relaxed filter is the one that gives the count: a GUI can apply it as it is.
    with empty_store.session() as s:
        assert [r.name for r in search(s, found[2].filter)] == ["Far HSCT"]
    assert relax_text(0, found[:2]) == (
        "0 results. Without 'HSCT (autologous)': 1; without 'Neurology': 0"
    )


def test_each_required_team_member_is_relaxed_on_its_own(empty_store):
    _directory(empty_store)
    with empty_store.session() as s:
        found = relaxations(s, CenterFilter(specialties={"neurology", "rheumatology"}))
    assert [(r.label, r.count) for r in found] == [
        ("without 'Neurology'", 0),
        ("without 'Rheumatology'", 3),
    ]


def test_an_unfiltered_search_has_nothing_to_relax(empty_store):
    with empty_store.session() as s:
        assert relaxations(s, CenterFilter()) == []
    assert relax_text(0, []) == "0 results."


def test_the_command_line_prints_the_relax_list_after_an_empty_table(empty_store, capsys):
    _directory(empty_store)
    args = ["--db", empty_store.url, "search", "--near", "55905", "--radius", "300mi",
            "--therapy", "hsct_autologous"]  # fmt: skip
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == (
        "0 results. Without 'HSCT (autologous)': 1; within 600 mi: 1; at any distance: 2"
    )
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["relax"][0] == {"label": "without 'HSCT (autologous)'", "count": 1}
    assert main([*args[:3], "--json"]) == 0  # three or more results are not explained
    assert json.loads(capsys.readouterr().out)["relax"] == []

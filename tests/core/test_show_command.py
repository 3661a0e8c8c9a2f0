"""`directory-app show ID`: the presenter's rows on the command line, as text and as JSON."""

from __future__ import annotations

import json

from directory_app.cli import main
from directory_app.core.directory.models import Center

from ..gui.center_factory import rich_center


def test_show_prints_every_section_with_sources_and_dated_trials(empty_store, engine_url, capsys):
    with empty_store.session() as s:
        center_id = rich_center(s)
    db = engine_url
    assert main(["--db", db, "show", str(center_id), "--as-of", "2026-06-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Rich Center\n")
    for heading in ("Contact and roles", "Therapies", "Costs and financial help", "Trials"):
        assert f"\n{heading}\n" in out
    assert "  Payment plans: Unknown\n" in out and "  Financial assistance: No\n" in out
    assert "[inferred from NCT07654321]" in out
    assert "status Active, not recruiting (as of 2025-11-03)" in out
    assert "A registered trial is not an approved treatment." in out


def test_show_json_and_an_unknown_id(empty_store, engine_url, capsys):
    with empty_store.session() as s:
        center_id = rich_center(s)
        assert s.get(Center, center_id) is not None
    db = engine_url
    assert main(["--db", db, "show", str(center_id), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == center_id and data["name"] == "Rich Center"
    assert data["trials"][0]["nct_id"] == "NCT07654321"
    assert main(["--db", db, "show", "999999"]) == 2
    assert "no center with id 999999" in capsys.readouterr().err

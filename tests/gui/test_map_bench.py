"""The map benchmark runs end to end on a few pins and prints its table (no timing asserted)."""

from __future__ import annotations

from directory_app.bench.__main__ import main


def test_map_bench_prints_both_rows_and_a_ratio(qapp, capsys):
    assert main(["map", "--pins", "200", "--steps", "4", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "with clustering" in out and "baseline (every pin)" in out
    assert "ratio clustered / baseline:" in out

"""A command-line search pays only for what it uses: a ZIP is found without loading the whole
gazetteer, a country's extent is read from the bundled file, the registry readers, alembic
and the ORM mapper set-up stay out of it, and
`bench cli` reports the whole-process medians against their targets."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from directory_app.bench import cli_bench
from directory_app.core.geo.country_reach import (
    _state,
    computed_country_extents,
    computed_state_extents,
    country_extents,
    extent_of,
    km_to_box,
    reduced,
    state_extents,
)
from directory_app.core.geo.gazetteer import GAZETTEER_DIR, gazetteer, zip_row
from directory_app.core.geo.places import PlaceError, country_code, resolve_place


def test_zip_row_reads_the_same_entry_as_the_loaded_gazetteer() -> None:
    table = (GAZETTEER_DIR / "us_zip.csv").read_text(encoding="utf-8")
    zips = gazetteer().zips
    ordered = sorted(zips)
    sample = [ordered[0], ordered[-1], *random.Random(7).sample(ordered, 400)]
    for zip_code in sample:
        assert zip_row(table, zip_code) == zips[zip_code], zip_code
    assert zip_row(table, "00000") is None
    assert zip_row(table, "zip,c") is None  # never matches the header


def test_zip_row_reads_a_quoted_town_and_a_last_line_without_newline() -> None:
    table = 'zip,city,state,lat,lon\n10001,"Town, Upper",NY,40.75,-73.99\r\n99999,End,AK,1.5,-2.5'
    assert zip_row(table, "10001") == ("Town, Upper", "NY", 40.75, -73.99)
    assert zip_row(table, "99999") == ("End", "AK", 1.5, -2.5)


def _fresh_process(code: str, cwd: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=cwd).stdout
    result: dict[str, object] = json.loads(out.splitlines()[-1])
    return result


def test_a_zip_lookup_does_not_load_the_gazetteer(tmp_path: Path) -> None:
    code = (
        "import json; from directory_app.core.geo import gazetteer, places\n"
        "p = places.resolve_place('44106-1234')\n"
        "print(json.dumps({'label': p.label, 'lat': p.latitude, 'loaded': gazetteer._LOADED "
        "is not None}))"
    )
    fresh = _fresh_process(code, tmp_path)
    loaded = resolve_place("44106-1234")  # in this process, from the loaded gazetteer
    assert fresh == {"label": loaded.label, "lat": loaded.latitude, "loaded": False}
    assert fresh["label"] == "Cleveland, OH 44106"


def test_an_unknown_zip_still_says_so() -> None:
    with pytest.raises(PlaceError, match="ZIP code 00000 is not in the offline gazetteer"):
        resolve_place("00000")


def test_a_zip_search_leaves_out_what_it_does_not_use(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    subprocess.run([sys.executable, "-m", "directory_app", "--db", str(db), "info"],
                   check=True, capture_output=True, cwd=tmp_path)
    code = (
        "import io, json, sys, contextlib\n"
        "from directory_app.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    code = main(['--db', {str(db)!r}, 'search', '--near', '44106', '--limit', '5'])\n"
        "from directory_app.core.geo import gazetteer\n"
        "from directory_app.core.directory.models import Center\n"
        "print(json.dumps({'code': code, 'first': out.getvalue().splitlines()[0],\n"
        "  'gazetteer': gazetteer._LOADED is not None, 'mappers': Center.__mapper__.configured,\n"
        "  'modules': sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'PySide6')\n"
        "    or m.startswith('directory_app.core.registry.'))}))"
    )
    result = _fresh_process(code, tmp_path)
    assert result["code"] == 0
    seed = Path(__file__).parents[2] / "db" / "seed" / "directory.json"
    bundled = len(json.loads(seed.read_text("utf-8"))["centers"])
    assert str(result["first"]).startswith(
        f"5 of {bundled} centers within 150mi of Cleveland, OH 44106")
    assert result["gazetteer"] is False and result["mappers"] is False
    # the classifier loads only when a trial is classified; the name folding helper is the one
    # registry module a search needs, to match the FDA letters' firms with centers' names
    assert result["modules"] == ["directory_app.core.registry.names"]


def test_bench_cli_prints_medians_and_both_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    samples = {"search": [0.5, 0.7, 0.6], "--version": [0.05, 0.04, 0.06],
               "import sqlalchemy.orm": [0.4, 0.4, 0.4], "python -c pass": [0.02, 0.03, 0.02]}
    lines, within = cli_bench.report(samples)
    text = "\n".join(lines)
    assert "search" in lines[1] and "600.0" in lines[1] and "500.0" in lines[1]
    assert "ratio search / import sqlalchemy.orm: 1.50 (target <= 1.5: within)" in text
    assert "ratio --version / python -c pass: 2.50 (target <= 1.5: OVER)" in text
    assert within is False


def test_bench_cli_runs_the_processes_it_names(tmp_path: Path) -> None:
    argvs = cli_bench.processes(str(tmp_path / "d.db"))
    assert argvs["search"][-6:] == ["--db", str(tmp_path / "d.db"), "search", "--near", "44106",
                                    "--limit", "5"][-6:]
    assert argvs["import sqlalchemy.orm"] == [sys.executable, "-c", "import sqlalchemy.orm"]
    samples = cli_bench.measure({"pass": argvs["python -c pass"]}, 2, {})
    assert len(samples["pass"]) == 2 and all(s > 0 for s in samples["pass"])


def test_bundled_extents_are_what_the_outlines_and_cities_give() -> None:
    """The bundled file is current: rebuilt from the bundled map and gazetteer, it is the same
    (run `python db/build_extents.py` after changing either)."""
    computed = {code: set(reduced(e).boxes) for code, e in computed_country_extents().items()}
    assert {code: set(e.boxes) for code, e in country_extents().items()} == computed
    computed = {code: set(reduced(e).boxes) for code, e in computed_state_extents().items()}
    assert {code: set(e.boxes) for code, e in state_extents().items()} == computed


def test_reduced_extents_answer_exactly_as_all_boxes() -> None:
    rng = random.Random(3)
    for code, extent in sorted(computed_country_extents().items()) + sorted(
            computed_state_extents().items()):
        few = reduced(extent)
        assert len(few.boxes) <= len(extent.boxes)
        for _ in range(5):
            lat, lon = rng.uniform(-80, 80), rng.uniform(-180, 180)
            full = min(km_to_box(lat, lon, b) for b in extent.boxes)
            assert min(km_to_box(lat, lon, b) for b in few.boxes) == full, code


@pytest.mark.parametrize(("country", "region"), [
    ("Norway", None), ("United States", "Ohio"), ("US", "HI"), ("France", None),
    ("United States", None), ("Korea, Republic of", None), ("Atlantis", None),
])
def test_one_territory_is_read_as_all_of_them(country: str, region: str | None) -> None:
    extent = extent_of(country, region)
    if country == "Atlantis":
        assert extent is None
        return
    assert extent is not None
    code = country_code(country)
    if region:
        assert extent == state_extents()[_state(region) or ""]
    else:
        assert extent == country_extents()[code or ""]

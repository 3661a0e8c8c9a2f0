"""db/build_map.py on tiny hand-made inputs: encoding, shared borders, determinism."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

BUILD_MAP = Path(__file__).resolve().parents[2] / "db" / "build_map.py"


@pytest.fixture(scope="module")
def build_map() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_map", BUILD_MAP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _wiggle(n: int = 40) -> list[list[float]]:
    """A border from (0, 0) via (0.5, 2) to (0, 4): two straight runs with sub-tolerance noise."""
    pts = []
    for i in range(n + 1):
        bend = 0.5 * (1 - abs(i - n / 2) / (n / 2))
        pts.append([bend + (0.001 if i % 2 else -0.001), 4.0 * i / n])
    pts[0], pts[n // 2], pts[-1] = [0.0, 0.0], [0.5, 2.0], [0.0, 4.0]
    return pts


def _feature(name: str, ring: list[list[float]], **extra: str) -> dict:
    return {
        "type": "Feature",
        "properties": {"NAME": name, **extra},
        "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]},
    }


def _write_inputs(tmp: Path) -> tuple[Path, Path]:
    border = _wiggle()
    west = [[-3.0, 4.0], [-3.0, 0.0]] + border  # runs up the border
    east = [[3.0, 0.0], [3.0, 4.0]] + border[::-1]  # runs down the same border
    states = {
        "type": "FeatureCollection",
        "features": [
            _feature("Wést", west, STATE="01"),
            _feature("East", east, STATE="02"),
            _feature("Isle", [[170.0, 10.0], [171.0, 10.0], [171.0, 11.0]], STATE="03"),
        ],
    }
    us = tmp / "states.json"
    us.write_bytes(json.dumps(states, ensure_ascii=False).encode("latin-1"))  # old Census style
    world = tmp / "world.geojson"
    countries = {
        "type": "FeatureCollection",
        "features": [_feature("Côte", west, ISO_A3="-99"), _feature("Land", east, ISO_A3="LND")],
    }
    world.write_text(json.dumps(countries, ensure_ascii=False), encoding="utf-8")
    return us, world


def test_build_is_deterministic_and_shares_borders(build_map: ModuleType, tmp_path: Path) -> None:
    us, world = _write_inputs(tmp_path)
    out1, out2 = tmp_path / "a", tmp_path / "b"
    assert build_map.main(["build_map.py", str(us), str(world), str(out1)]) == 0
    assert build_map.main(["build_map.py", str(us), str(world), str(out2)]) == 0
    for name in ("us_states.json", "countries.json", "SOURCES.md"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes()

    states = json.loads((out1 / "us_states.json").read_text(encoding="utf-8"))["features"]
    by_name = {f["name"]: f for f in states}
    assert [f["name"] for f in states] == ["East", "Isle", "Wést"]  # Latin-1 decoded, sorted
    west_pts = {tuple(p) for p in by_name["Wést"]["rings"][0]}
    east_pts = {tuple(p) for p in by_name["East"]["rings"][0]}
    shared = west_pts & east_pts
    # The noise is gone, the bend and the junctions stay, identically on both sides.
    assert shared == {(0.0, 0.0), (0.5, 2.0), (0.0, 4.0)}
    assert len(west_pts) == len(east_pts) == 5
    # An island wholly east of Greenwich is moved next to the Americas.
    assert all(x < -180 for x, _ in by_name["Isle"]["rings"][0])

    countries = json.loads((out1 / "countries.json").read_text(encoding="utf-8"))["features"]
    assert [(f["name"], f["code"]) for f in countries] == [("Côte", None), ("Land", "LND")]
    assert "public domain" in (out1 / "SOURCES.md").read_text(encoding="utf-8").lower()


def test_douglas_peucker_keeps_endpoints(build_map: ModuleType) -> None:
    line = [(0.0, 0.0), (1.0, 0.0001), (2.0, 0.0), (3.0, 1.0)]
    assert build_map.douglas_peucker(line, 0.01) == [(0.0, 0.0), (2.0, 0.0), (3.0, 1.0)]


def test_usage_error(build_map: ModuleType) -> None:
    assert build_map.main(["build_map.py"]) == 2

"""Build the bundled offline map outlines from public-domain GeoJSON.

Usage::

    python db/build_map.py US_STATES.json NE_COUNTRIES.geojson [OUT_DIR]

The app draws its map without tiles or network, so it ships small outline files in
`resources/map/`. The source files are several times larger than needed at the scales the map
shows, so this script simplifies them with Douglas-Peucker and rounds coordinates to 3 decimals
(about 100 m). Simplification is *topology-preserving*: rings are cut at the vertices where
neighbouring features meet, and each shared border is simplified once and reused by both sides,
so adjacent states never get slivers or gaps between them. Output is deterministic (features
sorted by name, fixed number formatting), so re-running it gives byte-identical files.
"""

from __future__ import annotations

import json
import math
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

Point = tuple[float, float]
Ring = list[Point]

#: Douglas-Peucker tolerance in degrees (latitude-equivalent; longitude is scaled by cos(lat)).
#: ~1 km for states: below a pixel even when the view shows a single metro area.
US_TOLERANCE = 0.01
#: Natural Earth 1:110m is already coarse; a light pass only removes near-collinear points.
WORLD_TOLERANCE = 0.03
#: Rings smaller than this (square degrees) are dropped, unless a feature would lose all rings.
US_MIN_AREA = 0.002
WORLD_MIN_AREA = 0.05
DECIMALS = 3

SOURCES_MD = """\
# Map outline sources

The offline map draws only these two bundled files; it uses no tiles and no network.

| file | source | licence |
| --- | --- | --- |
| `us_states.json` | U.S. Census Bureau cartographic boundary file `gz_2010_us_040_00_20m` \
(states, DC and Puerto Rico, 1:20,000,000) | Public domain (work of the U.S. government) |
| `countries.json` | Natural Earth 1:110m Cultural Vectors, Admin 0 - Countries | \
Public domain (Natural Earth terms of use) |

Both were produced by `db/build_map.py`: topology-preserving Douglas-Peucker simplification
(tolerance {us_tol}° for states, {world_tol}° for countries), coordinates rounded to
{decimals} decimals, rings under {us_area} / {world_area} square degrees dropped. Aleutian
islands east of the antimeridian are shifted by -360° so Alaska is drawn in one piece.

Format: `{{"title": ..., "features": [{{"name": ..., "code": ..., "rings": [ring, ...]}}]}}`
with each ring a list of `[lon, lat]`, one feature per line. `code` is the state FIPS code or
the ISO 3166 alpha-3 code (null where Natural Earth has none). Rings are closed implicitly (the
first point is not repeated); holes are ordinary rings, drawn with the even-odd rule.

Known limitation: Natural Earth's admin-0 countries include lake surfaces, so the map shows the
Canadian halves of the Great Lakes as land (the U.S. halves are water, because the Census
outlines follow the shoreline and the app draws the states instead of Natural Earth's U.S.).
A public-domain lakes layer (Natural Earth "lakes") would fix this.
"""


def read_geojson(path: Path) -> dict:
    """Parse GeoJSON, accepting UTF-8 or Latin-1: older Census files are Latin-1 encoded."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return json.loads(text)


def polygons(geometry: dict) -> list[list[list[Sequence[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["coordinates"]
    raise ValueError(f"unsupported geometry {geometry['type']}")


def open_ring(coords: Iterable[Sequence[float]], shift_east: bool) -> Ring:
    """Vertices without the closing repeat or consecutive duplicates.

    With `shift_east`, a ring lying wholly east of Greenwich (the Aleutians past 180°) is moved
    by -360° so it sits next to the rest of Alaska instead of at the far edge of the map.
    """
    ring: Ring = []
    for c in coords:
        p = (float(c[0]), float(c[1]))
        if not ring or ring[-1] != p:
            ring.append(p)
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    if shift_east and ring and all(x > 0 for x, _ in ring):
        ring = [(x - 360.0, y) for x, y in ring]
    return ring


def _segment_distance(p: Point, a: Point, b: Point, kx: float) -> float:
    """Distance from p to segment ab, longitude scaled by kx so the tolerance is isotropic."""
    px, py, ax, ay, bx, by = p[0] * kx, p[1], a[0] * kx, a[1], b[0] * kx, b[1]
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0.0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def douglas_peucker(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Iterative Douglas-Peucker; endpoints are always kept. Ties pick the lowest index."""
    n = len(points)
    if n < 3:
        return list(points)
    kx = math.cos(math.radians(sum(p[1] for p in points) / n))
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        best, best_i = -1.0, -1
        for i in range(first + 1, last):
            d = _segment_distance(points[i], points[first], points[last], kx)
            if d > best:
                best, best_i = d, i
        if best > tolerance:
            keep[best_i] = True
            stack.append((first, best_i))
            stack.append((best_i, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def simplify_arc(arc: Sequence[Point], tolerance: float) -> list[Point]:
    """Simplify one arc; a closed arc (first == last) is first split at its farthest point."""
    if len(arc) > 3 and arc[0] == arc[-1]:
        start = arc[0]
        far = max(
            range(len(arc)), key=lambda i: (arc[i][0] - start[0]) ** 2 + (arc[i][1] - start[1]) ** 2
        )
        head = douglas_peucker(arc[: far + 1], tolerance)
        tail = douglas_peucker(arc[far:], tolerance)
        return head + tail[1:]
    return douglas_peucker(arc, tolerance)


class TopoSimplifier:
    """Simplifies a whole layer so borders shared by two rings are simplified identically."""

    def __init__(self, rings: Iterable[Ring], tolerance: float) -> None:
        self.tolerance = tolerance
        neighbours: dict[Point, set[Point]] = defaultdict(set)
        for ring in rings:
            for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
                neighbours[a].add(b)
                neighbours[b].add(a)
        # A vertex where other than two edges meet is a junction of borders: it must survive.
        self.fixed = {p for p, nb in neighbours.items() if len(nb) != 2}
        self._cache: dict[tuple[Point, ...], list[Point]] = {}

    def _arc(self, arc: list[Point]) -> list[Point]:
        forward, backward = tuple(arc), tuple(reversed(arc))
        key = min(forward, backward)
        if key not in self._cache:
            self._cache[key] = simplify_arc(key, self.tolerance)
        done = self._cache[key]
        return list(done) if key == forward else list(reversed(done))

    def simplify(self, ring: Ring) -> Ring:
        cuts = [i for i, p in enumerate(ring) if p in self.fixed]
        if not cuts:
            # A free-standing ring (an island): start at its smallest vertex, so the same ring
            # seen from a neighbour (an enclave) is cut at the same place.
            cuts = [min(range(len(ring)), key=lambda i: ring[i])]
        out: Ring = []
        for k, start in enumerate(cuts):
            end = cuts[(k + 1) % len(cuts)]
            arc = ring[start : end + 1] if end > start else ring[start:] + ring[: end + 1]
            out.extend(self._arc(arc)[:-1])
        return out


def ring_area(ring: Sequence[Point]) -> float:
    """Absolute shoelace area in square degrees."""
    s = 0.0
    for (x1, y1), (x2, y2) in zip(ring, list(ring[1:]) + [ring[0]], strict=True):
        s += x1 * y2 - x2 * y1
    return abs(s) / 2.0


def finish_ring(ring: Ring) -> Ring:
    """Round to DECIMALS, normalise -0.0, and drop the duplicates rounding creates."""
    out: Ring = []
    for x, y in ring:
        p = (round(x, DECIMALS) + 0.0, round(y, DECIMALS) + 0.0)
        if not out or out[-1] != p:
            out.append(p)
    while len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def build_layer(
    features: list[tuple[str, str | None, list[Ring]]], tolerance: float, min_area: float
) -> list[dict]:
    """Simplify every feature's rings; features come back sorted by name."""
    simplifier = TopoSimplifier((r for _, _, rings in features for r in rings), tolerance)
    out = []
    for name, code, rings in sorted(features, key=lambda f: (f[0], f[1] or "")):
        done = [finish_ring(simplifier.simplify(r)) for r in rings]
        done = [r for r in done if len(r) >= 3]
        kept = [r for r in done if ring_area(r) >= min_area]
        if not kept and done:
            kept = [max(done, key=ring_area)]
        out.append({"name": name, "code": code, "rings": kept})
    return out


def _number(v: float) -> str:
    return repr(v)


def dump_layer(features: list[dict], title: str) -> str:
    """One feature per line: compact, yet diffs stay readable when the sources change."""
    lines = []
    for f in features:
        rings = ",".join(
            "[" + ",".join(f"[{_number(x)},{_number(y)}]" for x, y in ring) + "]"
            for ring in f["rings"]
        )
        head = json.dumps(
            {"name": f["name"], "code": f["code"]}, ensure_ascii=False, separators=(",", ":")
        )[:-1]
        lines.append(f'{head},"rings":[{rings}]}}')
    return "{" + f'"title":{json.dumps(title)},"features":[\n' + ",\n".join(lines) + "\n]}\n"


def load_us_states(path: Path) -> list[tuple[str, str | None, list[Ring]]]:
    data = read_geojson(path)
    out = []
    for f in data["features"]:
        props = f["properties"]
        rings = [open_ring(r, shift_east=True) for p in polygons(f["geometry"]) for r in p]
        out.append((str(props["NAME"]), str(props["STATE"]), [r for r in rings if len(r) >= 3]))
    return out


def load_countries(path: Path) -> list[tuple[str, str | None, list[Ring]]]:
    data = read_geojson(path)
    out = []
    for f in data["features"]:
        props = f["properties"]
        code = props.get("ISO_A3")
        code = None if code in (None, "", "-99") else str(code)
        rings = [open_ring(r, shift_east=False) for p in polygons(f["geometry"]) for r in p]
        out.append((str(props["NAME"]), code, [r for r in rings if len(r) >= 3]))
    return out


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    us_path, world_path = Path(argv[1]), Path(argv[2])
    out_dir = (
        Path(argv[3]) if len(argv) == 4 else Path(__file__).resolve().parents[1] / ("resources/map")
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    states = build_layer(load_us_states(us_path), US_TOLERANCE, US_MIN_AREA)
    countries = build_layer(load_countries(world_path), WORLD_TOLERANCE, WORLD_MIN_AREA)
    outputs = {
        "us_states.json": dump_layer(states, "U.S. states, DC and Puerto Rico"),
        "countries.json": dump_layer(countries, "Countries of the world"),
        "SOURCES.md": SOURCES_MD.format(
            us_tol=US_TOLERANCE,
            world_tol=WORLD_TOLERANCE,
            decimals=DECIMALS,
            us_area=US_MIN_AREA,
            world_area=WORLD_MIN_AREA,
        ),
    }
    for name, text in outputs.items():
        (out_dir / name).write_text(text, encoding="utf-8", newline="\n")
        points = sum(
            len(r) for f in (states if "states" in name else countries) for r in f["rings"]
        )
        extra = f", {points} points" if name.endswith(".json") else ""
        print(f"{name}: {len(text.encode('utf-8'))} bytes{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

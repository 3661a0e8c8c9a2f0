"""Grouping map pins that would overlap on screen into one marker with a count.

Pins keep their size on screen at every zoom, so at a country-wide zoom a dozen centers in one
city — or the pins right under the search origin — pile up and only the top one can be seen.
Pins closer than a few pixels are drawn as one cluster ("12") that splits as the user zooms in.

Grid clustering: scene space is cut into square cells `cell` units wide (the cluster distance
in pixels divided by the zoom), pins are grouped per cell, and neighbouring cells whose groups
are closer than one cell are merged. That is linear in the number of pins (10,000 pins take a
few milliseconds), so the map reclusters on every zoom step. Qt-free, so it is tested directly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Cluster:
    """Pins drawn as one marker: their ids and the marker's position (their mean)."""

    ids: tuple[int, ...]
    x: float
    y: float

    @property
    def size(self) -> int:
        return len(self.ids)


def cluster_points(points: Iterable[tuple[int, float, float]], cell: float) -> list[Cluster]:
    """Group (id, x, y) points: points within about `cell` of each other share a cluster.

    Every point is in exactly one cluster; a point alone is a cluster of one. Clusters are
    returned in a stable order (by their smallest id) so redraws do not flicker."""
    if cell <= 0 or not math.isfinite(cell):
        return [Cluster((pid,), x, y) for pid, x, y in points]
    cells: dict[tuple[int, int], list[tuple[int, float, float]]] = {}
    for pid, x, y in points:
        cells.setdefault((math.floor(x / cell), math.floor(y / cell)), []).append((pid, x, y))
    groups = {key: _summary(members) for key, members in cells.items()}
    parent = {key: key for key in groups}

    def root(key: tuple[int, int]) -> tuple[int, int]:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for (cx, cy), (gx, gy, _n) in groups.items():
        for dx, dy in ((1, 0), (0, 1), (1, 1), (1, -1)):  # each neighbour pair once
            other = (cx + dx, cy + dy)
            if other in groups:
                ox, oy, _m = groups[other]
                if math.hypot(gx - ox, gy - oy) < cell:
                    parent[root(other)] = root((cx, cy))
    merged: dict[tuple[int, int], list[tuple[int, float, float]]] = {}
    for key, members in cells.items():
        merged.setdefault(root(key), []).extend(members)
    out = []
    for members in merged.values():
        x, y, _n = _summary(members)
        out.append(Cluster(tuple(sorted(pid for pid, _x, _y in members)), x, y))
    return sorted(out, key=lambda c: c.ids[0])


def _summary(members: list[tuple[int, float, float]]) -> tuple[float, float, int]:
    n = len(members)
    return sum(m[1] for m in members) / n, sum(m[2] for m in members) / n, n

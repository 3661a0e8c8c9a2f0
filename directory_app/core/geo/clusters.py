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
from typing import Any


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
    floor = math.floor
    cells: dict[tuple[int, int], list[Any]] = {}  # cell -> [sum x, sum y, ids]
    for pid, x, y in points:
        key = (floor(x / cell), floor(y / cell))
        acc = cells.get(key)
        if acc is None:
            cells[key] = [x, y, [pid]]
        else:
            acc[0] += x
            acc[1] += y
            acc[2].append(pid)
    parent = {key: key for key in cells}

    def root(key: tuple[int, int]) -> tuple[int, int]:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    limit = cell * cell
    for (cx, cy), (sx, sy, ids) in cells.items():
        gx, gy = sx / len(ids), sy / len(ids)
        for other in ((cx + 1, cy), (cx, cy + 1), (cx + 1, cy + 1), (cx + 1, cy - 1)):
            acc = cells.get(other)  # each neighbouring pair of cells is looked at once
            if acc is not None:
                ox, oy = acc[0] / len(acc[2]), acc[1] / len(acc[2])
                if (gx - ox) ** 2 + (gy - oy) ** 2 < limit:
                    parent[root(other)] = root((cx, cy))
    merged: dict[tuple[int, int], list[Any]] = {}
    for key, (sx, sy, ids) in cells.items():
        acc = merged.get(root(key))
        if acc is None:
            merged[root(key)] = [sx, sy, list(ids)]
        else:
            acc[0] += sx
            acc[1] += sy
            acc[2].extend(ids)
    out = [Cluster(tuple(sorted(ids)), sx / len(ids), sy / len(ids))
           for sx, sy, ids in merged.values()]
    out.sort(key=lambda c: c.ids[0])
    return out

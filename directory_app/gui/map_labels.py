"""City labels on the offline map: the largest places, more of them as the map zooms in.

Names give a coordinator their bearings ("is that pin Cleveland or Akron?") without a tile
server. The places are the offline gazetteer's GeoNames cities, largest first; each zoom band
shows a fixed number of them, so a world view names a dozen metropolises and a state view its
towns. Labels sit under the pins (never hiding one) and keep their size on screen. A label
that would overlap a larger place's label at the current zoom waits until the map zooms in far
enough to separate them ("New York" and "Brooklyn" are never drawn over each other).
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
)

from directory_app.core.geo import map_geometry as mapgeom
from directory_app.core.geo.gazetteer import gazetteer

_log = logging.getLogger(__name__)

#: (zoom in px per km at or above which, number of the largest places labelled).
TIERS: tuple[tuple[float, int], ...] = ((0.0, 12), (0.06, 40), (0.25, 150), (0.9, 500))
Z_LABELS = 15  # above the outlines and the radius, below the pins
LABEL_COLOUR = QColor("#4a4a4a")
GAP_PX = 2.0  # free pixels kept around each label
CELL_PX = 64.0  # grid cell of the overlap test (labels are about 40-120 px wide)


def largest_places(count: int) -> list[tuple[str, float, float]]:
    """(name, lat, lon) of the `count` most populous gazetteer cities, largest first."""
    seen: set[str] = set()
    cities = []
    for group in gazetteer().world_by_key.values():
        for city in group:
            if city.geonameid not in seen:
                seen.add(city.geonameid)
                cities.append(city)
    cities.sort(key=lambda c: -c.population)
    return [(c.name, c.lat, c.lon) for c in cities[:count]]


class CityLabels:
    """The label items, built on first use, and which of them the current zoom shows."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self._scene = scene
        self._items: list[QGraphicsItem] = []
        #: Per item: its place in scene units and the label's size on screen (dot and text).
        self._boxes: list[tuple[float, float, float, float]] = []
        self._visible: list[bool] = []
        self._shown = 0
        self._built = False

    def count_for(self, zoom: float) -> int:
        return max(n for threshold, n in TIERS if zoom >= threshold)

    @property
    def shown(self) -> int:
        """How many places are labelled now (tests read this)."""
        return self._shown

    def update(self, zoom: float) -> None:
        """Show the labels the zoom band asks for, largest places first, leaving out any that
        would overlap one already placed; builds them the first time."""
        if not self._built:
            self._build()
        wanted = min(self.count_for(zoom), len(self._items))
        grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
        shown = 0
        for i, item in enumerate(self._items):
            visible = i < wanted and self._place(grid, self._boxes[i], zoom)
            shown += visible
            if visible != self._visible[i]:
                self._visible[i] = visible
                item.setVisible(visible)
        self._shown = shown

    @staticmethod
    def _place(grid: dict[tuple[int, int], list[tuple[float, float, float, float]]],
               box: tuple[float, float, float, float], zoom: float) -> bool:
        """Put the label's screen rectangle in the grid unless it overlaps one already there."""
        x, y, w, h = box
        left, top = x * zoom - GAP_PX, y * zoom - h / 2 - GAP_PX
        right, bottom = left + w + 2 * GAP_PX, top + h + 2 * GAP_PX
        cells = [(cx, cy) for cx in range(int(left // CELL_PX), int(right // CELL_PX) + 1)
                 for cy in range(int(top // CELL_PX), int(bottom // CELL_PX) + 1)]
        for cell in cells:
            for ol, ot, orr, ob in grid.get(cell, ()):
                if left < orr and ol < right and top < ob and ot < bottom:
                    return False
        rect = (left, top, right, bottom)
        for cell in cells:
            grid.setdefault(cell, []).append(rect)
        return True

    def _build(self) -> None:
        self._built = True
        try:
            places = largest_places(TIERS[-1][1])
        except (OSError, ValueError, KeyError):  # no gazetteer: a map without names still works
            _log.exception("map: city labels unavailable")
            return
        layer = QGraphicsRectItem()
        layer.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        layer.setZValue(Z_LABELS)
        font = QFont()
        font.setPointSizeF(7.5)
        brush = QBrush(LABEL_COLOUR)
        ignore = QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
        for name, lat, lon in places:
            dot = QGraphicsEllipseItem(-1.5, -1.5, 3.0, 3.0, layer)
            dot.setFlag(ignore, True)
            dot.setBrush(brush)
            dot.setPen(QColor(0, 0, 0, 0))
            dot.setPos(*mapgeom.project(mapgeom.normalize_lon(lon), lat))
            text = QGraphicsSimpleTextItem(name, dot)
            text.setFont(font)
            text.setBrush(brush)
            text.setPos(3.0, -text.boundingRect().height() / 2)
            dot.setVisible(False)
            self._items.append(dot)
            size = text.boundingRect()
            self._boxes.append((dot.pos().x(), dot.pos().y(), 3.0 + size.width(), size.height()))
            self._visible.append(False)
        self._scene.addItem(layer)

"""Cluster markers on the map: pins that would overlap become one bubble with their count.

The grouping itself is `core.geo.clusters` (Qt-free); this module draws it. Member pins are
hidden while clustered and shown again as the user zooms in far enough to tell them apart, so
the pins under the search origin, or a dozen centers in one city, are never invisible: the
bubble says how many are there, and clicking it zooms in on them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import (
    QAbstractGraphicsShapeItem,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
)

from directory_app.core.geo.clusters import Cluster, cluster_points

#: QGraphicsItem.data() key holding a cluster bubble's index in `ClusterLayer.clusters`.
CLUSTER_KEY = 1
CLUSTER_PX = 26.0  # pins closer than this on screen share a bubble (bubbles never pile up)
BUBBLE = QColor("#1f4e79")
Z_CLUSTERS = 28  # above the pins and the origin marker, below the selection ring


class ClusterLayer:
    """Draws the clusters of one set of pin items at the view's current zoom."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self._scene = scene
        self._layer: QGraphicsRectItem | None = None
        self._key: tuple[float, int] | None = None
        self._hidden: set[int] = set()
        self.clusters: list[Cluster] = []  # the bubbles drawn now (clusters of two or more)

    def update(self, items: Mapping[int, QAbstractGraphicsShapeItem], zoom: float,
               force: bool = False, names: Callable[[int], str] | None = None) -> None:
        """Regroup `items` (pin id -> item) for `zoom` px per scene unit; `names` gives a
        pin's label for the bubble's tooltip."""
        key = (round(zoom, 6), id(items))
        if not force and key == self._key:
            return
        self._key = key
        cell = CLUSTER_PX / zoom if zoom > 0 else 0.0
        points = [(pid, item.pos().x(), item.pos().y()) for pid, item in items.items()]
        groups = cluster_points(points, cell)
        self.clusters = [c for c in groups if c.size > 1]
        hidden = {pid for c in self.clusters for pid in c.ids}
        for pid in self._hidden - hidden:
            if pid in items:
                items[pid].setVisible(True)
        for pid in hidden - self._hidden:
            items[pid].setVisible(False)
        self._hidden = hidden
        self._draw(names or (lambda _i: ""))

    @property
    def layer(self) -> QGraphicsRectItem | None:
        """The item holding the bubbles drawn now (their data(CLUSTER_KEY) is the index)."""
        return self._layer

    def clear(self) -> None:
        """Forget the pins (their items are gone): the next update starts afresh."""
        if self._layer is not None:
            self._scene.removeItem(self._layer)
        self._layer, self._key, self._hidden, self.clusters = None, None, set(), []

    def _draw(self, names: Callable[[int], str]) -> None:
        if self._layer is not None:
            self._scene.removeItem(self._layer)
        layer = QGraphicsRectItem()
        layer.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        layer.setZValue(Z_CLUSTERS)
        font = QFont()
        font.setBold(True)
        font.setPointSizeF(8.5)
        pen = QPen(QColor("white"), 1.5)
        brush = QBrush(BUBBLE)
        for index, cluster in enumerate(self.clusters):
            r = 9.0 + min(7.0, 1.5 * len(str(cluster.size)) + cluster.size ** 0.5)
            bubble = QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r, layer)
            bubble.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
            bubble.setBrush(brush)
            bubble.setPen(pen)
            bubble.setPos(QPointF(cluster.x, cluster.y))
            bubble.setData(CLUSTER_KEY, index)
            bubble.setToolTip(_tooltip(cluster, names))
            label = QGraphicsSimpleTextItem(str(cluster.size), bubble)
            label.setFont(font)
            label.setBrush(QBrush(QColor("white")))
            box = label.boundingRect()
            label.setPos(-box.width() / 2, -box.height() / 2)
            label.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._scene.addItem(layer)
        self._layer = layer

    def cluster_of(self, center_id: int) -> Cluster | None:
        """The bubble a pin is drawn in now, or None when it is shown on its own."""
        if center_id not in self._hidden:
            return None
        return next((c for c in self.clusters if center_id in c.ids), None)


def _tooltip(cluster: Cluster, names: Callable[[int], str]) -> str:
    """'3 centers here (click to zoom in):' and up to eight of their names."""
    shown = [names(i).split("\n")[0] for i in cluster.ids[:8]]
    more = f"\n… and {cluster.size - len(shown)} more" if cluster.size > len(shown) else ""
    return f"{cluster.size} centers here (click to zoom in):\n" + "\n".join(shown) + more

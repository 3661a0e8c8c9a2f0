"""Cluster markers on the map: pins that would overlap become one bubble with their count.

The grouping itself is `core.geo.clusters` (Qt-free); this module draws it. Member pins are
hidden while clustered and shown again as the user zooms in far enough to tell them apart, so
the pins under the search origin, or a dozen centers in one city, are never invisible: the
bubble says how many are there, and clicking it zooms in on them.
"""

from __future__ import annotations

import math
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
        layer = QGraphicsRectItem()
        layer.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        layer.setZValue(Z_CLUSTERS)
        scene.addItem(layer)
        self._layer = layer
        #: Bubble items, reused from one zoom step to the next (creating hundreds per step
        #: made zooming slow); those past the clusters drawn now are hidden.
        self._pool: list[tuple[QGraphicsEllipseItem, QGraphicsSimpleTextItem]] = []
        self._points: list[tuple[int, float, float]] = []
        self._zoom: int | None = None  # the cluster level drawn now
        self._cache: dict[int, list[Cluster]] = {}  # level -> its clusters, per set of pins
        self._hidden: set[int] = set()
        self.clusters: list[Cluster] = []  # the bubbles drawn now (clusters of two or more)

    def update(self, items: Mapping[int, QAbstractGraphicsShapeItem], zoom: float,
               force: bool = False, names: Callable[[int], str] | None = None) -> None:
        """Regroup `items` (pin id -> item) for `zoom` px per scene unit; `force` after the
        pins were replaced. `names` gives a pin's label for the bubble's tooltip."""
        if force:  # pins never move, so their positions are read once per set of pins
            self._points = [(pid, item.pos().x(), item.pos().y()) for pid, item in items.items()]
            self._cache.clear()
        if zoom <= 0:
            return
        # The cell size in quarter-octave steps: zooming back to a level reuses its clusters.
        level = round(4 * math.log2(CLUSTER_PX / zoom))
        if level == self._zoom and not force:
            return
        self._zoom = level
        if level not in self._cache:
            groups = cluster_points(self._points, 2 ** (level / 4))
            self._cache[level] = [c for c in groups if c.size > 1]
        self.clusters = self._cache[level]
        hidden = {pid for c in self.clusters for pid in c.ids}
        for pid in self._hidden - hidden:
            if pid in items:
                items[pid].setVisible(True)
        for pid in hidden - self._hidden:
            items[pid].setVisible(False)
        self._hidden = hidden
        self._draw(names or (lambda _i: ""))

    @property
    def layer(self) -> QGraphicsRectItem:
        """The item holding the bubbles (their data(CLUSTER_KEY) is the cluster's index)."""
        return self._layer

    def clear(self) -> None:
        """Forget the pins (their items are gone): the next update starts afresh."""
        for bubble, _label in self._pool:
            bubble.setVisible(False)
        self._points, self._zoom, self._hidden, self.clusters = [], None, set(), []
        self._cache.clear()

    def _bubble(self, index: int) -> tuple[QGraphicsEllipseItem, QGraphicsSimpleTextItem]:
        if index < len(self._pool):
            return self._pool[index]
        bubble = QGraphicsEllipseItem(self._layer)
        bubble.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        bubble.setBrush(QBrush(BUBBLE))
        bubble.setPen(QPen(QColor("white"), 1.5))
        bubble.setData(CLUSTER_KEY, index)
        label = QGraphicsSimpleTextItem(bubble)
        font = QFont()
        font.setBold(True)
        font.setPointSizeF(8.5)
        label.setFont(font)
        label.setBrush(QBrush(QColor("white")))
        label.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._pool.append((bubble, label))
        return bubble, label

    def _draw(self, names: Callable[[int], str]) -> None:
        for index, cluster in enumerate(self.clusters):
            bubble, label = self._bubble(index)
            r = 9.0 + min(7.0, 1.5 * len(str(cluster.size)) + cluster.size ** 0.5)
            bubble.setRect(-r, -r, 2 * r, 2 * r)
            bubble.setPos(QPointF(cluster.x, cluster.y))
            bubble.setToolTip(_tooltip(cluster, names))
            text = str(cluster.size)
            if label.text() != text:  # unchanged text keeps its cached pixmap
                label.setText(text)
                box = label.boundingRect()
                label.setPos(-box.width() / 2, -box.height() / 2)
            bubble.setVisible(True)
        for bubble, _label in self._pool[len(self.clusters):]:
            if bubble.isVisible():
                bubble.setVisible(False)

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

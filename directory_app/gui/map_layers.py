"""The map's layers, apart from the pins: outline paths, marker items, overlay widgets, styling.

Split from `map_view` so the view holds only behaviour (pins, selection, zoom, events).

The overlay widgets (legend, zoom buttons) are children of the QGraphicsView itself, not of its
viewport: the view scrolls the viewport's pixels (children included) when panning, which would
drag an overlay along.
"""

from __future__ import annotations

import functools
import html
import logging
import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from directory_app.core.directory.vocab import CenterKind
from directory_app.core.geo import map_geometry as mapgeom
from directory_app.core.geo.map_geometry import Pin

_log = logging.getLogger(__name__)

#: Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. Every kind
#: has its own (a kind missing here would be drawn, and not explained, as "Kind not known").
KIND_COLOURS: dict[str, QColor] = {
    CenterKind.ACADEMIC_HOSPITAL.value: QColor("#0072b2"),
    CenterKind.TRANSPLANT_CENTER.value: QColor("#d55e00"),
    CenterKind.AUTOIMMUNE_CLINIC.value: QColor("#009e73"),
    CenterKind.HOSPITAL.value: QColor("#cc79a7"),
}
UNKNOWN_COLOUR = QColor("#8c8c8c")
WATER = QColor("#d7e6ef")
LAND = QColor("#eeeee6")
LAND_BORDER = QColor("#b7bbb0")
STATE_FILL = QColor("#faf8f1")
STATE_BORDER = QColor("#a9a79c")

RADIUS_PEN = QColor("#2a6f97")
RADIUS_FILL = QColor(42, 111, 151, 28)
ORIGIN_COLOUR = QColor("#c0392b")
MARGIN = 10


def kind_label(kind: str | None) -> str:
    """Human label for a center kind code; unknown or missing kinds read 'Kind not known'."""
    try:
        return CenterKind(kind).label if kind else "Kind not known"
    except ValueError:
        return "Kind not known"


def star_path(radius: float) -> QPainterPath:
    """A five-pointed star centred on (0, 0), point up: the marker for a recruiting trial."""
    path = QPainterPath()
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.46
        a = math.radians(-90 + 36 * i)
        pt = QPointF(r * math.cos(a), r * math.sin(a))
        if i == 0:
            path.moveTo(pt)
        else:
            path.lineTo(pt)
    path.closeSubpath()
    return path


def _viewport_rect(view: QAbstractScrollArea) -> QRectF:
    return QRectF(view.viewport().geometry())


class MapControls(QWidget):
    """Zoom in / zoom out / fit buttons in the map's top-right corner."""

    def __init__(self, view: QAbstractScrollArea, actions: Sequence[QAction]) -> None:
        super().__init__(view)
        self._view = view
        self.setAttribute(Qt.WidgetAttribute.WA_NoMousePropagation, True)
        self.setAccessibleName("Map zoom controls")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for action in actions:
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setAccessibleName(action.text())
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard has +, - and Home
            button.setMinimumSize(QSize(34, 30))
            button.setStyleSheet(
                "QToolButton { background: rgba(255,255,255,235); border: 1px solid #a8aaa2;"
                " border-radius: 4px; font-weight: 600; padding: 2px 6px; color: #333; }"
                "QToolButton:hover { background: #ffffff; border-color: #6b6d66; }"
                "QToolButton:pressed { background: #e6e6e0; }"
            )
            layout.addWidget(button)
        self.adjustSize()
        self.raise_()

    def reposition(self) -> None:
        vp = _viewport_rect(self._view)
        self.move(int(vp.right() - self.width() - MARGIN), int(vp.top() + MARGIN))
        self.raise_()


class MapLegend(QWidget):
    """What the pin colours and shapes mean, in the map's bottom-left corner."""

    def __init__(self, view: QAbstractScrollArea) -> None:
        super().__init__(view)
        self._view = view
        self._show_origin = False
        self.setAttribute(Qt.WidgetAttribute.WA_NoMousePropagation, True)
        self.setAccessibleName("Map legend")
        self._update_text()
        self.raise_()

    def _entries(self) -> list[tuple[str, str, QColor]]:
        entries = [("dot", kind_label(code), colour) for code, colour in KIND_COLOURS.items()]
        entries.append(("dot", kind_label(None), UNKNOWN_COLOUR))
        entries.append(("star", "Recruiting trial", QColor("#555555")))
        if self._show_origin:
            entries.append(("origin", "Search origin and radius", ORIGIN_COLOUR))
        return entries

    def _update_text(self) -> None:
        self.setAccessibleDescription("; ".join(label for _, label, _ in self._entries()))
        fm = self.fontMetrics()
        width = max(fm.horizontalAdvance(label) for _, label, _ in self._entries())
        self._row = max(18, fm.height() + 4)
        self.setFixedSize(width + 44, self._row * len(self._entries()) + 12)
        self.update()

    def set_show_origin(self, show: bool) -> None:
        if show != self._show_origin:
            self._show_origin = show
            self._update_text()
            self.reposition()

    def reposition(self) -> None:
        vp = _viewport_rect(self._view)
        self.move(int(vp.left() + MARGIN), int(vp.bottom() - self.height() - MARGIN))
        self.raise_()

    def paintEvent(self, event: QPaintEvent) -> None:
        try:
            self._paint()
        except Exception:  # never let a paint error escape into Qt
            _log.exception("map legend paint failed")

    def _paint(self) -> None:
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(QPen(QColor("#b5b7ae"), 1))
            p.setBrush(QColor(255, 255, 255, 232))
            p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
            fm = self.fontMetrics()
            for i, (shape, label, colour) in enumerate(self._entries()):
                cy = 6 + self._row * i + self._row / 2
                centre = QPointF(18, cy)
                p.setPen(QPen(QColor("white"), 1.2))
                p.setBrush(colour)
                if shape == "dot":
                    p.drawEllipse(centre, 5, 5)
                elif shape == "star":
                    p.drawPath(star_path(8).translated(centre))
                else:
                    p.setBrush(QColor(42, 111, 151, 40))
                    p.setPen(QPen(RADIUS_PEN, 1.2, Qt.PenStyle.DashLine))
                    p.drawEllipse(centre, 8, 8)
                    p.setPen(QPen(colour, 2))
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    p.drawEllipse(centre, 3.5, 3.5)
                p.setPen(QColor("#2b2b2b"))
                baseline = cy + (fm.ascent() - fm.descent()) / 2
                p.drawText(QPointF(34, baseline), label)
        finally:
            p.end()


F = TypeVar("F", bound=Callable[..., Any])


def guarded(method: F) -> F:
    """Log instead of raising: an exception escaping into a Qt event handler can abort the app."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception:
            _log.exception("map view: %s failed", method.__name__)
            return None

    return wrapper  # type: ignore[return-value]


def cosmetic_pen(colour: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(colour, width, style)
    pen.setCosmetic(True)  # width in pixels, whatever the zoom
    return pen


def pin_tooltip(pin: Pin) -> str:
    """Rich-text tooltip: the label's first line in bold, then kind and trial status."""
    name, _, rest = pin.label.partition("\n")
    lines = [f"<b>{html.escape(name)}</b>"]
    lines += [html.escape(line) for line in rest.splitlines() if line.strip()]
    lines.append(html.escape(kind_label(pin.kind)))
    if pin.recruiting:
        lines.append("Recruiting trial")
    return "<br>".join(lines)


def make_highlight(scene: QGraphicsScene, radius: float) -> QGraphicsEllipseItem:
    """The ring drawn around the selected pin (hidden until a pin is selected)."""
    r = radius
    ring = QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r)
    ring.setPen(QPen(QColor("#111111"), 2.5))
    ring.setBrush(Qt.BrushStyle.NoBrush)
    halo = QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r, ring)
    halo.setPen(QPen(QColor(255, 255, 255, 230), 5.5))
    halo.setFlag(QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent, True)
    ring.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
    ring.setZValue(30)
    ring.setVisible(False)
    scene.addItem(ring)
    return ring


def make_origin_marker(scene: QGraphicsScene) -> QGraphicsPathItem:
    """A crosshair marking the search origin, white-haloed so it reads over pins and land."""
    path = QPainterPath()
    path.addEllipse(QPointF(0, 0), 6, 6)
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        path.moveTo(dx * 3, dy * 3)
        path.lineTo(dx * 11, dy * 11)
    marker = QGraphicsPathItem(path)
    marker.setPen(QPen(ORIGIN_COLOUR, 2.2))
    marker.setBrush(QColor(255, 255, 255, 200))
    halo = QGraphicsPathItem(path, marker)
    halo.setPen(QPen(QColor(255, 255, 255, 220), 4.5))
    halo.setFlag(QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent, True)
    marker.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
    marker.setZValue(25)
    marker.setToolTip("Search origin")
    marker.setVisible(False)
    scene.addItem(marker)
    return marker


#: Countries the state layer draws in more detail; Natural Earth's versions would show through
#: the Great Lakes and the bays that the Census outlines leave open as water.
COVERED_BY_STATES = frozenset({"USA", "PRI"})


def ring_path(path: QPainterPath, ring: Sequence[tuple[float, float]]) -> None:
    """Append one projected lon/lat ring to `path` as a closed subpath."""
    pts = mapgeom.DEFAULT_PROJECTION.project_ring(ring)
    path.addPolygon(QPolygonF([QPointF(x, y) for x, y in pts]))
    path.closeSubpath()


@functools.lru_cache(maxsize=2)
def outline_paths(layer: str) -> tuple[tuple[str, str | None, QPainterPath], ...]:
    """Painter paths per feature, built once per process (QPainterPath copies are shared)."""
    outlines = mapgeom.us_states() if layer == "states" else mapgeom.countries()
    out = []
    for outline in outlines:
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.OddEvenFill)
        for ring in outline.rings:
            ring_path(path, ring)
        out.append((outline.name, outline.code, path))
    return tuple(out)


def add_outlines(scene: QGraphicsScene) -> None:
    """Add the country and state outlines (light fills, thin borders) to the scene.

    A missing or damaged outline file is logged, not raised: pins on plain water are still a
    usable map, and the rest of the app must keep working.
    """
    try:
        countries, states = outline_paths("countries"), outline_paths("states")
    except (OSError, ValueError, KeyError, TypeError):
        _log.exception("map outlines could not be loaded from %s", mapgeom.MAP_DIR)
        return
    land, land_pen = QBrush(LAND), cosmetic_pen(LAND_BORDER, 0.8)
    for _name, code, path in countries:
        if code in COVERED_BY_STATES:
            continue
        item = scene.addPath(path, land_pen, land)
        item.setZValue(1)
    state, state_pen = QBrush(STATE_FILL), cosmetic_pen(STATE_BORDER, 0.8)
    for _name, _code, path in states:
        item = scene.addPath(path, state_pen, state)
        item.setZValue(2)

"""The offline map: state and country outlines, one pin per center, the search origin and radius.

Drawn entirely from the bundled outlines in `resources/map/` (see `core.mapgeom`), so it needs
no tile server and no network. Scene coordinates are the projection's kilometres.

Pins are stock C++ items (`QGraphicsEllipseItem` / `QGraphicsPathItem`) rather than a Python
`paint()` override, so 10,000 of them repaint without calling into Python per pin; they ignore
the view transform, so they stay the same size on screen at every zoom level. Colour says the
kind of center; a star instead of a dot says it has a recruiting trial.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractGraphicsShapeItem,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QWidget,
)

from directory_app.core.geo import map_geometry as mapgeom
from directory_app.core.geo.map_geometry import Pin
from directory_app.gui.map_clusters import CLUSTER_KEY, ClusterLayer
from directory_app.gui.map_labels import CityLabels
from directory_app.gui.map_layers import (
    KIND_COLOURS,
    RADIUS_FILL,
    RADIUS_PEN,
    UNKNOWN_COLOUR,
    WATER,
    MapControls,
    MapLegend,
    add_outlines,
    cosmetic_pen,
    guarded,
    make_highlight,
    make_origin_marker,
    pin_tooltip,
    ring_path,
    star_path,
)

_log = logging.getLogger(__name__)

#: QGraphicsItem.data() key holding a pin's center id.
PIN_ID_KEY = 0
PIN_RADIUS_PX = 5.0
STAR_RADIUS_PX = 8.0

MIN_SPAN_KM = 150.0  # fit never zooms in closer than this, so a lone pin keeps some context
MAX_SCALE = 40.0  # px per km: beyond this the 1:20M outlines are just straight lines
CLICK_SLOP_PX = 4  # a press and release this close together is a click, not a drag
HIT_RADIUS_PX = 7  # how near a click must land to a pin to select it
Z_PINS = 26  # above the origin marker: a center at the search origin is never hidden by it
NOT_ON_MAP = "Not on the map: location unknown"
NOTICE_STYLE = ("background: #fff4ce; color: #5c3c00; border: 1px solid #e0c060; "
                "border-radius: 4px; padding: 4px 10px;")


class MapView(QGraphicsView):
    """Pan/zoom map of centers. Emits `centerClicked(center_id)` when the user clicks a pin."""

    centerClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Map of centers")
        self.setAccessibleDescription(
            "Centers as coloured pins; stars have a recruiting trial. Drag or use the arrow keys "
            "to pan, the wheel or + and - to zoom, Home to fit all pins."
        )
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setBackgroundBrush(WATER)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)

        scene = QGraphicsScene(self)
        self.setScene(scene)
        west, north = mapgeom.project(mapgeom.WORLD_BOUNDS.west, mapgeom.WORLD_BOUNDS.north)
        east, south = mapgeom.project(mapgeom.WORLD_BOUNDS.east, mapgeom.WORLD_BOUNDS.south)
        self._world = QRectF(QPointF(west, north), QPointF(east, south))
        scene.setSceneRect(self._world.adjusted(-4000, -3000, 4000, 3000))
        add_outlines(scene)

        self._pin_layer: QGraphicsRectItem | None = None
        self._pin_items: dict[int, QAbstractGraphicsShapeItem] = {}
        self._pins: dict[int, Pin] = {}
        self._selected: int | None = None
        self._raised: QAbstractGraphicsShapeItem | None = None
        self._highlight = make_highlight(scene, STAR_RADIUS_PX + 4)
        self._origin_marker = make_origin_marker(scene)
        self._clusters = ClusterLayer(scene)
        self.labels = CityLabels(scene)
        # The outlines' shapes, what zooming keeps in view. Copies, not the items: a wrapper
        # kept past the scene's deletion crashes the interpreter when it is collected.
        self._land = [(item.sceneBoundingRect(), item.path()) for item in scene.items()
                      if isinstance(item, QGraphicsPathItem) and item.zValue() in (1, 2)]
        self._radius_item = QGraphicsPathItem()
        self._radius_item.setPen(cosmetic_pen(RADIUS_PEN, 1.6, Qt.PenStyle.DashLine))
        self._radius_item.setBrush(RADIUS_FILL)
        self._radius_item.setZValue(5)
        self._radius_item.setVisible(False)
        scene.addItem(self._radius_item)
        self._origin: tuple[float, float, float | None] | None = None

        self._press_pos: QPoint | None = None
        self._fit_target: QRectF | None = None  # re-applied on resize until the user moves
        self.zoom_in_action = self._action("Zoom in", "+", lambda: self.zoom_by(1.5))
        self.zoom_out_action = self._action("Zoom out", "−", lambda: self.zoom_by(1 / 1.5))
        self.fit_action = self._action("Fit pins", "Fit", self.fit_to_pins)
        self._controls = MapControls(
            self, [self.zoom_in_action, self.zoom_out_action, self.fit_action]
        )
        self._legend = MapLegend(self)
        self.notice = QLabel(self)  # "not on the map: location unknown" for the selected center
        self.notice.setAccessibleName("Map notice")
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.hide()
        self.fit_to_us()

    # ----------------------------------------------------------------- construction helpers
    def _action(self, text: str, icon_text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.setIconText(icon_text)
        action.setToolTip(text)
        action.triggered.connect(guarded(lambda _checked=False: slot()))
        self.addAction(action)
        return action

    # ------------------------------------------------------------------------------ pins
    @property
    def pin_count(self) -> int:
        return len(self._pin_items)

    def set_pins(self, pins: Sequence[Pin]) -> None:
        """Replace all pins. Pins with impossible coordinates are skipped (and logged)."""
        scene = self.scene()
        self._clusters.clear()
        if self._pin_layer is not None:
            scene.removeItem(self._pin_layer)
        self._pin_items, self._pins, self._raised = {}, {}, None
        layer = QGraphicsRectItem()  # holds the pins so they are added and removed in one go
        layer.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        layer.setZValue(Z_PINS)
        flag = QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
        cache = QGraphicsItem.CacheMode.DeviceCoordinateCache
        white = QPen(QColor("white"), 1.2)
        star = star_path(STAR_RADIUS_PX)
        brushes: dict[str | None, QBrush] = {}
        r = PIN_RADIUS_PX
        skipped = 0
        for pin in sorted(pins, key=lambda p: p.recruiting):  # stars on top of dots
            lat, lon = pin.latitude, pin.longitude
            if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90):
                skipped += 1
                continue
            item: QAbstractGraphicsShapeItem
            if pin.recruiting:
                item = QGraphicsPathItem(star, layer)
            else:
                item = QGraphicsEllipseItem(-r, -r, 2 * r, 2 * r, layer)
            brush = brushes.get(pin.kind)
            if brush is None:
                brush = brushes[pin.kind] = QBrush(KIND_COLOURS.get(pin.kind or "", UNKNOWN_COLOUR))
            item.setBrush(brush)
            item.setPen(white)
            item.setFlag(flag, True)
            # A pin only ever moves on screen, never rescales: caching its pixels makes a full
            # repaint of 10,000 pins a few blits (~30 ms) instead of antialiased paths (~150).
            item.setCacheMode(cache)
            item.setPos(*mapgeom.project(mapgeom.normalize_lon(lon), lat))
            item.setData(PIN_ID_KEY, pin.center_id)
            item.setToolTip(pin_tooltip(pin))
            old = self._pin_items.pop(pin.center_id, None)
            if old is not None:  # a repeated id: the last one wins
                old.setParentItem(None)
                skipped += 1
            self._pin_items[pin.center_id] = item
            self._pins[pin.center_id] = pin
        if skipped:
            _log.warning("map: %d pin(s) skipped (bad coordinates or repeated id)", skipped)
        scene.addItem(layer)
        self._pin_layer = layer
        self._recluster(force=True)
        if self._selected is not None and not self._place_highlight(self._selected):
            self._selected = None

    # --------------------------------------------------------------------- clusters
    def _recluster(self, force: bool = False) -> None:
        """Group the pins that overlap at the current zoom (after every zoom change)."""
        self._clusters.update(self._pin_items, self.zoom, force,
                              names=lambda i: self._pins[i].label if i in self._pins else "")
        if self.isVisible():  # labels are built on the first zoom of a shown map
            self.labels.update(self.zoom)

    @property
    def cluster_sizes(self) -> list[int]:
        """The counts shown on the cluster bubbles now (tests and the bench read this)."""
        return [c.size for c in self._clusters.clusters]

    def cluster_at(self, viewport_pos: QPoint) -> int | None:
        """The index of the cluster bubble under a viewport position, or None."""
        h = HIT_RADIUS_PX
        area = QRect(viewport_pos.x() - h, viewport_pos.y() - h, 2 * h + 1, 2 * h + 1)
        for item in self.items(area):
            if not item.isVisible():
                continue
            index = item.data(CLUSTER_KEY)
            if index is None and item.parentItem() is not None:
                index = item.parentItem().data(CLUSTER_KEY)
            if index is not None and int(index) < len(self._clusters.clusters):
                return int(index)
        return None

    def expand_cluster(self, index: int) -> None:
        """Zoom in on a cluster's pins until they can be told apart (or street level)."""
        cluster = self._clusters.clusters[index]
        points = [self._pin_items[i].pos() for i in cluster.ids if i in self._pin_items]
        xs, ys = [p.x() for p in points], [p.y() for p in points]
        rect = QRectF(QPointF(min(xs), min(ys)), QPointF(max(xs), max(ys)))
        pad = max(rect.width(), rect.height(), 1.0) * 0.6
        self._fit_target = None
        self._apply_fit(rect.adjusted(-pad, -pad, pad, pad))

    def pin_scene_pos(self, center_id: int) -> QPointF | None:
        """Where a pin sits in scene coordinates, or None if there is no such pin."""
        item = self._pin_items.get(center_id)
        return None if item is None else item.pos()

    def pin_at(self, viewport_pos: QPoint) -> int | None:
        """The center id of the pin nearest to a viewport position (within a few pixels)."""
        h = HIT_RADIUS_PX
        area = QRect(viewport_pos.x() - h, viewport_pos.y() - h, 2 * h + 1, 2 * h + 1)
        best: tuple[float, int] | None = None
        for item in self.items(area):
            cid = item.data(PIN_ID_KEY)
            if cid is None or not item.isVisible():  # hidden: drawn in a cluster bubble
                continue
            at = self.mapFromScene(item.pos())
            d = math.hypot(at.x() - viewport_pos.x(), at.y() - viewport_pos.y())
            if best is None or d < best[0]:
                best = (d, int(cid))
        return None if best is None else best[1]

    @property
    def selected_center(self) -> int | None:
        return self._selected

    def select_center(self, center_id: int | None) -> bool:
        """Highlight a pin and centre the view on it, without emitting `centerClicked`.

        Returns False (and clears the highlight) when there is no pin for that id.
        """
        self._selected = center_id
        if center_id is None or not self._place_highlight(center_id):
            self._show_notice(NOT_ON_MAP if center_id is not None else "")
            self._selected = None
            self._highlight.setVisible(False)
            return False
        self._show_notice("")
        fitted = self._fit_target is not None and self._fit_target.contains(self._highlight.pos())
        if self.isVisible() or not fitted:
            self._fit_target = None
            self.centerOn(self._highlight.pos())
        # else: a map filled before it is shown has not its size yet; it keeps fitting the
        # pins (this one among them) until it is shown at that size, instead of keeping a
        # view fitted to the size it had while hidden.
        return True

    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        if text:
            self.notice.adjustSize()
            self._place_notice()

    def _place_notice(self) -> None:
        self.notice.move(max(0, (self.width() - self.notice.width()) // 2), 10)
        self.notice.raise_()

    def _place_highlight(self, center_id: int) -> bool:
        item = self._pin_items.get(center_id)
        if item is None:
            return False
        if self._raised is not None and self._raised is not item:
            self._raised.setZValue(0)
        item.setZValue(1)  # the chosen pin above its neighbours, not half hidden by one
        self._raised = item
        self._highlight.setPos(item.pos())
        self._highlight.setVisible(True)
        return True

    # ----------------------------------------------------------------------- origin
    def set_origin(self, lat: float, lon: float, radius_km: float | None = None) -> None:
        """Mark the search origin; with a radius, draw the true-distance circle around it."""
        self._origin = (lat, lon, radius_km)
        self._origin_marker.setPos(*mapgeom.project(lon, lat))
        self._origin_marker.setVisible(True)
        if radius_km is not None and radius_km > 0:
            ring = [(p_lon, p_lat) for p_lat, p_lon in mapgeom.geodesic_circle(lat, lon, radius_km)]
            path = QPainterPath()
            ring_path(path, ring)
            self._radius_item.setPath(path)
            self._radius_item.setVisible(True)
        else:
            self._radius_item.setPath(QPainterPath())
            self._radius_item.setVisible(False)
        self._legend.set_show_origin(True)

    def clear_origin(self) -> None:
        self._origin = None
        self._origin_marker.setVisible(False)
        self._radius_item.setVisible(False)
        self._legend.set_show_origin(False)

    def radius_path(self) -> QPainterPath:
        """The drawn radius circle in scene coordinates (empty when there is none)."""
        return self._radius_item.path() if self._radius_item.isVisible() else QPainterPath()

    # ------------------------------------------------------------------------- zoom
    @property
    def zoom(self) -> float:
        """Current scale in pixels per scene kilometre."""
        return self.transform().m11()

    def _min_scale(self) -> float:
        vp = self.viewport().size()
        return 0.9 * min(vp.width() / self._world.width(), vp.height() / self._world.height())

    def zoom_by(self, factor: float, anchor_under_mouse: bool = False) -> None:
        """Zoom by `factor`, clamped between the whole world and street level."""
        current = self.zoom
        target = max(self._min_scale(), min(MAX_SCALE, current * factor))
        if current <= 0 or math.isclose(target, current):
            return
        self._fit_target = None
        anchor = (
            QGraphicsView.ViewportAnchor.AnchorUnderMouse
            if anchor_under_mouse
            else QGraphicsView.ViewportAnchor.AnchorViewCenter
        )
        self.setTransformationAnchor(anchor)
        before, centre = self.transform(), self.mapToScene(self.viewport().rect().center())
        self.scale(target / current, target / current)
        if target > current and not self.land_in_view():  # never zoom into empty ocean
            self.setTransform(before)
            self.centerOn(centre)
            return
        self._recluster()

    def land_in_view(self) -> bool:
        """Whether any state or country outline shows in the viewport (True without any)."""
        if not self._land:
            return True
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        return any(box.intersects(visible) and path.intersects(visible)
                   for box, path in self._land)

    def fit_lonlat_box(self, box: mapgeom.BBox, sticky: bool = True) -> None:
        """Show a lon/lat box with a margin; `sticky` keeps it fitted as the widget resizes."""
        x0, y0 = mapgeom.project(box.west, box.north)
        x1, y1 = mapgeom.project(box.east, box.south)
        rect = QRectF(QPointF(x0, y0), QPointF(x1, y1)).normalized()
        grow_w = max(0.0, MIN_SPAN_KM - rect.width()) / 2 + rect.width() * 0.06
        grow_h = max(0.0, MIN_SPAN_KM - rect.height()) / 2 + rect.height() * 0.06
        rect.adjust(-grow_w, -grow_h, grow_w, grow_h)
        self._apply_fit(rect)
        self._fit_target = rect if sticky else None

    def _apply_fit(self, rect: QRectF) -> None:
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        scale = self.zoom
        clamped = max(self._min_scale(), min(MAX_SCALE, scale))
        if scale > 0 and not math.isclose(clamped, scale):
            self.scale(clamped / scale, clamped / scale)
            self.centerOn(rect.center())
        self._recluster()

    def fit_to_us(self) -> None:
        self.fit_lonlat_box(mapgeom.US_FOCUS)

    def fit_to_pins(self) -> None:
        """Fit all pins and the search circle; with neither, show the contiguous U.S."""
        box = mapgeom.pins_bbox(list(self._pins.values()))
        if self._origin is not None:
            lat, lon, radius = self._origin
            pts = [(lon, lat)]
            if radius:
                pts += [
                    (p_lon, p_lat) for p_lat, p_lon in mapgeom.geodesic_circle(lat, lon, radius, 36)
                ]
            circle = mapgeom.BBox.around(pts)
            assert circle is not None
            box = circle if box is None else box.union(circle)
        if box is None:
            self.fit_to_us()
        else:
            self.fit_lonlat_box(box)

    # ----------------------------------------------------------------------- events
    @guarded
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit_target is not None:
            self._apply_fit(self._fit_target)
        self._controls.reposition()
        self._legend.reposition()
        self._place_notice()

    @guarded
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.labels.update(self.zoom)
        if self._fit_target is not None:
            self._apply_fit(self._fit_target)
        self._controls.reposition()
        self._legend.reposition()

    @guarded
    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.zoom_by(1.0015**delta, anchor_under_mouse=True)
        event.accept()

    @guarded
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        step_x = self.viewport().width() // 6
        step_y = self.viewport().height() // 6
        pans = {
            Qt.Key.Key_Left: (-step_x, 0),
            Qt.Key.Key_Right: (step_x, 0),
            Qt.Key.Key_Up: (0, -step_y),
            Qt.Key.Key_Down: (0, step_y),
        }
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1.5)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_by(1 / 1.5)
        elif key == Qt.Key.Key_Home:
            self.fit_to_pins()
        elif key in pans:
            dx, dy = pans[key]
            self._fit_target = None
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + dx)
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() + dy)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    @guarded
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_pos = event.position().toPoint()
        super().mousePressEvent(event)

    @guarded
    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        event.accept()
        if event.button() != Qt.MouseButton.LeftButton or self._press_pos is None:
            return
        pos, pressed = event.position().toPoint(), self._press_pos
        self._press_pos = None
        if (pos - pressed).manhattanLength() > CLICK_SLOP_PX:
            self._fit_target = None  # the user dragged the map: stop re-fitting on resize
            return
        center_id = self.pin_at(pos)
        if center_id is None and (index := self.cluster_at(pos)) is not None:
            self.expand_cluster(index)
            return
        if center_id is not None:
            self._selected = center_id
            self._place_highlight(center_id)
            self.centerClicked.emit(center_id)

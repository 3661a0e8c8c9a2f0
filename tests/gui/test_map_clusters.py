"""Map clusters and the not-on-map notice: pins that overlap are one bubble with a count that
splits as the map zooms in; a selected center without coordinates says so."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from pytestqt.qtbot import QtBot

from directory_app.core.geo import map_geometry as mapgeom
from directory_app.core.geo.map_geometry import Pin
from directory_app.gui.map_view import NOT_ON_MAP, MapView

CLEVELAND = (41.50, -81.61)
#: Five centers within a few kilometres of downtown Cleveland, one in Seattle.
PINS = [Pin(20 + i, CLEVELAND[0] + 0.01 * i, CLEVELAND[1] + 0.012 * i, "academic_hospital",
            False, f"Sample center {i}\nCleveland, OH") for i in range(5)]
PINS.append(Pin(30, 47.61, -122.33, "transplant_center", True, "Sample Seattle center"))


@pytest.fixture
def view(qtbot: QtBot) -> MapView:
    v = MapView()
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.show()
    qtbot.waitExposed(v)
    v.set_pins(PINS)
    v.fit_to_us()
    return v


def visible_pins(view: MapView) -> set[int]:
    return {cid for cid, item in view._pin_items.items() if item.isVisible()}


def test_nearby_pins_become_one_bubble_with_their_count(view):
    assert view.cluster_sizes == [5]
    assert visible_pins(view) == {30}  # Seattle on its own
    bubble = view._clusters.layer.childItems()[0]
    label = bubble.childItems()[0]
    assert label.text() == "5"
    assert "Sample center 0" in bubble.toolTip()


def test_zooming_in_splits_the_cluster(view):
    for _ in range(12):
        view.zoom_by(1.5)
    view.centerOn(view.pin_scene_pos(22))
    assert view.cluster_sizes == []
    assert visible_pins(view) == {20, 21, 22, 23, 24, 30}
    for _ in range(12):
        view.zoom_by(1 / 1.5)
    assert view.cluster_sizes == [5]


def test_clicking_a_bubble_zooms_in_on_its_pins(qtbot, view):
    before = view.zoom
    bubble = view._clusters.layer.childItems()[0]
    at = view.mapFromScene(bubble.pos())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert view.zoom > 5 * before
    assert view.cluster_sizes == []
    assert {20, 24} <= visible_pins(view)


def test_a_pin_under_the_origin_marker_is_drawn_above_it(view):
    view.set_pins(PINS[:1])
    view.set_origin(*CLEVELAND, 100.0)
    pin = view._pin_items[20]
    assert pin.isVisible()
    assert pin.parentItem().zValue() > view._origin_marker.zValue()


def test_selecting_a_center_without_coordinates_says_it_is_not_on_the_map(view):
    assert not view.select_center(999)  # no pin: its location is unknown
    assert view.notice.isVisible() and view.notice.text() == NOT_ON_MAP
    assert view.select_center(30)
    assert not view.notice.isVisible()
    view.select_center(None)
    assert not view.notice.isVisible()


def test_zooming_in_over_empty_ocean_is_refused(view):
    from PySide6.QtCore import QPointF

    from directory_app.core.geo import map_geometry as mapgeom

    view.centerOn(QPointF(*mapgeom.project(-55.0, 33.0)))  # the Atlantic, the coast in view
    assert view.land_in_view()
    start = view.zoom
    for _ in range(12):
        view.zoom_by(1.5)
        assert view.land_in_view()
    assert start < view.zoom < start * 1.5 ** 12  # it zoomed, but stopped short of open sea


def test_city_labels_name_more_places_as_the_map_zooms_in(view):
    view.fit_to_us()
    few = view.labels.shown
    assert few > 0
    view.centerOn(view.pin_scene_pos(20))
    for _ in range(6):
        view.zoom_by(1.5)
    assert view.labels.shown > few


def shown_labels(view: MapView) -> dict[str, QRectF]:
    """Each visible city label's name and its rectangle on screen (dot and text)."""
    out = {}
    for dot in view.labels._items:
        if dot.isVisible():
            text = dot.childItems()[0]
            at = QPointF(view.mapFromScene(dot.scenePos()))
            size = text.boundingRect()
            out[text.text()] = QRectF(at.x() - 1.5, at.y() - size.height() / 2,
                                      3 + size.width(), size.height())
    return out


def overlapping(labels: dict[str, QRectF]) -> list[tuple[str, str]]:
    names = list(labels)
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
            if labels[a].intersects(labels[b])]


def test_city_labels_never_overlap_and_close_places_separate_on_zooming_in(view):
    view.fit_to_us()
    for _ in range(4):  # from the whole country down to a few states
        labels = shown_labels(view)
        assert labels and overlapping(labels) == []
        view.zoom_by(1.6)
    view.fit_to_us()
    assert "New York City" in shown_labels(view)  # the larger place keeps its name
    assert "Brooklyn" not in shown_labels(view)  # 11 km away: it would sit on New York's
    view.centerOn(QPointF(*mapgeom.project(-73.95, 40.68)))
    for _ in range(8):
        view.zoom_by(1.5)
    labels = shown_labels(view)
    assert {"New York City", "Brooklyn"} <= set(labels) and overlapping(labels) == []

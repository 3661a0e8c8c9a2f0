"""MapView with real widgets (offscreen): pins, clicks, selection, radius circle, zoom, render."""

from __future__ import annotations

import logging
import math

import pytest
from geopy.distance import great_circle
from PySide6.QtCore import QPoint, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from directory_app.core.directory.vocab import CenterKind
from directory_app.core.geo import map_geometry as mapgeom
from directory_app.core.geo.map_geometry import Pin
from directory_app.gui.map_layers import KIND_COLOURS, UNKNOWN_COLOUR, WATER
from directory_app.gui.map_view import PIN_ID_KEY, MapView

CLEVELAND = (41.50, -81.61)
PINS = [
    Pin(11, 41.50, -81.61, "academic_hospital", False, "Cleveland Clinic\nCleveland, OH"),
    Pin(12, 44.02, -92.47, "transplant_center", True, "Mayo Clinic\nRochester, MN"),
    Pin(13, 29.71, -95.40, "autoimmune_clinic", False, "Houston center"),
    Pin(14, 47.61, -122.33, None, True, "Seattle <unknown kind>"),
    Pin(15, 40.76, -73.95, "academic_hospital", True, "New York"),
]


@pytest.fixture
def view(qtbot: QtBot) -> MapView:
    v = MapView()
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.show()
    qtbot.waitExposed(v)
    return v


def _viewport_pos(view: MapView, center_id: int) -> QPoint:
    scene_pos = view.pin_scene_pos(center_id)
    assert scene_pos is not None
    return view.mapFromScene(scene_pos)


def _pin_items(view: MapView) -> list:
    return [i for i in view.scene().items() if i.data(PIN_ID_KEY) is not None]


def test_set_pins_creates_one_item_per_pin(view: MapView) -> None:
    view.set_pins(PINS)
    assert view.pin_count == 5
    assert sorted(i.data(PIN_ID_KEY) for i in _pin_items(view)) == [11, 12, 13, 14, 15]
    tips = {i.data(PIN_ID_KEY): i.toolTip() for i in _pin_items(view)}
    assert tips[11].startswith("<b>Cleveland Clinic</b><br>Cleveland, OH")
    assert "&lt;unknown kind&gt;" in tips[14] and "Recruiting trial" in tips[14]
    view.set_pins(PINS[:2])  # replacing removes the old pins
    assert len(_pin_items(view)) == 2


def test_bad_and_repeated_pins_are_skipped(view: MapView, caplog: pytest.LogCaptureFixture) -> None:
    bad = Pin(99, math.nan, 10.0, None, False, "nowhere")
    again = Pin(11, 40.0, -80.0, None, False, "moved")
    with caplog.at_level(logging.WARNING):
        view.set_pins([*PINS, bad, again])
    assert view.pin_count == 5
    assert view.pin_scene_pos(99) is None
    assert view.pin_scene_pos(11) == QPointF(*mapgeom.project(-80.0, 40.0))
    assert "skipped" in caplog.text


def test_many_pins(view: MapView) -> None:
    pins = [
        Pin(i, 25 + (i % 97) * 0.25, -124 + (i % 101) * 0.57, None, i % 5 == 0, f"C{i}")
        for i in range(10_000)
    ]
    view.set_pins(pins)
    assert view.pin_count == 10_000
    assert not view.grab().isNull()


@pytest.mark.parametrize("center_id", [11, 12, 14])
def test_clicking_a_pin_emits_its_id(view: MapView, qtbot: QtBot, center_id: int) -> None:
    view.set_pins(PINS)
    pos = _viewport_pos(view, center_id)
    assert view.viewport().rect().contains(pos)
    with qtbot.waitSignal(view.centerClicked, timeout=1000) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [center_id]
    assert view.selected_center == center_id


def test_click_near_but_off_a_pin_still_hits_it(view: MapView, qtbot: QtBot) -> None:
    view.set_pins(PINS)
    pos = _viewport_pos(view, 13) + QPoint(4, 3)
    with qtbot.waitSignal(view.centerClicked, timeout=1000) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [13]


def test_click_on_empty_map_or_drag_emits_nothing(view: MapView, qtbot: QtBot) -> None:
    view.set_pins(PINS)
    with qtbot.assertNotEmitted(view.centerClicked):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
        start = _viewport_pos(view, 11)
        qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(60, 0))


def test_errors_in_event_handling_are_logged_not_raised(
    view: MapView, qtbot: QtBot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    view.set_pins(PINS)
    pos = _viewport_pos(view, 12)

    def broken(_pos: QPoint) -> int:
        raise RuntimeError("hit test failed")

    monkeypatch.setattr(view, "pin_at", broken)
    with caplog.at_level(logging.ERROR), qtbot.assertNotEmitted(view.centerClicked):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert "hit test failed" in caplog.text  # logged; pytest-qt saw no exception reach Qt


def test_select_center_highlights_and_centres_without_emitting(view: MapView, qtbot: QtBot) -> None:
    view.set_pins(PINS)
    view.zoom_by(3)
    with qtbot.assertNotEmitted(view.centerClicked):
        assert view.select_center(13)
    assert view.selected_center == 13
    highlight = view._highlight
    assert highlight.isVisible() and highlight.pos() == view.pin_scene_pos(13)
    middle = view.mapToScene(view.viewport().rect().center())
    pin = view.pin_scene_pos(13)
    assert pin is not None
    assert abs(middle.x() - pin.x()) < 5 / view.zoom and abs(middle.y() - pin.y()) < 5 / view.zoom
    assert not view.select_center(404)
    assert view.selected_center is None and not highlight.isVisible()


def test_selection_survives_set_pins_when_still_present(view: MapView) -> None:
    view.set_pins(PINS)
    view.select_center(12)
    view.set_pins(PINS[1:])
    assert view.selected_center == 12
    view.set_pins(PINS[2:])
    assert view.selected_center is None


def test_origin_circle_points_are_at_the_radius(view: MapView) -> None:
    radius_km = 150 * mapgeom.KM_PER_MILE
    view.set_origin(*CLEVELAND, radius_km)
    path = view.radius_path()
    assert path.elementCount() >= 100
    distances = []
    for i in range(path.elementCount()):
        element = path.elementAt(i)
        lon, lat = mapgeom.unproject(element.x, element.y)
        distances.append(great_circle(CLEVELAND, (lat, lon)).km)
    assert min(distances) == pytest.approx(radius_km, rel=1e-4)
    assert max(distances) == pytest.approx(radius_km, rel=1e-4)
    # Away from lat0 the true circle is not a projected circle: east-west is stretched.
    box = path.boundingRect()
    assert box.width() / box.height() == pytest.approx(
        mapgeom.DEFAULT_PROJECTION.kx / (mapgeom.KM_PER_DEGREE * math.cos(math.radians(41.5))),
        rel=0.02,
    )
    assert "Search origin" in view._legend.accessibleDescription()
    view.set_origin(*CLEVELAND, None)
    assert view.radius_path().isEmpty()
    view.clear_origin()
    assert "Search origin" not in view._legend.accessibleDescription()


def test_zoom_with_keys_and_wheel_changes_the_transform(view: MapView, qtbot: QtBot) -> None:
    start = view.zoom
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.zoom == pytest.approx(start * 1.5)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.zoom == pytest.approx(start)
    centre = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(
        centre,
        QPointF(view.viewport().mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.zoom > start * 1.1
    for _ in range(40):
        view.zoom_by(0.5)
    assert view.zoom > 0  # clamped: never zooms out past the whole world


def test_arrow_keys_pan(view: MapView, qtbot: QtBot) -> None:
    view.zoom_by(4)
    before = view.mapToScene(view.viewport().rect().center())
    qtbot.keyClick(view, Qt.Key.Key_Right)
    after = view.mapToScene(view.viewport().rect().center())
    assert after.x() > before.x() + 10


def test_fit_to_pins_shows_every_pin(view: MapView) -> None:
    abroad = Pin(20, 59.33, 18.07, "academic_hospital", False, "Stockholm")
    view.set_pins([*PINS, abroad])
    view.zoom_by(5)
    view.fit_action.trigger()
    area = view.viewport().rect()
    for pin in [*PINS, abroad]:
        assert area.contains(_viewport_pos(view, pin.center_id))


def test_map_renders_land_water_and_pins(view: MapView) -> None:
    view.set_pins(PINS)
    view.set_origin(*CLEVELAND, 241.4)
    image = view.grab().toImage()
    assert not image.isNull() and image.width() == 900
    water = WATER.rgb()
    samples = [
        image.pixel(x, y) for x in range(0, image.width(), 9) for y in range(0, image.height(), 9)
    ]
    other = sum(1 for px in samples if px != water)
    assert other > len(samples) * 0.3  # land dominates the U.S. view
    assert sum(1 for px in samples if px == water) > len(samples) * 0.05  # and there is sea
    # The Houston pin is drawn in its kind's colour (Houston is away from the origin marker).
    pos = _viewport_pos(view, 13)
    assert QColor(image.pixel(pos)) == KIND_COLOURS["autoimmune_clinic"]


def test_accessibility(view: MapView) -> None:
    assert view.accessibleName() == "Map of centers"
    assert view.accessibleDescription()
    names = {a.text() for a in view.actions()}
    assert {"Zoom in", "Zoom out", "Fit pins"} <= names


def test_initial_us_view_follows_resizes_until_the_user_zooms(view: MapView, qtbot: QtBot) -> None:
    first = view.zoom
    view.resize(1400, 900)
    qtbot.waitUntil(lambda: view.zoom > first * 1.2, timeout=1000)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    zoomed = view.zoom
    view.resize(700, 500)
    qtbot.waitUntil(lambda: view.size() == QSize(700, 500), timeout=1000)  # resize handled
    assert view.zoom == pytest.approx(zoomed)
    qtbot.keyClick(view, Qt.Key.Key_Home)  # Home fits again (no pins: the contiguous U.S.)
    assert view.zoom != pytest.approx(zoomed)


def test_every_center_kind_has_its_own_colour_and_legend_line(view: MapView) -> None:
    colours = [KIND_COLOURS[kind.value] for kind in CenterKind]  # KeyError names a missing kind
    assert len({c.rgb() for c in [*colours, UNKNOWN_COLOUR]}) == len(CenterKind) + 1
    legend = view._legend.accessibleDescription()
    for kind in CenterKind:
        assert kind.label in legend.split("; ")


def test_a_plain_hospital_pin_is_drawn_in_its_own_colour_not_as_kind_unknown(view: MapView) -> None:
    view.set_pins([Pin(30, 29.71, -95.40, "hospital", False, "Houston hospital"),
                   Pin(31, 47.61, -122.33, None, False, "Seattle")])
    image = view.grab().toImage()
    assert QColor(image.pixel(_viewport_pos(view, 30))) == KIND_COLOURS["hospital"]

"""The main window's size, place and layout between runs, and its first start on a new screen.

A first start fills the screen's available area (the desktop less panels and docks) with the
window's frame, so its status bar is on screen under any window manager; a later start puts the
window back where it was, at its size, with its splitter and column widths, and pulls it back
inside the screen if that screen has since become smaller. Everything lives in the window's
QSettings, which tests point at a file of their own.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QTimer
from PySide6.QtGui import QGuiApplication

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMainWindow, QTableView

SETTINGS_COLUMNS = "window/columns"
#: Until the window manager reports the frame: a title bar and thin borders.
FRAME_GUESS = (4, 30, 4, 4)  # left, top, right, bottom
#: Window managers add their frame a moment after the first show; look again then.
REFIT_AFTER_MS = (0, 400)


def available_area(window: QMainWindow) -> QRect:
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def frame_margins(window: QMainWindow) -> tuple[int, int, int, int]:
    """The frame's (left, top, right, bottom) widths, or `FRAME_GUESS` before it has one."""
    frame, inner = window.frameGeometry(), window.geometry()
    margins = (inner.left() - frame.left(), inner.top() - frame.top(),
               frame.right() - inner.right(), frame.bottom() - inner.bottom())
    return margins if any(margins) else FRAME_GUESS


def inner_rect(area: QRect, margins: tuple[int, int, int, int]) -> QRect:
    """The window's own geometry that makes its frame fill `area`."""
    left, top, right, bottom = margins
    return area.adjusted(left, top, -right, -bottom)


def place_first_start(window: QMainWindow) -> None:
    """No saved geometry: fill the available area (refined by `keep_on_screen` once shown)."""
    window.setGeometry(inner_rect(available_area(window), frame_margins(window)))


def keep_on_screen(window: QMainWindow) -> None:
    """Shrink and move the window so that its frame lies inside the available area (a restored
    geometry from a larger screen, or a frame larger than guessed); a window already inside is
    left alone, and so is a maximized or full-screen one."""
    if window.isMaximized() or window.isFullScreen():
        return
    area = available_area(window)
    if area.contains(window.frameGeometry()):
        return
    room = inner_rect(area, frame_margins(window))
    target = QRect(window.geometry())
    target.setWidth(min(target.width(), room.width()))
    target.setHeight(min(target.height(), room.height()))
    target.moveLeft(max(room.left(), min(target.left(), room.right() - target.width() + 1)))
    target.moveTop(max(room.top(), min(target.top(), room.bottom() - target.height() + 1)))
    window.setGeometry(target)


class Placement:
    """What this module did to a window's geometry before its first show, so that once the
    window manager has framed it the first start fills the screen exactly and a restored
    geometry is kept on screen - unless something resized the window meanwhile, which wins."""

    def __init__(self, window: QMainWindow, first_start: bool) -> None:
        self.window = window
        self.first_start = first_start
        self.placed: QRect | None = QRect(window.geometry())
        self.pending = 0  # refits scheduled and not yet run

    @property
    def settled(self) -> bool:
        """No refit is still to come: the window stays where it is unless someone moves it."""
        return self.pending == 0

    def refit_soon(self) -> None:
        """Refit now and again once the window manager has had time to frame the window."""
        for delay in REFIT_AFTER_MS:
            self.pending += 1
            QTimer.singleShot(delay, self.window, self._scheduled_refit)

    def _scheduled_refit(self) -> None:
        self.pending -= 1
        self.refit()

    def refit(self) -> None:
        window = self.window
        if self.placed is None or window.geometry() != self.placed:
            self.placed = None  # resized by someone else: leave it
            return
        if self.first_start and not (window.isMaximized() or window.isFullScreen()):
            window.setGeometry(inner_rect(available_area(window), frame_margins(window)))
        else:
            keep_on_screen(window)
        self.placed = QRect(window.geometry())


def column_widths(table: QTableView) -> dict[str, int]:
    """Visible columns' widths by header text, the stretched last column left out (its width
    follows the window); header texts, not numbers, so a new column shifts nothing."""
    header, model = table.horizontalHeader(), table.model()
    last = header.count() - 1
    widths = {}
    for column in range(header.count()):
        if column == last and header.stretchLastSection():
            continue
        if not table.isColumnHidden(column):
            widths[str(model.headerData(column, header.orientation()))] = header.sectionSize(column)
    return widths


def save_columns(settings: QSettings, table: QTableView) -> None:
    settings.setValue(SETTINGS_COLUMNS, json.dumps(column_widths(table), sort_keys=True))


def restore_columns(settings: QSettings, table: QTableView) -> None:
    """Widths saved by `save_columns`; anything unreadable leaves the default widths."""
    try:
        saved = json.loads(str(settings.value(SETTINGS_COLUMNS, "{}")))
    except ValueError:
        return
    if not isinstance(saved, dict):
        return
    header, model = table.horizontalHeader(), table.model()
    for column in range(header.count()):
        width = saved.get(str(model.headerData(column, header.orientation())))
        if isinstance(width, int) and width > 0:
            table.setColumnWidth(column, width)

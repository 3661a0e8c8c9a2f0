"""The application icon for the window, the About box and the desktop (`resources/icons`).

The PNG renderings (`db/build_icons.py`) are loaded rather than the SVG: every size is drawn for
its pixel grid once, and neither the window nor the bundle needs the SVG image plugin."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QPixmap

from directory_app.core.paths import ICON_SIZES, icon_png

#: The desktop entry's name (`resources/directory-app.desktop`): Wayland and the taskbar match
#: the running window to its entry, and so to its icon, by this name.
DESKTOP_NAME = "directory-app"


def app_icon() -> QIcon:
    """Every bundled size of the icon in one QIcon; empty (the platform's default) if the files
    are missing, so a damaged install still starts."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = icon_png(size)
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    return icon


def icon_pixmap(size: int) -> QPixmap:
    """The icon drawn at `size` x `size` logical pixels (the About box's picture)."""
    return app_icon().pixmap(QSize(size, size))

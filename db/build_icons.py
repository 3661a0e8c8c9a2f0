"""Render the application icon `resources/icons/directory-app.svg` to the PNG sizes that desktops,
the window and the bundle ask for (`directory-app-16.png` ... `directory-app-256.png`).

Run it after editing the SVG: `QT_QPA_PLATFORM=offscreen python db/build_icons.py`. The PNGs are
committed, so neither the app nor the bundle needs the SVG renderer at run time, and a test
checks that every size is there and square.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from directory_app.core.paths import ICON_SIZES, ICON_SVG, icon_png


def main() -> None:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICON_SVG))
    if not renderer.isValid():
        raise SystemExit(f"{ICON_SVG}: not a readable SVG")
    for size in ICON_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = icon_png(size)
        if not image.save(str(target)):
            raise SystemExit(f"{target}: could not be written")
        print(f"wrote {target}")
    del app


if __name__ == "__main__":
    main()

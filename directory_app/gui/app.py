"""Starting the desktop app: open the database first (so a bad `--db` is a one-line error with
exit code 2, before any window), then the QApplication and the main window."""

from __future__ import annotations

import sys

from ..core.store import StoreError, open_store


def run_gui(db: str | None, *, smoke: bool = False, screenshot: str | None = None) -> int:
    try:
        store = open_store(db)
    except StoreError as exc:
        print(f"directory-app: error: {exc}", file=sys.stderr)
        return 2
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Stem Cell Center Directory")
    app.setOrganizationName("directory-app")
    window = MainWindow(store)
    window.show()
    if smoke or screenshot:
        def finish() -> None:
            app.processEvents()
            if screenshot:
                window.grab().save(screenshot)
            window.close()
            app.quit()

        QTimer.singleShot(300, finish)
    code = app.exec()
    store.close()
    return int(code)

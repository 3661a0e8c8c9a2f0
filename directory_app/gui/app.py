"""Starting the desktop app: paint the window first, then open the database.

Opening the directory is the slow part of a start (importing SQLAlchemy and alembic, checking
migrations, seeding an empty database on first run), so the window is built and shown before it,
the database is opened in a worker thread right after the first paint (the window stays
responsive meanwhile), and the Store is attached on the GUI thread when it is ready; the first
search follows. A `--db` that cannot be opened still ends the way the CLI promises: one line on
stderr and exit code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

APP_NAME = "Stem Cell Center Directory"
ORGANIZATION = "directory-app"
FALLBACK_MS = 1000  # attach the database even if no paint event ever arrives (minimised start)


def after_first_paint(widget: Any, callback: Callable[[], None]) -> None:
    """Call `callback` once, from the event loop, right after `widget` has first painted."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class _FirstPaint(QObject):
        def __init__(self) -> None:
            super().__init__(widget)
            self.done = False

        def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint and not self.done:
                QTimer.singleShot(0, self.fire)  # after the rest of this frame is painted
            return False

        def fire(self) -> None:
            if not self.done:
                self.done = True
                widget.removeEventFilter(self)
                callback()

    probe = _FirstPaint()
    widget.installEventFilter(probe)
    QTimer.singleShot(FALLBACK_MS, probe.fire)


def run_gui(db: str | None, *, smoke: bool = False, screenshot: str | None = None) -> int:
    """Run the desktop app until its window closes; returns the process exit code.

    `smoke` paints the first window with its first results and quits; `screenshot` also saves
    that window as a PNG."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    # In the function, like PySide6 above: only starting the window pays for Qt.
    from .app_icon import DESKTOP_NAME, app_icon
    from .main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setDesktopFileName(DESKTOP_NAME)
    app.setWindowIcon(app_icon())  # every window and dialog, the taskbar and the window switcher
    window = MainWindow(None)
    opened: list[Any] = []
    exit_code = [0]

    def finish() -> None:
        app.processEvents()
        if screenshot:
            window.grab().save(screenshot)
        window.close()
        app.quit()

    def opened_ok(store: Any) -> None:
        opened.append(store)
        window.attach_store(store)
        if smoke or screenshot:  # quit once the complete first results are painted
            window.resultsShown.connect(
                lambda _n: QTimer.singleShot(300, finish) if window.results_complete else None)

    def failed(exc: Exception) -> None:
        # In the function (and below): SQLAlchemy loads after the window's first paint.
        from directory_app.core.storage.engine import StoreError, storage_failure

        plain = storage_failure(exc)  # a full disk while opening (migrating, seeding)
        if isinstance(exc, StoreError) or plain is not None:
            print(f"directory-app: error: {exc if isinstance(exc, StoreError) else plain}",
                  file=sys.stderr)  # fmt: skip
            exit_code[0] = 2
        else:
            import traceback

            traceback.print_exception(exc)
            exit_code[0] = 1
        window.close()
        app.exit(exit_code[0])

    def open_directory() -> Any:
        """In a worker thread: it touches no widget and hands the Store back by signal."""
        # In the worker, after the first paint: opening the store loads SQLAlchemy and alembic.
        from directory_app.core.storage.opening import open_store

        return open_store(db)

    def start_opening() -> None:
        window.runner.submit(lambda _progress: open_directory(), with_session=False,
                             on_success=opened_ok, on_failure=failed)

    after_first_paint(window, start_opening)
    window.show()
    code = app.exec()
    for store in opened:
        window.runner.shutdown()
        store.close()
    return exit_code[0] or int(code)

"""Desktop app responsiveness, offscreen: keystroke to updated table, and start to first paint.

Keystrokes: a synthetic directory (10,000 centers by default) is opened in the real main window;
queries are typed into the search box one key at a time, ~120 ms apart like a quick typist. Each
sample runs from the key press to the table's rows being replaced and repainted. The 150 ms
debounce pause is *not* counted: the search is started the moment the key is handled, as the
debounce timer would start it once the typist pauses. Also printed: how long the complete list of
a broad query takes to arrive after its first page (it loads in a worker meanwhile).

Start: a bare PySide6 QMainWindow and the app's main window (open the database, build the
window, show it) are each started in a fresh interpreter several times, alternately; the time
from launching the process to the end of the window's first paint is measured, and the medians
and their ratio printed.

Qt is imported only when the benchmark runs, so listing the benchmarks needs no display.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from directory_app.bench.synthetic import build_synthetic
from directory_app.core.search.query import count_centers
from directory_app.core.storage.engine import Store
from directory_app.core.storage.opening import open_store

DEFAULT_QUERIES = "chicago,lupus,bayview academic,hsct"

_PAINT_PROBE = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

class FirstPaint(QObject):
    \"\"\"Prints when the first QMainWindow has painted (and, for the app, shown results).\"\"\"

    def __init__(self, app, wait_for_results):
        super().__init__()
        self.app, self.wait_for_results, self.seen = app, wait_for_results, False

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and isinstance(obj, QMainWindow) and not self.seen:
            self.seen = True
            QTimer.singleShot(0, lambda: self.painted(obj))  # after the whole frame
        return False

    def painted(self, window):
        print(f"PAINTED {time.time():.6f}", flush=True)
        if not self.wait_for_results:
            self.app.quit()
            return
        window.resultsShown.connect(self.results)

    def results(self, _rows):
        print(f"RESULTS {time.time():.6f}", flush=True)
        self.app.quit()
"""

BARE_START = _PAINT_PROBE + """
app = QApplication(sys.argv[:1])
probe = FirstPaint(app, False)
app.installEventFilter(probe)
window = QMainWindow()
window.setWindowTitle("bare")
window.resize(1280, 800)
window.show()
app.exec()
"""

# The app exactly as `directory-app` starts it (run_gui), with settings kept in a scratch folder.
APP_START = _PAINT_PROBE + """
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[2])
app = QApplication(sys.argv[:1])
probe = FirstPaint(app, True)
app.installEventFilter(probe)
from directory_app.gui.app import run_gui
run_gui(sys.argv[1])
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--centers", type=int, default=10_000, help="synthetic centers to build")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", help="use this database instead of a synthetic one")
    parser.add_argument("--queries", default=DEFAULT_QUERIES,
                        help=f"comma-separated texts to type (default {DEFAULT_QUERIES!r})")
    parser.add_argument("--gap-ms", type=int, default=120, help="pause between keys")
    parser.add_argument("--starts", type=int, default=7, help="process starts of each kind")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _wait(app: Any, condition: Any, timeout_s: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the window did not answer in time")
        app.processEvents()
        time.sleep(0.0005)


def measure_keystrokes(store: Store, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    # Qt and the window load only when this benchmark runs (the bench imports every benchmark).
    from directory_app.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(store, QSettings(str(folder / "bench.ini"), QSettings.Format.IniFormat))
    window.resize(1280, 800)
    shown: list[float] = []
    window.resultsShown.connect(lambda _n: shown.append(time.perf_counter()))
    window.show()
    _wait(app, lambda: shown)
    box = window.filters.text_edit
    samples: list[float] = []
    full: list[float] = []
    for query in [q for q in args.queries.split(",") if q]:
        box.clear()
        window.run_search()
        _wait(app, lambda: not window.search_loop.busy)
        for ch in query:
            before = len(shown)
            started = time.perf_counter()
            QTest.keyClick(box, ch)
            window.search_loop.run_now()  # what the debounce does once the typist pauses
            _wait(app, lambda before=before: len(shown) > before)  # type: ignore[misc]
            window.table.viewport().repaint()
            samples.append(time.perf_counter() - started)
            pause_until = time.perf_counter() + args.gap_ms / 1000
            _wait(app, lambda until=pause_until: time.perf_counter() >= until)  # type: ignore[misc]
        started = time.perf_counter()
        _wait(app, lambda: not window.search_loop.busy)
        full.append(time.perf_counter() - started)
    window.close()
    return {"samples": samples, "rest": full, "rows": window.model.rowCount()}


def _start_once(script: str, argv: list[str], pycache: str) -> dict[str, float]:
    """Seconds from launching a fresh interpreter to each event it printed.

    Both kinds of start run with compiled bytecode cached (in a scratch folder, not the source
    tree), as an installed app does, even where the shell sets PYTHONDONTWRITEBYTECODE."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPYCACHEPREFIX": pycache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    launched = time.time()
    out = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True,
                         env=env, timeout=120, check=True).stdout
    return {line.split()[0]: float(line.split()[1]) - launched for line in out.splitlines()
            if line.startswith(("PAINTED", "RESULTS"))}


def measure_starts(db: Path, args: argparse.Namespace, folder: Path) -> dict[str, list[float]]:
    """Alternate bare and app starts, so a busy moment on the machine hits both alike."""
    out: dict[str, list[float]] = {"bare": [], "app": [], "results": []}
    settings, cache = str(folder / "settings"), str(folder / "pycache")
    for _ in range(2):  # warm the OS file cache and the bytecode cache for both kinds
        _start_once(APP_START, [str(db), settings], cache)
        _start_once(BARE_START, [], cache)
    for _ in range(args.starts):
        out["bare"].append(_start_once(BARE_START, [], cache)["PAINTED"])
        app = _start_once(APP_START, [str(db), settings], cache)
        out["app"].append(app["PAINTED"])
        out["results"].append(app["RESULTS"])
    return out


def _prepare(args: argparse.Namespace, folder: Path) -> Store:
    store = open_store(args.db or folder / "synthetic.db", seed=False)
    with store.session() as s:
        existing = count_centers(s)
    if not existing:
        built = build_synthetic(store, args.centers, seed=args.seed)
        print(f"built {built['centers']:,} synthetic centers in {built['seconds']} s")
    else:
        print(f"using the {existing:,} centers in {store.url}")
    return store


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="directory-bench-gui-") as name:
        folder = Path(name)
        store = _prepare(args, folder)
        try:
            keys = measure_keystrokes(store, args, folder)
            db = store.path
        finally:
            store.close()
        assert db is not None, "the start benchmark needs a SQLite file"
        starts = measure_starts(db, args, folder)
    ms = [s * 1000 for s in keys["samples"]]
    print(f"\nkeystroke -> table updated and repainted ({len(ms)} keys, "
          f"queries {args.queries!r}, debounce pause excluded)")
    print(f"  p50 {statistics.median(ms):7.1f} ms   p95 {_percentile(ms, 0.95):7.1f} ms   "
          f"max {max(ms):7.1f} ms   (target p50 <= 50 ms)")
    rest = [s * 1000 for s in keys["rest"]]
    print(f"  complete list after the last key: median {statistics.median(rest):.0f} ms "
          f"(worker; the first page is already shown)")
    bare, app = statistics.median(starts["bare"]), statistics.median(starts["app"])
    print(f"\nstart -> first painted window ({args.starts} fresh processes each)")
    print(f"  bare QMainWindow  median {bare * 1000:7.1f} ms   "
          f"[{', '.join(f'{s * 1000:.0f}' for s in starts['bare'])}]")
    print(f"  app main window   median {app * 1000:7.1f} ms   "
          f"[{', '.join(f'{s * 1000:.0f}' for s in starts['app'])}]")
    print(f"  ratio {app / bare:.2f}x   (target <= 2.0x)")
    print(f"  app first results shown  median {statistics.median(starts['results']) * 1000:7.1f} ms"
          " (database opened after the first paint)")
    return 0

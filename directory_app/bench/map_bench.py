"""Map zoom with pin clustering, offscreen: one zoom step (regroup and repaint) with 10,000 pins.

Clustering regroups every pin on every zoom step, so it must not make zooming sluggish. The same
map view, pins and zoom steps are timed twice in this process, alternately: with clustering (the
app as shipped) and with the regrouping switched off (every pin drawn, the baseline). Printed:
median and 90th percentile per zoom step and the ratio of the medians. Pins are synthetic (random
points over the contiguous United States); no directory is opened.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pins", type=int, default=10_000, help="synthetic pins")
    parser.add_argument("--steps", type=int, default=24, help="zoom steps per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each kind")
    parser.add_argument("--seed", type=int, default=1)


def _pins(count: int, seed: int) -> list[Any]:
    # Only when this benchmark runs: `python -m directory_app.bench` imports every benchmark.
    from directory_app.core.geo.map_geometry import Pin

    rng = random.Random(seed)
    kinds = ["academic_hospital", "transplant_center", "autoimmune_clinic", None]
    return [Pin(i, rng.uniform(25.0, 49.0), rng.uniform(-124.0, -67.0), rng.choice(kinds),
                rng.random() < 0.2, f"Synthetic center {i}") for i in range(count)]


def _zoom_steps(view: Any, app: Any, steps: int) -> list[float]:
    """Seconds per zoom step: the zoom call plus the repaint it causes."""
    out = []
    for i in range(steps):
        factor = 1.5 if (i // 6) % 2 == 0 else 1 / 1.5  # in six steps, out six, ...
        start = time.perf_counter()
        view.zoom_by(factor)
        view.viewport().repaint()
        app.processEvents()
        out.append(time.perf_counter() - start)
    return out


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    # Qt loads only when this benchmark runs, after the platform is chosen above.
    from directory_app.gui.map_view import MapView

    app = QApplication.instance() or QApplication([])
    view = MapView()
    view.resize(1280, 800)
    view.show()
    app.processEvents()
    pins = _pins(args.pins, args.seed)
    clustered, baseline = [], []
    real_update = view._clusters.update
    for _round in range(args.rounds):
        for kind, samples in (("clustered", clustered), ("baseline", baseline)):
            view._clusters.update = real_update if kind == "clustered" else (
                lambda *_a, **_k: None)
            view.set_pins(pins)
            view.fit_to_us()
            app.processEvents()
            samples += _zoom_steps(view, app, args.steps)
    view._clusters.update = real_update
    print(f"{args.pins:,} pins, {args.rounds} rounds x {args.steps} zoom steps, 1280x800")
    print(f"{'zoom step':<28}{'median ms':>10}{'p90 ms':>10}")
    for name, samples in (("with clustering", clustered), ("baseline (every pin)", baseline)):
        p90 = sorted(samples)[int(0.9 * (len(samples) - 1))]
        print(f"{name:<28}{1000 * statistics.median(samples):>10.1f}{1000 * p90:>10.1f}")
    ratio = statistics.median(clustered) / statistics.median(baseline)
    print(f"ratio clustered / baseline: {ratio:.2f}")
    view.close()
    return 0

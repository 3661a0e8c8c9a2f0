"""Where the bundled data lives, for a clone and for an installed wheel alike.

The repository keeps `resources/` and `db/` beside the package. A wheel cannot ship files outside
its package, so the build copies their run-time part into `directory_app/_data/` (see
`setup.py`). This module is the one place that knows both layouts: the installed copy wins when
present, else the checkout's top-level folders are used (editable install, running from a clone).
"""

from __future__ import annotations

import json
from pathlib import Path

#: The package folder, `directory_app/`.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: The checkout's root (only meaningful when running from a clone: build scripts, sources).
PROJECT_ROOT = PACKAGE_DIR.parent


def _data_root() -> Path:
    """`directory_app/_data` inside an installed wheel or bundle, else the checkout root.

    The package is always a folder on disk (a wheel installs as files, the desktop bundle
    unpacks its data beside its modules), so its `__file__` finds the data; importing
    `importlib.resources` for the same answer cost a quarter of `--version`'s run time."""
    installed = PACKAGE_DIR / "_data"
    return installed if installed.is_dir() else PROJECT_ROOT


DATA_ROOT = _data_root()
RESOURCES = DATA_ROOT / "resources"
DB_DIR = DATA_ROOT / "db"
MIGRATIONS = DB_DIR / "migrations"
SEED_DIR = DB_DIR / "seed"
SEED_FILE = SEED_DIR / "directory.json"
#: The application icon (`db/build_icons.py` renders the PNGs from the SVG) and the desktop entry.
ICONS = RESOURCES / "icons"
ICON_SVG = ICONS / "directory-app.svg"
ICON_SIZES = (16, 32, 48, 64, 128, 256)
DESKTOP_FILE = RESOURCES / "directory-app.desktop"


def icon_png(size: int) -> Path:
    """The PNG rendering of the application icon at `size` x `size` pixels."""
    return ICONS / f"directory-app-{size}.png"


def bundled_data_date(seed: Path = SEED_FILE) -> str:
    """The newest source date of the bundled directory ("2022-10-05"), or "unknown".

    Read without parsing the whole 3 MB seed: `--version` must answer about as fast as a bare
    interpreter, so only the small `meta` object is decoded."""
    try:
        text = seed.read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    # The seed is written with indent=1, so its top-level key is the only one at one space;
    # any other layout is parsed whole.
    at = text.find('\n "meta": ')
    try:
        if at >= 0:
            meta, _ = json.JSONDecoder().raw_decode(text, text.index("{", at))
        else:
            meta = json.loads(text).get("meta", {})
    except (ValueError, AttributeError):
        return "unknown"
    if not isinstance(meta, dict):
        return "unknown"
    dates = [s.get("date") for s in meta.get("sources", []) if isinstance(s, dict)]
    known = sorted(d for d in dates if isinstance(d, str))
    return known[-1] if known else "unknown"

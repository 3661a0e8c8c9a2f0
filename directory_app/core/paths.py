"""Where the bundled data lives. The repository layout keeps `resources/` and `db/` beside the
package, so they are found relative to this file (the app is installed editable from a clone)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RESOURCES = PROJECT_ROOT / "resources"
DB_DIR = PROJECT_ROOT / "db"
MIGRATIONS = DB_DIR / "migrations"
SEED_DIR = DB_DIR / "seed"
SEED_FILE = SEED_DIR / "directory.json"

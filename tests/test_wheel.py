"""The wheel carries its data: built, installed into a fresh virtual environment outside the
checkout, and run from another working directory, the app finds its migrations, seed, gazetteer
and map (the editable install of a clone would hide a missing file)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from directory_app.core import paths

pytestmark = pytest.mark.slow

IMPORT_FILE = paths.PROJECT_ROOT / "tests" / "data" / "ctgov" / "classic-autoimmune.csv"
#: Left out of the copy the wheel is built from: a stale `build/` of an earlier run would put
#: files into the wheel that the checkout no longer has (a removed migration, say).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".*_cache"
)


def _run(cmd: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, f"{cmd}: {proc.stdout}\n{proc.stderr}"
    return proc.stdout


#: (directory-app executable, a working directory outside the checkout, environment)
Installed = tuple[Path, Path, dict[str, str]]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel from a clean copy of the sources and install it into a fresh venv; one
    install serves every check of this module."""
    root = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("DIRECTORY_APP_DB", None)
    source, dist = root / "source", root / "dist"
    shutil.copytree(paths.PROJECT_ROOT, source, ignore=NOT_SOURCE, symlinks=True)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, source], root, env)
    wheels = list(dist.glob("directory_app-*.whl"))
    assert len(wheels) == 1
    target = root / "venv"
    venv.create(target, with_pip=True)
    bindir = target / ("Scripts" if os.name == "nt" else "bin")
    _run([bindir / "python", "-m", "pip", "install", "-q", wheels[0]], root, env)
    work = root / "elsewhere"
    work.mkdir()
    return bindir / "directory-app", work, env



def test_wheel_holds_no_build_scripts_or_caches(installed: Installed) -> None:
    exe, work, env = installed
    py = exe.parent / "python"
    where = _run(
        [py, "-c", "import directory_app.core.paths as p; print(p.DATA_ROOT)"], work, env
    ).strip()
    data = Path(where)
    assert data.name == "_data" and "site-packages" in data.parts
    shipped = {p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file()}
    assert "db/seed/directory.json" in shipped
    assert "db/migrations/versions/0001_initial_schema.py" in shipped
    assert "resources/gazetteer/us_zip.csv" in shipped
    assert "resources/directory-app.desktop" in shipped
    assert {f"resources/icons/directory-app-{n}.png" for n in paths.ICON_SIZES} <= shipped
    assert not [s for s in shipped if s.endswith("build_seed.py") or "screenshots" in s]


def test_installed_wheel_runs_commands_from_elsewhere(installed: Installed) -> None:
    exe, work, env = installed
    db = work / "x.db"
    info = _run([exe, "--db", db, "info"], work, env)
    assert re.search(r"^schema revision: \d{4}$", info, re.M)
    seed = json.loads((paths.DB_DIR / "seed" / "directory.json").read_text("utf-8"))
    bundled = len(seed["centers"])
    assert f"centers: {bundled}" in info
    found = _run([exe, "--db", db, "search", "--near", "44106", "--limit", "3"], work, env)
    assert "within 150mi of Cleveland, OH 44106" in found
    assert "Cleveland Clinic " in found
    imported = _run([exe, "--db", work / "y.db", "import", IMPORT_FILE], work, env)
    # The bundled directory may already hold this file: then the import is a no-op and says so.
    assert re.search(r"Import finished\.|Nothing changed: the directory already holds", imported)
    assert re.search(r"^\s+Errors\s+0$", imported, re.M)
    version = _run([exe, "--version"], work, env)
    assert paths.bundled_data_date() in version


def test_installed_wheel_gui_smoke(installed: Installed) -> None:
    exe, work, env = installed
    shot = work / "first.png"
    _run([exe, "--db", work / "gui.db", "--smoke", "--screenshot", shot], work, env)
    assert shot.stat().st_size > 10_000

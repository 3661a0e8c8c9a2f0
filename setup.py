"""Build hook: ship the run-time data of `resources/` and `db/` inside the wheel.

The project keeps those folders at the top level of the repository; a wheel can only carry files
inside its package, so a normal (non-editable) build copies them to `directory_app/_data/`, where
`directory_app.core.paths` looks first. Build scripts, raw sources and screenshots stay behind.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: Run-time data, relative to the repository root.
DATA = [
    "resources/gazetteer",
    "resources/map",
    "resources/hifld_hospitals.csv",
    "resources/icons",
    "resources/directory-app.desktop",
    "resources/fda",
    "db/migrations",
    "db/seed/directory.json",
]
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc")


class BuildWithData(build_py):
    """`build_py` that also copies the bundled data into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's folders directly
        target = Path(self.build_lib) / "directory_app" / "_data"
        for rel in DATA:
            src, dst = HERE / rel, target / rel
            if src.is_dir():
                shutil.copytree(src, dst, ignore=SKIP, dirs_exist_ok=True)
            elif src.is_file():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)


setup(cmdclass={"build_py": BuildWithData})

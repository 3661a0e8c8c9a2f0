"""The Qt-free core type-checks under `mypy --strict`, so its calls can be followed by a reader
and by the checker (configuration in pyproject.toml); so do the window modules that hold search
results, whose rows are `ResultRow`s rather than `Any`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import get_type_hints

import pytest

from directory_app.core.search.shapes import ResultRow
from directory_app.gui.center_table import CenterTableModel, CenterTableView, sorted_rows

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_core_passes_mypy_strict() -> None:
    if shutil.which("mypy", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("mypy is missing: it is part of the test extras (pip install -e '.[test]')")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "directory_app/core"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


#: Window modules that hold core results: their rows are typed (`ResultRow`), not `Any`.
TYPED_GUI = ["directory_app/gui/center_table.py", "directory_app/gui/search_loop.py",
             "directory_app/gui/window_host.py", "directory_app/gui/clinic_dialog.py"]


@pytest.mark.slow
def test_the_results_table_and_search_loop_pass_mypy_strict() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", *TYPED_GUI],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_the_results_table_holds_result_rows_not_any() -> None:
    assert get_type_hints(CenterTableModel.set_rows)["rows"] == Sequence[ResultRow]
    assert get_type_hints(CenterTableModel.row_at)["return"] == ResultRow | None
    assert get_type_hints(CenterTableModel.rows.fget)["return"] == list[ResultRow]
    assert get_type_hints(CenterTableView.show_rows)["rows"] == Sequence[ResultRow]
    assert get_type_hints(sorted_rows)["return"] == list[ResultRow]

"""The wheel's and the bundle's data lists: every entry of `setup.py`'s `DATA` exists (a missing
folder would silently ship nothing), and the PyInstaller spec puts the same files where
`directory_app.core.paths` looks in an installed copy. The bundle itself is built and started by
`./run.sh bundle` in CI; this checks the lists in a second."""

from __future__ import annotations

import ast
from pathlib import Path

from directory_app.core import paths

ROOT = paths.PROJECT_ROOT
SPEC = ROOT / "packaging" / "directory-app.spec"


def setup_data() -> list[str]:
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "DATA":
            assert node.value is not None
            return list(ast.literal_eval(node.value))
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "DATA"
                                                for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError("setup.py has no DATA list")


def spec_data_files() -> list[tuple[str, str]]:
    """`data_files()` of the spec, run without PyInstaller: only its imports, constants and
    functions are executed (the Analysis/EXE part needs PyInstaller's build)."""
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    keep = [n for n in tree.body
            if isinstance(n, ast.Import | ast.FunctionDef)
            or (isinstance(n, ast.ImportFrom) and n.module != "PyInstaller.utils.hooks")
            or (isinstance(n, ast.Assign)
                and {getattr(t, "id", "") for t in n.targets} & {"ROOT", "SKIP_PARTS"})]
    names: dict[str, object] = {"SPECPATH": str(SPEC.parent)}
    exec(compile(ast.Module(body=keep, type_ignores=[]), str(SPEC), "exec"), names)
    files = names["data_files"]
    assert callable(files)
    result: list[tuple[str, str]] = files()
    return result


def test_every_shipped_data_path_exists() -> None:
    missing = [rel for rel in setup_data() if not (ROOT / rel).exists()]
    assert not missing, f"setup.py DATA names paths the checkout does not have: {missing}"


def test_the_bundle_spec_ships_the_wheels_data_where_paths_finds_it() -> None:
    placed = {
        (Path(folder) / Path(src).name).as_posix() for src, folder in spec_data_files()
    }
    assert all(p.startswith("directory_app/_data/") for p in placed)
    inside = {p.removeprefix("directory_app/_data/") for p in placed}
    expected = set()
    for rel in setup_data():
        src = ROOT / rel
        found = [src] if src.is_file() else [p for p in src.rglob("*") if p.is_file()]
        expected |= {p.relative_to(ROOT).as_posix() for p in found
                     if "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert inside == expected
    assert {"db/seed/directory.json", "db/migrations/env.py", "db/migrations/script.py.mako",
            "resources/directory-app.desktop", "resources/gazetteer/us_zip.csv"} <= inside
    assert {paths.icon_png(n).relative_to(paths.DATA_ROOT).as_posix()
            for n in paths.ICON_SIZES} <= inside

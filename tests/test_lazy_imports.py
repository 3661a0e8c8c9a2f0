"""Every import of the app's own modules made inside a function says why in a comment.

The app imports its own modules at the top of each module, so a reader (and `mypy`) can follow
every call and the import-cycle test sees every edge. An import inside a function is kept only
where loading the module up front would cost something real: the window's first paint, a
command line that should not pull in the ORM, Qt or a registry reader it does not use. Such an
import carries a comment on its line, on the line above it, or above the run of imports it
belongs to, naming the reason. This test reads the sources with `ast` and `tokenize` (nothing is
imported) and lists every import that has none.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "directory_app"


def _comment_lines(source: str) -> set[int]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {tok.start[0] for tok in tokens if tok.type == tokenize.COMMENT}


def _is_own(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "directory_app" for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return bool(node.level) or (node.module or "").split(".")[0] == "directory_app"
    return False


def _bodies(function: ast.AST) -> list[list[ast.stmt]]:
    """Every statement list inside a function: its body, and those of its if/try/with/for/..."""
    found: list[list[ast.stmt]] = []
    for node in ast.walk(function):
        for field in ("body", "orelse", "finalbody", "handlers"):
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                found.append(value)
        if isinstance(node, ast.Match):
            found.extend(case.body for case in node.cases)
    return found


def uncommented_imports(source: str) -> list[int]:
    """Line numbers of own-module imports inside functions with no comment saying why."""
    tree = ast.parse(source)
    comments = _comment_lines(source)
    missing: set[int] = set()
    functions = [n for n in ast.walk(tree)
                 if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)]
    for function in functions:
        for body in _bodies(function):
            run: list[ast.stmt] = []
            for stmt in [*body, None]:
                if isinstance(stmt, ast.Import | ast.ImportFrom):
                    run.append(stmt)
                    continue
                if run and any(_is_own(s) for s in run):
                    first, last = run[0].lineno, run[-1].end_lineno or run[-1].lineno
                    if not comments & set(range(first - 1, last + 1)):
                        missing.update(s.lineno for s in run if _is_own(s))
                run = []
    return sorted(missing)


def test_function_level_imports_of_the_app_say_why() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line in uncommented_imports(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, (
        "import of the app's own module inside a function without a comment saying why "
        "(move it to the top of the module, or say what loading it up front would cost):\n"
        + "\n".join(offenders)
    )


def test_the_checker_tells_a_commented_import_from_a_bare_one() -> None:
    source = (
        "import os\n"
        "def bare():\n"
        "    from directory_app.core import paths\n"
        "def explained():\n"
        "    # start-up time: the ORM loads only when a search runs\n"
        "    from directory_app.core.search import query\n"
        "    from . import sibling\n"
        "def inline():\n"
        "    if True:\n"
        "        from .x import y  # first use only\n"
        "def third_party():\n"
        "    import json\n"
        "def string_is_no_comment():\n"
        "    text = '# not a comment'\n"
        "    from .z import w\n"
    )
    assert uncommented_imports(source) == [3, 15]

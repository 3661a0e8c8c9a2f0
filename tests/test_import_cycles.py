"""The app's modules import each other in one direction only: no import cycle.

Reads every module under directory_app with `ast` (nothing is imported) and follows the imports
run when a module loads: module-level ones, not those inside functions or under TYPE_CHECKING.
A second walk adds the imports made inside functions: none of them may close a cycle either,
so an import is only ever deferred for start-up time, never to hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "directory_app"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def load_time_imports(path: Path, modules: set[str], in_functions: bool = False) -> set[str]:
    """The app's own modules that `path` imports while it loads (with `in_functions`, also
    those its functions import when they run)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def own(target: str) -> None:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    own(alias.name)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    own(full if full in modules else base)
            elif isinstance(node, ast.If):
                test = ast.unparse(node.test)
                if "TYPE_CHECKING" not in test:
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)
            elif in_functions and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef
                                             | ast.ClassDef | ast.With | ast.For | ast.While):
                visit(node.body)
                visit(getattr(node, "orelse", []))

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := walk(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := walk(start)):
            return cycle
    return None


def import_graph(in_functions: bool = False) -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): load_time_imports(p, modules, in_functions) for p in paths}


def test_the_app_has_no_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 50 and graph["directory_app.gui.main_window"]
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_cycle_hides_behind_an_import_inside_a_function() -> None:
    at_load, with_functions = import_graph(), import_graph(in_functions=True)
    deferred = sum(len(with_functions[m] - at_load[m]) for m in at_load)
    assert deferred > 10  # the walk does see the imports made inside functions
    cycle = find_cycle(with_functions)
    assert cycle is None, "import cycle through a function: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None

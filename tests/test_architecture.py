"""The layering in docs/architecture.md, checked: no import cycle between feature
packages, each package importable on its own, and no module grown past 400 lines."""

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CIRCLE = ROOT / "circle"
#: Packages that are not features: the shared layers beside them.
SHARED = {"permissions", "translations"}
FEATURES = sorted(
    path.name
    for path in CIRCLE.iterdir()
    if (path / "__init__.py").exists() and path.name not in SHARED
)
#: Demo data is one long list of records, not logic.
LONG_ALLOWED = {"demo.py"}
MAX_LINES = 400


def _is_page_layer(module: Path) -> bool:
    """Views, socket events and page builders may combine any features."""
    return module.stem.endswith("views") or module.stem in {"events", "pages"}


def _imported_features(module: Path) -> set[str]:
    tree = ast.parse(module.read_text())
    # Imports only a type checker sees never run, so they cannot make a cycle.
    hidden = {
        id(node)
        for branch in ast.walk(tree)
        if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
        for node in ast.walk(branch)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            names = (
                [f"circle.{alias.name}" for alias in node.names]
                if node.module == "circle"
                else [node.module]
            )
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "circle" and len(parts) > 1 and parts[1] in FEATURES:
                found.add(parts[1])
    return found


def feature_graph() -> dict[str, set[str]]:
    """feature -> the features its models, forms and services import."""
    graph = defaultdict(set)
    for feature in FEATURES:
        for module in (CIRCLE / feature).glob("*.py"):
            if not _is_page_layer(module):
                graph[feature] |= _imported_features(module) - {feature}
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return path[path.index(target) :] + [target]
            if target not in state and (cycle := visit(target, [*path, target])):
                return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_no_import_cycle_between_feature_packages():
    graph = feature_graph()
    assert _find_cycle(graph) is None, " -> ".join(_find_cycle(graph))
    # A sample of the intended direction (docs/architecture.md).
    assert "boards" not in graph["meetings"] and "threads" not in graph["cases"]


def test_the_cycle_finder_finds_cycles():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_each_package_imports_on_its_own():
    """Every module of a package in a fresh interpreter, one package at a time."""
    processes = {}
    for package in [*FEATURES, "permissions"]:
        modules = sorted(
            f"circle.{package}" + ("" if p.stem == "__init__" else f".{p.stem}")
            for p in (CIRCLE / package).glob("*.py")
        )
        code = f"import importlib\nfor m in {modules!r}: importlib.import_module(m)"
        processes[package] = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    failures = {}
    for package, process in processes.items():
        output, _ = process.communicate(timeout=120)
        if process.returncode != 0:
            failures[package] = output.strip().splitlines()[-1]
    assert failures == {}


def test_no_module_is_over_400_lines():
    long = {
        str(path.relative_to(ROOT)): count
        for path in CIRCLE.rglob("*.py")
        if path.name not in LONG_ALLOWED
        and (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_views_leave_the_transaction_to_perform():
    """No view commits or rolls back by hand: perform() is the one transaction."""
    hand_written = {
        str(path.relative_to(ROOT)): marker
        for path in CIRCLE.rglob("*views.py")
        for marker in ("db.session.rollback()", "db.session.commit()")
        if marker in path.read_text()
    }
    assert hand_written == {}

"""The package graph of app/ has one direction: no cycle, and no import hidden in a function to dodge one.

Nodes are the top-level packages and modules of app/ (`app/goals/…` → goals, `app/cli.py` → cli); the base
layer every package may use (common, config, extensions, errors) is left out, as is the root `app` package
(create_app, which imports everything).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
BASE = {"common", "config", "extensions", "errors"}


def _node(path: Path) -> str | None:
    parts = path.relative_to(APP).with_suffix("").parts
    return None if parts == ("__init__",) else parts[0]


def _target(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "app" and len(parts) > 1 else None


def _imports(tree: ast.Module) -> list[tuple[ast.AST, str, bool]]:
    """(node, imported app package, inside a function?) for every import of app.* in the module."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                if child.module == "app":
                    found.extend((child, alias.name, in_function) for alias in child.names)
                elif (target := _target(child.module)) is not None:
                    found.append((child, target, in_function))
            elif isinstance(child, ast.Import):
                found.extend((child, t, in_function) for a in child.names if (t := _target(a.name)) is not None)
            visit(child, nested)

    visit(tree, False)
    return found


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    local: list[str] = []
    for path in sorted(APP.rglob("*.py")):
        source = _node(path)
        if source is None:
            continue
        for node, target, in_function in _imports(ast.parse(path.read_text(), str(path))):
            if in_function and target != source:
                local.append(f"{path.relative_to(APP.parent)}:{node.lineno} imports app.{target} inside a function")
            if source in BASE or target in BASE or target == source:
                continue
            edges[source].add(target)
    return edges, local


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(set(edges) | {w for targets in edges.values() for w in targets}):
        if v not in index:
            connect(v)
    return found


def test_the_package_graph_has_no_cycle():
    edges, _local = _graph()
    cycles = _cycles(edges)
    detail = {" ↔ ".join(c): {v: sorted(edges[v] & set(c)) for v in c} for c in cycles}
    assert cycles == [], detail


def test_no_app_package_is_imported_inside_a_function():
    _edges, local = _graph()
    assert local == []


def test_the_checker_sees_a_cycle_and_a_hidden_import():
    """The two checks above would fail on the shapes they guard against."""
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    tree = ast.parse("def f():\n    from app.teams import jobs\n")
    assert [(target, inside) for _n, target, inside in _imports(tree)] == [("teams", True)]


def test_the_domains_sit_between_interfaces_and_delivery():
    """DESIGN.md's layers: delivery and events import no domain; domains import no interface."""
    edges, _local = _graph()
    domains = {"auth", "goals", "habits", "teams", "calendar"}
    interfaces = {"bot", "admin", "health", "realtime", "cli", "demo", "wiring"}
    assert not edges.get("notify", set()) & (domains - {"auth"}), edges.get("notify")
    assert not edges.get("events", set()), edges.get("events")
    for domain in domains:
        assert not edges.get(domain, set()) & interfaces, (domain, edges.get(domain))

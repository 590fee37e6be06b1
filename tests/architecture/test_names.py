"""Names follow one convention each (docs/architecture.md, "Conventions")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
DOMAINS = ("auth", "calendar", "goals", "habits", "teams")
INPUT_SUFFIXES = ("CreateSchema", "UpdateSchema", "WriteSchema", "QuerySchema")


def _defs(path: Path) -> list[ast.AST]:
    return [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.FunctionDef | ast.ClassDef)]


def test_no_http_word_in_a_domain_function_name():
    offending = [
        f"{path.relative_to(APP.parent)}:{node.name}"
        for domain in DOMAINS
        for path in sorted((APP / domain).glob("*.py"))
        if path.name != "routes.py"
        for node in _defs(path)
        if isinstance(node, ast.FunctionDef) and re.search(r"_or_[45]\d\d$|_40[0-9]_|http", node.name)
    ]
    assert not offending, f"lookups are get_<noun> raising NotFound: {offending}"


def test_input_schemas_are_named_for_what_they_read():
    """A schema named like an input (In, Input, Patch, Body) uses the one set of suffixes instead."""
    offending = [
        f"{path.relative_to(APP.parent)}:{node.name}"
        for path in sorted(APP.rglob("*.py"))
        for node in _defs(path)
        if isinstance(node, ast.ClassDef)
        and node.name.endswith("Schema")
        and re.search(r"(In|Input|Patch|Body|Put|Post)Schema$", node.name)
    ]
    assert not offending, f"use one of {INPUT_SUFFIXES}: {offending}"

"""The layering of STYLE.md, checked: domain code does not speak HTTP."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "peeredu"
# The only modules that may import Flask and its form libraries.
WEB_LAYER = {"web", "extensions.py", "cli", "__init__.py", "__main__.py", "config.py"}
HTTP_PACKAGES = (
    "flask",
    "flask_login",
    "flask_wtf",
    "flask_babel",
    "flask_mail",
    "wtforms",
    "werkzeug",
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_modules_do_not_import_web_libraries():
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in WEB_LAYER:
            continue
        bad = _imports(path) & set(HTTP_PACKAGES)
        if bad:
            offenders[str(relative)] = sorted(bad)
    assert offenders == {}


def test_no_function_level_imports():
    """Imports at the top only: no hiding import cycles inside functions (STYLE.md, 10)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def _calls_named(tree: ast.AST, name: str) -> list[int]:
    """Lines calling ``<something>.name(...)``, except on a savepoint (a nested transaction
    that a view may roll back without ending the request's own)."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == name
        and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "savepoint")
    ]


def test_views_commit_only_through_the_lifecycle():
    """One request lifecycle (web/lifecycle.py): no view commits or rolls back by hand."""
    offenders = []
    for path in (PACKAGE / "web").rglob("*.py"):
        if path.name == "lifecycle.py":
            continue
        tree = ast.parse(path.read_text())
        for name in ("commit", "rollback"):
            offenders += [
                f"{path.relative_to(PACKAGE)}:{line} {name}" for line in _calls_named(tree, name)
            ]
    assert offenders == []

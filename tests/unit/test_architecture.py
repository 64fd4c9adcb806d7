"""The layering of STYLE.md, checked: domain code does not speak HTTP."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "peeredu"
# The only modules that may import Flask and its form libraries, and the web layer itself;
# everything else in the package is domain code.
WEB_LAYER = {"web", "extensions.py", "cli", "__init__.py", "__main__.py", "config.py"}
# The web layer's own modules: domain code is what they call, never what calls them.
WEB_MODULES = ("peeredu.web", "peeredu.extensions")
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


def _domain_modules() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] not in WEB_LAYER
    ]


def _imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, in full (relative imports resolved), with its names.

    ``from peeredu import web`` yields both ``peeredu`` and ``peeredu.web``.
    """
    # The package a relative import starts from (for __init__.py too: its own folder).
    package = path.relative_to(PACKAGE.parent).parts[:-1]
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join([*base, *([node.module] if node.module else [])])
            modules.add(module)
            modules.update(f"{module}.{alias.name}" for alias in node.names)
    return modules


def test_domain_modules_do_not_import_web_libraries():
    offenders = {}
    for path in _domain_modules():
        bad = _imports(path) & set(HTTP_PACKAGES)
        if bad:
            offenders[str(path.relative_to(PACKAGE))] = sorted(bad)
    assert offenders == {}


def test_domain_modules_do_not_import_the_web_layer():
    """Domain code is called by the views and the CLI, never the other way round (STYLE.md)."""
    offenders = {}
    for path in _domain_modules():
        bad = {
            module
            for module in _imported_modules(path)
            for web in WEB_MODULES
            if module == web or module.startswith(web + ".")
        }
        if bad:
            offenders[str(path.relative_to(PACKAGE))] = sorted(bad)
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

"""Every template peeredu has and renders is under ``peeredu/``, so a host app's can't meet it.

A host app's ``templates/auth/login.html`` would otherwise replace peeredu's login page (Flask
looks in the app's folder before a blueprint's), and one of peeredu's would replace the host's.
Checked in the sources: the names given to ``render_template`` (or any ``.html``/``.txt`` name
in the package), and the names templates include, extend and import.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PACKAGE = ROOT / "peeredu"
PREFIX = "peeredu/"
TEMPLATE_NAME = (".html", ".txt")


def names_in_python(source: str) -> list[str]:
    """Template names in a module: string constants ending in .html or .txt, and what is given
    to ``render_template`` first (an f-string by its literal start)."""
    tree = ast.parse(source)
    pieces = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
    }
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in pieces
        ):
            if node.value.endswith(TEMPLATE_NAME) and " " not in node.value:
                found.append(node.value)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "render_template":
            first = node.args[0] if node.args else None
            if isinstance(first, ast.JoinedStr):
                head = first.values[0] if first.values else None
                found.append(head.value if isinstance(head, ast.Constant) else "{...}")
            elif not isinstance(first, ast.Constant | ast.Name):
                # A name is a parameter, given one of the constants above.
                found.append(ast.unparse(first) if first else "")
    return found


def names_in_template(source: str) -> list[str]:
    """The names a template includes, extends or imports (a computed name by its first part)."""
    found = []
    for node in (
        Environment(extensions=["jinja2.ext.i18n"])
        .parse(source)
        .find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport))
    ):
        name = node.template
        while isinstance(name, nodes.Concat | nodes.Add):
            name = name.nodes[0] if isinstance(name, nodes.Concat) else name.left
        found.append(name.value if isinstance(name, nodes.Const) else "{...}")
    return found


def test_every_template_file_is_under_the_peeredu_folder() -> None:
    outside = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*")
        if path.is_file() and not path.relative_to(TEMPLATES).as_posix().startswith(PREFIX)
    ]
    assert outside == []
    assert len(list((TEMPLATES / "peeredu").rglob("*.html"))) > 40


def outside_peeredu(files: list[Path], names: Callable[[str], list[str]]) -> dict[str, list]:
    """Per file, the template names it uses that are not under ``peeredu/``."""
    found = {}
    for path in files:
        outside = [n for n in names(path.read_text(encoding="utf-8")) if not n.startswith(PREFIX)]
        if outside:
            found[str(path.relative_to(ROOT))] = outside
    return found


def test_the_package_renders_only_templates_under_peeredu() -> None:
    assert outside_peeredu(sorted(PACKAGE.rglob("*.py")), names_in_python) == {}


def test_templates_include_extend_and_import_only_templates_under_peeredu() -> None:
    files = sorted(path for path in TEMPLATES.rglob("*") if path.is_file())
    assert outside_peeredu(files, names_in_template) == {}


def test_the_checks_find_names_outside_peeredu() -> None:
    python = (
        'render_template("auth/login.html")\nrender_template(f"email/{t}.txt")\n'
        "render_template(name)\nrender_template(names[0])\nPAGE = 'peeredu/home/index.html'\n"
    )
    assert sorted(names_in_python(python)) == [
        "auth/login.html",
        "email/",
        "names[0]",
        "peeredu/home/index.html",
    ]
    template = (
        '{% extends "layout/base.html" %}{% from "peeredu/layout/forms.html" import field %}'
        '{% import "x.html" as x %}{% block b %}{% include "pages/p_" ~ language ~ ".html" %}'
        "{% endblock %}"
    )
    assert sorted(names_in_template(template)) == [
        "layout/base.html",
        "pages/p_",
        "peeredu/layout/forms.html",
        "x.html",
    ]

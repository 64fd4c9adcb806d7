"""Every text meant for people goes through the catalogs.

Templates are read with Jinja's own lexer: literal text between the tags (not inside
``{{ }}``, ``{% %}`` or comments, not inside an HTML tag) that holds letters must be a brand
name on the allow-list, or sit in a per-language prose partial (``*_da.html``/``*_en.html``).
Attributes that people read (``aria-label``, ``title``, ``alt``, ``placeholder``) are checked
too. In Python, ``flash()`` and the domain's errors must be given a wrapped msgid (``_``,
``_l``, ``gettext``, ``N_``...), never a bare string.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates" / "peeredu"
PACKAGE = ROOT / "peeredu"

# Names, not words: they read the same in both languages.
ALLOWED = {"Skolen for Recovery", "Region Hovedstaden", "Peer", "CSV", "XLSX", "PDF", "API"}
READ_ATTRIBUTES = re.compile(r"""\b(aria-label|title|alt|placeholder)\s*=\s*["']([^"'{]*)""")
TAG = re.compile(r"<[^>]*>", re.DOTALL)
CODE = re.compile(r"<(pre|code)\b.*?</\1>", re.DOTALL)  # commands and code samples
ENTITY = re.compile(r"&[#\w]+;")
HOLE = "\x00"  # where Jinja code was; text around it is checked piece by piece
WRAPPERS = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "N_", "lazy_ngettext"}
ERRORS = {"DomainError", "NotFound", "DraftConflict", "AlreadySubmitted", "ReviewConflict"}


def per_language(path: Path) -> bool:
    return path.stem.endswith(("_da", "_en"))


def literal_text(source: str) -> list[str]:
    """The pieces of literal text a person would read, with Jinja code taken out."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    flat = "".join(
        value if token == "data" else HOLE
        for _, token, value in env.lex(source)
        if token == "data" or token.endswith("_begin")
    )
    readable = [value for _, value in READ_ATTRIBUTES.findall(flat)]
    text = ENTITY.sub(" ", TAG.sub(HOLE, CODE.sub(HOLE, flat)))
    pieces = [piece.strip() for piece in re.split(f"[{HOLE}\n·|]", text)]
    return [p for p in readable + pieces if re.search(r"[^\W\d_]", p)]


def untranslated(path: Path) -> list[str]:
    return [
        piece
        for piece in literal_text(path.read_text(encoding="utf-8"))
        if piece.strip(" .,:;·()") not in ALLOWED
    ]


def test_templates_have_no_literal_text_outside_the_catalogs() -> None:
    found = {
        str(path.relative_to(ROOT)): pieces
        for path in sorted(TEMPLATES.rglob("*"))
        if path.is_file() and path.suffix in {".html", ".txt"} and not per_language(path)
        if (pieces := untranslated(path))
    }
    assert not found, f"wrap these in {{{{ _('...') }}}}: {found}"


def test_the_template_check_catches_literal_text(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '{# a comment #}<p class="x">{{ _("Fine") }} Gem kladde</p>'
        '<button aria-label="Luk">{{ icon }}</button><p>Skolen for Recovery</p>',
        encoding="utf-8",
    )
    assert untranslated(page) == ["Luk", "Gem kladde"]


def _wrapped(node: ast.expr) -> bool:
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        return name in WRAPPERS or name is None or name not in {"str", "format"}
    return not isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp)


def domain_errors(tree: ast.AST) -> set[str]:
    """The domain error classes a module uses (werkzeug's NotFound is not one: the JSON API
    answers programs, in English)."""
    imported_elsewhere = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and not (node.module or "").startswith("peeredu")
        for alias in node.names
    }
    return ERRORS - imported_elsewhere


def bare_messages(tree: ast.AST) -> list[int]:
    checked = {"flash"} | domain_errors(tree)
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in checked and not _wrapped(node.args[0]):
            lines.append(node.lineno)
    return lines


def test_flash_messages_and_domain_errors_are_wrapped_for_translation() -> None:
    found = {
        str(path.relative_to(ROOT)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := bare_messages(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert not found, f"wrap these messages in _() or N_(): {found}"


def test_the_python_check_catches_a_bare_message() -> None:
    source = (
        'flash(_("Saved."))\nflash("Gemt.")\nraise DomainError(N_("No."))\n'
        'raise NotFound(f"Ikke fundet {x}")\n'
    )
    assert bare_messages(ast.parse(source)) == [2, 4]

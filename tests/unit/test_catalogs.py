"""Every string meant for users is in the catalogs, and Danish translates all of them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "peeredu" / "translations"


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def _strings_in_code() -> set[str]:
    """What `make i18n-extract` would extract, with the same mapping and keywords."""
    with (TRANSLATIONS / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "_l": None}
    found: set[str] = set()
    for folder in ("peeredu", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map, options_map, keywords=keywords
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_danish_catalog_covers_every_string_in_the_code():
    in_code = _strings_in_code()
    assert len(in_code) > 100
    with (TRANSLATIONS / "da" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        danish = read_po(po)
    missing = sorted(in_code - _ids(danish))
    assert missing == [], "run `make i18n-update` and translate these"
    untranslated = sorted(
        m.id
        for m in danish
        if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
    )
    assert untranslated == []
    fuzzy = sorted(m.id for m in danish if m.id and m.fuzzy)
    assert fuzzy == []


# -- One word per idea, one kind of quotation mark --------------------------------------------

GLOSSARY = TRANSLATIONS / "glossary.toml"
DANISH_PAGES = sorted((ROOT / "templates" / "peeredu" / "pages").glob("*_da.html"))


def _danish_texts() -> list[tuple[str, str]]:
    """(where, Danish text) for every msgstr and every Danish page."""
    with (TRANSLATIONS / "da" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        danish = read_po(po)
    texts = []
    for message in danish:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        # Without placeholders and `commands`: %(email)s is a name in the code, not a word.
        texts += [(f"msgstr of {msgid!r}", re.sub(r"%\(\w+\)\w|`[^`]*`", "", t)) for t in strings]
    for page in DANISH_PAGES:
        # The page's own words, not its Jinja or its tags' attributes.
        text = re.sub(r"\{[{%#].*?[}%#]\}|<[^>]+>", " ", page.read_text(), flags=re.S)
        texts.append((page.name, text))
    return texts


def _forbidden() -> list[tuple[str, re.Pattern[str]]]:
    terms = tomllib.loads(GLOSSARY.read_text())["term"]
    found = []
    for term in terms:
        for stem in term.get("forbidden", []):
            found.append((term["da"], re.compile(rf"(?<![\w-]){re.escape(stem)}", re.I)))
        for word in term.get("forbidden_words", []):
            found.append((term["da"], re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.I)))
    return found


def test_the_glossary_gives_each_idea_one_danish_word():
    terms = tomllib.loads(GLOSSARY.read_text())["term"]
    assert len(terms) >= 15
    assert all(term["idea"] and term["en"] and term["da"] for term in terms)
    words = [term["da"] for term in terms]
    assert len(words) == len(set(words)), "an idea listed twice"


def test_danish_uses_the_glossarys_words_only():
    forbidden = _forbidden()
    misuses = [
        f"{where}: {match.group(0)!r}, use {word!r}"
        for where, text in _danish_texts()
        for word, pattern in forbidden
        for match in pattern.finditer(text)
    ]
    assert misuses == []


# A quotation mark other than » «: curly or low double quotes, straight double quotes, and a
# single quote that does not sit inside a word (an apostrophe, as in "API'et", does).
OTHER_QUOTES = re.compile(r"[“”„\"‘’]|(?<!\w)'|'(?!\w)")


def test_danish_quotes_with_guillemets():
    others = [
        f"{where}: {text!r}"
        for where, text in _danish_texts()
        if not where.endswith(".html") and OTHER_QUOTES.search(text)
    ]
    others += [
        f"{page.name}: {quote}"
        for page in DANISH_PAGES
        for quote in re.findall(r"[“”„‘’]", page.read_text())
    ]
    assert others == []

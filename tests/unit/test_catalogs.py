"""Every string meant for users is in the catalogs, and Danish translates all of them."""

from __future__ import annotations

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

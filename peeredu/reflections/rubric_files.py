"""The blocks of assessment files: ``[[criteria]]`` and ``[[fields]]``, and ``rubric.toml``.

Each reader reports every problem it finds (see peeredu.content_files) and returns None when
any block is wrong, so that no half-read rubric or field list is ever used.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, TypeVar

from peeredu.content_files import SLUG_PATTERN, ProblemList, Table, parse_toml, read_text
from peeredu.reflections.definitions import Criterion, GuidedField

RUBRIC_FILE = "rubric.toml"
# Keys of guided fields and criteria name stored answers and reviews: short and stable.
KEY_MAX_LENGTH = 40
RUBRIC_KEYS = ("criteria",)
FIELD_KEYS = ("key", "label", "help")
CRITERION_KEYS = ("key", "title", "for_learner", "for_teacher")

T = TypeVar("T")


def _blocks(table: Table, key: str, what: str) -> list[Mapping[str, Any]] | None:
    value = table.data[key]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        table.error(key, f"must be [[{table.name(key)}]] blocks, one per {what}")
        return None
    return value


def _key(block: Table) -> str | None:
    value = block.text("key")
    if value is None:
        return None
    if not SLUG_PATTERN.match(value) or len(value) > KEY_MAX_LENGTH:
        block.error(
            "key",
            f'"{value}" is not a valid key: use at most {KEY_MAX_LENGTH} characters, only '
            "a-z, 0-9 and single hyphens between words (write æ ø å as ae oe aa)",
        )
        return None
    return value


def _check_unique_key(
    block: Table, key: str | None, first_of: dict[str, int], position: int, what: str
) -> None:
    if key is None:
        return
    first = first_of.setdefault(key, position)
    if first != position:
        block.error(
            "key",
            f'"{key}" is also the key of {what}[{first}]; each needs its own key',
        )


def _read_keyed_blocks(
    table: Table,
    name: str,
    *,
    what: str,
    allowed: Collection[str],
    build: Callable[[Table, str | None], T | None],
    empty: str | None = None,
) -> tuple[T, ...] | None:
    """The ``[[name]]`` blocks of ``table``, each with its own ``key``, built by ``build``
    (which reads the rest of a block and returns None if it cannot); None if any is wrong.
    ``empty``: the error for a list of no blocks (None: no blocks is fine)."""
    blocks = _blocks(table, name, what)
    if blocks is None:
        return None
    if not blocks and empty is not None:
        table.error(name, empty)
        return None
    items: list[T] = []
    first_of: dict[str, int] = {}
    failed = False
    for position, raw in enumerate(blocks, start=1):
        block = Table(table.problems, table.file, raw, f"{name}[{position}].")
        block.reject_unknown_keys(allowed)
        key = _key(block)
        _check_unique_key(block, key, first_of, position, name)
        item = build(block, key)
        if block.failed or item is None:
            failed = True
            continue
        items.append(item)
    if failed:
        table.failed = True
        return None
    return tuple(items)


def _criterion(block: Table, key: str | None) -> Criterion | None:
    title = block.text("title")
    for_learner = block.markdown("for_learner")
    for_teacher = block.markdown("for_teacher")
    if key is None or title is None or for_learner is None or for_teacher is None:
        return None
    return Criterion(key, title.strip(), for_learner, for_teacher)


def _field(block: Table, key: str | None) -> GuidedField | None:
    label = block.text("label")
    help_text = block.text("help", required=False)
    if key is None or label is None:
        return None
    return GuidedField(key, label.strip(), (help_text or "").strip())


def read_criteria(table: Table, *, required: bool) -> tuple[Criterion, ...] | None:
    """The [[criteria]] blocks of ``table``; None if absent or if any is wrong."""
    if "criteria" not in table.data:
        if required:
            table.error("criteria", "is missing: write one [[criteria]] block per criterion")
        return None
    return _read_keyed_blocks(
        table,
        "criteria",
        what="criterion",
        allowed=CRITERION_KEYS,
        build=_criterion,
        empty="lists no criteria; write one [[criteria]] block per criterion",
    )


def read_fields(table: Table) -> tuple[GuidedField, ...] | None:
    """The guided fields of ``table``: () for free text, None if any is wrong."""
    if "fields" not in table.data:
        return ()
    return _read_keyed_blocks(
        table, "fields", what="guided field", allowed=FIELD_KEYS, build=_field
    )


def read_toml(path: Path, file: str, problems: ProblemList) -> dict[str, Any] | None:
    text = read_text(path, file, problems)
    return None if text is None else parse_toml(text, file, "", 1, problems)


def read_rubric(root: Path, problems: ProblemList) -> tuple[Criterion, ...] | None:
    path = root / RUBRIC_FILE
    if not path.is_file():
        problems.error(RUBRIC_FILE, "", f"not found in {root}; the default rubric is required")
        return None
    data = read_toml(path, RUBRIC_FILE, problems)
    if data is None:
        return None
    table = Table(problems, RUBRIC_FILE, data)
    table.reject_unknown_keys(RUBRIC_KEYS)
    criteria = read_criteria(table, required=True)
    return None if table.failed else criteria

"""Reading content files that teachers edit: problems, typed TOML tables, slugs, markup.

Shared by the curriculum and assessments loaders, so the same mistake gets the same message
in both folders. Nothing here knows about courses or assignments.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import markdown

from peeredu.curriculum.content import Problem
from peeredu.markup import ALLOWED_TAGS, render_markdown

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Learner state keys on the slug: module_completions.module_slug is VARCHAR(100).
SLUG_MAX_LENGTH = 100
# What to do instead of Markdown that makes a tag the sanitiser removes.
TAG_ADVICE = {
    "h1": 'use "##" and "###" for headings',
    "h5": 'use "##" to "####" for headings',
    "h6": 'use "##" to "####" for headings',
    "img": "images are not shown",
}


class ProblemList:
    def __init__(self) -> None:
        self.found: list[Problem] = []
        self.errors = 0

    def error(self, file: str, field_name: str, message: str) -> None:
        self.found.append(Problem(file, field_name, message))
        self.errors += 1

    def warn(self, file: str, field_name: str, message: str) -> None:
        self.found.append(Problem(file, field_name, message, warning=True))

    def sorted(self, first: str = "") -> list[Problem]:
        """Grouped by file, ``first`` first; within a file, in the order they were found."""
        return sorted(self.found, key=lambda p: (p.file != first, p.file))


K = TypeVar("K", bound=Hashable)
F = TypeVar("F")


def first_holder(holders: dict[K, F], key: K | None, found: F) -> F | None:
    """What held ``key`` before ``found`` (a clash to report), or None: then ``found`` holds
    it now, unless ``key`` is None (unreadable: nothing to hold)."""
    if key is None:
        return None
    first = holders.setdefault(key, found)
    return None if first is found else first


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f'text ("{value[:30]}{"..." if len(value) > 30 else ""}")'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


def suggestion(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


class Table:
    """Typed reads from one TOML table. A bad field is reported once and reads as None."""

    def __init__(
        self, problems: ProblemList, file: str, data: Mapping[str, Any], prefix: str = ""
    ) -> None:
        self.problems = problems
        self.file = file
        self.data = data
        self.prefix = prefix
        self.failed = False

    def name(self, key: str) -> str:
        return self.prefix + key

    def error(self, key: str, message: str) -> None:
        self.failed = True
        self.problems.error(self.file, self.name(key), message)

    def warn(self, key: str, message: str) -> None:
        self.problems.warn(self.file, self.name(key), message)

    def reject_unknown_keys(self, allowed: Iterable[str]) -> None:
        allowed = tuple(allowed)
        for key in self.data:
            if key not in allowed:
                # Catches typos such as "prerequisite", which would otherwise be ignored.
                self.error(key, "unknown field" + suggestion(key, allowed))

    def _present(self, key: str, required: bool) -> bool:
        if key in self.data:
            return True
        if required:
            self.error(key, "is missing")
        return False

    def text(self, key: str, *, required: bool = True) -> str | None:
        if not self._present(key, required):
            return None
        value = self.data[key]
        if not isinstance(value, str):
            self.error(key, f"must be text in quotes, not {describe(value)}")
            return None
        if not value.strip():
            self.error(key, "is empty")
            return None
        return value

    def slug(self, key: str) -> str | None:
        value = self.text(key)
        if value is not None and not valid_slug(value):
            self.error(key, slug_rule(value))
            return None
        return value

    def integer(
        self, key: str, low: int, high: int | None = None, *, at_most: int | None = None
    ) -> int | None:
        """A whole number from ``low`` to ``high``; ``at_most`` bounds what has no natural limit."""
        if not self._present(key, True):
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"must be a whole number, not {describe(value)}")
            return None
        if value < low or (high is not None and value > high):
            limits = f"from {low} to {high}" if high is not None else f"{low} or more"
            self.error(key, f"must be {limits}, not {value}")
            return None
        if at_most is not None and value > at_most:
            self.error(key, f"must be at most {at_most}, not {value}")
            return None
        return value

    def number(self, key: str, at_most: float) -> float | None:
        if not self._present(key, True):
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(key, f"must be a number, not {describe(value)}")
            return None
        # TOML allows inf and nan.
        if not math.isfinite(value) or value <= 0:
            self.error(key, f"must be a number above 0, not {value}")
            return None
        if value > at_most:
            self.error(key, f"must be at most {at_most:g}, not {value:g}")
            return None
        return float(value)

    def text_list(self, key: str, *, required: bool = True) -> tuple[str, ...] | None:
        if not self._present(key, required):
            return None if required else ()
        value = self.data[key]
        if not isinstance(value, list):
            self.error(key, f'must be a list of texts, like ["a", "b"], not {describe(value)}')
            return None
        for position, item in enumerate(value, start=1):
            if not isinstance(item, str) or not item.strip():
                what = describe(item) if not isinstance(item, str) else "empty text"
                self.error(key, f"item {position} must be text in quotes, not {what}")
                return None
        return tuple(value)

    def table(self, key: str, *, required: bool = True) -> Mapping[str, Any] | None:
        if not self._present(key, required):
            return None if required else {}
        value = self.data[key]
        if not isinstance(value, dict):
            self.error(key, f"must be a table ([{self.name(key)}]), not {describe(value)}")
            return None
        return value

    def markdown(self, key: str, *, required: bool = True) -> str | None:
        value = self.text(key, required=required)
        return None if value is None else self.render(key, value)

    def render(self, key: str, text: str) -> str | None:
        try:
            html = render_markdown(text)
        except ValueError as error:
            self.error(key, str(error))
            return None
        for warning in stripped_markup(text):
            self.warn(key, warning)
        return html


def valid_slug(value: str) -> bool:
    return bool(SLUG_PATTERN.match(value)) and len(value) <= SLUG_MAX_LENGTH


def slug_rule(value: str) -> str:
    if len(value) > SLUG_MAX_LENGTH:
        return f"is {len(value)} characters long; a slug has at most {SLUG_MAX_LENGTH}"
    return (
        f'"{value}" is not a valid slug: use only a-z, 0-9 and single hyphens between '
        "words (write æ ø å as ae oe aa)"
    )


def stripped_markup(text: str) -> list[str]:
    """Warnings for what the sanitiser will silently remove from ``text``'s HTML.

    Rendered again without the sanitiser (with peeredu.markup's Markdown settings), because
    only the renderer knows which ``<`` started raw HTML and which was in a code span.
    """
    converter = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    html = converter.convert(text)
    # Entities (&amp;) are stashed alongside raw HTML; they are harmless.
    raw = [
        block.strip()
        for block in converter.htmlStash.rawHtmlBlocks
        if isinstance(block, str) and block.lstrip().startswith("<")
    ]
    warnings: list[str] = []
    if raw:
        sample = raw[0] if len(raw[0]) <= 40 else raw[0][:37] + "..."
        warnings.append(
            f"contains raw HTML ({sample}); its tags are stripped when the text "
            "is shown, so write Markdown instead"
        )
    raw_tags = {tag.lower() for block in raw for tag in re.findall(r"</?([A-Za-z]\w*)", block)}
    made = {tag.lower() for tag in re.findall(r"<([A-Za-z]\w*)", html)}
    for tag in sorted(made - raw_tags - ALLOWED_TAGS):
        advice = TAG_ADVICE.get(tag, "that Markdown is not allowed here")
        warnings.append(f"makes <{tag}>, which is stripped when the text is shown: {advice}")
    return warnings


# -- Files ---------------------------------------------------------------------------------


def read_text(path: Path, file: str, problems: ProblemList) -> str | None:
    try:
        # utf-8-sig: Windows editors may save a byte-order mark; it is not content.
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        problems.error(
            file,
            "",
            f"is not UTF-8 text (byte {error.start + 1} is not valid); save it with UTF-8 encoding",
        )
    except OSError as error:
        problems.error(file, "", f"cannot be read: {error.strerror}")
    return None


def parse_toml(
    text: str, file: str, field_name: str, first_line: int, problems: ProblemList
) -> dict[str, Any] | None:
    """``text`` as TOML; ``first_line`` is its line in the file, so errors point there."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = re.sub(
            r"\(at line (\d+), column (\d+)\)",
            lambda m: f"(at line {int(m[1]) + first_line - 1}, column {m[2]})",
            str(error),
        )
        problems.error(file, field_name, f"invalid TOML: {message}")
        return None

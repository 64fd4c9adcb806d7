"""The one way text becomes HTML: Markdown, then nh3 with a small allow-list.

Python-Markdown passes ``javascript:`` links, raw HTML and ``data:`` URLs straight through
(its maintainers leave sanitising to the caller), so every rendering goes through nh3 here,
for course content and learner text alike. Render when text is saved or loaded, not per request.

Python-Markdown's cost grows with the square of some inputs (an unclosed ``[`` or ``<a`` makes
it scan the rest of the paragraph, once per bracket) and deep nesting exhausts the recursion
limit. So ``render_markdown`` first estimates the work with one cheap pass and refuses, with
a reason a learner can act on, text that would cost more than a fixed budget (calibrated by
bench/markdown_worst.py: under 100 ms for the worst 100 kB text it accepts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import markdown
import nh3

from peeredu.errors import N_, DomainError

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h2",
        "h3",
        "h4",
        "strong",
        "em",
        "b",
        "i",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "code",
        "pre",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


# The cost model, in nanoseconds of Python-Markdown and nh3 work on this kind of machine; each
# coefficient is the worst seen for its term by bench/markdown_worst.py, which also checks
# that the worst accepted text renders within 100 ms.
BUDGET_NS = 80_000_000  # 80 ms, leaving room for a slower moment of the machine
MAX_CHARS = 120_000  # a reflection (100,000 characters) with its headings fits
MAX_NESTING = 12  # lists and quotes inside each other; Markdown recurses once per level
NS_PER_CHAR = 500  # plain text, end to end
NS_PER_BLOCK = 100_000  # each paragraph, list item, quote or heading
NS_PER_INDENT = 10_000  # each level a list item is indented (nested lists cost more)
NS_PER_MARK = 30_000  # each * _ ` \\ & ! (emphasis, code, escapes, entities, images)
NS_PER_BRACKET = 2_000  # each [ ] ( ) < >
NS_PER_SCAN = 1_000  # each character scanned from an opening [, ]( or <tag to its close
# Each inline match rebuilds its paragraph's text: matches x paragraph length.
NS_PER_REBUILD = 2

_MARKS = re.compile(r"[*_`\\&!]")
_BRACKETS = re.compile(r"[\[\]()<>]")
# What the scan below looks at: brackets, marks, and the blank lines that end a paragraph.
_TOKENS = re.compile(r"[\[\]()>*_`\\&!]|<(?=[A-Za-z/!])|\n[ \t]*\n")
_BLOCK_START = re.compile(r"^[ \t]*(?:[>#|]|[-*+][ \t]|\d{1,9}[.)][ \t])", re.MULTILINE)
_INDENTED_ITEM = re.compile(r"^[ \t]+(?=(?:[-*+]|\d{1,9}[.)])[ \t])", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
# The containers a line opens (quote and list markers), and one of them.
_PREFIX = re.compile(r"^(?:[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])))+", re.MULTILINE)
_CONTAINER = re.compile(r">|[-*+]|\d{1,9}[.)]")


@dataclass(frozen=True)
class Cost:
    """What rendering a text would take, term by term, in estimated nanoseconds."""

    chars: int
    blocks: int
    marks: int
    scans: int
    nesting: int

    @property
    def total(self) -> int:
        return self.chars + self.blocks + self.marks + self.scans


class MarkupRefused(DomainError, ValueError):
    """The text would take the renderer too long (or too deep); nothing was rendered."""

    def __str__(self) -> str:  # as the content checks report any renderer failure
        return f"Markdown could not be rendered: {super().__str__()}"


TOO_LONG = N_(
    "The text is too long to be shown as formatted text (at most %(count)s characters). "
    "Shorten it: your text is still here."
)
TOO_DEEP = N_(
    "The text has too many lists or quotes inside each other (at most %(count)s levels). "
    "Remove some of the - or > at the start of the lines: your text is still here."
)
TOO_MANY_BRACKETS = N_(
    "The text has too many brackets [ ( < in the same paragraph. Split it into more "
    "paragraphs or remove some brackets: your text is still here."
)
TOO_MANY_MARKS = N_(
    "The text has too many formatting characters (* _ ` \\ & !). Remove some of them: your "
    "text is still here."
)
TOO_MANY_BLOCKS = N_(
    "The text has too many paragraphs, list items or quotes. Join some of them: your text "
    "is still here."
)


def _nesting(text: str) -> int:
    return max(
        (len(_CONTAINER.findall(found.group())) for found in _PREFIX.finditer(text)), default=0
    ) + max((len(found.group()) // 4 for found in _INDENTED_ITEM.finditer(text)), default=0)


def _scanned(text: str) -> int:
    """Per paragraph: how far Python-Markdown scans from each ``[``, link ``](`` and ``<tag``
    to its closing bracket (to the end of the paragraph when there is none), plus inline
    matches times the paragraph's length. Both grow with the square of the paragraph."""
    total = 0
    squares: list[int] = []
    parens: list[int] = []
    angles: list[int] = []
    tokens = 0
    start = 0

    def close(end: int) -> int:
        open_ones = sum(end - at for at in (*squares, *parens, *angles))
        for stack in (squares, parens, angles):
            stack.clear()
        return open_ones * NS_PER_SCAN + tokens * (end - start) * NS_PER_REBUILD

    for found in _TOKENS.finditer(text):
        char, position = found.group(), found.start()
        tokens += 1
        if char == "[":
            squares.append(position)
        elif char == "]" and squares:
            total += (position - squares.pop()) * NS_PER_SCAN
        elif char == "(" and position and text[position - 1] == "]":
            parens.append(position)
        elif char == ")" and parens:
            total += (position - parens.pop()) * NS_PER_SCAN
        elif char == "<":
            angles.append(position)
        elif char == ">":
            total += sum(position - at for at in angles) * NS_PER_SCAN
            angles.clear()
        elif char[0] == "\n":
            total += close(position)
            tokens, start = 0, found.end()
    return total + close(len(text))


def estimate(text: str) -> Cost:
    """The renderer's work on ``text``, by the model above, in linear time."""
    blocks = len(_BLANK_LINES.findall(text)) + 1 + len(_BLOCK_START.findall(text))
    indents = sum(len(found.group()) // 4 for found in _INDENTED_ITEM.finditer(text))
    return Cost(
        chars=len(text) * NS_PER_CHAR,
        blocks=blocks * NS_PER_BLOCK + indents * NS_PER_INDENT,
        marks=len(_MARKS.findall(text)) * NS_PER_MARK,
        scans=len(_BRACKETS.findall(text)) * NS_PER_BRACKET,
        nesting=_nesting(text),
    )


def check_renderable(text: str) -> None:
    """Raise MarkupRefused, naming the problem, if ``text`` is beyond the budget.

    The cheap terms (counted by the regex engine) are checked first, so the Python loop over
    brackets and marks only runs on text that has few enough of them.
    """
    if len(text) > MAX_CHARS:
        raise MarkupRefused(TOO_LONG, field="text", count=MAX_CHARS)
    cost = estimate(text)
    if cost.nesting > MAX_NESTING:
        raise MarkupRefused(TOO_DEEP, field="text", count=MAX_NESTING)
    if cost.total <= BUDGET_NS:
        cost = Cost(cost.chars, cost.blocks, cost.marks, cost.scans + _scanned(text), 0)
    if cost.total > BUDGET_NS:
        biggest = max(
            (cost.scans, TOO_MANY_BRACKETS),
            (cost.marks, TOO_MANY_MARKS),
            (cost.blocks, TOO_MANY_BLOCKS),
            (cost.chars, TOO_LONG),
        )
        raise MarkupRefused(biggest[1], field="text", count=MAX_CHARS)


def render_markdown(text: str) -> str:
    """Safe HTML for ``text``. Raises MarkupRefused (a ValueError) for text beyond the
    budget, and ValueError if Markdown cannot render it."""
    check_renderable(text)
    try:
        html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    except Exception as error:  # noqa: BLE001 - any renderer failure is the content's fault
        raise ValueError(f"Markdown could not be rendered: {error}") from error
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )

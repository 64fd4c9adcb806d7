"""The one way text becomes HTML: Markdown, then nh3 with a small allow-list.

Python-Markdown passes ``javascript:`` links, raw HTML and ``data:`` URLs straight through
(its maintainers leave sanitising to the caller), so every rendering goes through nh3 here,
for course content and learner text alike. Render when text is saved or loaded, not per request.
"""

from __future__ import annotations

import markdown
import nh3

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


def render_markdown(text: str) -> str:
    """Safe HTML for ``text``. Raises ValueError if Markdown cannot render it."""
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

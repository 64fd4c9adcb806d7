"""Where a redirect may go when the request names it (``next``, ``back``): our own pages only.

The target is judged as the browser will read it, not as it was sent. Browsers follow the
WHATWG URL standard: they strip leading and trailing C0 controls and spaces, drop every tab
and newline anywhere, and read a backslash as a slash. So ``/\\t/evil.example/`` becomes
``//evil.example/``, another site. A target that needs any of that cleaning is refused, as is
anything but a plain path under the prefix peeredu is mounted at. A refused target falls back
to the default, so no control character ever reaches a ``Location`` header.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import url_for

DOT_SEGMENTS = frozenset({".", ".."})


def _is_control(character: str) -> bool:
    # C0 controls, DEL and C1 controls; a space is refused where a path cannot hold one raw.
    return ord(character) < 0x21 or 0x7F <= ord(character) < 0xA0


def is_own_path(target: str) -> bool:
    """True for a path on our origin, under our URL prefix, that a browser reads as sent."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(_is_control(character) for character in target):
        return False
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return False
    # "/kursus/../admin" leaves the prefix once the browser resolves it ("%2e" counts as ".").
    if any(unquote(segment) in DOT_SEGMENTS for segment in parts.path.split("/")):
        return False
    prefix = url_for("peeredu.home.index").rstrip("/")
    return not prefix or parts.path == prefix or parts.path.startswith(prefix + "/")


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is one of our own paths (see ``is_own_path``), else ``default``."""
    return target if target and is_own_path(target) else default

"""Whole numbers the request sends, in URLs, query strings and forms.

Ids are 32-bit signed integers on PostgreSQL (a larger one is a database error, not "no such
row") and SQLite overflows above 2**63; ``str.isdigit`` accepts "²" and "١", and Werkzeug's
``int`` converter reads "١" as 1. So a number is ASCII digits and at most MAX_ID, or nothing.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request

MAX_ID = 2**31 - 1


def whole_number(raw: str | None, *, maximum: int = MAX_ID) -> int | None:
    """``raw`` as a number from 0 to ``maximum`` if it is written in ASCII digits, else None."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > len(str(maximum)):
        return None
    value = int(raw)
    return value if value <= maximum else None


def id_number(raw: str | int) -> int:
    """An id for a form field's ``coerce``: ValueError (a field error) unless it can be one."""
    value = raw if type(raw) is int else whole_number(str(raw))
    if value is None or not 0 <= value <= MAX_ID:
        raise ValueError(f"not an id: {raw!r}")
    return value


def refuse_impossible_ids(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A URL with an id no row can have (too large, or not in ASCII digits) is a 404.

    Runs for every route of peeredu (a ``url_value_preprocessor`` of the parent blueprint), so
    a route added later is covered. Werkzeug's converter has already turned "١" into 1, so the
    digits are judged by the path: one with an id must be ASCII, as our slugs and tokens are.
    """
    numbers = [value for value in (values or {}).values() if type(value) is int]
    if not numbers:
        return
    if any(value > MAX_ID for value in numbers) or not request.path.isascii():
        abort(404)

"""Errors the domain raises for people to read, and the marker for their translation.

Domain code does not import Flask or Babel; it marks its messages with ``N_`` (so that
``pybabel extract`` finds them) and the web layer or CLI translates them when it shows them.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:  # noqa: N802 - the conventional name of the gettext no-op marker
    """Mark ``message`` for extraction into the catalogs without translating it here."""
    return message


class DomainError(Exception):
    """A request that cannot be carried out; nothing has been changed.

    ``message`` is an untranslated msgid with ``%(name)s`` placeholders filled from
    ``params``; ``field`` names the form field or CLI option it concerns, if any.
    """

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.field = field
        self.params = params


class NotFound(DomainError):
    """The object does not exist, or the acting user may not know that it does."""

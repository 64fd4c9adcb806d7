"""Secret tokens: how they are made and how their digests are kept.

A token is shown once and only its digest is stored, so a copied database opens nothing.
Every stored token hash (API tokens, account links, recovery codes, stashed texts) is this
digest: changing the algorithm or encoding would invalidate them all.
"""

from __future__ import annotations

import hashlib
import secrets


def digest(value: str) -> str:
    """The hex SHA-256 of ``value`` (UTF-8): what is stored in place of a token."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_token(nbytes: int = 32) -> str:
    """A fresh URL-safe random token of ``nbytes`` random bytes."""
    return secrets.token_urlsafe(nbytes)

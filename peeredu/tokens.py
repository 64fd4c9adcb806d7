"""One way to turn a secret (a token, an address) into a key that does not disclose it."""

from __future__ import annotations

import hashlib


def digest(value: str) -> str:
    """The hex SHA-256 of ``value``: a stable key for a secret, which cannot be read back."""
    return hashlib.sha256(value.encode()).hexdigest()

"""Verification codes: short enough to type from paper, with a check character for typos.

Twelve random characters from Crockford's base-32 alphabet (60 bits: not guessable at the
rate /verify allows) and a Luhn mod 32 check character (stdnum.luhn), shown as
``XXXX-XXXX-XXXX-C``. Typing O for 0 or I/L for 1 is forgiven, as Crockford intends.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from stdnum import luhn

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 12
LENGTH = RANDOM_LENGTH + 1
_READING = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code(choose: Callable[[str], str] = secrets.choice) -> str:
    """A fresh code. ``choose`` picks each random character; a seeded one (the benchmark's data
    set) gives the same codes every time, so it is never for certificates that are issued."""
    body = "".join(choose(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + luhn.calc_check_digit(body, alphabet=ALPHABET)


def normalise(typed: str) -> str | None:
    """The code as stored, or None if what was typed cannot be a valid code."""
    code = "".join(typed.split()).replace("-", "").upper().translate(_READING)
    if len(code) != LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code if luhn.is_valid(code, alphabet=ALPHABET) else None


def display(code: str) -> str:
    return f"{code[0:4]}-{code[4:8]}-{code[8:12]}-{code[12:]}"

"""Password hashing (argon2id) and the password rule: long enough and not a common one."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from peeredu.errors import N_

MIN_LENGTH = 10

# OWASP's minimum for argon2id: t=2, m=19 MiB, p=1 (about 27 ms here).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when no account matches, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("peeredu-no-such-account")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn's list of the 30,000 most common passwords, shipped with the package (offline).
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why ``password`` may not be used (an untranslated message), or None if it may.

    No composition rules (NIST SP 800-63B): length, and not a known or guessable password.
    """
    if len(password) < MIN_LENGTH:
        return N_("The password must be at least 10 characters long.")
    lowered = password.lower()
    if lowered in _common_passwords():
        return N_("This password is on the list of commonly used passwords. Choose another.")
    personal = {email.lower(), email.split("@")[0].lower(), name.lower().replace(" ", "")}
    if lowered.replace(" ", "") in personal - {""}:
        return N_("The password must not be your name or email address.")
    if len(set(password)) < 3:
        return N_("The password repeats too few different characters. Choose another.")
    return None

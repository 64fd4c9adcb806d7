"""Password hashing (argon2id) and the password rule: long enough and not a common one.

The cost of new hashes is set once per process by the app factory from the config
(``PASSWORD_HASH_PARAMETERS``): production's by default, the cheapest argon2id in the tests.
A hash records its own parameters, so hashes of any cost verify; signing in rehashes a password
whose hash was made with other parameters than the current ones.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from peeredu.errors import N_

MIN_LENGTH = 10
# Said when a password is too short: the length asked for and the length given (the forms'
# length check says the same, in WTForms' %(min)d/%(length)d placeholders).
TOO_SHORT = N_("The password must be at least %(min)s characters. Yours is %(length)s.")

# OWASP's minimum for argon2id: t=2, m=19 MiB, p=1 (about 27 ms here).
PRODUCTION_PARAMETERS = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}
# The cheapest argon2id (8 KiB per lane): for the test suite only, where thousands of
# passwords are hashed and none protects anything.
TESTING_PARAMETERS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


@cache
def _hasher_for(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verified against when no account matches, so a wrong email costs as long as a wrong
    # password: made with the same parameters as the real hashes.
    return hasher.hash("peeredu-no-such-account")


_hasher = _hasher_for(**PRODUCTION_PARAMETERS)


def use_parameters(parameters: dict[str, Any]) -> None:
    """Hash new passwords with these argon2id parameters from now on (the app factory's call)."""
    global _hasher
    unknown = set(parameters) - set(PRODUCTION_PARAMETERS)
    if unknown:
        raise ValueError(f"unknown argon2 parameters: {', '.join(sorted(unknown))}")
    _hasher = _hasher_for(**{**PRODUCTION_PARAMETERS, **parameters})


def weaker_than_production(parameters: dict[str, Any]) -> bool:
    """Whether these parameters are below OWASP's minimum in time or memory."""
    chosen = {**PRODUCTION_PARAMETERS, **parameters}
    return any(chosen[key] < PRODUCTION_PARAMETERS[key] for key in ("time_cost", "memory_cost"))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _hasher
    try:
        return hasher.verify(password_hash or _dummy_hash(hasher), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn's list of the 30,000 most common passwords, shipped with the package (offline).
    return frozenset(FREQUENCY_LISTS["passwords"])


class PasswordProblem(NamedTuple):
    """Why a password may not be used and what to do instead: an untranslated message and
    its parameters, as a DomainError takes them."""

    message: str
    params: dict[str, Any]

    def __str__(self) -> str:
        return self.message % self.params


def password_problem(password: str, *, email: str = "", name: str = "") -> PasswordProblem | None:
    """Why ``password`` may not be used, with what would do, or None if it may.

    No composition rules (NIST SP 800-63B): length, and not a known or guessable password.
    """
    if len(password) < MIN_LENGTH:
        return PasswordProblem(TOO_SHORT, {"min": MIN_LENGTH, "length": len(password)})
    lowered = password.lower()
    if lowered in _common_passwords():
        return PasswordProblem(
            N_(
                "The password is too easy to guess: it is one of the most used passwords. "
                "Try a sentence of four or more words."
            ),
            {},
        )
    personal = {email.lower(), email.split("@")[0].lower(), name.lower().replace(" ", "")}
    if lowered.replace(" ", "") in personal - {""}:
        return PasswordProblem(
            N_(
                "The password must not be your name or email address. "
                "Try a sentence of four or more words."
            ),
            {},
        )
    if len(set(password)) < 3:
        return PasswordProblem(
            N_(
                "The password repeats the same few characters and is easy to guess. "
                "Try a sentence of four or more words."
            ),
            {},
        )
    return None

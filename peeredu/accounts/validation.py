"""Checking what an admin, the CLI or a person types for an account: addresses, names,
passwords, roles, languages and other choices. Each refusal is a DomainError naming the field.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email

from peeredu.accounts.models import (
    Role,
)
from peeredu.accounts.passwords import (
    hash_password,
    password_problem,
)
from peeredu.errors import N_, DomainError

LOCALES = ("da", "en")
E = TypeVar("E", bound=enum.Enum)


def normalise_email(email: str, *, field: str = "email") -> str:
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise DomainError(
            N_("%(email)s is not a valid email address."), field=field, email=email
        ) from None
    return result.normalized.lower()


def required_text(value: str, field: str, max_length: int) -> str:
    value = " ".join(value.split())
    if not value:
        raise DomainError(N_("This field is required."), field=field)
    if len(value) > max_length:
        raise DomainError(
            N_("At most %(count)s characters, please."), field=field, count=max_length
        )
    return value


def check_new_password(password: str, *, email: str, name: str, field: str = "password") -> str:
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise DomainError(problem.message, field=field, **problem.params)
    return hash_password(password)


def parse_roles(roles: Iterable[Role | str]) -> set[Role]:
    parsed = {
        parse_choice(
            Role,
            role,
            N_("Unknown role. Use one of: %(choices)s."),
            field="roles",
            choices=", ".join(r.value for r in Role),
        )
        for role in roles
    }
    if not parsed:
        raise DomainError(N_("Choose at least one role."), field="roles")
    return parsed


def parse_choice(kind: type[E], value: E | str, message: str, *, field: str, **params: Any) -> E:
    """``value`` as a member of the enum ``kind``; else DomainError(message) on ``field``."""
    try:
        return kind(value)
    except ValueError:
        raise DomainError(message, field=field, **params) from None


def parse_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise DomainError(
            N_("Unknown language. Use one of: %(choices)s."),
            field="locale",
            choices=", ".join(LOCALES),
        )
    return locale

"""What every ``peeredu`` command keeps to: all it was asked or nothing, and a failure on one line.

A command commits once, at the end (``transaction``). Whatever stops it, a bad argument that
click finds, a ``DomainError`` from a service or a check of the command's own, is reported as
one line naming the option or argument to fix, with exit status 1 (``refusal``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from peeredu.accounts import users
from peeredu.accounts.models import User
from peeredu.errors import DomainError
from peeredu.extensions import db


def refusal(message: str, *, option: str = "") -> click.ClickException:
    """The error a command stops with: ``message`` on one line, after the option it names."""
    line = " ".join(message.split())
    return click.ClickException(f"{option}: {line}" if option else line)


@contextmanager
def transaction(option_names: dict[str, str] | None = None) -> Iterator[Any]:
    """Run a command's work as one transaction, reporting domain errors on one line.

    A ``DomainError`` names the service's field; ``option_names`` maps it to the command's
    option where the two differ (``roles`` is given as ``--role``).
    """
    session = db.session
    try:
        yield session
        session.commit()
    except DomainError as error:
        session.rollback()
        option = (option_names or {}).get(error.field or "", error.field)
        raise refusal(
            str(error), option=f"--{option.replace('_', '-')}" if option else ""
        ) from None


def user_by_email(session: Session, email: str, *, option: str) -> User:
    """The user with ``email``, or the refusal naming ``option``."""
    user = users.get_user_by_email(session, email)
    if user is None:
        raise refusal(f"no user has the email address {email}.", option=option)
    return user


def choice(enum_class: type[Any]) -> click.Choice:
    return click.Choice([member.value for member in enum_class])


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class Command(click.Command):
    """A command whose malformed arguments are reported like its other errors.

    Click prints a usage error as a usage line, a hint and the error, with exit status 2; the
    promise above is one line naming the option, with exit status 1, whoever found the fault.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            # Some of click's messages list choices one per line.
            raise refusal(error.format_message()) from None


class Group(AppGroup):
    """A command group whose commands run in the app context and keep to the above."""

    command_class = Command

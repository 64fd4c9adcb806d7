"""Invitation and password-reset links: single-use tokens, stored hashed, that expire.

Like every accounts function: takes the session and the time, validates before it changes
anything, raises DomainError naming the field, flushes but never commits.

A link is used once however many requests bring it at the same moment: the token is marked
used by one conditional UPDATE, which only one transaction can win. Making and revoking a
user's tokens takes the user's row lock first (always before the tokens' rows, so that these
never wait for each other in a circle): two new links asked for at once leave one working.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from peeredu import audit
from peeredu.accounts import enrolments, users, validation
from peeredu.accounts.models import (
    AccountToken,
    Role,
    TokenPurpose,
    User,
)
from peeredu.db import changed_rows, lock
from peeredu.errors import N_, DomainError, NotFound
from peeredu.tokens import digest, new_token


def issue_token(
    session: Session,
    user: User,
    purpose: TokenPurpose,
    *,
    now: datetime,
    max_age: timedelta,
    created_by_id: int | None,
) -> str:
    """A new one-time token; earlier unused tokens of the same purpose stop working."""
    revoke_tokens(session, user, purpose, now=now)
    row, raw = token_row(user.id, purpose, now=now, max_age=max_age, created_by_id=created_by_id)
    session.add(row)
    session.flush()
    return raw


def token_row(
    user_id: int,
    purpose: TokenPurpose,
    *,
    now: datetime,
    max_age: timedelta,
    created_by_id: int | None,
) -> tuple[AccountToken, str]:
    """A new token's row (its digest) and the token itself, for a user with no open token of
    this purpose (``issue_token`` revokes them first; a new account has none)."""
    raw = new_token()
    row = AccountToken(
        user_id=user_id,
        purpose=purpose,
        token_hash=digest(raw),
        created_at=now,
        expires_at=now + max_age,
        created_by_id=created_by_id,
    )
    return row, raw


def revoke_tokens(session: Session, user: User, purpose: TokenPurpose, *, now: datetime) -> int:
    lock(session, user)
    return _revoke(session, user.id, purpose, now=now)


def _revoke(session: Session, user_id: int, purpose: TokenPurpose, *, now: datetime) -> int:
    return changed_rows(
        session,
        update(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.revoked_at.is_(None),
        )
        .values(revoked_at=now),
    )


def find_token(
    session: Session, raw: str, purpose: TokenPurpose, *, now: datetime
) -> AccountToken | None:
    token = session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == digest(raw), AccountToken.purpose == purpose
        )
    )
    if token is None or not token.is_usable(now) or not token.user.active:
        return None
    return token


def _use_token(session: Session, token: AccountToken, *, now: datetime) -> bool:
    """Mark the token used, unless another transaction used or revoked it since it was read."""
    used = changed_rows(
        session,
        update(AccountToken)
        .where(
            AccountToken.id == token.id,
            AccountToken.used_at.is_(None),
            AccountToken.revoked_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now),
    )
    session.refresh(token)
    return used == 1


def latest_invitation(session: Session, user: User) -> AccountToken | None:
    return session.scalar(
        select(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == TokenPurpose.INVITATION)
        .order_by(AccountToken.created_at.desc(), AccountToken.id.desc())
        .limit(1)
    )


def invite(
    session: Session,
    *,
    email: str,
    name: str,
    roles: Iterable[Role | str],
    locale: str,
    enrolment: enrolments.EnrolmentSpec | None,
    actor_id: int,
    now: datetime,
    max_age: timedelta,
) -> tuple[User, str]:
    """Create the account (and the enrolment, for a learner) and an invitation token."""
    parsed_roles = validation.parse_roles(roles)
    if Role.LEARNER in parsed_roles and enrolment is None:
        raise DomainError(
            N_("A learner needs a cohort, a track and an organisation."), field="cohort"
        )
    user = users.create_user(
        session, email=email, name=name, roles=parsed_roles, locale=locale, actor_id=actor_id
    )
    if enrolment is not None:
        enrolments.enrol(session, user, enrolment, actor_id=actor_id)
    token = issue_token(
        session, user, TokenPurpose.INVITATION, now=now, max_age=max_age, created_by_id=actor_id
    )
    audit.record(session, actor_id, "invitation.send", "user", user.id)
    return user, token


def resend_invitation(
    session: Session, user: User, *, actor_id: int, now: datetime, max_age: timedelta
) -> str:
    if user.password_hash is not None:
        raise DomainError(N_("%(name)s has already accepted the invitation."), name=user.name)
    token = issue_token(
        session, user, TokenPurpose.INVITATION, now=now, max_age=max_age, created_by_id=actor_id
    )
    audit.record(session, actor_id, "invitation.resend", "user", user.id)
    return token


def revoke_invitation(session: Session, user: User, *, actor_id: int, now: datetime) -> None:
    if revoke_tokens(session, user, TokenPurpose.INVITATION, now=now) == 0:
        raise DomainError(N_("There is no open invitation to revoke."))
    audit.record(session, actor_id, "invitation.revoke", "user", user.id)


def redeem_token(
    session: Session, raw: str, purpose: TokenPurpose, *, password: str, now: datetime
) -> User:
    """Set the password through an invitation or reset link, which then stops working."""
    token = find_token(session, raw, purpose, now=now)
    if token is None:
        raise NotFound(N_("This link has expired or has already been used."))
    user = token.user
    password_hash = validation.check_new_password(password, email=user.email, name=user.name)
    lock(session, user)
    if not _use_token(session, token, now=now):
        raise NotFound(N_("This link has expired or has already been used."))
    user.password_hash = password_hash
    user.bump_session_version()
    audit.record(
        session,
        user.id,
        "invitation.accept" if purpose is TokenPurpose.INVITATION else "password.reset",
        "user",
        user.id,
    )
    session.flush()
    return user


def request_password_reset(
    session: Session, email: str, *, now: datetime, max_age: timedelta
) -> tuple[User | None, str]:
    """A reset token for an active account with a password; (None, an unused token) otherwise.

    The unused token costs what a real one does (and the caller composes its mail too), so
    the time to answer does not tell whether the address has an account.
    """
    user = users.get_user_by_email(session, email)
    if user is None or not user.is_active:
        # No account has id 0: the same statement as issue_token's, changing nothing.
        _revoke(session, 0, TokenPurpose.PASSWORD_RESET, now=now)
        raw = new_token()
        digest(raw)
        return None, raw
    token = issue_token(
        session, user, TokenPurpose.PASSWORD_RESET, now=now, max_age=max_age, created_by_id=None
    )
    return user, token

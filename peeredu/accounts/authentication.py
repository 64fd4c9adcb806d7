"""Signing in: passwords checked with a per-account lock, sessions that can be ended.

A login cookie carries "<user id>:<session version>"; bumping the version (password change,
signing out everywhere, deactivation) ends every session that carries the old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from peeredu import audit
from peeredu.accounts import services
from peeredu.accounts.models import (
    User,
)
from peeredu.accounts.passwords import (
    hash_password,
    needs_rehash,
    verify_password,
)
from peeredu.errors import N_, DomainError


@dataclass(frozen=True)
class LockoutPolicy:
    """After ``max_failures`` failed attempts in a row an account is locked for ``duration``."""

    max_failures: int = 5
    duration: timedelta = timedelta(minutes=15)


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def record_failed_login(
    session: Session,
    user: User,
    *,
    now: datetime,
    policy: LockoutPolicy,
    action: str = "login.fail",
) -> None:
    """Count a failed attempt (a wrong password or second-step code); lock at the limit."""
    audit.record(session, actor_id=None, action=action, object_type="user", object_id=user.id)
    user.failed_logins += 1
    if user.failed_logins >= policy.max_failures:
        user.failed_logins = 0
        user.locked_until = now + policy.duration
        audit.record(
            session,
            actor_id=None,
            action="login.lock",
            object_type="user",
            object_id=user.id,
            detail=f"{policy.max_failures} failed attempts in a row",
        )
    session.flush()


def check_password(
    session: Session, email: str, password: str, *, now: datetime, policy: LockoutPolicy
) -> User | None:
    """The first step of signing in: the user for these credentials, or None.

    None says nothing about why (unknown address, wrong password, inactive or locked account),
    and a locked account is refused even with the right password, without counting.
    """
    user = services.get_user_by_email(session, email)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or is_locked(user, now):
        return None
    if not password_ok:
        record_failed_login(session, user, now=now, policy=policy)
        return None
    assert user.password_hash is not None
    if not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    return user


def complete_login(session: Session, user: User, *, now: datetime) -> None:
    """The user has passed every step: the failure count starts over."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(session, actor_id=user.id, action="login", object_type="user", object_id=user.id)
    session.flush()


def authenticate(
    session: Session,
    email: str,
    password: str,
    *,
    now: datetime,
    policy: LockoutPolicy | None = None,
) -> User | None:
    """The user for these credentials (one-step sign-in), or None, without telling why."""
    user = check_password(session, email, password, now=now, policy=policy or LockoutPolicy())
    if user is not None:
        complete_login(session, user, now=now)
    return user


def end_sessions(session: Session, user: User, *, actor_id: int | None = None) -> None:
    """Every login cookie of the user stops working (they carry the old session version).

    With ``actor_id`` it is recorded as an explicit "sign out everywhere".
    """
    user.session_version += 1
    if actor_id is not None:
        audit.record(
            session,
            actor_id=actor_id,
            action="sessions.end_all",
            object_type="user",
            object_id=user.id,
        )
    session.flush()


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """Change one's own password; every other session of the user ends."""
    if not verify_password(user.password_hash, current):
        raise DomainError(N_("The current password is not correct."), field="current_password")
    user.password_hash = services.check_new_password(
        new, email=user.email, name=user.name, field="new_password"
    )
    user.session_version += 1
    audit.record(
        session, actor_id=user.id, action="password.change", object_type="user", object_id=user.id
    )
    session.flush()


def load_session_user(session: Session, session_id: str) -> User | None:
    """The user behind a login cookie's id ("<user id>:<session version>"), if still valid."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user

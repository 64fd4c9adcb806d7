"""Signing in: passwords checked with a per-account lock, sessions that can be ended.

A login cookie carries "<user id>:<session version>"; bumping the version (password change,
signing out everywhere, deactivation) ends every session that carries the old one.

Attempts on one account are counted one after the other, however many arrive at once: each
takes the account's row lock (``db.lock``) before it reads the count or the lock, and holds
it until its transaction ends, so twenty wrong passwords at once lock the account after
exactly the limit, and a right one either comes before the lock (and resets the count) or
after it (and is refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from peeredu import audit
from peeredu.accounts import twofactor, users, validation
from peeredu.accounts.models import (
    User,
)
from peeredu.accounts.passwords import (
    hash_password,
    needs_rehash,
    verify_password,
)
from peeredu.db import lock
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
    """Count a failed attempt (a wrong password or second-step code); lock at the limit.

    An attempt on an account that is locked by now (another attempt reached the limit while
    this one was checked) is not counted.
    """
    lock(session, user)
    if is_locked(user, now):
        return
    audit.record(session, None, action, "user", user.id)
    user.failed_logins += 1
    if user.failed_logins >= policy.max_failures:
        user.failed_logins = 0
        user.locked_until = now + policy.duration
        audit.record(
            session,
            None,
            "login.lock",
            "user",
            user.id,
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
    user = users.get_user_by_email(session, email)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        return None
    # Read again under the lock: another attempt may have changed the count since.
    lock(session, user)
    if is_locked(user, now):
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


def check_code(
    session: Session, user: User, code: str, *, now: datetime, policy: LockoutPolicy
) -> bool:
    """The second step of signing in: whether ``code`` proves the user (who passed the first).

    A wrong or replayed code counts as a failed attempt, and a locked account is refused
    without counting, as in ``check_password``.
    """
    lock(session, user)
    if is_locked(user, now):
        return False
    if twofactor.verify(session, user, code, now=now):
        return True
    record_failed_login(session, user, now=now, policy=policy, action="login.twofactor_fail")
    return False


def complete_login(session: Session, user: User, *, now: datetime) -> None:
    """The user has passed every step: the failure count starts over.

    Call it in the transaction of ``check_password`` or ``check_code``, which hold the
    account's row lock: a failure counted in between would otherwise be wiped out.
    """
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(session, user.id, "login", "user", user.id)
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
    user.bump_session_version()
    if actor_id is not None:
        audit.record(session, actor_id, "sessions.end_all", "user", user.id)
    session.flush()


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """Change one's own password; every other session of the user ends."""
    if not verify_password(user.password_hash, current):
        raise DomainError(N_("The current password is not correct."), field="current_password")
    user.password_hash = validation.check_new_password(
        new, email=user.email, name=user.name, field="new_password"
    )
    user.bump_session_version()
    audit.record(session, user.id, "password.change", "user", user.id)
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

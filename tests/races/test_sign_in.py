"""Signing in from many processes at once: the per-account count, its reset, one-time codes.

Each test starts the attempts in separate processes at the same instant (tests/concurrency.py)
and asserts exact counts: on PostgreSQL (READ COMMITTED) a read-then-write of the count loses
attempts unless the account's row is locked; on SQLite the write lock serialises them.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pyotp
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from peeredu.accounts import authentication, twofactor
from peeredu.accounts.authentication import LockoutPolicy
from peeredu.accounts.models import User
from peeredu.audit import AuditEvent
from peeredu.extensions import db
from tests.conftest import BoundCrowd
from tests.factories import PASSWORD, Factory

NOW = datetime(2027, 3, 1, 9, 0, 0, tzinfo=UTC)
POLICY = LockoutPolicy(max_failures=5, duration=timedelta(minutes=15))
EMAIL = "anna@example.org"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def sign_in(session: Session, email: str, password: str, now: datetime) -> bool:
    """The whole one-step sign-in, as the login page does it: True if it let the user in."""
    return authentication.authenticate(session, email, password, now=now, policy=POLICY) is not None


def second_step(session: Session, user_id: int, code: str, now: datetime) -> bool:
    """The code step of signing in, counted like a password: True if the code was right."""
    user = session.get_one(User, user_id)
    return authentication.check_code(session, user, code, now=now, policy=POLICY)


def verify_code(session: Session, user_id: int, code: str, now: datetime) -> bool:
    return twofactor.verify(session, session.get_one(User, user_id), code, now=now)


def events(app: Flask, user_id: int) -> Counter[str]:
    with app.app_context():
        return Counter(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.object_id == str(user_id))
            )
        )


def account(app: Flask, user_id: int) -> User:
    with app.app_context():
        return db.session.get_one(User, user_id)


def assert_locked_after_the_limit(app: Flask, user_id: int, failure: str) -> None:
    """Exactly the limit of failures was counted, then the account locked once.

    Attempts after the lock are refused without being counted; the lock starts a new count.
    """
    seen, locked = events(app, user_id), account(app, user_id)
    counted = (seen[failure], seen["login.lock"], locked.failed_logins, locked.locked_until)
    assert counted == (POLICY.max_failures, 1, 0, NOW + POLICY.duration)


def failed_before(app: Flask, user_id: int, count: int) -> None:
    with app.app_context():
        user = db.session.get_one(User, user_id)
        for _ in range(count):
            authentication.record_failed_login(db.session, user, now=NOW, policy=POLICY)
        db.session.commit()


def with_two_factor(app: Flask, user_id: int) -> list[str]:
    with app.app_context():
        user = db.session.get_one(User, user_id)
        day_before = NOW - timedelta(days=1)
        twofactor.start_enrolment(db.session, user, now=day_before).secret = SECRET
        codes = twofactor.confirm_enrolment(
            db.session, user, pyotp.TOTP(SECRET).at(day_before), now=day_before
        )
        db.session.commit()
        return codes


def test_wrong_passwords_at_once_lock_the_account_after_exactly_the_limit(
    app: Flask, crowd: BoundCrowd, make: Factory
) -> None:
    user = make.user(email=EMAIL)
    outcomes = crowd.run(sign_in, [(EMAIL, "not the password", NOW)] * crowd.size)
    assert outcomes.values == [False] * crowd.size, outcomes
    assert_locked_after_the_limit(app, user.id, "login.fail")


def test_a_right_password_among_wrong_ones_either_resets_the_count_or_is_refused(
    app: Flask, crowd: BoundCrowd, make: Factory
) -> None:
    """One attempt short of the lock, the right password and seven wrong ones arrive together.

    In any order one after the other, either the right one came first (it signs in and resets
    the count; then five wrong ones lock the account and two are refused), or a wrong one came
    first (it locks the account, and the right password is refused too). Nothing in between.
    """
    user = make.user(email=EMAIL)
    failed_before(app, user.id, POLICY.max_failures - 1)
    wrong = [(EMAIL, "not the password", NOW)] * 7
    outcomes = crowd.run(sign_in, [(EMAIL, PASSWORD, NOW), *wrong])
    assert not outcomes.errors, outcomes
    signed_in = outcomes.all[0].value
    assert outcomes.values[1:] == [False] * 7
    seen = events(app, user.id)
    fails = seen["login.fail"] - (POLICY.max_failures - 1)
    if signed_in:
        assert (seen["login"], fails, seen["login.lock"]) == (1, POLICY.max_failures, 1)
    else:
        assert (seen["login"], fails, seen["login.lock"]) == (0, 1, 1)
    assert account(app, user.id).locked_until == NOW + POLICY.duration


def test_wrong_codes_at_once_lock_the_account_after_exactly_the_limit(
    app: Flask, crowd: BoundCrowd, make: Factory
) -> None:
    user = make.user(email=EMAIL)
    with_two_factor(app, user.id)
    outcomes = crowd.run(second_step, [(user.id, "000000", NOW)] * crowd.size)
    assert outcomes.values == [False] * crowd.size, outcomes
    assert_locked_after_the_limit(app, user.id, "login.twofactor_fail")


def test_one_authenticator_code_sent_at_once_is_accepted_once(
    app: Flask, crowd: BoundCrowd, make: Factory
) -> None:
    user = make.user(email=EMAIL)
    with_two_factor(app, user.id)
    code = pyotp.TOTP(SECRET).at(NOW)
    outcomes = crowd.run(verify_code, [(user.id, code, NOW)] * 12)
    assert sorted(outcomes.values) == [False] * 11 + [True], outcomes


def test_one_recovery_code_sent_at_once_is_accepted_once(
    app: Flask, crowd: BoundCrowd, make: Factory
) -> None:
    user = make.user(email=EMAIL)
    code = with_two_factor(app, user.id)[0]
    outcomes = crowd.run(verify_code, [(user.id, code, NOW)] * 8)
    assert sorted(outcomes.values) == [False] * 7 + [True], outcomes
    assert events(app, user.id)["twofactor.recovery_used"] == 1


def test_a_replayed_code_counts_as_a_failed_attempt(
    app: Flask, crowd: BoundCrowd, make: Factory
) -> None:
    """Fewer attempts than the limit: one signs in, the replays are counted, nothing locks."""
    user = make.user(email=EMAIL)
    with_two_factor(app, user.id)
    code = pyotp.TOTP(SECRET).at(NOW)
    outcomes = crowd.run(second_step, [(user.id, code, NOW)] * POLICY.max_failures)
    assert sorted(outcomes.values) == [False] * (POLICY.max_failures - 1) + [True], outcomes
    assert events(app, user.id)["login.twofactor_fail"] == POLICY.max_failures - 1
    assert account(app, user.id).failed_logins == POLICY.max_failures - 1


def sign_out_everywhere(session: Session, user_id: int) -> None:
    authentication.end_sessions(session, session.get_one(User, user_id), actor_id=user_id)


def test_sessions_ended_at_once_each_count(app: Flask, crowd: BoundCrowd, make: Factory) -> None:
    """The session version goes up once per ending: none is lost to another one at once."""
    user = make.user(email=EMAIL)
    outcomes = crowd.run(sign_out_everywhere, [(user.id,)] * 10)
    assert not outcomes.errors, outcomes
    assert account(app, user.id).session_version == 1 + 10

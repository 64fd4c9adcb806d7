"""Two-step sign-in, the domain part (peeredu.accounts.twofactor): codes, windows, replays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select

from peeredu.accounts import twofactor
from peeredu.accounts.models import Role, User
from peeredu.accounts.twofactor import RecoveryCode, TwoFactor
from peeredu.audit import AuditEvent
from peeredu.errors import DomainError
from peeredu.extensions import db
from tests.factories import PASSWORD, Factory

NOW = datetime(2027, 3, 1, 9, 0, 0, tzinfo=UTC)
STEP = timedelta(seconds=twofactor.STEP_SECONDS)


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def actions(user_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == str(user_id))
        ).all()
    )


@pytest.fixture
def ctx(app: Flask) -> Any:
    with app.app_context():
        yield


@pytest.fixture
def user(make: Factory, ctx: Any) -> User:
    return db.session.get(User, make.user().id)


def enrolled(user: User) -> tuple[str, list[str]]:
    secret = twofactor.start_enrolment(db.session, user, now=NOW).secret
    codes = twofactor.confirm_enrolment(db.session, user, code_at(secret, NOW), now=NOW)
    return secret, codes


def test_it_is_on_only_after_a_first_correct_code(user: User) -> None:
    credential = twofactor.start_enrolment(db.session, user, now=NOW)
    assert not twofactor.is_enabled(db.session, user)
    with pytest.raises(DomainError):
        twofactor.confirm_enrolment(db.session, user, "000000", now=NOW)
    assert not twofactor.is_enabled(db.session, user)
    codes = twofactor.confirm_enrolment(db.session, user, code_at(credential.secret, NOW), now=NOW)
    assert twofactor.is_enabled(db.session, user)
    assert len(codes) == len(set(codes)) == 10
    assert "twofactor.enable" in actions(user.id)
    uri = twofactor.provisioning_uri(credential.secret, email=user.email, issuer="Skolen")
    assert uri.startswith("otpauth://totp/") and credential.secret in uri


def test_a_code_one_step_early_or_late_works_two_steps_off_does_not(user: User) -> None:
    secret, _ = enrolled(user)
    later = NOW + 10 * STEP
    assert not twofactor.verify(db.session, user, code_at(secret, later - 2 * STEP), now=later)
    assert not twofactor.verify(db.session, user, code_at(secret, later + 2 * STEP), now=later)
    assert twofactor.verify(db.session, user, code_at(secret, later - STEP), now=later)
    assert twofactor.verify(db.session, user, code_at(secret, later + STEP), now=later)


def test_a_code_works_once_and_older_codes_not_after_it(user: User) -> None:
    secret, _ = enrolled(user)
    later = NOW + 10 * STEP
    code = code_at(secret, later)
    assert twofactor.verify(db.session, user, code, now=later)
    assert not twofactor.verify(db.session, user, code, now=later)  # replayed
    assert not twofactor.verify(db.session, user, code_at(secret, later - STEP), now=later)
    # The enrolment code is spent too.
    assert not twofactor.verify(db.session, user, code_at(secret, NOW), now=NOW)


def test_a_recovery_code_works_once_and_only_its_hash_is_stored(user: User) -> None:
    _, codes = enrolled(user)
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert all(code.replace("-", "") not in hashed for code in codes for hashed in stored)
    # Typed in lower case with spaces, as people do.
    typed = codes[3].lower().replace("-", " ")
    assert twofactor.verify(db.session, user, typed, now=NOW)
    assert not twofactor.verify(db.session, user, codes[3], now=NOW)
    assert "twofactor.recovery_used" in actions(user.id)
    assert twofactor.recovery_codes_left(db.session, user) == 9


def test_new_recovery_codes_need_the_password_and_retire_the_old(user: User) -> None:
    _, old = enrolled(user)
    with pytest.raises(DomainError):
        twofactor.regenerate_recovery_codes(db.session, user, password="wrong", now=NOW)
    new = twofactor.regenerate_recovery_codes(db.session, user, password=PASSWORD, now=NOW)
    assert not twofactor.verify(db.session, user, old[0], now=NOW)
    assert twofactor.verify(db.session, user, new[0], now=NOW)


def test_turning_off_needs_the_password_and_is_refused_when_required(user: User) -> None:
    enrolled(user)
    with pytest.raises(DomainError):
        twofactor.disable(db.session, user, password="wrong", required=False)
    with pytest.raises(DomainError):
        twofactor.disable(db.session, user, password=PASSWORD, required=True)
    assert twofactor.is_enabled(db.session, user)
    twofactor.disable(db.session, user, password=PASSWORD, required=False)
    assert not twofactor.is_enabled(db.session, user)
    assert db.session.scalars(select(TwoFactor)).all() == []
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert "twofactor.disable" in actions(user.id)


def test_required_for_staff_roles_only_when_the_setting_is_on(make: Factory, ctx: Any) -> None:
    learner = make.user(Role.LEARNER)
    for role in (Role.ADMIN, Role.TEACHER, Role.HR):
        staff = make.user(role)
        assert twofactor.required_for(staff, setting=True)
        assert not twofactor.required_for(staff, setting=False)
    assert not twofactor.required_for(learner, setting=True)


def test_an_admin_reset_removes_the_second_factor_and_ends_sessions(
    make: Factory, app: Flask
) -> None:
    admin_id = make.user(Role.ADMIN).id
    user_id = make.user().id
    with app.app_context():
        user = db.session.get(User, user_id)
        enrolled(user)
        version = user.session_version
        twofactor.reset(db.session, user, actor_id=admin_id)
        assert not twofactor.is_enabled(db.session, user)
        assert twofactor.recovery_codes_left(db.session, user) == 0
        assert user.session_version == version + 1
        assert "twofactor.reset" in actions(user.id)

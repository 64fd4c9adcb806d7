"""Invitation and password-reset links used, or asked for, from many processes at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from peeredu.accounts import invitations
from peeredu.accounts.models import AccountToken, TokenPurpose, User
from peeredu.accounts.passwords import verify_password
from peeredu.extensions import db
from tests.conftest import BoundCrowd
from tests.factories import Factory

NOW = datetime(2027, 3, 1, 9, 0, 0, tzinfo=UTC)
MAX_AGE = timedelta(hours=2)
EMAIL = "anna@example.org"


def reset_password(session: Session, raw: str, password: str) -> int:
    user = invitations.redeem_token(
        session, raw, TokenPurpose.PASSWORD_RESET, password=password, now=NOW
    )
    return user.id


def ask_for_reset(session: Session, email: str) -> str | None:
    issued = invitations.request_password_reset(session, email, now=NOW, max_age=MAX_AGE)
    return issued[1] if issued else None


def reset_link(app: Flask, user_id: int) -> str:
    with app.app_context():
        user = db.session.get_one(User, user_id)
        raw = invitations.issue_token(
            db.session,
            user,
            TokenPurpose.PASSWORD_RESET,
            now=NOW,
            max_age=MAX_AGE,
            created_by_id=None,
        )
        db.session.commit()
        return raw


def test_a_reset_link_used_at_once_sets_one_password(
    app: Flask, crowd: BoundCrowd, make: Factory
) -> None:
    user = make.user(email=EMAIL)
    raw = reset_link(app, user.id)
    passwords = [f"a new password number {n}" for n in range(10)]
    outcomes = crowd.run(reset_password, [(raw, password) for password in passwords])
    assert outcomes.values == [user.id], outcomes
    assert outcomes.errors == {"NotFound": len(passwords) - 1}
    winner = next(n for n, o in enumerate(outcomes.all) if o.error is None)
    with app.app_context():
        found = db.session.get_one(User, user.id)
        assert verify_password(found.password_hash, passwords[winner])
        # The password changed once, so the session version went up once.
        assert found.session_version == 2


def test_resets_asked_for_at_once_leave_one_working_link(
    app: Flask, crowd: BoundCrowd, make: Factory
) -> None:
    user = make.user(email=EMAIL)
    outcomes = crowd.run(ask_for_reset, [(EMAIL,)] * 10)
    assert len(set(outcomes.values)) == 10, outcomes
    with app.app_context():
        tokens = db.session.scalars(select(AccountToken).where(AccountToken.user_id == user.id))
        assert [t.is_usable(NOW) for t in tokens].count(True) == 1

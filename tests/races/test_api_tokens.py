"""One API token used by many requests at once: each is let in, the latest use is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy.orm import Session

from peeredu.accounts import api_tokens
from peeredu.accounts.models import Role, User
from peeredu.extensions import db
from tests.conftest import BoundCrowd
from tests.factories import Factory

NOW = datetime(2027, 3, 1, 9, 0, 0, tzinfo=UTC)


def call_api(session: Session, raw: str, now: datetime) -> int | None:
    user = api_tokens.authenticate_token(session, raw, now)
    return user.id if user else None


def test_requests_at_once_are_all_let_in_and_the_latest_use_is_kept(
    app: Flask, crowd: BoundCrowd, make: Factory
) -> None:
    hr = make.user(Role.HR)
    with app.app_context():
        token, raw = api_tokens.create_token(
            db.session, db.session.get_one(User, hr.id), "Løn", NOW - timedelta(days=1)
        )
        db.session.commit()
    # Two minutes apart, so each notes its time unless a later one is noted already: in
    # whatever order they commit, the last use noted is the latest.
    moments = [NOW + timedelta(minutes=2 * n) for n in range(8)]
    outcomes = crowd.run(call_api, [(raw, moment) for moment in moments])
    assert outcomes.values == [hr.id] * len(moments), outcomes
    with app.app_context():
        used = db.session.get_one(api_tokens.ApiToken, token.id).last_used_at
    assert used == max(moments)

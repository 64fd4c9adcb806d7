"""First sign-ins with one identity provider account, from many processes at once: one link
(and, where the provider allows just-in-time accounts, one account)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peeredu.accounts import identities
from peeredu.accounts.identities import ExternalIdentity, ProviderSettings
from peeredu.accounts.models import User
from peeredu.audit import AuditEvent
from peeredu.extensions import db
from tests.conftest import BoundCrowd
from tests.factories import Factory

NOW = datetime(2027, 3, 1, 9, 0, 0, tzinfo=UTC)
ISSUER = "https://idp.example.org"


def first_sign_in(session: Session, subject: str, email: str, jit: bool) -> int:
    provider = ProviderSettings(
        key="test", label="Region", issuer=ISSUER, client_id="c", client_secret="s", jit=jit
    )
    user = identities.link_or_find(
        session,
        issuer=ISSUER,
        subject=subject,
        email=email,
        email_verified=True,
        name="Anna",
        provider=provider,
        now=NOW,
    )
    return user.id


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_first_sign_ins_at_once_make_one_link(app, crowd: BoundCrowd, make: Factory):
    anna = make.user(email="anna@example.org")
    outcomes = crowd.run(first_sign_in, [("sub-anna", "anna@example.org", False)] * crowd.size)
    assert not outcomes.errors and outcomes.values == [anna.id] * crowd.size
    assert count(app, ExternalIdentity) == 1
    assert count(app, AuditEvent, AuditEvent.action == "identity.link") == 1


def test_just_in_time_first_sign_ins_at_once_make_one_account(app, crowd: BoundCrowd):
    outcomes = crowd.run(first_sign_in, [("sub-new", "new@example.org", True)] * crowd.size)
    assert not outcomes.errors and len(set(outcomes.values)) == 1
    assert count(app, User) == 1 and count(app, ExternalIdentity) == 1

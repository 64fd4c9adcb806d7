"""Admins changing one account at the same moment: every change is applied, in some order."""

from __future__ import annotations

from collections import Counter

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from peeredu.accounts import users
from peeredu.accounts.models import Role, User
from peeredu.audit import AuditEvent
from peeredu.extensions import db
from tests.conftest import BoundCrowd
from tests.factories import Factory

ROLE_SETS = [
    ("teacher",),
    ("hr",),
    ("teacher", "hr"),
    ("learner", "teacher"),
    ("learner", "hr"),
    ("teacher", "admin"),
]


def set_roles(session: Session, user_id: int, roles: tuple[str, ...], actor_id: int) -> None:
    user = session.get_one(User, user_id)
    users.update_user(
        session, user, name=user.name, roles=roles, locale=user.locale, actor_id=actor_id
    )


def test_roles_changed_at_once_are_each_applied_and_logged(
    app: Flask, crowd: BoundCrowd, make: Factory
) -> None:
    admins = [make.user(Role.ADMIN) for _ in ROLE_SETS]
    user = make.user(Role.LEARNER)
    outcomes = crowd.run(
        set_roles, [(user.id, roles, a.id) for roles, a in zip(ROLE_SETS, admins, strict=True)]
    )
    assert not outcomes.errors, outcomes
    with app.app_context():
        found = db.session.get_one(User, user.id)
        assert {r.value for r in found.roles} in [set(roles) for roles in ROLE_SETS]
        # Every change was a change from the one before: each ended the user's sessions.
        assert found.session_version == 1 + len(ROLE_SETS)
        logged = Counter(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))
            )
        )
        assert logged["user.roles"] == len(ROLE_SETS)

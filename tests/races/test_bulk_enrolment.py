"""The same new people enrolled from files into several cohorts at the same instant: one
account per address, everyone enrolled everywhere, no crash.

On PostgreSQL every transaction checks the rows before any has committed, so all but one meet
the unique constraint on the address when they insert: apply then checks again and enrols the
account the other transaction made. On SQLite the write lock puts them one after the other.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peeredu.accounts import bulk_enrolment
from peeredu.accounts.bulk_files import Row
from peeredu.accounts.models import Cohort, Enrolment, Role, User
from peeredu.db import utcnow
from peeredu.extensions import db
from tests.conftest import BoundCrowd
from tests.factories import Factory

# Few enough for SQLite, where they wait for each other within its busy timeout.
COHORTS = 3
ROWS = [Row(n + 2, f"Ny {n}", f"ny{n}@example.org", "peer", "Region Hovedstaden") for n in range(5)]


def enrol_file(session: Session, cohort_id: int, actor_id: int) -> tuple[int, int]:
    applied = bulk_enrolment.apply(
        session,
        session.get_one(Cohort, cohort_id),
        ROWS,
        locale="da",
        actor_id=actor_id,
        now=utcnow(),
        max_age=timedelta(days=14),
    )
    return applied.enrolled, len(applied.invited)


def test_the_same_new_people_enrolled_into_cohorts_at_once(
    app: Flask, crowd: BoundCrowd, make: Factory
) -> None:
    make.organisation("Region Hovedstaden")
    admin = make.user(Role.ADMIN)
    cohorts = [make.cohort() for _ in range(COHORTS)]
    outcomes = crowd.run(enrol_file, [(c.id, admin.id) for c in cohorts])
    assert not outcomes.errors, outcomes
    assert [enrolled for enrolled, _invited in outcomes.values] == [len(ROWS)] * COHORTS
    # Each person was invited once, by whichever transaction made the account.
    assert sum(invited for _enrolled, invited in outcomes.values) == len(ROWS)
    with app.app_context():
        emails = [r.email for r in ROWS]
        assert db.session.scalar(select(func.count()).where(User.email.in_(emails))) == len(ROWS)
        assert (
            db.session.scalar(
                select(func.count()).select_from(Enrolment).join(User).where(User.email.in_(emails))
            )
            == len(ROWS) * COHORTS
        )

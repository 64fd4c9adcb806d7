"""Two final events at the same instant: exactly one certificate, and neither misses it.

The learner has every module but one completed and 14 of 16 class days attended. One process
completes the last module while another registers the 15th day: each alone leaves the rule
unmet as its own transaction sees it, together they meet it. ``settle`` locks the enrolment
and reads after the lock, so whichever commits second sees the first and issues.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peeredu.accounts.models import Enrolment
from peeredu.certification.models import Certificate
from peeredu.curriculum import attendance, progress
from peeredu.curriculum.records import Attendance, AttendanceStatus, ClassDay
from peeredu.extensions import current_curriculum, db
from tests.conftest import BoundCrowd, Learner
from tests.web.test_issuing import (
    NOW,
    attend,
    complete,
)

REGISTERED = datetime(2027, 6, 1, 13, 0, tzinfo=UTC)


def final_event(session: Session, kind: str, enrolment_id: int, value: int, actor: int) -> str:
    curriculum = current_curriculum()
    enrolment = session.get(Enrolment, enrolment_id)
    if kind == "module":
        slug = [m.slug for m in curriculum.modules_for(enrolment.track)][value]
        progress.complete_by_teacher(
            session, curriculum, enrolment, slug, reason="På papir", actor_id=actor, now=NOW
        )
    else:
        attendance.register(
            session,
            curriculum,
            session.get(ClassDay, value),
            {enrolment_id: AttendanceStatus.PRESENT},
            actor_id=actor,
            now=REGISTERED,
        )
    return kind


@pytest.mark.parametrize("round_", range(4))
def test_two_final_events_at_once_issue_exactly_one_certificate(
    app: Flask,
    learner: Learner,
    crowd: BoundCrowd,
    round_: int,
):
    with app.app_context():
        curriculum = current_curriculum()
        enrolment = db.session.get(Enrolment, learner.enrolment_id)
        slugs = [m.slug for m in curriculum.modules_for(enrolment.track)]
        complete(db.session, curriculum, learner, slugs[:-1])
        attend(db.session, curriculum, learner, [AttendanceStatus.PRESENT] * 14)
        db.session.commit()
    outcomes = crowd.run(
        final_event,
        [
            ("module", learner.enrolment_id, len(slugs) - 1, learner.teacher_id),
            ("attendance", learner.enrolment_id, learner.day_ids[14], learner.teacher_id),
        ],
    )
    assert not outcomes.errors, outcomes.errors
    with app.app_context():
        issued = db.session.scalar(select(func.count()).select_from(Certificate))
        assert issued == 1


def register_day(session: Session, day_id: int, statuses: dict[int, str], actor: int) -> int:
    return attendance.register(
        session,
        current_curriculum(),
        session.get(ClassDay, day_id),
        statuses,
        actor_id=actor,
        now=REGISTERED,
    )


def test_two_teachers_registering_one_day_at_once_keep_one_row_per_learner(
    app: Flask,
    learner: Learner,
    crowd: BoundCrowd,
):
    day = learner.day_ids[0]
    outcomes = crowd.run(
        register_day,
        [
            (day, {learner.enrolment_id: "present"}, learner.teacher_id),
            (day, {learner.enrolment_id: "absent"}, learner.teacher_id),
        ]
        * 3,
    )
    assert not outcomes.errors, outcomes.errors
    with app.app_context():
        rows = db.session.scalars(select(Attendance).where(Attendance.class_day_id == day)).all()
        assert len(rows) == 1

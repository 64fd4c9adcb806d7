"""A learner moved to another cohort, with their progress.

Everything a learner has done hangs on their enrolment: module completions, reflections with
their versions and feedback, extensions, the practice log, an attendance exception and a
certificate. A move changes the enrolment's cohort, so all of it moves along, in one
transaction, audited. The reflections are then read by the new cohort's teachers (the rule
"the teachers of the author's cohort") and no longer by the old cohort's.

Attendance is different: it belongs to a class day, and class days belong to a cohort. The
rule (``records.summaries``) counts a learner's attendance over the planned class days of
their *current* cohort, so after a move what was registered on the old cohort's days is kept
(history: the learner's data export and the audit log show it) but no longer counts, and the
new cohort's days count from the first to the last. Days of the new cohort that were held
before the move are not attended unless a teacher registers them; for a learner who missed
them because of the move, a teacher grants an attendance exception with a reason. The move
page says both numbers before the admin confirms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peeredu import audit
from peeredu.accounts.models import Cohort, Enrolment
from peeredu.curriculum.records import Attendance, ClassDay
from peeredu.db import local_date, lock
from peeredu.errors import N_, DomainError


@dataclass(frozen=True)
class MoveConsequences:
    """What a move would do to a learner's attendance, for the confirmation page."""

    old_registrations: int  # attendance registered on the old cohort's days: stops counting
    target_planned: int  # the new cohort's planned days: the ones that count
    target_held: int  # of those, the days already held (on or before today)


def consequences(
    session: Session, enrolment: Enrolment, target: Cohort, *, today: date
) -> MoveConsequences:
    old = session.scalar(
        select(func.count())
        .select_from(Attendance)
        .join(ClassDay, ClassDay.id == Attendance.class_day_id)
        .where(
            Attendance.enrolment_id == enrolment.id,
            ClassDay.cohort_id == enrolment.cohort_id,
            ClassDay.cancelled_at.is_(None),
        )
    )
    planned, held = session.execute(
        select(
            func.count(ClassDay.id),
            func.coalesce(func.sum(case((ClassDay.date <= today, 1), else_=0)), 0),
        ).where(ClassDay.cohort_id == target.id, ClassDay.cancelled_at.is_(None))
    ).one()
    return MoveConsequences(int(old or 0), int(planned), int(held))


def _refuse_duplicate(enrolment: Enrolment, target: Cohort) -> DomainError:
    return DomainError(
        N_("%(name)s is already enrolled in %(cohort)s."),
        field="cohort",
        name=enrolment.user.name,
        cohort=target.name,
    )


def move_enrolment(
    session: Session,
    enrolment: Enrolment,
    target_cohort_id: int,
    *,
    actor_id: int,
    now: datetime,
) -> Enrolment:
    """Move ``enrolment`` to the cohort ``target_cohort_id`` with everything it holds."""
    target = session.get(Cohort, target_cohort_id)
    if target is None:
        raise DomainError(N_("Unknown cohort."), field="cohort")
    lock(session, enrolment)
    if enrolment.cohort_id == target.id:
        raise DomainError(
            N_("%(name)s is already in %(cohort)s."),
            field="cohort",
            name=enrolment.user.name,
            cohort=target.name,
        )
    clash = session.scalar(
        select(Enrolment.id).where(
            Enrolment.user_id == enrolment.user_id, Enrolment.cohort_id == target.id
        )
    )
    if clash is not None:
        raise _refuse_duplicate(enrolment, target)
    before = consequences(session, enrolment, target, today=local_date(now))
    old_cohort_id = enrolment.cohort_id
    try:
        with session.begin_nested():
            enrolment.cohort_id = target.id
            session.flush()
    except IntegrityError:
        # Enrolled in the target by another transaction since the check above.
        raise _refuse_duplicate(enrolment, target) from None
    session.expire(enrolment, ["cohort"])
    audit.record(
        session,
        actor_id,
        "enrolment.move",
        "enrolment",
        enrolment.id,
        detail=(
            f"user={enrolment.user_id} from={old_cohort_id} to={target.id}"
            f" old_attendance={before.old_registrations}"
        ),
        now=now,
    )
    # No certificate to settle: a move cannot complete the rule. Attendance restarts at none
    # of the new cohort's days; an exception or a certificate already held moves along.
    return enrolment

"""Class days of a cohort and who attended them: the operations that change them.

The course is taught in class alongside work; a learner passes with attendance at or above
the course's threshold (90 % by default) of the cohort's planned class days (``records``). Absence
with notice is still absence, shown apart. Every operation here that can change whether a learner
meets the rule settles their certificate in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from peeredu import audit
from peeredu.accounts.models import Cohort, Enrolment
from peeredu.certification import services as certification
from peeredu.curriculum.content import Curriculum
from peeredu.curriculum.planning import plan_dates, require_teaching_date
from peeredu.curriculum.records import (
    Attendance,
    AttendanceException,
    AttendanceStatus,
    ClassDay,
)
from peeredu.db import local_date, lock
from peeredu.errors import N_, DomainError

# -- Class days -----------------------------------------------------------------------------


def class_days(session: Session, cohort_id: int) -> list[ClassDay]:
    return list(
        session.scalars(
            select(ClassDay).where(ClassDay.cohort_id == cohort_id).order_by(ClassDay.date)
        )
    )


def _check_date(session: Session, cohort: Cohort, day: date) -> None:
    """A class day lies in the cohort's period, on a date the school teaches and the cohort
    has no other day."""
    if not cohort.start_date <= day <= cohort.end_date:
        raise DomainError(
            N_("The day must be within the cohort's period, %(start)s to %(end)s."),
            field="date",
            start=cohort.start_date.isoformat(),
            end=cohort.end_date.isoformat(),
        )
    require_teaching_date(day)
    clash = session.scalar(
        select(ClassDay.id).where(ClassDay.cohort_id == cohort.id, ClassDay.date == day)
    )
    if clash is not None:
        raise DomainError(N_("The cohort already has a class day on that date."), field="date")


def add_class_day(
    session: Session,
    curriculum: Curriculum,
    cohort: Cohort,
    *,
    day: date,
    topic: str,
    module_slug: str | None,
    actor_id: int,
) -> ClassDay:
    topic = " ".join(topic.split())
    if len(topic) > 200:
        raise DomainError(N_("At most %(count)s characters, please."), field="topic", count=200)
    if module_slug and curriculum.module(module_slug) is None:
        raise DomainError(N_("Unknown module."), field="module")
    _check_date(session, cohort, day)
    class_day = ClassDay(
        cohort_id=cohort.id, date=day, topic=topic, module_slug=module_slug or None
    )
    session.add(class_day)
    session.flush()
    audit.record(
        session, actor_id, "class_day.create", "cohort", cohort.id, detail=f"date={day.isoformat()}"
    )
    return class_day


def cohort_enrolment_ids(session: Session, cohort_id: int) -> list[int]:
    return list(session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == cohort_id)))


def _require_open(day: ClassDay) -> None:
    if day.cancelled:
        raise DomainError(N_("The class day is cancelled."))


def _day_changed(
    session: Session,
    curriculum: Curriculum,
    day: ClassDay,
    action: str,
    detail: str,
    *,
    actor_id: int,
    now: datetime,
) -> None:
    """Log a moved or cancelled day and settle its cohort: fewer planned days can lift a
    learner over the threshold, and the shares are computed from the days as they are now."""
    session.flush()
    audit.record(session, actor_id, action, "class_day", day.id, detail=detail, now=now)
    certification.settle(session, curriculum, cohort_enrolment_ids(session, day.cohort_id), now=now)


def move_class_day(
    session: Session,
    curriculum: Curriculum,
    day: ClassDay,
    *,
    new_date: date,
    reason: str,
    actor_id: int,
    now: datetime,
) -> None:
    """Move a class day to another date, with a reason; shares are recomputed at once."""
    reason = audit.require_reason(reason)
    _require_open(day)
    if new_date == day.date:
        raise DomainError(N_("Choose another date than the day's own."), field="date")
    cohort = session.get(Cohort, day.cohort_id)
    assert cohort is not None  # the foreign key
    _check_date(session, cohort, new_date)
    registered = session.scalar(select(func.count()).where(Attendance.class_day_id == day.id))
    if registered and new_date > local_date(now):
        raise DomainError(
            N_("Attendance is registered for this day, so it cannot move to a future date."),
            field="date",
        )
    detail = f"from={day.date.isoformat()} to={new_date.isoformat()} reason={reason}"
    day.date, day.move_reason = new_date, reason
    _day_changed(session, curriculum, day, "class_day.move", detail, actor_id=actor_id, now=now)


def cancel_class_day(
    session: Session,
    curriculum: Curriculum,
    day: ClassDay,
    *,
    reason: str,
    actor_id: int,
    now: datetime,
) -> None:
    """Cancel a class day, with a reason: it no longer counts as planned for anyone."""
    reason = audit.require_reason(reason)
    _require_open(day)
    day.cancelled_at = now
    day.cancel_reason = reason
    detail = f"date={day.date.isoformat()} reason={reason}"
    _day_changed(session, curriculum, day, "class_day.cancel", detail, actor_id=actor_id, now=now)


def plan_class_days(
    session: Session, curriculum: Curriculum, cohort: Cohort, *, actor_id: int
) -> list[ClassDay]:
    """The course file's plan of class days, twice a week from the cohort's start, around
    public holidays and the Christmas week."""
    if session.scalar(select(func.count()).where(ClassDay.cohort_id == cohort.id)):
        raise DomainError(N_("The cohort already has class days; add more one at a time."))
    plan = curriculum.course.class_days
    dates = plan_dates(cohort.start_date, len(plan))
    if dates and dates[-1] > cohort.end_date:
        raise DomainError(
            N_(
                "The %(count)s class days of the plan do not fit before the cohort ends on %(end)s."
            ),
            count=len(plan),
            end=cohort.end_date.isoformat(),
        )
    return [
        add_class_day(
            session,
            curriculum,
            cohort,
            day=day,
            topic=item.topic,
            module_slug=item.module,
            actor_id=actor_id,
        )
        for day, item in zip(dates, plan, strict=True)
    ]


def day_on(session: Session, cohort_id: int, on: date) -> ClassDay | None:
    """The cohort's class day on that date, unless it was cancelled."""
    return session.scalars(
        select(ClassDay).where(
            ClassDay.cohort_id == cohort_id,
            ClassDay.date == on,
            ClassDay.cancelled_at.is_(None),
        )
    ).first()


# -- Attendance -----------------------------------------------------------------------------


def register(
    session: Session,
    curriculum: Curriculum,
    class_day: ClassDay,
    statuses: Mapping[int, AttendanceStatus | str],
    *,
    actor_id: int,
    now: datetime,
) -> int:
    """Record attendance for learners of the day's cohort; returns how many changed.

    A day is registered on its date or later, never before; a form with nothing chosen is
    refused. The learners whose attendance changed have their certificate settled.
    """
    # Two teachers saving the same day at once: the second waits, then sees the first's rows
    # (without the lock both would insert the same learner's row on PostgreSQL).
    lock(session, class_day)
    _require_open(class_day)
    if class_day.date > local_date(now):
        raise DomainError(
            N_("Attendance can be registered on the day itself or later, not before %(date)s."),
            date=class_day.date.isoformat(),
        )
    if not statuses:
        raise DomainError(N_("Choose present or absent for at least one learner."))
    enrolled = set(cohort_enrolment_ids(session, class_day.cohort_id))
    if set(statuses) - enrolled:
        raise DomainError(N_("Attendance can only be registered for the cohort's learners."))
    try:
        parsed = {eid: AttendanceStatus(status) for eid, status in statuses.items()}
    except ValueError:
        raise DomainError(N_("Unknown attendance status.")) from None
    existing = {
        row.enrolment_id: row
        for row in session.scalars(
            select(Attendance).where(Attendance.class_day_id == class_day.id)
        )
    }
    touched: list[int] = []
    for enrolment_id, status in parsed.items():
        row = existing.get(enrolment_id)
        if row is not None and row.status is status:
            continue
        touched.append(enrolment_id)
        if row is None:
            row = Attendance(class_day_id=class_day.id, enrolment_id=enrolment_id)
            session.add(row)
        row.status, row.recorded_at, row.recorded_by_id = status, now, actor_id
    if touched:
        # HR systems sync by "updated since": attendance is a change of the enrolment.
        session.execute(
            update(Enrolment)
            .where(Enrolment.id.in_(touched))
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    if touched:
        audit.record(
            session,
            actor_id,
            "attendance.register",
            "class_day",
            class_day.id,
            detail=f"changed={len(touched)}",
            now=now,
        )
        certification.settle(session, curriculum, touched, now=now)
    return len(touched)


def registration_counts(session: Session, cohort_id: int) -> dict[int, int]:
    """How many learners are registered for each class day of the cohort."""
    rows = session.execute(
        select(Attendance.class_day_id, func.count())
        .join(ClassDay, ClassDay.id == Attendance.class_day_id)
        .where(ClassDay.cohort_id == cohort_id)
        .group_by(Attendance.class_day_id)
    )
    return {day_id: count for day_id, count in rows}


def statuses_for_day(session: Session, class_day_id: int) -> dict[int, AttendanceStatus]:
    return {
        row.enrolment_id: row.status
        for row in session.scalars(
            select(Attendance).where(Attendance.class_day_id == class_day_id)
        )
    }


# -- Exceptions -----------------------------------------------------------------------------


def exception_for(session: Session, enrolment_id: int) -> AttendanceException | None:
    return session.scalar(
        select(AttendanceException).where(AttendanceException.enrolment_id == enrolment_id)
    )


def _exception_changed(
    session: Session,
    enrolment: Enrolment,
    change: str,
    reason: str,
    *,
    actor_id: int,
    now: datetime,
) -> None:
    # HR systems sync by "updated since": an exception is a change of the enrolment.
    enrolment.updated_at = now
    session.flush()
    audit.record(
        session,
        actor_id,
        f"attendance.exception.{change}",
        "enrolment",
        enrolment.id,
        detail=f"reason={reason}",
        now=now,
    )


def grant_exception(
    session: Session,
    curriculum: Curriculum,
    enrolment: Enrolment,
    *,
    reason: str,
    actor_id: int,
    now: datetime,
) -> AttendanceException:
    """A teacher accepts this learner's attendance below the threshold, with a reason."""
    reason = audit.require_reason(reason)
    if exception_for(session, enrolment.id) is not None:
        raise DomainError(
            N_("%(name)s already has an attendance exception."), name=enrolment.user.name
        )
    granted = AttendanceException(
        enrolment_id=enrolment.id, reason=reason, granted_at=now, granted_by_id=actor_id
    )
    session.add(granted)
    _exception_changed(session, enrolment, "grant", reason, actor_id=actor_id, now=now)
    certification.settle(session, curriculum, [enrolment.id], now=now)
    return granted


def withdraw_exception(
    session: Session,
    curriculum: Curriculum,
    enrolment: Enrolment,
    *,
    reason: str,
    actor_id: int,
    now: datetime,
) -> None:
    """Take an attendance exception back. An issued certificate stays (an admin decides)."""
    reason = audit.require_reason(reason)
    granted = exception_for(session, enrolment.id)
    if granted is None:
        raise DomainError(N_("%(name)s has no attendance exception."), name=enrolment.user.name)
    session.delete(granted)
    _exception_changed(session, enrolment, "withdraw", reason, actor_id=actor_id, now=now)

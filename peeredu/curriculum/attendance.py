"""Class days of a cohort and who attended them.

The course is taught in class alongside work; a learner passes with attendance at or above
the course's threshold (90 % by default). Absence with notice is still absence, shown apart.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ForeignKey, String, UniqueConstraint, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from peeredu import audit
from peeredu.accounts.models import Cohort, Enrolment, enum_type
from peeredu.curriculum.content import Curriculum
from peeredu.db import Base
from peeredu.errors import N_, DomainError


class AttendanceStatus(str, enum.Enum):
    PRESENT = "present"
    ABSENT = "absent"
    ABSENT_WITH_NOTICE = "absent_with_notice"


class ClassDay(Base):
    __tablename__ = "class_days"
    __table_args__ = (UniqueConstraint("cohort_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    date: Mapped[date]
    topic: Mapped[str] = mapped_column(String(200), default="")
    module_slug: Mapped[str | None] = mapped_column(String(100))


class Attendance(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("class_day_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_day_id: Mapped[int] = mapped_column(
        ForeignKey("class_days.id", ondelete="CASCADE"), index=True
    )
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[AttendanceStatus] = mapped_column(
        enum_type(AttendanceStatus, "attendance_status")
    )
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


# -- Class days -----------------------------------------------------------------------------


def class_days(session: Session, cohort_id: int) -> list[ClassDay]:
    return list(
        session.scalars(
            select(ClassDay).where(ClassDay.cohort_id == cohort_id).order_by(ClassDay.date)
        )
    )


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
    if not cohort.start_date <= day <= cohort.end_date:
        raise DomainError(
            N_("The day must be within the cohort's period, %(start)s to %(end)s."),
            field="date",
            start=cohort.start_date.isoformat(),
            end=cohort.end_date.isoformat(),
        )
    clash = session.scalar(
        select(ClassDay.id).where(ClassDay.cohort_id == cohort.id, ClassDay.date == day)
    )
    if clash is not None:
        raise DomainError(N_("The cohort already has a class day on that date."), field="date")
    class_day = ClassDay(
        cohort_id=cohort.id, date=day, topic=topic, module_slug=module_slug or None
    )
    session.add(class_day)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="class_day.create",
        object_type="cohort",
        object_id=cohort.id,
        detail=f"date={day.isoformat()}",
    )
    return class_day


def plan_dates(first: date, count: int, *, days_between: int = 2) -> list[date]:
    """Two class days a week: the first day's weekday and ``days_between`` days later."""
    dates = []
    week_start = first
    while len(dates) < count:
        dates.append(week_start)
        if len(dates) < count:
            dates.append(week_start + timedelta(days=days_between))
        week_start += timedelta(weeks=1)
    return dates


def plan_class_days(
    session: Session, curriculum: Curriculum, cohort: Cohort, *, actor_id: int
) -> list[ClassDay]:
    """The course file's plan of class days, twice a week from the cohort's start."""
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


def modules_taught(session: Session, cohort_id: int, *, today: date) -> set[str]:
    """Modules whose class day has been held: the class has started on them."""
    return set(
        session.scalars(
            select(ClassDay.module_slug).where(
                ClassDay.cohort_id == cohort_id,
                ClassDay.date <= today,
                ClassDay.module_slug.is_not(None),
            )
        )
    )


# -- Attendance -----------------------------------------------------------------------------


def register(
    session: Session,
    class_day: ClassDay,
    statuses: Mapping[int, AttendanceStatus | str],
    *,
    actor_id: int,
    now: datetime,
) -> int:
    """Record attendance for learners of the day's cohort; returns how many changed."""
    enrolled = set(
        session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == class_day.cohort_id))
    )
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
    changed = 0
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
        changed += 1
    if touched:
        # HR systems sync by "updated since": attendance is a change of the enrolment.
        session.execute(
            update(Enrolment)
            .where(Enrolment.id.in_(touched))
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    if changed:
        audit.record(
            session,
            actor_id=actor_id,
            action="attendance.register",
            object_type="class_day",
            object_id=class_day.id,
            detail=f"changed={changed}",
            now=now,
        )
    return changed


def statuses_for_day(session: Session, class_day_id: int) -> dict[int, AttendanceStatus]:
    return {
        row.enrolment_id: row.status
        for row in session.scalars(
            select(Attendance).where(Attendance.class_day_id == class_day_id)
        )
    }


@dataclass(frozen=True)
class AttendanceSummary:
    present: int = 0
    absent: int = 0
    absent_with_notice: int = 0

    @property
    def registered(self) -> int:
        return self.present + self.absent + self.absent_with_notice

    @property
    def percent(self) -> int | None:
        """Share of registered class days attended; None before any day is registered."""
        if not self.registered:
            return None
        return round(100 * self.present / self.registered)

    def meets(self, threshold: int) -> bool:
        return self.percent is not None and self.percent >= threshold


def summaries(session: Session, enrolment_ids: Collection[int]) -> dict[int, AttendanceSummary]:
    """Attendance per enrolment, in one grouped query."""
    counts: dict[int, dict[AttendanceStatus, int]] = {eid: {} for eid in enrolment_ids}
    if enrolment_ids:
        rows = session.execute(
            select(Attendance.enrolment_id, Attendance.status, func.count())
            .where(Attendance.enrolment_id.in_(enrolment_ids))
            .group_by(Attendance.enrolment_id, Attendance.status)
        )
        for enrolment_id, status, count in rows:
            counts[enrolment_id][status] = count
    return {
        eid: AttendanceSummary(
            present=c.get(AttendanceStatus.PRESENT, 0),
            absent=c.get(AttendanceStatus.ABSENT, 0),
            absent_with_notice=c.get(AttendanceStatus.ABSENT_WITH_NOTICE, 0),
        )
        for eid, c in counts.items()
    }

"""What the course has recorded about each learner, and the attendance rule that reads it.

Class days, attendance, attendance exceptions and module completions live here, with the
queries the certification rule needs. The operations that change them (``attendance`` and
``progress``) sit one layer up, because each of them settles the learner's certificate in the
same transaction: certification reads this module, those modules call certification.

Attendance is a share of the cohort's *planned* class days (past and future, cancelled days
left out), compared in integers: ``present * 100 >= threshold * planned``; only the days of
the learner's current cohort count (a learner moved to another cohort: ``moves``). A day nobody
registered is not a day attended, so a certificate cannot be earned mid-course by counting only
the days registered so far.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import ForeignKey, String, UniqueConstraint, and_, case, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from peeredu.accounts.models import Enrolment, Track
from peeredu.curriculum.content import Curriculum
from peeredu.db import Base, enum_type


class AttendanceStatus(str, enum.Enum):
    PRESENT = "present"
    ABSENT = "absent"
    ABSENT_WITH_NOTICE = "absent_with_notice"


class CompletionKind(str, enum.Enum):
    LEARNER = "learner"  # the learner marked a module without an assignment as done
    TEACHER = "teacher"  # a teacher completed it by exception, with a reason
    APPROVAL = "approval"  # the module's reflection was approved


class ClassDay(Base):
    __tablename__ = "class_days"
    __table_args__ = (UniqueConstraint("cohort_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    date: Mapped[date]
    topic: Mapped[str] = mapped_column(String(200), default="")
    module_slug: Mapped[str | None] = mapped_column(String(100))
    # A cancelled day stays visible (with its reason) but no longer counts as planned.
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    # Local (Europe/Copenhagen) times of day, when known; shown and put in calendars.
    starts_at: Mapped[time | None]
    ends_at: Mapped[time | None]
    # Why the day was moved from another date, shown to learners; empty when never moved.
    move_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


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


class AttendanceException(Base):
    """A teacher's decision that this learner's attendance counts as met, with a reason."""

    __tablename__ = "attendance_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True
    )
    reason: Mapped[str] = mapped_column(String(500))
    granted_at: Mapped[datetime]
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ModuleCompletion(Base):
    """A module completed by one enrolment. Reopening deletes the row; the audit log keeps
    the history."""

    __tablename__ = "module_completions"
    __table_args__ = (UniqueConstraint("enrolment_id", "module_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    module_slug: Mapped[str] = mapped_column(String(100), index=True)
    completed_at: Mapped[datetime]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[CompletionKind] = mapped_column(enum_type(CompletionKind, "completion_kind"))
    reason: Mapped[str] = mapped_column(String(500), default="")


# -- Completions ----------------------------------------------------------------------------


def completions_by_enrolment(
    session: Session, enrolment_ids: Collection[int]
) -> dict[int, dict[str, ModuleCompletion]]:
    """Every completion of these enrolments, in one query."""
    found: dict[int, dict[str, ModuleCompletion]] = {eid: {} for eid in enrolment_ids}
    if not enrolment_ids:
        return found
    for row in session.scalars(
        select(ModuleCompletion).where(ModuleCompletion.enrolment_id.in_(enrolment_ids))
    ):
        found[row.enrolment_id][row.module_slug] = row
    return found


def required_completed_counts(
    session: Session, curriculum: Curriculum, tracks: Mapping[int, Track]
) -> dict[int, int]:
    """Per enrolment (id → its track), how many of its track's required modules are completed,
    counted by the database in one query; a completion of a module off the track, or of one
    the content no longer has, does not count."""
    counts = dict.fromkeys(tracks, 0)
    required = [
        and_(Enrolment.track == track, ModuleCompletion.module_slug.in_(modules))
        for track in Track
        if (modules := curriculum.course.tracks[track].modules)
    ]
    if not tracks or not required:
        return counts
    rows = session.execute(
        select(ModuleCompletion.enrolment_id, func.count())
        .join(Enrolment, Enrolment.id == ModuleCompletion.enrolment_id)
        .where(ModuleCompletion.enrolment_id.in_(list(tracks)), or_(*required))
        .group_by(ModuleCompletion.enrolment_id)
    )
    counts.update({enrolment_id: count for enrolment_id, count in rows})
    return counts


# -- The attendance rule --------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceSummary:
    """One learner's attendance over their cohort's planned class days."""

    present: int = 0
    absent: int = 0
    absent_with_notice: int = 0
    planned: int = 0  # the cohort's class days, past and future, cancelled days left out
    held: int = 0  # planned days on or before today
    exception: bool = False  # a teacher granted an attendance exception

    @property
    def registered(self) -> int:
        return self.present + self.absent + self.absent_with_notice

    @property
    def percent(self) -> int | None:
        """Share of the planned days attended, rounded down; None when none is planned.

        Only for display: rounding down never shows 90 % for 89.5 %. The rule is ``meets``.
        """
        if not self.planned:
            return None
        return self.present * 100 // self.planned

    def required(self, threshold: int) -> int:
        """Days present the threshold asks for: the smallest n with n * 100 >= t * planned."""
        return -(-threshold * self.planned // 100)

    def meets(self, threshold: int) -> bool:
        if self.exception:
            return True
        return self.planned > 0 and self.present * 100 >= threshold * self.planned

    def may_still_miss(self, threshold: int) -> int:
        """How many of the days not yet registered the learner can miss and still pass.

        Negative when the threshold can no longer be reached.
        """
        still_open = self.planned - self.registered
        return self.present + still_open - self.required(threshold)

    def reachable(self, threshold: int) -> bool:
        return self.exception or (self.planned > 0 and self.may_still_miss(threshold) >= 0)


def summaries(
    session: Session, enrolment_ids: Collection[int], *, today: date
) -> dict[int, AttendanceSummary]:
    """Attendance per enrolment over its cohort's planned days, in two grouped queries."""
    if not enrolment_ids:
        return {}
    counts: dict[int, dict[AttendanceStatus, int]] = {eid: {} for eid in enrolment_ids}
    # Only the days of the learner's current cohort: after a move to another cohort, what was
    # registered on the old cohort's days is kept but no longer counts (curriculum.moves).
    rows = session.execute(
        select(Attendance.enrolment_id, Attendance.status, func.count())
        .join(ClassDay, ClassDay.id == Attendance.class_day_id)
        .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
        .where(
            Attendance.enrolment_id.in_(enrolment_ids),
            ClassDay.cancelled_at.is_(None),
            ClassDay.cohort_id == Enrolment.cohort_id,
        )
        .group_by(Attendance.enrolment_id, Attendance.status)
    )
    for enrolment_id, status, count in rows:
        counts[enrolment_id][status] = count
    plans = session.execute(
        select(
            Enrolment.id,
            func.count(ClassDay.id),
            func.coalesce(func.sum(case((ClassDay.date <= today, 1), else_=0)), 0),
            AttendanceException.id,
        )
        .outerjoin(
            ClassDay,
            and_(ClassDay.cohort_id == Enrolment.cohort_id, ClassDay.cancelled_at.is_(None)),
        )
        .outerjoin(AttendanceException, AttendanceException.enrolment_id == Enrolment.id)
        .where(Enrolment.id.in_(enrolment_ids))
        .group_by(Enrolment.id, AttendanceException.id)
    )
    plan = {eid: (int(planned), int(held), exc is not None) for eid, planned, held, exc in plans}
    result = {}
    for eid, c in counts.items():
        planned, held, exception = plan.get(eid, (0, 0, False))
        result[eid] = AttendanceSummary(
            present=c.get(AttendanceStatus.PRESENT, 0),
            absent=c.get(AttendanceStatus.ABSENT, 0),
            absent_with_notice=c.get(AttendanceStatus.ABSENT_WITH_NOTICE, 0),
            planned=planned,
            held=held,
            exception=exception,
        )
    return result

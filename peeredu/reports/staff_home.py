"""What each staff member's start page says there is to do, counted with grouped queries.

One panel per staff role: the teacher's (feedback waiting, the next class day per cohort,
learners at risk), HR's (counts per organisation followed) and the administrator's
(invitations not accepted, mail that failed, cohorts starting soon). Every count comes from a
fixed number of grouped queries, whatever the number of cohorts, organisations or people.

A learner is *at risk* when they are active in a cohort under way and either can no longer reach
the attendance threshold (``AttendanceSummary.reachable``, the certificate's own rule) or have
shown no activity for ``QUIET_DAYS``: their latest draft save, submission or class day attended
is that old, or they have none while the cohort started that long ago.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from peeredu import outbox
from peeredu.accounts import permissions
from peeredu.accounts.models import (
    AccountToken,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Organisation,
    TokenPurpose,
    User,
    cohort_teachers,
)
from peeredu.certification.models import Certificate
from peeredu.curriculum.records import Attendance, AttendanceStatus, ClassDay, summaries
from peeredu.db import local_date
from peeredu.reflections.models import Reflection, ReflectionVersion
from peeredu.reports.reviews import waiting_counts

QUIET_DAYS = 21  # no activity for three weeks
SOON_DAYS = 30  # a cohort "starts soon" within this many days
LISTED = 20  # names listed on a start page at most; the count says how many in all


# -- The teacher ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NextDay:
    cohort_id: int
    cohort_name: str
    day_id: int | None  # None: no class day planned from today on
    day: date | None
    is_today: bool
    ended: bool = False  # the cohort's period is over: still listed, so its pages stay at hand


@dataclass(frozen=True)
class AtRisk:
    enrolment_id: int
    cohort_id: int
    cohort_name: str
    name: str
    attendance_lost: bool  # can no longer reach the threshold
    quiet_since: date | None  # latest activity, when it is QUIET_DAYS old; None with no activity
    quiet: bool


@dataclass(frozen=True)
class TeacherHome:
    waiting: int
    late: int
    flagged: int
    next_days: list[NextDay]
    at_risk: list[AtRisk]  # at most LISTED
    at_risk_total: int


def _next_days(session: Session, teacher_id: int, today: date) -> list[NextDay]:
    first = (
        select(ClassDay.cohort_id, func.min(ClassDay.date).label("day"))
        .where(ClassDay.date >= today, ClassDay.cancelled_at.is_(None))
        .group_by(ClassDay.cohort_id)
        .subquery()
    )
    rows = session.execute(
        select(Cohort.id, Cohort.name, ClassDay.id, ClassDay.date, Cohort.end_date < today)
        .join(cohort_teachers, cohort_teachers.c.cohort_id == Cohort.id)
        .outerjoin(first, first.c.cohort_id == Cohort.id)
        .outerjoin(
            ClassDay,
            and_(
                ClassDay.cohort_id == Cohort.id,
                ClassDay.date == first.c.day,
                ClassDay.cancelled_at.is_(None),
            ),
        )
        .where(cohort_teachers.c.user_id == teacher_id)
        # Cohorts under way or coming first; ended ones after them, the latest first.
        .order_by(
            Cohort.end_date < today,
            case((Cohort.end_date < today, Cohort.end_date), else_=None).desc(),
            Cohort.start_date,
            Cohort.name,
            ClassDay.id,
        )
    )
    found: dict[int, NextDay] = {}
    for cohort_id, name, day_id, day, ended in rows:
        found.setdefault(
            cohort_id, NextDay(cohort_id, name, day_id, day, day == today, ended=bool(ended))
        )
    return list(found.values())


def _latest(*moments: date | None) -> date | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def _local(moment: datetime | None) -> date | None:
    return None if moment is None else local_date(moment)


def _last_activity(session: Session, enrolment_ids: Collection[int]) -> dict[int, date | None]:
    """The latest draft save, submission or class day attended, per enrolment (two queries)."""
    writing = session.execute(
        select(
            Reflection.enrolment_id,
            func.max(Reflection.draft_saved_at),
            func.max(ReflectionVersion.submitted_at),
        )
        .outerjoin(ReflectionVersion, ReflectionVersion.reflection_id == Reflection.id)
        .where(Reflection.enrolment_id.in_(enrolment_ids))
        .group_by(Reflection.enrolment_id)
    )
    latest: dict[int, date | None] = dict.fromkeys(enrolment_ids)
    for eid, saved, submitted in writing:
        latest[eid] = _latest(_local(saved), _local(submitted))
    attended = session.execute(
        select(Attendance.enrolment_id, func.max(ClassDay.date))
        .join(ClassDay, ClassDay.id == Attendance.class_day_id)
        .where(
            Attendance.enrolment_id.in_(enrolment_ids),
            Attendance.status == AttendanceStatus.PRESENT,
        )
        .group_by(Attendance.enrolment_id)
    )
    for eid, day in attended:
        latest[eid] = _latest(latest[eid], day)
    return latest


def _at_risk(
    session: Session, teacher_id: int, today: date, threshold: int
) -> tuple[list[AtRisk], int]:
    learners = session.execute(
        select(Enrolment.id, Cohort.id, Cohort.name, Cohort.start_date, User.name)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(User, User.id == Enrolment.user_id)
        .join(cohort_teachers, cohort_teachers.c.cohort_id == Cohort.id)
        .where(
            cohort_teachers.c.user_id == teacher_id,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Cohort.start_date <= today,
            Cohort.end_date >= today,
        )
        .order_by(Cohort.start_date, Cohort.name, func.lower(User.name), Enrolment.id)
    ).all()
    ids = [row[0] for row in learners]
    if not ids:
        return [], 0
    attendance = summaries(session, ids, today=today)
    activity = _last_activity(session, ids)
    quiet_before = today - timedelta(days=QUIET_DAYS)
    found = []
    for eid, cohort_id, cohort_name, start, name in learners:
        summary = attendance[eid]
        lost = summary.planned > 0 and not summary.reachable(threshold)
        last = activity[eid]
        quiet = (last or start) <= quiet_before
        if lost or quiet:
            found.append(AtRisk(eid, cohort_id, cohort_name, name, lost, last, quiet))
    return found[:LISTED], len(found)


def teacher_home(session: Session, teacher_id: int, *, today: date, threshold: int) -> TeacherHome:
    waiting, late, flagged = waiting_counts(session, teacher_id)
    at_risk, total = _at_risk(session, teacher_id, today, threshold)
    return TeacherHome(
        waiting=waiting,
        late=late,
        flagged=flagged,
        next_days=_next_days(session, teacher_id, today),
        at_risk=at_risk,
        at_risk_total=total,
    )


# -- HR -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationCounts:
    organisation_id: int
    name: str
    active: int  # in the course now
    completed: int
    certified: int  # with a valid certificate
    at_risk: int  # active, and the attendance threshold can no longer be reached


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def hr_home(
    session: Session, hr_user_id: int, *, today: date, threshold: int
) -> list[OrganisationCounts]:
    """Per organisation the HR user follows (and only those), by name."""
    scope = permissions.hr_organisation_ids(hr_user_id)
    rows = session.execute(
        select(
            Organisation.id,
            Organisation.name,
            _count(Enrolment.status == EnrolmentStatus.ACTIVE),
            _count(Enrolment.status == EnrolmentStatus.COMPLETED),
            _count(and_(Certificate.id.is_not(None), Certificate.revoked_at.is_(None))),
        )
        .outerjoin(Enrolment, Enrolment.organisation_id == Organisation.id)
        .outerjoin(Certificate, Certificate.enrolment_id == Enrolment.id)
        .where(Organisation.id.in_(scope))
        .group_by(Organisation.id, Organisation.name)
        .order_by(func.lower(Organisation.name), Organisation.id)
    ).all()
    active = session.execute(
        select(Enrolment.id, Enrolment.organisation_id).where(
            Enrolment.organisation_id.in_(scope), Enrolment.status == EnrolmentStatus.ACTIVE
        )
    ).all()
    attendance = summaries(session, [eid for eid, _org in active], today=today)
    at_risk: dict[int, int] = {}
    for eid, org_id in active:
        summary = attendance[eid]
        if summary.planned > 0 and not summary.reachable(threshold):
            at_risk[org_id] = at_risk.get(org_id, 0) + 1
    return [
        OrganisationCounts(oid, name, int(a), int(c), int(cert), at_risk.get(oid, 0))
        for oid, name, a, c, cert in rows
    ]


# -- The administrator ----------------------------------------------------------------------


@dataclass(frozen=True)
class Invited:
    user_id: int
    name: str
    email: str
    expires_at: datetime


@dataclass(frozen=True)
class FailedMail:
    message_id: int
    to_address: str
    subject: str
    attempts: int
    last_error: str


@dataclass(frozen=True)
class StartingCohort:
    cohort_id: int
    name: str
    start_date: date
    enrolled: int


@dataclass(frozen=True)
class AdminHome:
    invited: int  # invitations not accepted whose link still works
    expired: list[Invited]  # not accepted, and the link expired or was revoked (at most LISTED)
    expired_total: int
    failed: list[FailedMail]  # waiting to be sent again after a failed attempt (at most LISTED)
    failed_total: int
    starting: list[StartingCohort]


def _invitations(session: Session, now: datetime) -> tuple[int, list[Invited], int]:
    usable = and_(
        AccountToken.used_at.is_(None),
        AccountToken.revoked_at.is_(None),
        AccountToken.expires_at > now,
    )
    rows = session.execute(
        select(User.id, User.name, User.email, func.max(AccountToken.expires_at), _count(usable))
        .join(AccountToken, AccountToken.user_id == User.id)
        .where(
            AccountToken.purpose == TokenPurpose.INVITATION,
            User.password_hash.is_(None),
            User.active.is_(True),
            User.anonymised_at.is_(None),
        )
        .group_by(User.id, User.name, User.email)
        .order_by(func.max(AccountToken.expires_at), User.id)
    ).all()
    expired = [Invited(uid, name, email, ends) for uid, name, email, ends, ok in rows if not ok]
    return len(rows) - len(expired), expired[:LISTED], len(expired)


def _failed_mail(session: Session) -> tuple[list[FailedMail], int]:
    failed = and_(
        outbox.OutboxMessage.status == outbox.OutboxStatus.PENDING,
        outbox.OutboxMessage.last_error != "",
    )
    total = session.scalar(select(func.count()).where(failed)) or 0
    rows = session.execute(
        select(
            outbox.OutboxMessage.id,
            outbox.OutboxMessage.to_address,
            outbox.OutboxMessage.subject,
            outbox.OutboxMessage.attempts,
            outbox.OutboxMessage.last_error,
        )
        .where(failed)
        .order_by(outbox.OutboxMessage.id.desc())
        .limit(LISTED)
    )
    return [FailedMail(*row) for row in rows], total


def _starting(session: Session, today: date) -> list[StartingCohort]:
    rows = session.execute(
        select(Cohort.id, Cohort.name, Cohort.start_date, func.count(Enrolment.id))
        .outerjoin(Enrolment, Enrolment.cohort_id == Cohort.id)
        .where(Cohort.start_date >= today, Cohort.start_date <= today + timedelta(days=SOON_DAYS))
        .group_by(Cohort.id, Cohort.name, Cohort.start_date)
        .order_by(Cohort.start_date, Cohort.name)
    )
    return [StartingCohort(*row) for row in rows]


def admin_home(session: Session, *, now: datetime) -> AdminHome:
    invited, expired, expired_total = _invitations(session, now)
    failed, failed_total = _failed_mail(session)
    return AdminHome(
        invited=invited,
        expired=expired,
        expired_total=expired_total,
        failed=failed,
        failed_total=failed_total,
        starting=_starting(session, local_date(now)),
    )


# -- All of a person's panels ---------------------------------------------------------------


def staff_panels(
    session: Session, user: User, *, now: datetime, threshold: int
) -> dict[str, TeacherHome | Sequence[OrganisationCounts] | AdminHome | None]:
    """The template context of the start page's staff sections (None: not this role)."""
    today = local_date(now)
    return {
        "teacher_home": (
            teacher_home(session, user.id, today=today, threshold=threshold)
            if permissions.is_teacher(user)
            else None
        ),
        "hr_home": (
            hr_home(session, user.id, today=today, threshold=threshold)
            if permissions.is_hr(user)
            else None
        ),
        "admin_home": admin_home(session, now=now) if permissions.can_administer(user) else None,
    }

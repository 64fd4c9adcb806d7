"""What waits for a teacher's feedback: the review queue, status counts, the daily digest.

Read-only, and a fixed number of queries whatever the number of reflections: each function is
one statement over joined tables, returning plain rows. Only versions that were submitted are
ever read here (never drafts, never the practice log), and never their text.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased, defer, joinedload, selectinload

from peeredu.accounts.models import (
    Cohort,
    Enrolment,
    NotificationMode,
    Role,
    Track,
    User,
    UserRole,
    cohort_teachers,
)
from peeredu.curriculum.progress import ModuleStatus, reflection_state
from peeredu.reflections import deadlines
from peeredu.reflections.definitions import Assignment, AssignmentSet
from peeredu.reflections.models import (
    Extension,
    Reflection,
    ReflectionStatus,
    ReflectionVersion,
    Review,
    ReviewDecision,
)

# The statuses a teacher can see counted, in the order of the work. Drafts are the learner's.
COUNTED = (
    ReflectionStatus.SUBMITTED,
    ReflectionStatus.NOT_YET_APPROVED,
    ReflectionStatus.REVISION,
    ReflectionStatus.APPROVED,
)

Ts = TypeVarTuple("Ts")


class QueueView(str, enum.Enum):
    """Which versions the queue lists: those waiting (the work), those whose feedback was
    released (to find it again), or every submitted version."""

    WAITING = "waiting"
    SENT = "sent"
    ALL = "all"


@dataclass(frozen=True)
class QueueFilter:
    cohort_id: int | None = None
    module_slug: str | None = None
    track: Track | None = None
    late: bool = False
    flagged: bool = False
    # The digest's window: submitted after ``submitted_after``, up to ``submitted_until``.
    submitted_after: datetime | None = None
    submitted_until: datetime | None = None


@dataclass(frozen=True)
class QueueItem:
    version_id: int
    version_number: int
    submitted_at: datetime
    late: bool
    flagged: bool
    assignment_slug: str
    module_slug: str
    enrolment_id: int
    track: Track
    learner_name: str
    cohort_id: int
    cohort_name: str
    # A teacher has saved feedback on this version that is not released yet.
    draft_started: bool
    released_at: datetime | None = None
    decision: ReviewDecision | None = None


def _taught(query: Select[*Ts], teacher_id: int) -> Select[*Ts]:
    """Only enrolments in cohorts ``teacher_id`` teaches (the query must join Enrolment)."""
    return query.join(
        cohort_teachers,
        and_(
            cohort_teachers.c.cohort_id == Enrolment.cohort_id,
            cohort_teachers.c.user_id == teacher_id,
        ),
    )


def _filtered(query: Select[*Ts], filters: QueueFilter) -> Select[*Ts]:
    """The filters that apply to reflections as a whole: cohort, module and track."""
    if filters.cohort_id is not None:
        query = query.where(Enrolment.cohort_id == filters.cohort_id)
    if filters.module_slug:
        query = query.where(Reflection.module_slug == filters.module_slug)
    if filters.track is not None:
        query = query.where(Enrolment.track == filters.track)
    return query


def _queue_query(
    teacher_id: int,
    filters: QueueFilter,
    exclude_version_id: int | None,
    view: QueueView = QueueView.WAITING,
) -> Select[*tuple[Any, ...]]:
    """The versions of ``view``: waiting for feedback (latest version, feedback not released),
    with feedback released, or all."""
    later = aliased(ReflectionVersion)
    newest = (
        select(func.max(later.number))
        .where(later.reflection_id == Reflection.id)
        .correlate(Reflection)
        .scalar_subquery()
    )
    query = (
        select(
            ReflectionVersion.id,
            ReflectionVersion.number,
            ReflectionVersion.submitted_at,
            ReflectionVersion.late,
            Reflection.supervision_flag,
            Reflection.assignment_slug,
            Reflection.module_slug,
            Enrolment.id,
            Enrolment.track,
            User.name,
            Cohort.id,
            Cohort.name,
            Review.id,
            Review.released_at,
            Review.decision,
        )
        .join(Reflection, ReflectionVersion.reflection_id == Reflection.id)
        .join(Enrolment, Reflection.enrolment_id == Enrolment.id)
        .join(User, Enrolment.user_id == User.id)
        .join(Cohort, Enrolment.cohort_id == Cohort.id)
        .outerjoin(Review, Review.version_id == ReflectionVersion.id)
    )
    if view is QueueView.WAITING:
        query = query.where(
            Reflection.status == ReflectionStatus.SUBMITTED,
            ReflectionVersion.number == newest,
            or_(Review.id.is_(None), Review.released_at.is_(None)),
        )
    elif view is QueueView.SENT:
        query = query.where(Review.released_at.is_not(None))
    query = _filtered(_taught(query, teacher_id), filters)
    if filters.flagged:
        query = query.where(Reflection.supervision_flag.is_(True))
    if filters.late:
        query = query.where(ReflectionVersion.late.is_(True))
    if filters.submitted_after is not None:
        query = query.where(ReflectionVersion.submitted_at > filters.submitted_after)
    if filters.submitted_until is not None:
        query = query.where(ReflectionVersion.submitted_at <= filters.submitted_until)
    if exclude_version_id is not None:
        query = query.where(ReflectionVersion.id != exclude_version_id)
    return query


def review_queue(
    session: Session,
    teacher_id: int,
    filters: QueueFilter | None = None,
    *,
    exclude_version_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
    view: QueueView = QueueView.WAITING,
) -> list[QueueItem]:
    """Versions of ``view`` in the teacher's cohorts: what waits oldest submitted first (the
    order of the work), sent feedback newest released first, all newest submitted first."""
    query = _queue_query(teacher_id, filters or QueueFilter(), exclude_version_id, view)
    if view is QueueView.WAITING:
        query = query.order_by(ReflectionVersion.submitted_at, ReflectionVersion.id)
    elif view is QueueView.SENT:
        query = query.order_by(Review.released_at.desc(), ReflectionVersion.id.desc())
    else:
        query = query.order_by(ReflectionVersion.submitted_at.desc(), ReflectionVersion.id.desc())
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [
        QueueItem(
            version_id=row[0],
            version_number=row[1],
            submitted_at=row[2],
            late=row[3],
            flagged=row[4],
            assignment_slug=row[5],
            module_slug=row[6],
            enrolment_id=row[7],
            track=row[8],
            learner_name=row[9],
            cohort_id=row[10],
            cohort_name=row[11],
            draft_started=row[12] is not None and row[13] is None,
            released_at=row[13],
            decision=row[14],
        )
        for row in session.execute(query)
    ]


def queue_size(
    session: Session,
    teacher_id: int,
    filters: QueueFilter | None = None,
    view: QueueView = QueueView.WAITING,
) -> int:
    """How many versions the queue's ``view`` lists, for its page count."""
    waiting = _queue_query(teacher_id, filters or QueueFilter(), None, view).subquery()
    return session.scalar(select(func.count()).select_from(waiting)) or 0


def waiting_counts(session: Session, teacher_id: int) -> tuple[int, int, int]:
    """How many versions wait for the teacher: in all, late, marked for supervision."""
    waiting = _queue_query(teacher_id, QueueFilter(), None).subquery()
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((waiting.c.late.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((waiting.c.supervision_flag.is_(True), 1), else_=0)), 0),
        ).select_from(waiting)
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def next_in_queue(session: Session, teacher_id: int, *, after_version_id: int) -> int | None:
    """The oldest other version waiting for this teacher, for "release and go to next"."""
    found = review_queue(session, teacher_id, exclude_version_id=after_version_id, limit=1)
    return found[0].version_id if found else None


def status_counts(
    session: Session, teacher_id: int, filters: QueueFilter | None = None
) -> dict[ModuleStatus, int]:
    """Reflections per state in the teacher's cohorts (cohort, module and track filters): a
    revision under way counts with the feedback it answers, as every page names it."""
    filters = filters or QueueFilter()
    query = (
        select(Reflection.status, func.count(Reflection.id))
        .join(Enrolment, Reflection.enrolment_id == Enrolment.id)
        .where(Reflection.status.in_(COUNTED))
        .group_by(Reflection.status)
    )
    query = _filtered(_taught(query, teacher_id), filters)
    counts = {reflection_state(status): 0 for status in COUNTED}
    for status, count in session.execute(query):
        counts[reflection_state(status)] += count
    return counts


def version_with_learner(session: Session, version_id: int) -> ReflectionVersion | None:
    """A version with its reflection, the enrolment, the learner and the cohort, in one query."""
    return session.scalar(
        select(ReflectionVersion)
        .where(ReflectionVersion.id == version_id)
        .options(
            joinedload(ReflectionVersion.reflection)
            .joinedload(Reflection.enrolment)
            .options(joinedload(Enrolment.user), joinedload(Enrolment.cohort))
        )
    )


def learner_reflections(session: Session, enrolment_id: int) -> Sequence[Reflection]:
    """One learner's reflections with every submitted version and its feedback (and who gave
    it), in three queries. No text is read: not the draft (the learner's alone), nor the
    versions' (the review page shows those)."""
    return session.scalars(
        select(Reflection)
        .where(Reflection.enrolment_id == enrolment_id)
        .options(
            defer(Reflection.draft_text, raiseload=True),
            defer(Reflection.draft_fields, raiseload=True),
            selectinload(Reflection.versions).options(
                defer(ReflectionVersion.text, raiseload=True),
                defer(ReflectionVersion.html, raiseload=True),
                defer(ReflectionVersion.fields, raiseload=True),
                selectinload(ReflectionVersion.review).joinedload(Review.teacher),
            ),
        )
        .order_by(Reflection.id)
    ).all()


def taught_cohorts(session: Session, teacher_id: int) -> Sequence[Cohort]:
    return session.scalars(
        select(Cohort)
        .join(cohort_teachers, cohort_teachers.c.cohort_id == Cohort.id)
        .where(cohort_teachers.c.user_id == teacher_id)
        .order_by(Cohort.start_date.desc(), Cohort.name)
    ).all()


def digest_teachers(session: Session) -> Sequence[User]:
    """Active teachers who chose one daily summary over an email per reflection."""
    return session.scalars(
        select(User)
        .join(UserRole, and_(UserRole.user_id == User.id, UserRole.role == Role.TEACHER))
        .where(User.active.is_(True), User.review_notifications == NotificationMode.DIGEST)
        .order_by(User.id)
    ).all()


@dataclass(frozen=True)
class DueDate:
    assignment: Assignment
    due_on: date
    extended: bool


def due_dates(
    session: Session,
    assignments: AssignmentSet,
    enrolment: Enrolment,
    module_slugs: Iterable[str],
) -> dict[str, DueDate]:
    """The (soft) due date of each module's assignment for one learner, by module slug."""
    extensions = {
        extension.assignment_slug: extension
        for extension in session.scalars(
            select(Extension).where(Extension.enrolment_id == enrolment.id)
        )
    }
    found = {}
    for slug in module_slugs:
        assignment = assignments.for_module(slug)
        if assignment is not None:
            extension = extensions.get(assignment.slug)
            found[slug] = DueDate(
                assignment=assignment,
                due_on=deadlines.due_on(assignment, enrolment, extension),
                extended=extension is not None,
            )
    return found

"""What the learner's start page reads: their reflections with any new feedback, the soft due
dates, and each cohort's next class day. One grouped query each, whatever the numbers."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peeredu.curriculum.records import ClassDay
from peeredu.reflections.models import (
    Extension,
    Reflection,
    ReflectionStatus,
    ReflectionVersion,
    Review,
)


@dataclass(frozen=True)
class ReflectionFacts:
    """One reflection as the start page needs it: never its text."""

    assignment_slug: str
    module_slug: str
    status: ReflectionStatus
    draft_saved_at: datetime | None
    feedback_released_at: datetime | None  # the latest released feedback, if any
    feedback_seen_at: datetime | None

    @property
    def new_feedback(self) -> bool:
        """Feedback released since the learner last opened the reflection."""
        released, seen = self.feedback_released_at, self.feedback_seen_at
        return released is not None and (seen is None or released > seen)


def reflection_facts(
    session: Session, enrolment_ids: Collection[int]
) -> dict[int, dict[str, ReflectionFacts]]:
    """Each enrolment's reflections by module slug, with when feedback was last released."""
    found: dict[int, dict[str, ReflectionFacts]] = {eid: {} for eid in enrolment_ids}
    if not enrolment_ids:
        return found
    released = func.max(Review.released_at)
    rows = session.execute(
        select(
            Reflection.enrolment_id,
            Reflection.assignment_slug,
            Reflection.module_slug,
            Reflection.status,
            Reflection.draft_saved_at,
            released,
            Reflection.feedback_seen_at,
        )
        .outerjoin(ReflectionVersion, ReflectionVersion.reflection_id == Reflection.id)
        .outerjoin(Review, Review.version_id == ReflectionVersion.id)
        .where(Reflection.enrolment_id.in_(enrolment_ids))
        .group_by(Reflection.id)
    )
    for enrolment_id, assignment, module, status, saved, last_released, seen in rows:
        found[enrolment_id][module] = ReflectionFacts(
            assignment_slug=assignment,
            module_slug=module,
            status=status,
            draft_saved_at=saved,
            feedback_released_at=last_released,
            feedback_seen_at=seen,
        )
    return found


def extensions_by_assignment(
    session: Session, enrolment_ids: Collection[int]
) -> dict[int, dict[str, Extension]]:
    """The deadlines teachers moved, per enrolment and assignment slug."""
    found: dict[int, dict[str, Extension]] = {eid: {} for eid in enrolment_ids}
    if enrolment_ids:
        for row in session.scalars(
            select(Extension).where(Extension.enrolment_id.in_(enrolment_ids))
        ):
            found[row.enrolment_id][row.assignment_slug] = row
    return found


def next_class_days(
    session: Session, cohort_ids: Collection[int], *, today: date
) -> dict[int, ClassDay]:
    """Each cohort's first planned class day from today on (cancelled days left out)."""
    found: dict[int, ClassDay] = {}
    if not cohort_ids:
        return found
    first = (
        select(ClassDay.cohort_id, func.min(ClassDay.date).label("first"))
        .where(
            ClassDay.cohort_id.in_(cohort_ids),
            ClassDay.date >= today,
            ClassDay.cancelled_at.is_(None),
        )
        .group_by(ClassDay.cohort_id)
        .subquery()
    )
    for day in session.scalars(
        select(ClassDay).join(
            first, (ClassDay.cohort_id == first.c.cohort_id) & (ClassDay.date == first.c.first)
        )
    ):
        found[day.cohort_id] = day
    return found

"""When an assignment is due for an enrolment, and the extensions teachers grant."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from peeredu import audit
from peeredu.accounts.models import Enrolment
from peeredu.errors import N_, DomainError
from peeredu.reflections.definitions import Assignment
from peeredu.reflections.models import Extension


def due_on(
    assignment: Assignment, enrolment: Enrolment, extension: Extension | None = None
) -> date:
    if extension is not None:
        return extension.due_on
    return enrolment.cohort.start_date + timedelta(days=assignment.due_days)


def grant_extension(
    session: Session,
    enrolment: Enrolment,
    assignment: Assignment,
    *,
    due: date,
    teacher_id: int,
    now: datetime,
) -> Extension:
    if due < enrolment.cohort.start_date:
        raise DomainError(N_("The new date must be after the cohort's start."), field="due_on")
    found = extension_for(session, enrolment.id, assignment.slug)
    if found is None:
        found = Extension(enrolment_id=enrolment.id, assignment_slug=assignment.slug, due_on=due)
        session.add(found)
    found.due_on, found.granted_by_id, found.granted_at = due, teacher_id, now
    session.flush()
    audit.record(
        session,
        teacher_id,
        "extension.grant",
        "enrolment",
        enrolment.id,
        detail=f"assignment={assignment.slug} due={due.isoformat()}",
        now=now,
    )
    return found


def extension_for(session: Session, enrolment_id: int, assignment_slug: str) -> Extension | None:
    return session.scalar(
        select(Extension).where(
            Extension.enrolment_id == enrolment_id, Extension.assignment_slug == assignment_slug
        )
    )

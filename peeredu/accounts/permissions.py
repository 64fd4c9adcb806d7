"""Who may see and do what: every access decision of the app, as named predicates.

Views, templates and services ask these; nothing else decides access. A predicate that says
no to seeing an object means the view answers 404, so that the object's existence is not
disclosed either.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.orm import Session, aliased

from peeredu.accounts.models import (
    Enrolment,
    Role,
    Track,
    User,
    UserRole,
    cohort_teachers,
    hr_scopes,
)
from peeredu.reflections.models import CommentSnippet


class Visitor(Protocol):
    """A signed-in User, or Flask-Login's anonymous user (which has no roles)."""

    is_authenticated: bool


def _roles(visitor: Visitor | User) -> frozenset[Role]:
    return visitor.roles if isinstance(visitor, User) else frozenset()


def is_admin(visitor: Visitor | User) -> bool:
    return Role.ADMIN in _roles(visitor)


def is_teacher(visitor: Visitor | User) -> bool:
    return Role.TEACHER in _roles(visitor)


def is_hr(visitor: Visitor | User) -> bool:
    return Role.HR in _roles(visitor)


def is_learner(visitor: Visitor | User) -> bool:
    return Role.LEARNER in _roles(visitor)


def can_administer(visitor: Visitor | User) -> bool:
    """Organisations, cohorts, users, enrolments and invitations."""
    return is_admin(visitor)


def teaches_cohort(session: Session, visitor: Visitor | User, cohort_id: int) -> bool:
    if not isinstance(visitor, User) or not is_teacher(visitor):
        return False
    return bool(
        session.scalar(
            select(
                exists().where(
                    cohort_teachers.c.cohort_id == cohort_id,
                    cohort_teachers.c.user_id == visitor.id,
                )
            )
        )
    )


def hr_organisation_ids(hr_user_id: int) -> Select[int]:
    """The organisations an HR user covers: none unless the account is active and holds HR.

    The one definition of HR's scope, for this permission and for every HR query (which
    apply it in SQL). The role is checked here too because removing the HR role leaves the
    hr_scopes rows.
    """
    hr_user = aliased(User, name="hr_user")
    return (
        select(hr_scopes.c.organisation_id)
        .join(hr_user, hr_user.id == hr_scopes.c.user_id)
        .join(
            UserRole,
            and_(UserRole.user_id == hr_scopes.c.user_id, UserRole.role == Role.HR),
        )
        .where(hr_scopes.c.user_id == hr_user_id, hr_user.active.is_(True))
        .correlate(None)
    )


def hr_covers(session: Session, visitor: Visitor | User, organisation_id: int) -> bool:
    if not isinstance(visitor, User) or not is_hr(visitor):
        return False
    covered = hr_organisation_ids(visitor.id).where(hr_scopes.c.organisation_id == organisation_id)
    return bool(session.scalar(select(covered.exists())))


def can_study(visitor: Visitor | User, enrolment: Enrolment) -> bool:
    """Read the course and act as the learner of this enrolment: only the learner."""
    return isinstance(visitor, User) and enrolment.user_id == visitor.id


def can_review(session: Session, visitor: Visitor | User, enrolment: Enrolment) -> bool:
    """Read submitted versions and give feedback: the teachers of the learner's cohort.

    Never drafts or the practice log: those are the learner's alone (can_study).
    """
    return teaches_cohort(session, visitor, enrolment.cohort_id)


def can_view_enrolment(session: Session, visitor: Visitor | User, enrolment: Enrolment) -> bool:
    """Progress and status of one enrolment (never reflection text: that has its own rule)."""
    if not isinstance(visitor, User):
        return False
    return (
        enrolment.user_id == visitor.id
        or is_admin(visitor)
        or teaches_cohort(session, visitor, enrolment.cohort_id)
        or hr_covers(session, visitor, enrolment.organisation_id)
    )


def can_issue_certificate(session: Session, visitor: Visitor | User, enrolment: Enrolment) -> bool:
    """Issue a certificate by exception: an admin, or a teacher of the learner's cohort."""
    return is_admin(visitor) or teaches_cohort(session, visitor, enrolment.cohort_id)


def can_revoke_certificate(visitor: Visitor | User) -> bool:
    """Revoke an issued certificate: only an admin."""
    return is_admin(visitor)


def can_view_certificate(session: Session, visitor: Visitor | User, enrolment: Enrolment) -> bool:
    """Read the PDF of a certificate issued for this enrolment: whoever may see its progress."""
    return visitor.is_authenticated and can_view_enrolment(session, visitor, enrolment)


def can_study_module(
    visitor: Visitor | User, enrolment: Enrolment, tracks: Collection[Track]
) -> bool:
    """Read a module (or write its assignment) of this enrolment: the learner, if the module
    is part of their track (``tracks`` are the module's)."""
    return can_study(visitor, enrolment) and enrolment.track in tracks


def teaches_learner_in(
    session: Session, visitor: Visitor | User, enrolment: Enrolment, cohort_id: int
) -> bool:
    """Act as the teacher of this learner at a cohort's address (set a due date): the
    enrolment is in cohort ``cohort_id`` and the visitor teaches that cohort."""
    return enrolment.cohort_id == cohort_id and teaches_cohort(session, visitor, cohort_id)


def owns_snippet(visitor: Visitor | User, snippet: CommentSnippet) -> bool:
    """Use, change or delete a comment snippet: only the teacher who wrote it."""
    return isinstance(visitor, User) and snippet.teacher_id == visitor.id

"""Organisations and cohorts: made, changed and found by name.

Every function takes the session and the acting user's id; it validates everything before it
changes anything, raises DomainError naming the field, and flushes but never commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peeredu import audit
from peeredu.accounts.models import (
    Cohort,
    Organisation,
    OrganisationKind,
    Role,
    User,
    UserRole,
)
from peeredu.accounts.validation import normalise_email, parse_choice, required_text
from peeredu.db import lock
from peeredu.errors import N_, DomainError, NotFound

DEFAULT_COURSE = "peer-uddannelsen"


def _check_unique_name(
    session: Session, model: type[Organisation] | type[Cohort], name: str, own_id: int | None
) -> None:
    clash = session.scalar(
        select(model.id).where(func.lower(model.name) == name.lower(), model.id != (own_id or 0))
    )
    if clash is not None:
        raise DomainError(N_("The name %(name)s is already in use."), field="name", name=name)


def create_organisation(
    session: Session, *, name: str, kind: OrganisationKind | str, actor_id: int | None
) -> Organisation:
    return update_organisation(session, Organisation(), name=name, kind=kind, actor_id=actor_id)


def update_organisation(
    session: Session,
    organisation: Organisation,
    *,
    name: str,
    kind: OrganisationKind | str,
    actor_id: int | None,
) -> Organisation:
    name = required_text(name, "name", 200)
    kind = parse_choice(
        OrganisationKind,
        kind,
        N_("Unknown kind of organisation. Use one of: %(choices)s."),
        field="kind",
        choices=", ".join(k.value for k in OrganisationKind),
    )
    _check_unique_name(session, Organisation, name, organisation.id)
    is_new = organisation.id is None
    organisation.name, organisation.kind = name, kind
    session.add(organisation)
    session.flush()
    audit.record(
        session,
        actor_id,
        "organisation.create" if is_new else "organisation.update",
        "organisation",
        organisation.id,
    )
    return organisation


def get_organisation_by_name(session: Session, name: str, *, field: str) -> Organisation:
    organisation = session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
    )
    if organisation is None:
        raise NotFound(N_("No organisation is called %(name)s."), field=field, name=name)
    return organisation


def create_cohort(
    session: Session,
    *,
    name: str,
    start_date: date,
    end_date: date,
    teacher_ids: Iterable[int] = (),
    course: str = DEFAULT_COURSE,
    actor_id: int | None,
) -> Cohort:
    return update_cohort(
        session,
        Cohort(course=course),
        name=name,
        start_date=start_date,
        end_date=end_date,
        teacher_ids=teacher_ids,
        actor_id=actor_id,
    )


def update_cohort(
    session: Session,
    cohort: Cohort,
    *,
    name: str,
    start_date: date,
    end_date: date,
    teacher_ids: Iterable[int],
    actor_id: int | None,
) -> Cohort:
    name = required_text(name, "name", 200)
    if end_date < start_date:
        raise DomainError(N_("The end date must not be before the start date."), field="end_date")
    _check_unique_name(session, Cohort, name, cohort.id)
    teacher_ids = set(teacher_ids)
    teachers = list(
        session.scalars(
            select(User)
            .join(UserRole)
            .where(User.id.in_(teacher_ids), UserRole.role == Role.TEACHER)
        )
    )
    if len(teachers) != len(teacher_ids):
        raise DomainError(
            N_("Only users with the teacher role can teach a cohort."), field="teachers"
        )
    is_new = cohort.id is None
    cohort.name, cohort.start_date, cohort.end_date = name, start_date, end_date
    cohort.teachers = teachers
    session.add(cohort)
    session.flush()
    audit.record(
        session,
        actor_id,
        "cohort.create" if is_new else "cohort.update",
        "cohort",
        cohort.id,
        detail="teachers=" + ",".join(str(t.id) for t in teachers),
    )
    return cohort


def get_cohort_by_name(session: Session, name: str, *, field: str) -> Cohort:
    cohort = session.scalar(select(Cohort).where(func.lower(Cohort.name) == name.strip().lower()))
    if cohort is None:
        raise NotFound(N_("No cohort is called %(name)s."), field=field, name=name)
    return cohort


def add_teacher(session: Session, cohort: Cohort, email: str, *, actor_id: int) -> User:
    """The person with this address teaches the cohort from now on; given the teacher role
    if they do not hold it yet (as enrolling gives the learner role)."""
    address = normalise_email(email)
    user = session.scalar(select(User).where(User.email == address))
    if user is None:
        raise DomainError(
            N_("No account has the address %(email)s. Invite the person first."),
            field="email",
            email=address,
        )
    if not user.active:
        raise DomainError(
            N_("The account of %(email)s is deactivated."), field="email", email=address
        )
    lock(session, cohort)
    if user in cohort.teachers:
        raise DomainError(
            N_("%(name)s already teaches %(cohort)s."),
            field="email",
            name=user.name,
            cohort=cohort.name,
        )
    if Role.TEACHER not in user.roles:
        lock(session, user)
        user.role_rows.append(UserRole(role=Role.TEACHER))
        user.bump_session_version()
        audit.record(session, actor_id, "user.roles", "user", user.id, detail="roles=+teacher")
    cohort.teachers.append(user)
    session.flush()
    audit.record(
        session, actor_id, "cohort.teacher.add", "cohort", cohort.id, detail=f"user={user.id}"
    )
    return user

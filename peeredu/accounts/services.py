"""What can be done with accounts. Shared by the web views, the CLI and the demo data.

Organisations, cohorts, users and enrolments; invitation and reset links live in
``invitations``, signing in in ``authentication``, two-step sign-in in ``twofactor``.

Every function takes the session, the acting user's id and (where time matters) the time; it
validates everything before it changes anything, raises DomainError naming the field, and
flushes but never commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peeredu import audit
from peeredu.accounts.models import (
    Cohort,
    Enrolment,
    EnrolmentStatus,
    NotificationMode,
    Organisation,
    OrganisationKind,
    Role,
    Track,
    User,
    UserRole,
    WorkRole,
)
from peeredu.accounts.passwords import (
    hash_password,
    password_problem,
)
from peeredu.db import lock
from peeredu.errors import N_, DomainError, NotFound

LOCALES = ("da", "en")
DEFAULT_COURSE = "peer-uddannelsen"


# -- Validation helpers ---------------------------------------------------------------------


def normalise_email(email: str, *, field: str = "email") -> str:
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise DomainError(
            N_("%(email)s is not a valid email address."), field=field, email=email
        ) from None
    return result.normalized.lower()


def _required_text(value: str, field: str, max_length: int) -> str:
    value = " ".join(value.split())
    if not value:
        raise DomainError(N_("This field is required."), field=field)
    if len(value) > max_length:
        raise DomainError(
            N_("At most %(count)s characters, please."), field=field, count=max_length
        )
    return value


def check_new_password(password: str, *, email: str, name: str, field: str = "password") -> str:
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise DomainError(problem, field=field)
    return hash_password(password)


def parse_roles(roles: Iterable[Role | str]) -> set[Role]:
    try:
        parsed = {Role(role) for role in roles}
    except ValueError:
        raise DomainError(
            N_("Unknown role. Use one of: %(choices)s."),
            field="roles",
            choices=", ".join(r.value for r in Role),
        ) from None
    if not parsed:
        raise DomainError(N_("Choose at least one role."), field="roles")
    return parsed


def _parse_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise DomainError(
            N_("Unknown language. Use one of: %(choices)s."),
            field="locale",
            choices=", ".join(LOCALES),
        )
    return locale


# -- Organisations --------------------------------------------------------------------------


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
    name = _required_text(name, "name", 200)
    try:
        kind = OrganisationKind(kind)
    except ValueError:
        raise DomainError(
            N_("Unknown kind of organisation. Use one of: %(choices)s."),
            field="kind",
            choices=", ".join(k.value for k in OrganisationKind),
        ) from None
    _check_unique_name(session, Organisation, name, organisation.id)
    is_new = organisation.id is None
    organisation.name, organisation.kind = name, kind
    session.add(organisation)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="organisation.create" if is_new else "organisation.update",
        object_type="organisation",
        object_id=organisation.id,
    )
    return organisation


def get_organisation_by_name(session: Session, name: str, *, field: str) -> Organisation:
    organisation = session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
    )
    if organisation is None:
        raise NotFound(N_("No organisation is called %(name)s."), field=field, name=name)
    return organisation


# -- Cohorts --------------------------------------------------------------------------------


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
    name = _required_text(name, "name", 200)
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
        actor_id=actor_id,
        action="cohort.create" if is_new else "cohort.update",
        object_type="cohort",
        object_id=cohort.id,
        detail="teachers=" + ",".join(str(t.id) for t in teachers),
    )
    return cohort


def get_cohort_by_name(session: Session, name: str, *, field: str) -> Cohort:
    cohort = session.scalar(select(Cohort).where(func.lower(Cohort.name) == name.strip().lower()))
    if cohort is None:
        raise NotFound(N_("No cohort is called %(name)s."), field=field, name=name)
    return cohort


# -- Users ----------------------------------------------------------------------------------


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    roles: Iterable[Role | str],
    locale: str = "da",
    password: str | None = None,
    actor_id: int | None,
) -> User:
    """A user; without a password they cannot sign in until they accept an invitation."""
    email = normalise_email(email)
    name = _required_text(name, "name", 200)
    parsed_roles = parse_roles(roles)
    locale = _parse_locale(locale)
    if get_user_by_email(session, email) is not None:
        raise DomainError(
            N_("A user with the email address %(email)s already exists."),
            field="email",
            email=email,
        )
    password_hash = (
        check_new_password(password, email=email, name=name) if password is not None else None
    )
    user = User(email=email, name=name, locale=locale, password_hash=password_hash)
    user.role_rows = [UserRole(role=role) for role in sorted(parsed_roles)]
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="user.create",
        object_type="user",
        object_id=user.id,
        detail="roles=" + ",".join(sorted(r.value for r in parsed_roles)),
    )
    return user


def update_user(
    session: Session,
    user: User,
    *,
    name: str,
    roles: Iterable[Role | str],
    locale: str,
    actor_id: int,
) -> User:
    name = _required_text(name, "name", 200)
    parsed_roles = parse_roles(roles)
    locale = _parse_locale(locale)
    # Two admins at once: the second compares with, and replaces, what the first saved.
    lock(session, user)
    if user.id == actor_id and Role.ADMIN in user.roles and Role.ADMIN not in parsed_roles:
        raise DomainError(N_("You cannot remove your own admin role."), field="roles")
    old_roles = user.roles
    user.name, user.locale = name, locale
    if parsed_roles != old_roles:
        user.role_rows = [UserRole(role=role) for role in sorted(parsed_roles)]
        # A change of roles is a change of what the user may see: sign them in again.
        user.bump_session_version()
        audit.record(
            session,
            actor_id=actor_id,
            action="user.roles",
            object_type="user",
            object_id=user.id,
            detail="roles=" + ",".join(sorted(r.value for r in parsed_roles)),
        )
    session.flush()
    return user


def set_active(session: Session, user: User, active: bool, *, actor_id: int) -> None:
    if user.id == actor_id and not active:
        raise DomainError(N_("You cannot deactivate your own account."))
    lock(session, user)
    if user.active == active:
        return
    user.active = active
    user.bump_session_version()
    audit.record(
        session,
        actor_id=actor_id,
        action="user.activate" if active else "user.deactivate",
        object_type="user",
        object_id=user.id,
    )
    session.flush()


def set_hr_scope(
    session: Session, user: User, organisation_ids: Iterable[int], *, actor_id: int | None
) -> None:
    ids = set(organisation_ids)
    if ids and Role.HR not in user.roles:
        raise DomainError(
            N_("Only users with the HR role can be given organisations."), field="organisations"
        )
    organisations = list(session.scalars(select(Organisation).where(Organisation.id.in_(ids))))
    if len(organisations) != len(ids):
        raise DomainError(N_("Unknown organisation."), field="organisations")
    lock(session, user)
    user.hr_organisations = organisations
    audit.record(
        session,
        actor_id=actor_id,
        action="user.hr_scope",
        object_type="user",
        object_id=user.id,
        detail="organisations=" + ",".join(str(i) for i in sorted(ids)),
    )
    session.flush()


def set_locale(session: Session, user: User, locale: str) -> None:
    user.locale = _parse_locale(locale)
    session.flush()


def set_review_notifications(session: Session, user: User, mode: NotificationMode | str) -> None:
    """An email per submitted reflection, or one daily digest (teachers)."""
    try:
        user.review_notifications = NotificationMode(mode)
    except ValueError:
        raise DomainError(N_("Unknown choice."), field="mode") from None
    session.flush()


def record_digest_sent(session: Session, user: User, *, now: datetime) -> None:
    """Submissions after ``now`` go into the next digest."""
    user.last_digest_at = now
    session.flush()


# -- Enrolments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentSpec:
    cohort_id: int
    organisation_id: int
    track: Track | str
    work_role: WorkRole | str


def enrol(session: Session, user: User, spec: EnrolmentSpec, *, actor_id: int | None) -> Enrolment:
    try:
        track = Track(spec.track)
    except ValueError:
        raise DomainError(N_("Unknown track. Use peer or colleague."), field="track") from None
    try:
        work_role = WorkRole(spec.work_role)
    except ValueError:
        raise DomainError(
            N_("Unknown role at work. Use one of: %(choices)s."),
            field="work_role",
            choices=", ".join(w.value for w in WorkRole),
        ) from None
    cohort = session.get(Cohort, spec.cohort_id)
    if cohort is None:
        raise DomainError(N_("Unknown cohort."), field="cohort")
    if session.get(Organisation, spec.organisation_id) is None:
        raise DomainError(N_("Unknown organisation."), field="organisation")
    existing = session.scalar(
        select(Enrolment.id).where(Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id)
    )
    if existing is not None:
        raise DomainError(
            N_("%(name)s is already enrolled in %(cohort)s."),
            field="cohort",
            name=user.name,
            cohort=cohort.name,
        )
    if Role.LEARNER not in user.roles:
        user.role_rows.append(UserRole(role=Role.LEARNER))
    enrolment = Enrolment(
        user=user,
        cohort_id=cohort.id,
        organisation_id=spec.organisation_id,
        track=track,
        work_role=work_role,
    )
    session.add(enrolment)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="enrolment.create",
        object_type="enrolment",
        object_id=enrolment.id,
        detail=f"user={user.id} cohort={cohort.id} track={track.value}",
    )
    return enrolment


def set_enrolment_status(
    session: Session, enrolment: Enrolment, status: EnrolmentStatus | str, *, actor_id: int
) -> None:
    try:
        status = EnrolmentStatus(status)
    except ValueError:
        raise DomainError(N_("Unknown enrolment status."), field="status") from None
    if enrolment.status == status:
        return
    audit.record(
        session,
        actor_id=actor_id,
        action="enrolment.status",
        object_type="enrolment",
        object_id=enrolment.id,
        detail=f"{enrolment.status.value}->{status.value}",
    )
    enrolment.status = status
    session.flush()

"""Users: made, changed, (de)activated, given roles, HR organisations and preferences.

Invitation and reset links live in ``invitations``, signing in in ``authentication``, two-step
sign-in in ``twofactor``. Every function validates everything before it changes anything,
raises DomainError naming the field, and flushes but never commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peeredu import audit
from peeredu.accounts.models import (
    NotificationMode,
    Organisation,
    Role,
    User,
    UserRole,
)
from peeredu.accounts.validation import (
    check_new_password,
    normalise_email,
    parse_choice,
    parse_locale,
    parse_roles,
    required_text,
)
from peeredu.db import lock
from peeredu.errors import N_, DomainError


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
    name = required_text(name, "name", 200)
    parsed_roles = parse_roles(roles)
    locale = parse_locale(locale)
    if get_user_by_email(session, email) is not None:
        raise DomainError(
            N_("A user with the email address %(email)s already exists."),
            field="email",
            email=email,
        )
    password_hash = (
        check_new_password(password, email=email, name=name) if password is not None else None
    )
    user = new_user(email=email, name=name, roles=parsed_roles, locale=locale)
    user.password_hash = password_hash
    session.add(user)
    session.flush()
    record_created(session, user, actor_id=actor_id)
    return user


def new_user(*, email: str, name: str, roles: Iterable[Role], locale: str) -> User:
    """A user row from checked values (``create_user`` checks them; so does a bulk
    enrolment, for many rows at once), not yet added to a session."""
    user = User(email=email, name=name, locale=locale, password_hash=None)
    user.role_rows = [UserRole(role=role) for role in sorted(set(roles))]
    return user


def record_created(session: Session, user: User, *, actor_id: int | None) -> None:
    audit.record(
        session,
        actor_id,
        "user.create",
        "user",
        user.id,
        detail="roles=" + ",".join(sorted(r.value for r in user.roles)),
    )


def update_user(
    session: Session,
    user: User,
    *,
    name: str,
    roles: Iterable[Role | str],
    locale: str,
    actor_id: int,
) -> User:
    name = required_text(name, "name", 200)
    parsed_roles = parse_roles(roles)
    locale = parse_locale(locale)
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
            actor_id,
            "user.roles",
            "user",
            user.id,
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
        session, actor_id, "user.activate" if active else "user.deactivate", "user", user.id
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
        actor_id,
        "user.hr_scope",
        "user",
        user.id,
        detail="organisations=" + ",".join(str(i) for i in sorted(ids)),
    )
    session.flush()


def set_locale(session: Session, user: User, locale: str) -> None:
    user.locale = parse_locale(locale)
    session.flush()


def set_review_notifications(session: Session, user: User, mode: NotificationMode | str) -> None:
    """An email per submitted reflection, or one daily digest (teachers)."""
    user.review_notifications = parse_choice(
        NotificationMode, mode, N_("Unknown choice."), field="mode"
    )
    session.flush()


def record_digest_sent(session: Session, user: User, *, now: datetime) -> None:
    """Submissions after ``now`` go into the next digest."""
    user.last_digest_at = now
    session.flush()

"""Read-only questions about accounts, for the admin screens and the CLI."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from peeredu.accounts.models import (
    AccountToken,
    Cohort,
    Enrolment,
    Organisation,
    Role,
    User,
    UserRole,
    hr_scopes,
)
from peeredu.paging import Page, clamp, offset, page_count

PAGE_SIZE = 50


class AccountState(str, enum.Enum):
    ACTIVE = "active"
    INVITED = "invited"
    INVITATION_EXPIRED = "invitation_expired"
    DEACTIVATED = "deactivated"


def account_state(user: User, invitation: AccountToken | None, now: datetime) -> AccountState:
    if not user.active:
        return AccountState.DEACTIVATED
    if user.password_hash is not None:
        return AccountState.ACTIVE
    if invitation is not None and invitation.is_usable(now):
        return AccountState.INVITED
    return AccountState.INVITATION_EXPIRED


@dataclass(frozen=True)
class UserFilter:
    text: str = ""
    role: Role | None = None
    cohort_id: int | None = None
    organisation_id: int | None = None


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_users(session: Session, filters: UserFilter, *, page: int = 1) -> Page[User]:
    conditions = []
    if filters.text.strip():
        pattern = _like_pattern(filters.text.strip())
        conditions.append(
            or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"))
        )
    if filters.role is not None:
        conditions.append(
            User.id.in_(select(UserRole.user_id).where(UserRole.role == filters.role))
        )
    if filters.cohort_id is not None:
        conditions.append(
            User.id.in_(select(Enrolment.user_id).where(Enrolment.cohort_id == filters.cohort_id))
        )
    if filters.organisation_id is not None:
        conditions.append(
            or_(
                User.id.in_(
                    select(Enrolment.user_id).where(
                        Enrolment.organisation_id == filters.organisation_id
                    )
                ),
                User.id.in_(
                    select(hr_scopes.c.user_id).where(
                        hr_scopes.c.organisation_id == filters.organisation_id
                    )
                ),
            )
        )
    total = session.scalar(select(func.count()).select_from(User).where(*conditions)) or 0
    pages = page_count(total, PAGE_SIZE)
    page = clamp(page, pages)
    users = session.scalars(
        select(User)
        .where(*conditions)
        .options(selectinload(User.role_rows))
        .order_by(func.lower(User.name), User.id)
        .limit(PAGE_SIZE)
        .offset(offset(page, PAGE_SIZE))
    ).all()
    return Page(rows=users, page=page, has_next=page < pages, size=PAGE_SIZE, total=total)


def all_organisations(session: Session) -> Sequence[Organisation]:
    return session.scalars(select(Organisation).order_by(func.lower(Organisation.name))).all()


def all_cohorts(session: Session) -> Sequence[Cohort]:
    return session.scalars(select(Cohort).order_by(Cohort.start_date.desc(), Cohort.name)).all()


def teachers(session: Session) -> Sequence[User]:
    return session.scalars(
        select(User)
        .join(UserRole)
        .where(UserRole.role == Role.TEACHER, User.active.is_(True))
        .order_by(func.lower(User.name))
    ).all()


def enrolments_of(session: Session, user_id: int) -> Sequence[Enrolment]:
    return session.scalars(
        select(Enrolment)
        .where(Enrolment.user_id == user_id)
        .options(selectinload(Enrolment.cohort), selectinload(Enrolment.organisation))
        .order_by(Enrolment.created_at.desc())
    ).all()


def cohort_participants(session: Session, cohort_id: int) -> Sequence[Enrolment]:
    return session.scalars(
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort_id)
        .options(selectinload(Enrolment.user), selectinload(Enrolment.organisation))
        .order_by(func.lower(User.name), Enrolment.id)
    ).all()


def cohort_sizes(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(Enrolment.cohort_id, func.count()).group_by(Enrolment.cohort_id)
    ).all()
    return {cohort_id: count for cohort_id, count in rows}

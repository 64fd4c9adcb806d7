"""People, organisations, cohorts and enrolments."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peeredu.db import Base, enum_type, utcnow


class Role(str, enum.Enum):
    LEARNER = "learner"
    TEACHER = "teacher"
    HR = "hr"
    ADMIN = "admin"


class OrganisationKind(str, enum.Enum):
    REGION = "region"
    MUNICIPALITY = "municipality"
    NGO = "ngo"
    OTHER = "other"


class Track(str, enum.Enum):
    PEER = "peer"
    COLLEAGUE = "colleague"


class WorkRole(str, enum.Enum):
    PAID_PEER = "paid_peer"
    VOLUNTEER_PEER = "volunteer_peer"
    COLLEAGUE = "colleague"
    MANAGER = "manager"


class EnrolmentStatus(str, enum.Enum):
    ACTIVE = "active"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"


class NotificationMode(str, enum.Enum):
    """How a teacher hears about submitted reflections."""

    IMMEDIATE = "immediate"
    DIGEST = "digest"


class TokenPurpose(str, enum.Enum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


cohort_teachers = Table(
    "cohort_teachers",
    Base.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

hr_scopes = Table(
    "hr_scopes",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_type(OrganisationKind, "organisation_kind"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), primary_key=True)


class User(Base):
    """A person who can sign in. Also the Flask-Login user object (duck-typed, no Flask)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (see accounts.validation.normalise_email): unique regardless of case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # None until the person accepts the invitation and chooses a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(5), default="da")
    # Part of the login cookie: bumping it signs the user out everywhere.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Failed sign-in attempts (password or second step) since the last success; when they
    # reach the limit the account is locked until locked_until (see authentication.check_password).
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    review_notifications: Mapped[NotificationMode] = mapped_column(
        enum_type(NotificationMode, "notification_mode"),
        default=NotificationMode.IMMEDIATE,
        # Existing users when the column was added.
        server_default=NotificationMode.IMMEDIATE.value,
    )
    # Submissions after this time go into the next daily digest.
    last_digest_at: Mapped[datetime | None]
    # Set when an admin anonymised the account on request (GDPR art. 17); see privacy.erase.
    anonymised_at: Mapped[datetime | None]

    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    hr_organisations: Mapped[list[Organisation]] = relationship(
        secondary=hr_scopes, order_by=Organisation.name
    )
    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def grant_role(self, role: Role) -> bool:
        """Give the role if the account lacks it; True when it was given now."""
        if role in self.roles:
            return False
        self.role_rows.append(UserRole(role=role))
        return True

    # Flask-Login's user protocol.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active and self.password_hash is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def bump_session_version(self) -> None:
        """Every login cookie made so far stops working (they carry the old version).

        Counted up by the database (``session_version + 1``), not from the value this session
        read: two bumps at once are two, and neither is lost. The new value is read back on
        next use, after the flush.
        """
        self.session_version = User.session_version + 1


class Cohort(Base):
    """One run ("hold") of the course."""

    __tablename__ = "cohorts"
    __table_args__ = (CheckConstraint("end_date >= start_date", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    course: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date]
    end_date: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    teachers: Mapped[list[User]] = relationship(secondary=cohort_teachers, order_by=User.name)
    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="cohort")


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    track: Mapped[Track] = mapped_column(enum_type(Track, "track"))
    work_role: Mapped[WorkRole] = mapped_column(enum_type(WorkRole, "work_role"))
    status: Mapped[EnrolmentStatus] = mapped_column(
        enum_type(EnrolmentStatus, "enrolment_status"), default=EnrolmentStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="enrolments")
    cohort: Mapped[Cohort] = relationship(back_populates="enrolments")
    organisation: Mapped[Organisation] = relationship()


class AccountToken(Base):
    """A one-time link sent by email: an invitation or a password reset.

    Only a hash of the token is stored, so a copy of the database cannot be used to log in.
    """

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_type(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


class CalendarFeed(Base):
    """A learner's secret calendar subscription: one per user, read without a session.

    Only a hash of the token is stored. Revoking deletes the row; a new feed gets a new token.
    """

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

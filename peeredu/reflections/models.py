"""Practice log, reflections with their drafts and submitted versions, and reviews.

Reflections may hold health information (GDPR art. 9): only the learner and, for submitted
versions, the teachers of the learner's cohort may read them (see accounts.permissions).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peeredu.accounts.models import Enrolment, User
from peeredu.db import Base, enum_type, utcnow


class ReflectionStatus(str, enum.Enum):
    DRAFT = "draft"  # being written, never submitted
    SUBMITTED = "submitted"  # a version waits for review
    APPROVED = "approved"
    NOT_YET_APPROVED = "not_yet_approved"  # feedback released, asks for a revision
    REVISION = "revision"  # the learner is writing the next version


class ReviewDecision(str, enum.Enum):
    APPROVED = "approved"
    NOT_YET = "not_yet"


class PracticeLogEntry(Base):
    """A short dated note from work between class days; private to the learner."""

    __tablename__ = "practice_log_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    noted_on: Mapped[date]
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reflection(Base):
    """One learner's work on one assignment: the live draft and its submitted versions."""

    __tablename__ = "reflections"
    __table_args__ = (UniqueConstraint("enrolment_id", "assignment_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    assignment_slug: Mapped[str] = mapped_column(String(100))
    module_slug: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[ReflectionStatus] = mapped_column(
        enum_type(ReflectionStatus, "reflection_status"),
        default=ReflectionStatus.DRAFT,
        index=True,
    )
    # The draft: free text, or the guided fields by key. Saved every few seconds.
    draft_text: Mapped[str] = mapped_column(Text, default="")
    draft_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Raised by every save; a save that names an older number is a conflict (two tabs).
    draft_version: Mapped[int] = mapped_column(default=0)
    draft_saved_at: Mapped[datetime | None]
    # "Til drøftelse i supervision": seen by the learner and the cohort's teachers only.
    supervision_flag: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the texts (draft, every version, the feedback) were deleted, by the learner or by
    # retention (see privacy.erase); the rows stay so that decisions and dates do.
    texts_deleted_at: Mapped[datetime | None]
    # When the learner last opened the released feedback; feedback released after it is new.
    feedback_seen_at: Mapped[datetime | None]

    enrolment: Mapped[Enrolment] = relationship()
    versions: Mapped[list[ReflectionVersion]] = relationship(
        back_populates="reflection",
        order_by="ReflectionVersion.number",
        cascade="all, delete-orphan",
    )


class ReflectionVersion(Base):
    """A submitted version. Never changed after it is written."""

    __tablename__ = "reflection_versions"
    __table_args__ = (UniqueConstraint("reflection_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reflection_id: Mapped[int] = mapped_column(
        ForeignKey("reflections.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Sanitised HTML, rendered once when submitted.
    html: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(index=True)
    late: Mapped[bool] = mapped_column(default=False)

    reflection: Mapped[Reflection] = relationship(back_populates="versions")
    review: Mapped[Review | None] = relationship(back_populates="version", uselist=False)


class Review(Base):
    """A teacher's feedback on one version: a draft until released to the learner."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("reflection_versions.id", ondelete="CASCADE"), unique=True
    )
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[ReviewDecision | None] = mapped_column(
        enum_type(ReviewDecision, "review_decision")
    )
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    # {criterion key: {"met": true | false | null, "comment": str}}
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    released_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Carried by the review form; a save naming an older number was overtaken by another.
    lock_version: Mapped[int] = mapped_column(default=1)

    version: Mapped[ReflectionVersion] = relationship(back_populates="review")
    teacher: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class Extension(Base):
    """A teacher moved one learner's soft deadline for one assignment."""

    __tablename__ = "extensions"
    __table_args__ = (UniqueConstraint("enrolment_id", "assignment_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    assignment_slug: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[date]
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommentSnippet(Base):
    """A teacher's reusable piece of feedback."""

    __tablename__ = "comment_snippets"

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StashedText(Base):
    """Text posted after the learner's session had expired, kept until they sign in again.

    Also the text of a window whose save met a newer draft (two tabs), until the learner
    chooses. Claimed only by the owner of the enrolment, through a token in their browser's
    session; deleted when a draft save containing it commits, or after a day.
    """

    __tablename__ = "stashed_texts"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    assignment_slug: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The draft version the text was written on; a newer draft means both are shown.
    base_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

"""Certificates (kursusbeviser). The facts on them are copied when issued, so that
verification keeps working after the learner's account is anonymised (GDPR art. 17)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peeredu.accounts.models import Enrolment, Track
from peeredu.db import Base, enum_type, utcnow


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="RESTRICT"), unique=True
    )
    code: Mapped[str] = mapped_column(String(13), unique=True)
    participant_name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(200))
    track: Mapped[Track] = mapped_column(enum_type(Track, "certificate_track"))
    hours: Mapped[float]
    cohort_name: Mapped[str] = mapped_column(String(200))
    cohort_start: Mapped[date]
    cohort_end: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # None when issued automatically because every condition was met.
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issue_reason: Mapped[str] = mapped_column(String(500), default="")
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)

    enrolment: Mapped[Enrolment] = relationship()

    @property
    def valid(self) -> bool:
        return self.revoked_at is None

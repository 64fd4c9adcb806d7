"""The audit log: who did what to which object, and when. Never the text of anything."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from peeredu.db import Base, changed_rows, utcnow
from peeredu.errors import N_, DomainError

REASON_MAX = 500


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    # A short, non-sensitive note (a reason given, a role changed); never learner text.
    detail: Mapped[str] = mapped_column(String(500), default="")


def require_reason(reason: str) -> str:
    """A reason for an exception (a teacher's override, a revocation), as kept in the log."""
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError(N_("Write a short reason; it is kept in the log."), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(
            N_("At most %(count)s characters, please."), field="reason", count=REASON_MAX
        )
    return reason


def record(
    session: Session,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: object,
    *,
    detail: str = "",
    now: datetime | None = None,
) -> AuditEvent:
    """Log that ``actor_id`` (None: the system) did ``action`` to one object; flushed with the
    caller's transaction, so the event and the change commit or roll back together."""
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail[:500],
        at=now or utcnow(),
    )
    session.add(event)
    return event


def purge(session: Session, *, before: datetime, dry_run: bool = False) -> int:
    """Delete the events from before ``before`` (``retention run``); how many (would) go."""
    old = AuditEvent.at < before
    if dry_run:
        return int(session.scalar(select(func.count()).where(old)) or 0)
    return changed_rows(session, delete(AuditEvent).where(old))

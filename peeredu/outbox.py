"""Outgoing mail as rows: written in the same transaction as the action that causes it.

A failing or hanging mail server must never cost a user their action, so nothing here talks
SMTP: ``deliver_due`` hands each due message to a transport and records the outcome, retrying
with backoff and giving up ("dead") after a number of attempts.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from peeredu.accounts.models import enum_type
from peeredu.db import Base, utcnow


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_type(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")


@dataclass(frozen=True)
class Email:
    to_address: str
    subject: str
    body_text: str


Transport = Callable[[Email], None]


def enqueue(session: Session, email: Email, *, now: datetime | None = None) -> OutboxMessage:
    message = OutboxMessage(
        to_address=email.to_address,
        subject=email.subject,
        body_text=email.body_text,
        next_attempt_at=now or utcnow(),
    )
    session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int
    dead: int


def claim_due(
    session: Session, *, now: datetime, lease: timedelta, limit: int = 50
) -> list[tuple[int, Email]]:
    """Take due messages for one delivery attempt; the caller commits before sending.

    The lease (a later ``next_attempt_at``) keeps a second worker off these rows while they
    are being sent, and brings them back if this worker dies mid-way.
    """
    due = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for message in due:
        message.attempts += 1
        message.next_attempt_at = now + lease
    session.flush()
    return [(m.id, Email(m.to_address, m.subject, m.body_text)) for m in due]


def record_outcome(
    session: Session,
    message_id: int,
    error: Exception | None,
    *,
    now: datetime,
    max_attempts: int,
) -> OutboxStatus:
    message = session.get_one(OutboxMessage, message_id)
    if error is None:
        message.status = OutboxStatus.SENT
        message.sent_at = now
        message.last_error = ""
    else:
        message.last_error = f"{type(error).__name__}: {error}"[:500]
        if message.attempts >= max_attempts:
            message.status = OutboxStatus.DEAD
        else:
            message.next_attempt_at = now + backoff(message.attempts)
    session.flush()
    return message.status


def deliver_due(
    sessions: sessionmaker[Session],
    transport: Transport,
    *,
    clock: Callable[[], datetime] = utcnow,
    max_attempts: int,
    lease: timedelta,
) -> DeliveryReport:
    """One pass over the outbox. No transaction is open while a message is being sent."""
    with sessions.begin() as session:
        claimed = claim_due(session, now=clock(), lease=lease)
    counts = {OutboxStatus.SENT: 0, OutboxStatus.PENDING: 0, OutboxStatus.DEAD: 0}
    for message_id, email in claimed:
        error: Exception | None = None
        try:
            transport(email)
        except Exception as exc:  # noqa: BLE001 - a failed delivery is recorded, never raised
            error = exc
        with sessions.begin() as session:
            status = record_outcome(
                session, message_id, error, now=clock(), max_attempts=max_attempts
            )
        counts[status] += 1
    return DeliveryReport(
        sent=counts[OutboxStatus.SENT],
        failed=counts[OutboxStatus.PENDING],
        dead=counts[OutboxStatus.DEAD],
    )


@dataclass(frozen=True)
class OutboxOverview:
    counts: dict[OutboxStatus, int]
    latest: list[OutboxMessage]


def overview(session: Session, *, limit: int = 50) -> OutboxOverview:
    """Counts per status and the newest messages, for the admins' view of the mail queue."""
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = {status: 0 for status in OutboxStatus}
    counts.update({status: count for status, count in rows})
    latest = session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    ).all()
    return OutboxOverview(counts=counts, latest=list(latest))

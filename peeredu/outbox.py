"""Outgoing mail as rows: written in the same transaction as the action that causes it.

A failing or hanging mail server must never cost a user their action or their time, so no
request talks SMTP: the mail worker (``peeredu mail worker``) runs ``deliver_due``, which
claims one due message at a time, hands it to a transport and records the outcome. A failed
message is retried with a growing wait (at most ``BACKOFF_CAP``) until it goes out or an admin
cancels it. Once delivered, the body (with its sign-in or reset link) is deleted; who it went
to, the subject, the template and the times stay until ``purge`` removes the row.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, Text, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from peeredu import audit
from peeredu.db import Base, changed_rows, enum_type, utcnow
from peeredu.errors import N_, DomainError, NotFound

log = logging.getLogger(__name__)

BACKOFF_CAP = timedelta(hours=1)
# The worker's own wait after a pass failed (the database was down): doubled each time.
WORKER_ERROR_WAIT_CAP = 60.0


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    # Which email this is (templates/peeredu/email/<template>.txt), kept when the body is deleted.
    template: Mapped[str] = mapped_column(String(60), default="")
    # Emptied once delivered or cancelled: bodies carry live sign-in and reset links.
    body_text: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_type(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the message is next due; while a worker sends it, the end of that worker's lease.
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")


@dataclass(frozen=True)
class Email:
    to_address: str
    subject: str
    body_text: str
    template: str = ""


Transport = Callable[[Email], None]


def enqueue(session: Session, email: Email, *, now: datetime | None = None) -> OutboxMessage:
    message = OutboxMessage(
        to_address=email.to_address,
        subject=email.subject,
        template=email.template,
        body_text=email.body_text,
        next_attempt_at=now or utcnow(),
    )
    session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes, at most an hour: an outage of a day still ends in delivery."""
    return min(timedelta(minutes=2 ** min(max(attempts - 1, 0), 10)), BACKOFF_CAP)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int


def claim_next(session: Session, *, now: datetime, lease: timedelta) -> tuple[int, Email] | None:
    """Take the oldest due message for one attempt; the caller commits before sending.

    One message per claim, so the lease (a later ``next_attempt_at``) covers one send, never a
    batch. On PostgreSQL ``SKIP LOCKED`` lets a second worker take the next message at once;
    on SQLite the writing session's ``BEGIN IMMEDIATE`` makes the claim one writer at a time.
    """
    message = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if message is None:
        return None
    message.attempts += 1
    message.next_attempt_at = now + lease
    session.flush()
    return message.id, Email(message.to_address, message.subject, message.body_text)


def record_outcome(
    session: Session, message_id: int, error: Exception | None, *, now: datetime
) -> OutboxStatus:
    message = session.get_one(OutboxMessage, message_id)
    if message.status is not OutboxStatus.PENDING:
        return message.status  # cancelled while it was being sent
    if error is None:
        message.status = OutboxStatus.SENT
        message.sent_at = now
        message.last_error = ""
        message.body_text = ""
    else:
        message.last_error = f"{type(error).__name__}: {error}"[:500]
        message.next_attempt_at = now + backoff(message.attempts)
    session.flush()
    return message.status


def deliver_due(
    sessions: sessionmaker[Session],
    transport: Transport,
    *,
    clock: Callable[[], datetime] = utcnow,
    lease: timedelta,
    stop: Callable[[], bool] = lambda: False,
) -> DeliveryReport:
    """Send due messages one by one until none is due (or ``stop()``), and say how it went.

    No transaction is open while a message is being sent. Database errors are raised (the
    worker logs them and waits); mail errors are recorded on the message.
    """
    sent = failed = 0
    while not stop():
        with sessions.begin() as session:
            claimed = claim_next(session, now=clock(), lease=lease)
        if claimed is None:
            break
        message_id, email = claimed
        error: Exception | None = None
        try:
            transport(email)
        except Exception as exc:  # noqa: BLE001 - a failed delivery is recorded, never raised
            error = exc
        with sessions.begin() as session:
            status = record_outcome(session, message_id, error, now=clock())
        if error is None:
            sent += 1
        else:
            failed += 1
            log.warning(
                "Outbox message %s not sent (%s), tried again later: %s",
                message_id,
                status.value,
                error,
            )
    return DeliveryReport(sent=sent, failed=failed)


def run_worker(
    deliver: Callable[[Callable[[], bool]], DeliveryReport],
    *,
    stop: threading.Event,
    interval: float,
    on_report: Callable[[DeliveryReport], None] = lambda report: None,
) -> None:
    """Deliver, wait ``interval`` seconds (or less, once ``stop`` is set), again, until stopped.

    Whatever a pass raises (the database gone, a bug) is logged and the worker waits longer
    each time, up to a minute, then carries on: a worker that dies sends nothing.
    """
    failures = 0
    while not stop.is_set():
        try:
            report = deliver(stop.is_set)
        except Exception:  # noqa: BLE001 - see the docstring
            failures += 1
            wait = min(interval * 2**failures, WORKER_ERROR_WAIT_CAP)
            log.exception("Mail worker: the pass failed; trying again in %.0f s", wait)
        else:
            failures = 0
            wait = interval
            on_report(report)
        stop.wait(wait)


# -- What admins do with the queue -------------------------------------------------------------


def _pending(session: Session, message_id: int) -> OutboxMessage:
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(N_("There is no such message."))
    if message.status is not OutboxStatus.PENDING:
        raise DomainError(N_("The message is no longer waiting to be sent."))
    return message


def _act(
    session: Session, message: OutboxMessage, action: str, actor_id: int | None, now: datetime
) -> None:
    audit.record(session, actor_id, f"outbox.{action}", "outbox_message", message.id, now=now)
    session.flush()


def send_now(session: Session, message_id: int, *, actor_id: int | None, now: datetime) -> None:
    """Make a waiting message due at once (after the mail server was fixed)."""
    message = _pending(session, message_id)
    message.next_attempt_at = min(message.next_attempt_at, now)
    _act(session, message, "resend", actor_id, now)


def cancel(session: Session, message_id: int, *, actor_id: int | None, now: datetime) -> None:
    """Stop trying to send a message; its body (and any link in it) is deleted."""
    message = _pending(session, message_id)
    message.status = OutboxStatus.CANCELLED
    message.body_text = ""
    _act(session, message, "cancel", actor_id, now)


def retry_all(session: Session, *, now: datetime) -> int:
    """Make every waiting message due at once (``peeredu mail retry``); how many there were."""
    messages = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at > now
        )
    ).all()
    for message in messages:
        message.next_attempt_at = now
    session.flush()
    return len(messages)


def purge(session: Session, *, before: datetime, dry_run: bool = False) -> int:
    """Delete sent and cancelled messages created before ``before``; how many (would) go."""
    finished = (
        OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.CANCELLED]),
        OutboxMessage.created_at < before,
    )
    if dry_run:
        return int(session.scalar(select(func.count()).where(*finished)) or 0)
    return changed_rows(session, delete(OutboxMessage).where(*finished))


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

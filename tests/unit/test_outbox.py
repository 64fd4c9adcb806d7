"""The outbox: retries with backoff, gives up after a number of attempts, sends when it can.

No app: a real session factory over this run's database (a SQLite file, or the PostgreSQL
test database), a transport that is a plain function, and a clock the test moves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from peeredu import outbox
from peeredu.db import make_engine, make_sessionmaker
from peeredu.models import metadata
from peeredu.outbox import Email, OutboxMessage, OutboxStatus

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
EMAIL = Email("kim@example.org", "Velkommen", "Klik på linket.")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class Transport:
    """Fails while ``working`` is False, like a mail server that is down; records what it sent."""

    def __init__(self, working: bool) -> None:
        self.working = working
        self.sent: list[Email] = []

    def __call__(self, email: Email) -> None:
        if not self.working:
            raise ConnectionRefusedError("mail server down")
        self.sent.append(email)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    yield make_sessionmaker(engine, write=True)
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def queue(sessions: sessionmaker[Session], email: Email = EMAIL) -> int:
    with sessions.begin() as session:
        message = outbox.enqueue(session, email, now=START)
        session.flush()
        return message.id


def load(sessions: sessionmaker[Session], message_id: int) -> OutboxMessage:
    with sessions() as session:
        return session.get_one(OutboxMessage, message_id)


def deliver(
    sessions: sessionmaker[Session], transport: Transport, clock: Clock, max_attempts: int = 3
) -> outbox.DeliveryReport:
    return outbox.deliver_due(
        sessions, transport, clock=clock, max_attempts=max_attempts, lease=LEASE
    )


def test_a_failed_delivery_stays_pending_and_is_retried_later(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    message_id = queue(sessions)

    report = deliver(sessions, Transport(working=False), clock)

    assert (report.sent, report.failed, report.dead) == (0, 1, 0)
    message = load(sessions, message_id)
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert message.next_attempt_at > START
    assert "mail server down" in message.last_error


def test_a_message_is_not_retried_before_its_backoff_has_passed(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    message_id = queue(sessions)
    down = Transport(working=False)
    deliver(sessions, down, clock)
    retry_at = load(sessions, message_id).next_attempt_at

    clock.now = retry_at - timedelta(seconds=1)
    early = deliver(sessions, Transport(working=True), clock)

    assert (early.sent, early.failed, early.dead) == (0, 0, 0)
    assert load(sessions, message_id).attempts == 1


def test_the_wait_between_attempts_grows(sessions: sessionmaker[Session], clock: Clock) -> None:
    message_id = queue(sessions)
    down = Transport(working=False)
    waits = []
    for _ in range(3):
        deliver(sessions, down, clock, max_attempts=10)
        retry_at = load(sessions, message_id).next_attempt_at
        waits.append(retry_at - clock.now)
        clock.now = retry_at

    assert waits[0] < waits[1] < waits[2]
    assert load(sessions, message_id).attempts == 3


def test_a_message_is_given_up_after_max_attempts(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    message_id = queue(sessions)
    down = Transport(working=False)

    reports = []
    for _ in range(3):
        reports.append(deliver(sessions, down, clock, max_attempts=3))
        clock.now = load(sessions, message_id).next_attempt_at

    assert [(r.failed, r.dead) for r in reports] == [(1, 0), (1, 0), (0, 1)]
    message = load(sessions, message_id)
    assert (message.status, message.attempts) == (OutboxStatus.DEAD, 3)

    # A dead message stays dead, even once the server is back.
    clock.advance(timedelta(days=1))
    up = Transport(working=True)
    assert deliver(sessions, up, clock).sent == 0
    assert up.sent == []


def test_the_message_is_sent_once_the_transport_works(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    message_id = queue(sessions)
    transport = Transport(working=False)
    deliver(sessions, transport, clock)

    transport.working = True
    clock.now = load(sessions, message_id).next_attempt_at
    report = deliver(sessions, transport, clock)

    assert (report.sent, report.failed, report.dead) == (1, 0, 0)
    assert transport.sent == [EMAIL]
    message = load(sessions, message_id)
    assert message.status == OutboxStatus.SENT
    assert message.sent_at == clock.now
    assert message.last_error == ""

    clock.advance(timedelta(days=1))
    assert deliver(sessions, transport, clock).sent == 0
    assert transport.sent == [EMAIL]


def test_each_message_has_its_own_outcome(sessions: sessionmaker[Session], clock: Clock) -> None:
    for address in ("a@example.org", "b@example.org", "c@example.org"):
        queue(sessions, Email(address, "Hej", "Tekst"))

    def refuses_b(email: Email) -> None:
        if email.to_address == "b@example.org":
            raise ConnectionRefusedError("mailbox full")

    report = outbox.deliver_due(sessions, refuses_b, clock=clock, max_attempts=3, lease=LEASE)

    assert (report.sent, report.failed, report.dead) == (2, 1, 0)
    with sessions() as session:
        rows = session.execute(select(OutboxMessage.to_address, OutboxMessage.status))
        statuses = {address: status for address, status in rows}
    assert statuses == {
        "a@example.org": OutboxStatus.SENT,
        "b@example.org": OutboxStatus.PENDING,
        "c@example.org": OutboxStatus.SENT,
    }

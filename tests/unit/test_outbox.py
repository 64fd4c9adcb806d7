"""The outbox: one claim per message, retries with capped backoff until sent or cancelled.

No app: a real session factory over this run's database (a SQLite file, or the PostgreSQL
test database), a transport that is a plain function, and a clock the test moves.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from peeredu import audit, outbox
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
    sessions: sessionmaker[Session], transport: Transport, clock: Clock
) -> outbox.DeliveryReport:
    return outbox.deliver_due(sessions, transport, clock=clock, lease=LEASE)


def test_a_failed_delivery_stays_pending_and_is_retried_later(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    message_id = queue(sessions)

    report = deliver(sessions, Transport(working=False), clock)

    assert (report.sent, report.failed) == (0, 1)
    message = load(sessions, message_id)
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert message.next_attempt_at > START
    assert "mail server down" in message.last_error
    assert message.body_text == EMAIL.body_text


def test_a_message_is_not_retried_before_its_backoff_has_passed(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    message_id = queue(sessions)
    down = Transport(working=False)
    deliver(sessions, down, clock)
    retry_at = load(sessions, message_id).next_attempt_at

    clock.now = retry_at - timedelta(seconds=1)
    early = deliver(sessions, Transport(working=True), clock)

    assert (early.sent, early.failed) == (0, 0)
    assert load(sessions, message_id).attempts == 1


def test_the_wait_between_attempts_grows_to_at_most_an_hour(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    message_id = queue(sessions)
    down = Transport(working=False)
    waits = []
    for _ in range(12):
        deliver(sessions, down, clock)
        retry_at = load(sessions, message_id).next_attempt_at
        waits.append(retry_at - clock.now)
        clock.now = retry_at

    assert waits[0] < waits[1] < waits[2]
    assert max(waits) == outbox.BACKOFF_CAP == waits[-1]
    assert load(sessions, message_id).attempts == 12


def test_a_message_is_never_given_up_and_goes_out_when_the_server_is_back(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    """A day of outage (30 tries) and the message still goes out, once."""
    message_id = queue(sessions)
    transport = Transport(working=False)
    for _ in range(30):
        deliver(sessions, transport, clock)
        clock.now = load(sessions, message_id).next_attempt_at
    assert clock.now - START > timedelta(hours=20)
    assert load(sessions, message_id).status is OutboxStatus.PENDING

    transport.working = True
    assert deliver(sessions, transport, clock).sent == 1
    assert transport.sent == [EMAIL]


def test_the_message_is_sent_once_and_its_body_deleted(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    message_id = queue(
        sessions, Email("kim@example.org", "Velkommen", "Klik på linket.", "invitation")
    )
    transport = Transport(working=False)
    deliver(sessions, transport, clock)

    transport.working = True
    clock.now = load(sessions, message_id).next_attempt_at
    report = deliver(sessions, transport, clock)

    assert (report.sent, report.failed) == (1, 0)
    assert transport.sent == [EMAIL]
    message = load(sessions, message_id)
    assert message.status == OutboxStatus.SENT
    assert message.sent_at == clock.now
    assert message.last_error == ""
    # The link in it must not outlive the delivery; who, what and when stay.
    assert message.body_text == ""
    assert (message.to_address, message.subject, message.template) == (
        "kim@example.org",
        "Velkommen",
        "invitation",
    )

    clock.advance(timedelta(days=1))
    assert deliver(sessions, transport, clock).sent == 0
    assert transport.sent == [EMAIL]


def test_each_message_has_its_own_outcome(sessions: sessionmaker[Session], clock: Clock) -> None:
    for address in ("a@example.org", "b@example.org", "c@example.org"):
        queue(sessions, Email(address, "Hej", "Tekst"))

    def refuses_b(email: Email) -> None:
        if email.to_address == "b@example.org":
            raise ConnectionRefusedError("mailbox full")

    report = outbox.deliver_due(sessions, refuses_b, clock=clock, lease=LEASE)

    assert (report.sent, report.failed) == (2, 1)
    with sessions() as session:
        rows = session.execute(select(OutboxMessage.to_address, OutboxMessage.status))
        statuses = {address: status for address, status in rows}
    assert statuses == {
        "a@example.org": OutboxStatus.SENT,
        "b@example.org": OutboxStatus.PENDING,
        "c@example.org": OutboxStatus.SENT,
    }


def test_two_workers_at_once_send_each_message_exactly_once(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    """Each worker holds its first message until the other holds one too: claims are per message.

    Two threads, each with its own sessions (on PostgreSQL ``SKIP LOCKED`` passes the other's
    row; on SQLite the claim takes the write lock). A claim of several messages at once would
    leave the second worker nothing while the first waits, and the barrier would break.
    """
    addresses = [f"p{n}@example.org" for n in range(8)]
    for address in addresses:
        queue(sessions, Email(address, "Hej", "Tekst"))
    both_sending = threading.Barrier(2, timeout=20)
    sent: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        first = True

        def transport(email: Email) -> None:
            nonlocal first
            if first:
                first = False
                both_sending.wait()
            with lock:
                sent.append(email.to_address)

        outbox.deliver_due(sessions, transport, clock=clock, lease=LEASE)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not both_sending.broken
    assert sorted(sent) == sorted(addresses)
    with sessions() as session:
        statuses = set(session.scalars(select(OutboxMessage.status)))
    assert statuses == {OutboxStatus.SENT}


def test_a_cancelled_message_is_not_sent_and_loses_its_body(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    message_id = queue(sessions)
    with sessions.begin() as session:
        outbox.cancel(session, message_id, actor_id=None, now=START)

    transport = Transport(working=True)
    assert deliver(sessions, transport, clock).sent == 0
    message = load(sessions, message_id)
    assert (message.status, message.body_text) == (OutboxStatus.CANCELLED, "")
    with sessions.begin() as session, pytest.raises(outbox.DomainError):
        outbox.send_now(session, message_id, actor_id=None, now=START)


def test_send_now_and_retry_make_a_waiting_message_due_at_once(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    first, second = queue(sessions), queue(sessions)
    deliver(sessions, Transport(working=False), clock)
    assert load(sessions, first).next_attempt_at > clock.now

    with sessions.begin() as session:
        outbox.send_now(session, first, actor_id=None, now=clock.now)
    up = Transport(working=True)
    assert deliver(sessions, up, clock).sent == 1
    assert load(sessions, second).status is OutboxStatus.PENDING

    with sessions.begin() as session:
        assert outbox.retry_all(session, now=clock.now) == 1
    assert deliver(sessions, up, clock).sent == 1


def test_purge_deletes_old_sent_and_cancelled_messages_only(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    sent, cancelled, waiting, recent = (queue(sessions) for _ in range(4))
    with sessions.begin() as session:
        outbox.cancel(session, cancelled, actor_id=None, now=START)
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([sent, recent]))
            .values(status=OutboxStatus.SENT)
        )
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == recent)
            .values(created_at=START + timedelta(days=40))
        )
    cutoff = START + timedelta(days=30)
    with sessions.begin() as session:
        assert outbox.purge(session, before=cutoff, dry_run=True) == 2
    with sessions.begin() as session:
        assert outbox.purge(session, before=cutoff) == 2
    with sessions() as session:
        assert set(session.scalars(select(OutboxMessage.id))) == {waiting, recent}


def test_the_worker_carries_on_after_a_database_error(
    sessions: sessionmaker[Session], clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """The outbox table is gone for the first pass (a real error from the database)."""
    engine = sessions.kw["bind"]
    OutboxMessage.__table__.drop(engine)
    transport = Transport(working=True)
    stop = threading.Event()
    passes: list[str] = []

    def one_pass(should_stop):  # type: ignore[no-untyped-def]
        if passes:  # the database is back, with a message waiting
            OutboxMessage.__table__.create(engine)
            queue(sessions)
        passes.append("pass")
        return outbox.deliver_due(sessions, transport, clock=clock, lease=LEASE, stop=should_stop)

    def after(report: outbox.DeliveryReport) -> None:
        if report.sent:
            stop.set()

    worker = threading.Thread(
        target=outbox.run_worker,
        args=(one_pass,),
        kwargs={"stop": stop, "interval": 0.0, "on_report": after},
    )
    with caplog.at_level(logging.ERROR, logger="peeredu.outbox"):
        worker.start()
        worker.join(timeout=30)

    assert not worker.is_alive()
    assert len(passes) == 2
    assert transport.sent == [EMAIL]
    assert any("the pass failed" in record.getMessage() for record in caplog.records)


def test_cancel_and_send_now_are_audited(sessions: sessionmaker[Session]) -> None:
    message_id = queue(sessions)
    with sessions.begin() as session:
        outbox.send_now(session, message_id, actor_id=None, now=START)
        outbox.cancel(session, message_id, actor_id=None, now=START)
    with sessions() as session:
        actions = set(session.scalars(select(audit.AuditEvent.action)))
    assert actions == {"outbox.resend", "outbox.cancel"}

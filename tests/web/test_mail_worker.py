"""Mail goes out from workers only: requests never wait for a mail server, nothing is lost.

The faults are real ones on loopback: a "black hole" (a TCP socket that accepts connections and
never answers, like a mail server behind a dropping firewall), a port nothing listens on, and
the aiosmtpd server of conftest. The workers are real processes where it matters.
"""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select, update

from peeredu import create_app, outbox
from peeredu.accounts.models import Role
from peeredu.extensions import Database, current_assignments, db
from peeredu.outbox import OutboxMessage, OutboxStatus
from tests.conftest import BlackHole, Mailbox, app_config, deliver_outbox, free_port
from tests.factories import PASSWORD
from tests.web.test_reflect import FIRST, fill, long_text, submit_reflection, url, version_on_page

PEEREDU = str(Path(sys.executable).with_name("peeredu"))


@pytest.fixture
def app_overrides(black_hole: BlackHole) -> dict[str, Any]:
    # A short timeout, so that a request that did talk to the mail server fails quickly.
    return {"MAIL_PORT": black_hole.port, "MAIL_TIMEOUT": 1}


def outbox_rows(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def mail_back(database_url: str, smtp_server: Any) -> Iterator[Flask]:
    """The same database served by an app whose mail server works (after the outage)."""
    instance = create_app(app_config(database_url, smtp_server[0].port))
    yield instance
    Database.state(instance).engine.dispose()


def test_requests_never_talk_to_a_hanging_mail_server(
    app, make, make_client, black_hole, mailbox, mail_back
):
    """Reset, sign-in, invitation, autosave and submission only queue their mail."""
    teacher = make.user(Role.TEACHER, email="tove@example.org", name="Tove")
    make.user(Role.ADMIN, email="admin@example.org")
    maria = make.user(email="maria@example.org", name="Maria")
    cohort = make.cohort(teachers=(teacher,))
    organisation = make.organisation()
    enrolment = make.enrolment(maria, cohort, organisation)

    stranger = make_client()
    assert stranger.submit("/password/forgot", {"email": "maria@example.org"}).status_code == 302
    assert stranger.submit("/password/forgot", {"email": "nobody@example.org"}).status_code == 302

    admin = make_client()
    assert admin.login("admin@example.org", PASSWORD).status_code == 302
    invited = admin.submit(
        "/admin/users/invite",
        {"name": "Ny Lærer", "email": "ny@example.org", "roles": ["teacher"], "locale": "da"},
    )
    assert invited.status_code == 302

    learner = make_client()
    assert learner.login("maria@example.org", PASSWORD).status_code == 302
    with app.app_context():
        first = current_assignments().for_module(FIRST)
    path = url(enrolment, first)
    version = version_on_page(learner, path)
    saved = learner.submit(
        path,
        {"action": "autosave", "draft_version": version, **fill(first, "Første tanker")},
        token_page=path,
        headers={"Accept": "application/json"},
    )
    assert saved.status_code == 200
    version = version_on_page(learner, path)
    text = long_text(first.min_words)
    assert submit_reflection(learner, path, first, text, version).status_code == 302

    assert black_hole.connections == [], "a request talked to the mail server"
    rows = outbox_rows(app)
    assert sorted(r.to_address for r in rows) == [
        "maria@example.org",
        "ny@example.org",
        "tove@example.org",
    ]
    assert {r.status for r in rows} == {OutboxStatus.PENDING}

    # The mail server is back: one worker pass sends each message, once.
    assert deliver_outbox(mail_back) == outbox.DeliveryReport(sent=3, failed=0)
    assert deliver_outbox(mail_back) == outbox.DeliveryReport(sent=0, failed=0)
    for address in ("maria@example.org", "ny@example.org", "tove@example.org"):
        assert len(mailbox.to(address)) == 1
    assert black_hole.connections == []


def test_a_hanging_mail_server_costs_the_worker_a_timeout_not_the_message(
    app, make, make_client, black_hole
):
    """The worker gives up on the silent server after MAIL_TIMEOUT; the message waits."""
    make.user(email="maria@example.org")
    make_client().submit("/password/forgot", {"email": "maria@example.org"})

    assert deliver_outbox(app) == outbox.DeliveryReport(sent=0, failed=1)
    assert len(black_hole.connections) == 1
    [row] = outbox_rows(app)
    assert row.status is OutboxStatus.PENDING and "timed out" in row.last_error
    assert "/password/reset/" in row.body_text


# -- Real worker processes --------------------------------------------------------------------


def worker_environment(app: Flask, mail_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "PEEREDU_ENVIRONMENT": "testing",
        "PEEREDU_SECRET_KEY": "test-secret",
        "PEEREDU_DATABASE_URL": app.config["DATABASE_URL"],
        "PEEREDU_MAIL_SERVER": "127.0.0.1",
        "PEEREDU_MAIL_PORT": str(mail_port),
        "PEEREDU_MAIL_TIMEOUT": "30",
        "PYTHONUNBUFFERED": "1",
    }


def queue_mail(app: Flask, addresses: list[str]) -> None:
    with app.app_context():
        for address in addresses:
            outbox.enqueue(db.session, outbox.Email(address, "Hej", "Et link", "invitation"))
        db.session.commit()


class GatedMailbox(Mailbox):
    """Holds each message until two are being delivered at the same time (or 30 s pass)."""

    def __init__(self) -> None:
        super().__init__()
        self.both_at_once = threading.Event()
        self._in_flight = 0
        self._both: asyncio.Event | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self._both is None:
            self._both = asyncio.Event()
        self._in_flight += 1
        if self._in_flight >= 2:
            self._both.set()
            self.both_at_once.set()
        try:
            await asyncio.wait_for(self._both.wait(), timeout=30)
        except TimeoutError:
            pass
        self._in_flight -= 1
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def gated_server() -> Iterator[tuple[int, GatedMailbox]]:
    mailbox = GatedMailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, mailbox
    controller.stop()


def test_two_worker_processes_send_each_message_exactly_once(app, gated_server):
    port, mailbox = gated_server
    addresses = [f"p{n}@example.org" for n in range(10)]
    queue_mail(app, addresses)

    environment = worker_environment(app, port)
    workers = [
        subprocess.Popen(
            [PEEREDU, "mail", "send"],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    assert mailbox.both_at_once.is_set(), "the two workers never sent at the same time"
    received = sorted(address for m in mailbox.messages for address in [m["To"]])
    assert received == sorted(addresses)
    rows = outbox_rows(app)
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    assert all(r.attempts == 1 and r.body_text == "" for r in rows)


class Lines:
    """The lines a process prints, read by a thread, waited for with a timeout."""

    def __init__(self, stream: Any) -> None:
        self._lines: queue.Queue[str] = queue.Queue()
        self._stream = stream
        self._reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._reader.start()

    def close(self) -> None:
        """Once the process has ended (its end of the pipe is closed)."""
        self._reader.join(timeout=10)
        self._stream.close()

    def _read(self, stream: Any) -> None:
        for line in stream:
            self._lines.put(line)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        while True:
            line = self._lines.get(timeout=timeout)
            if text in line:
                return line


def test_the_worker_process_outlives_a_mail_server_outage_and_stops_on_sigterm(app, mailbox):
    port = free_port()  # nothing listens there yet: connections are refused
    queue_mail(app, ["kim@example.org"])
    worker = subprocess.Popen(
        [PEEREDU, "mail", "worker", "--interval", "0.1"],
        env=worker_environment(app, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines = Lines(worker.stdout)
    try:
        lines.wait_for("Mail worker started")
        assert "failed 1" in lines.wait_for("Sent 0")

        server = Controller(mailbox, hostname="127.0.0.1", port=port)
        server.start()
        try:
            with app.app_context():  # an admin's "send now", instead of waiting a minute
                due = update(OutboxMessage).values(next_attempt_at=OutboxMessage.created_at)
                db.session.execute(due)
                db.session.commit()
            lines.wait_for("Sent 1")
        finally:
            server.stop()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
        assert "stopped" in lines.wait_for("Mail worker stopped")
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        lines.close()
    assert len(mailbox.to("kim@example.org")) == 1
    [row] = outbox_rows(app)
    assert (row.status, row.attempts, row.body_text) == (OutboxStatus.SENT, 2, "")

"""Fixtures shared by the whole suite.

Every test gets a fresh app and a fresh database: a copy of a SQLite file given the schema once
per run, or (when PEEREDU_TEST_DATABASE_URL is set) emptied tables in a scratch PostgreSQL
database made for this run. Mail goes to a real SMTP server on loopback (aiosmtpd).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import make_url
from werkzeug.test import TestResponse

from peeredu import create_app, outbox
from peeredu.accounts.models import Cohort, Role
from peeredu.curriculum import attendance
from peeredu.extensions import SESSION_USER_KEY, Database, current_curriculum, db, mailer
from peeredu.models import metadata
from tests.concurrency import Crowd, Operation, Outcomes
from tests.factories import Factory

PG_URL = os.environ.get("PEEREDU_TEST_DATABASE_URL")
# Processes in a race test: enough to lose updates reliably, few enough for two cores.
CROWD_SIZE = 20


def pytest_report_header(config: pytest.Config) -> str:
    return f"peeredu database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (a file per test)'}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres_only") and not PG_URL:
        pytest.skip("runs only against PostgreSQL (PEEREDU_TEST_DATABASE_URL)")


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """A developer's own PEEREDU_* settings or instance/config.py must not change results."""
    for name in list(os.environ):
        if name.startswith("PEEREDU_") and name != "PEEREDU_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    instance = tmp_path / "instance"
    instance.mkdir()
    monkeypatch.setenv("PEEREDU_INSTANCE_PATH", str(instance))


# -- Databases -----------------------------------------------------------------------------


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def scratch_postgres() -> Iterator[Any]:
    """A factory of throw-away PostgreSQL databases, all dropped at the end of the run."""
    if not PG_URL:
        yield None
        return
    created: list[str] = []

    def make() -> str:
        name = f"peeredu_t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(_plain(PG_URL), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        created.append(name)
        return PG_URL.rsplit("/", 1)[0] + "/" + name

    yield make
    with psycopg.connect(_plain(PG_URL), autocommit=True) as connection:
        for name in created:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def shared_postgres_url(scratch_postgres: Any) -> str | None:
    """One PostgreSQL database for the app tests, with the schema created once."""
    if scratch_postgres is None:
        return None
    url = scratch_postgres()
    app = create_app({"ENVIRONMENT": "testing", "DATABASE_URL": url, "SECRET_KEY": "t"})
    engine = Database.state(app).engine
    metadata.create_all(engine)
    engine.dispose()
    return url


def _empty_postgres(connection: psycopg.Connection) -> None:
    """Every table emptied and every sequence back at its start, as after
    ``TRUNCATE <all> RESTART IDENTITY``, in two round trips: DELETE on the few tables a test
    filled is much quicker than TRUNCATE on all of them.
    """
    with connection.transaction():
        _delete_everything(connection)


def _delete_everything(connection: psycopg.Connection) -> None:
    tables = [table.name for table in metadata.sorted_tables]
    probe = " UNION ALL ".join(
        f'SELECT {number} WHERE EXISTS (SELECT FROM "{name}")' for number, name in enumerate(tables)
    )
    filled = {number for (number,) in connection.execute(probe)}
    used_sequences = connection.execute(
        "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences"
        " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
    ).fetchall()
    # Children before parents, so no foreign key stops a DELETE.
    statements = [f'DELETE FROM "{tables[number]}"' for number in sorted(filled, reverse=True)] + [
        f"ALTER SEQUENCE {name} RESTART" for (name,) in used_sequences
    ]
    if statements:
        connection.execute("; ".join(statements))  # type: ignore[arg-type]


class PostgresReset:
    """``reset()``: the shared PostgreSQL database emptied, over one connection kept open.

    A test may end every connection to the database (tests/web/test_database_faults.py):
    then the next reset connects again.
    """

    def __init__(self, url: str) -> None:
        self.url = _plain(url)
        self.connection: psycopg.Connection | None = None

    def __call__(self) -> None:
        try:
            _empty_postgres(self._connected())
        except psycopg.OperationalError:
            self.close()
            _empty_postgres(self._connected())

    def _connected(self) -> psycopg.Connection:
        if self.connection is None or self.connection.closed:
            self.connection = psycopg.connect(self.url, autocommit=True)
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@pytest.fixture(scope="session")
def postgres_reset(shared_postgres_url: str | None) -> Iterator[PostgresReset | None]:
    if shared_postgres_url is None:
        yield None
        return
    reset = PostgresReset(shared_postgres_url)
    yield reset
    reset.close()


@pytest.fixture(scope="session")
def sqlite_template(shared_postgres_url: str | None, tmp_path_factory: Any) -> Path | None:
    """A SQLite file with the schema, made once: each test's app gets a copy of it."""
    if shared_postgres_url is not None:
        return None
    path = tmp_path_factory.mktemp("template") / "peeredu.sqlite3"
    app = create_app({"ENVIRONMENT": "testing", "DATABASE_URL": f"sqlite:///{path}"})
    engine = Database.state(app).engine
    metadata.create_all(engine)
    engine.dispose()  # the last connection closed: the WAL is folded into the file
    return path


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory ones)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


@pytest.fixture
def database_url(
    shared_postgres_url: str | None, postgres_reset: PostgresReset | None, tmp_path: Any
) -> Iterator[str]:
    if shared_postgres_url is None:
        yield f"sqlite:///{tmp_path}/peeredu.sqlite3"
        return
    yield shared_postgres_url
    assert postgres_reset is not None
    postgres_reset()


# -- Mail ---------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """What the loopback SMTP server received."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return part.get_content()

    def link_to(self, address: str, path_fragment: str) -> str:
        """The path of the last link to ``path_fragment`` mailed to ``address``."""
        for message in reversed(self.to(address)):
            for path in re.findall(r"https?://[^/\s]+(/\S*)", self.body(message)):
                if path_fragment in path:
                    return path
        raise AssertionError(f"no mail to {address} with a link to {path_fragment}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Mailbox]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Controller, Mailbox]) -> Mailbox:
    smtp_server[1].messages.clear()
    return smtp_server[1]


def deliver_outbox(app: Flask) -> outbox.DeliveryReport:
    """One pass of the mail worker: requests only queue mail, this is what sends it."""
    with app.app_context():
        return mailer.deliver()


@pytest.fixture
def deliver(app: Flask) -> Any:
    """``deliver()``: one pass of the mail worker over this test's app."""
    return lambda: deliver_outbox(app)


@dataclass
class BlackHole:
    """A listening socket that accepts and then says nothing (a mail server or Redis that hangs).

    ``connections`` holds what it accepted, so a test can tell whether anyone talked to it.
    """

    port: int
    connections: list[socket.socket] = field(default_factory=list)


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    listener = socket.create_server(("127.0.0.1", 0))
    hole = BlackHole(port=listener.getsockname()[1])

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            hole.connections.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield hole
    listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
    listener.close()
    thread.join(timeout=5)
    for connection in hole.connections:
        connection.close()


# -- App and client -----------------------------------------------------------------------


def app_config(database_url: str, smtp_port: int) -> dict[str, Any]:
    return {
        "ENVIRONMENT": "testing",
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "BASE_URL": "http://localhost",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_TIMEOUT": 5,
        "DEFAULT_LOCALE": "da",
    }


class Clock:
    """A clock the test sets and moves: given to the app as ``CLOCK``, so no test waits.

    ``app_overrides`` can ask for the ``clock`` fixture: ``return {"CLOCK": clock}``.
    """

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    """Two days into the factory's cohort (2027-02-01): its first two class days are held."""
    return Clock(datetime(2027, 2, 3, 18, 0, tzinfo=UTC))


@dataclass
class Learner:
    """A peer-track learner in the factory's cohort, with its 16 class days planned."""

    enrolment_id: int
    teacher_id: int
    day_ids: list[int]  # the planned class days, in date order


@pytest.fixture
def learner(app: Flask, make: Factory) -> Learner:
    teacher = make.user(Role.TEACHER)
    cohort = make.cohort(teachers=(teacher,))
    enrolment = make.enrolment(make.user(), cohort, make.organisation())
    with app.app_context():
        days = attendance.plan_class_days(
            db.session, current_curriculum(), db.session.get(Cohort, cohort.id), actor_id=1
        )
        db.session.commit()
        assert len(days) == 16
        return Learner(enrolment.id, teacher.id, [d.id for d in days])


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Configuration a test module wants on top of the usual (override this fixture)."""
    return {}


@pytest.fixture
def app_settings(
    database_url: str, smtp_server: tuple[Controller, Mailbox], app_overrides: dict[str, Any]
) -> dict[str, Any]:
    """The configuration the test's app is built with (workers of ``crowd`` use it too)."""
    return {**app_config(database_url, smtp_server[0].port), **app_overrides}


@pytest.fixture
def app(
    app_settings: dict[str, Any], mailbox: Mailbox, sqlite_template: Path | None
) -> Iterator[Flask]:
    file = _sqlite_file(app_settings["DATABASE_URL"])
    fresh = file is not None and sqlite_template is not None and not file.exists()
    if fresh:
        shutil.copyfile(sqlite_template, file)  # type: ignore[arg-type]
    app = create_app(app_settings)
    engine = Database.state(app).engine
    if engine.dialect.name == "sqlite" and not fresh:
        metadata.create_all(engine)
    yield app
    engine.dispose()


class Client(FlaskClient):
    """A test client that sends the CSRF token with its forms, as a browser would.

    Responses are read to the end (buffered), as a server does with a streamed export: an
    unread stream would keep its database transaction open and block the next test's cleanup.
    """

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)

    def csrf_token(self, path: str = "/login") -> str:
        page = self.get(path).get_data(as_text=True)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def submit(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        """POST a form the way a browser would, with the token of the current session."""
        token_page = kwargs.pop("token_page", "/account" if self._signed_in() else "/login")
        data = {"csrf_token": self.csrf_token(token_page), **(data or {})}
        return self.post(path, data=data, **kwargs)

    def _signed_in(self) -> bool:
        with self.session_transaction() as session:
            return SESSION_USER_KEY in session

    def login(self, email: str, password: str) -> TestResponse:
        return self.submit("/login", {"email": email, "password": password})


@pytest.fixture
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def make_client(app: Flask) -> Any:
    """More clients of the same app: another browser, another person."""

    def make() -> Client:
        app.test_client_class = Client
        return app.test_client()  # type: ignore[return-value]

    return make


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory(app)


# -- Many processes at once ----------------------------------------------------------------


@pytest.fixture(scope="session")
def crowd_workers() -> Iterator[Crowd]:
    """Worker processes for race tests, started once for the run (see tests/concurrency.py)."""
    workers = Crowd(CROWD_SIZE)
    yield workers
    workers.close()


@dataclass(frozen=True)
class BoundCrowd:
    """The crowd, running its operations against this test's database and settings."""

    workers: Crowd
    settings: dict[str, Any]

    @property
    def size(self) -> int:
        return self.workers.size

    def run(self, operation: Operation, arguments: Sequence[tuple[Any, ...]]) -> Outcomes:
        return self.workers.run(self.settings, operation, arguments)


@pytest.fixture
def crowd(app: Flask, crowd_workers: Crowd, app_settings: dict[str, Any]) -> BoundCrowd:
    """``crowd.run(operation, [args, ...])``: each ``operation(session, *args)`` in its own
    process, all at the same instant, in the app's writing transaction (tests/concurrency.py).
    """
    return BoundCrowd(crowd_workers, app_settings)

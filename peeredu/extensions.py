"""Flask glue for the parts the domains use without knowing Flask: database, mail, login.

Each extension is created unbound here and wired to an app in ``PeerEdu.init_app``; what it
keeps per app lives in ``app.extensions`` so one process can hold several apps (tests, a host
application).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import flask_mail
from flask import Flask, current_app, g, has_request_context, request, session
from flask.logging import default_handler
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from peeredu import outbox
from peeredu.accounts.authentication import load_session_user
from peeredu.accounts.models import User
from peeredu.curriculum.content import Curriculum
from peeredu.db import make_engine, make_sessionmaker, utcnow
from peeredu.reflections.definitions import AssignmentSet

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
# The session key of the signed-in user's session id ("<user id>:<session version>"): ours,
# not Flask-Login's ``_user_id``, which a host application's own sign-in may be using.
SESSION_USER_KEY = "peeredu_user"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class _DatabaseState:
    engine: Engine
    readers: sessionmaker[Session]
    writers: sessionmaker[Session]


class Database:
    """One engine per app; one session per app context, closed at teardown.

    A request that may change state (anything but GET/HEAD/OPTIONS) and any CLI command get a
    writing session, which on SQLite holds the write lock for its whole transaction.
    """

    _g_key = "_peeredu_db_session"

    def init_app(self, app: Flask) -> None:
        engine = make_engine(
            app.config["DATABASE_URL"],
            sqlite_busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"],
        )
        app.extensions["peeredu.db"] = _DatabaseState(
            engine=engine,
            readers=make_sessionmaker(engine, write=False),
            writers=make_sessionmaker(engine, write=True),
        )
        app.teardown_appcontext(self._close)

    @staticmethod
    def state(app: Flask | None = None) -> _DatabaseState:
        return (app or current_app).extensions["peeredu.db"]

    @property
    def session(self) -> Session:
        current = g.get(self._g_key)
        if current is None:
            state = self.state()
            reading = has_request_context() and request.method in SAFE_METHODS
            current = (state.readers if reading else state.writers)()
            setattr(g, self._g_key, current)
        return current

    @contextmanager
    def writing_apart(self) -> Iterator[Session]:
        """A short writing transaction of its own, committed when the block ends.

        For the few writes a reading request makes (an audit event, a token's last use): on
        SQLite a reading transaction cannot safely become a writing one.
        """
        with self.state().writers() as session:
            yield session
            session.commit()

    def commit(self) -> None:
        """Commit the request's work, with the mail it queued (the mail worker sends it)."""
        self.session.commit()

    def _close(self, _exc: BaseException | None) -> None:
        current = g.pop(self._g_key, None)
        if current is not None:
            current.close()

    def discard(self) -> None:
        """Drop the request's session, whatever state its connection is in (an outage)."""
        try:
            self._close(None)
        except SQLAlchemyError:
            log.warning("Closing a session on a lost connection failed", exc_info=True)


class _TimeoutConnection(flask_mail.Connection):
    """Flask-Mail's connection, but one that gives up on a server that does not answer.

    Flask-Mail 0.10 opens ``smtplib.SMTP(host, port)`` without a timeout, so a black-holed
    server would hang the worker until the operating system gives up.
    """

    def configure_host(self) -> smtplib.SMTP | smtplib.SMTP_SSL:
        state = self.mail
        timeout = current_app.config["MAIL_TIMEOUT"]
        smtp_class = smtplib.SMTP_SSL if state.use_ssl else smtplib.SMTP
        host = smtp_class(state.server, state.port, timeout=timeout)
        host.set_debuglevel(int(state.debug))
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        return host


class Mailer:
    """Delivers the outbox through Flask-Mail (or to the log, in development)."""

    def __init__(self) -> None:
        self._mail = flask_mail.Mail()

    def init_app(self, app: Flask) -> None:
        self._mail.init_app(app)

    def transport(self, email: outbox.Email) -> None:
        if current_app.config["MAIL_TRANSPORT"] == "console":
            log.warning(
                "Mail to %s (not sent, console transport)\nSubject: %s\n\n%s",
                email.to_address,
                email.subject,
                email.body_text,
            )
            return
        message = flask_mail.Message(
            subject=email.subject,
            recipients=[email.to_address],
            body=email.body_text,
            sender=current_app.config["MAIL_DEFAULT_SENDER"],
        )
        with _TimeoutConnection(current_app.extensions["mail"]) as connection:
            connection.send(message)

    @staticmethod
    def lease() -> timedelta:
        """How long a worker owns a message it is sending.

        Longer than any one delivery can take (smtplib's timeout applies to each of the
        connect, greeting, EHLO, MAIL, RCPT, DATA and QUIT steps), so that a second worker never
        takes a message the first is still sending; a worker that died gives it back then.
        """
        return timedelta(seconds=10 * float(current_app.config["MAIL_TIMEOUT"]) + 60)

    def deliver(self, stop: Callable[[], bool] = lambda: False) -> outbox.DeliveryReport:
        """One worker pass: send every due message, one claim at a time."""
        return outbox.deliver_due(
            Database.state().writers, self.transport, lease=self.lease(), stop=stop
        )


db = Database()
# Counts per client address; in Redis when PEEREDU_REDIS_URL is set, so that every worker
# shares the counts (and falls back to memory, with a log line, if Redis stops answering).
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_limiter(app: Flask) -> None:
    config = app.config
    if config.get("REDIS_URL"):
        config.setdefault("RATELIMIT_STORAGE_URI", config["REDIS_URL"])
        config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
        # redis-py waits 5 s by default, and tries twice: a hung Redis would cost every
        # limited request 10 s. Half a second each, then the limiter falls back to memory.
        timeout = float(config["REDIS_TIMEOUT"])
        config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {"socket_timeout": timeout, "socket_connect_timeout": timeout},
        )
    else:
        # Per process: fine for one worker; set PEEREDU_REDIS_URL when running several.
        config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    config.setdefault("RATELIMIT_KEY_PREFIX", "peeredu")
    limiter.init_app(app)
    _make_heard(limiter.logger)


def _make_heard(logger: logging.Logger) -> None:
    """Let a library logger with only a NullHandler be heard, unless logging is configured.

    flask-limiter adds a NullHandler, so its "storage unreachable - falling back to
    in-memory storage" warning went nowhere. Where the host application (or gunicorn's
    --log-config) set up handlers, those get the records as before.
    """
    current: logging.Logger | None = logger
    while current is not None:
        if any(not isinstance(h, logging.NullHandler) for h in current.handlers):
            return
        current = current.parent if current.propagate else None
    logger.addHandler(default_handler)


mailer = Mailer()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()


def init_csrf(app: Flask) -> None:
    """Flask-WTF's settings, without its app-wide check: peeredu checks its own blueprints only.

    ``CSRFProtect.init_app`` would check every POST of a host application too; the check is
    ``check_csrf``, a ``before_request`` of peeredu's blueprint (see peeredu.web).
    """
    config = app.config
    config.setdefault("WTF_CSRF_ENABLED", True)
    config.setdefault("WTF_CSRF_CHECK_DEFAULT", True)
    config["WTF_CSRF_METHODS"] = set(
        config.get("WTF_CSRF_METHODS", ["POST", "PUT", "PATCH", "DELETE"])
    )
    config.setdefault("WTF_CSRF_FIELD_NAME", "csrf_token")
    config.setdefault("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
    config.setdefault("WTF_CSRF_META_NAME", "csrf-token")
    config.setdefault("WTF_CSRF_TIME_LIMIT", 3600)
    config.setdefault("WTF_CSRF_SSL_STRICT", True)
    app.extensions.setdefault("csrf", csrf)
    # The macros of peeredu's templates are imported without context: they find the token
    # only as a global (the same one CSRFProtect would set, so a host's is left as it is).
    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)


def check_csrf() -> None:
    """The CSRF token of a state-changing request, as CSRFProtect checks it (exemptions too)."""
    config = current_app.config
    if config["WTF_CSRF_ENABLED"] and config["WTF_CSRF_CHECK_DEFAULT"]:
        csrf.protect(apply_exemptions=True)


@login_manager.request_loader
def _load_user(_request: object) -> User | None:
    """The user of peeredu's own session key (only asked when peeredu's manager is the app's)."""
    session_id = session.get(SESSION_USER_KEY)
    return load_session_user(db.session, session_id) if isinstance(session_id, str) else None


def current_time() -> datetime:
    """Now, by the app's clock: real time, unless ``CLOCK`` (a callable) is configured.

    Tests set ``CLOCK`` to move the course's calendar instead of sleeping or waiting for a
    date; the views that depend on today's date (registering a class day) read it here.
    """
    clock = current_app.config.get("CLOCK")
    return clock() if clock is not None else utcnow()


def current_curriculum() -> Curriculum:
    """The course content, loaded and validated once when the app was created."""
    return current_app.extensions["peeredu.curriculum"]


def current_assignments() -> AssignmentSet:
    """The reflective assignments, loaded and validated with the curriculum at start."""
    return current_app.extensions["peeredu.assignments"]

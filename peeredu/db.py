"""Declarative base, column types and engines. No Flask here: domains and the CLI share it.

SQLite needs care to be a safe default (see ENGINEERING_NOTES): the driver's own transaction
handling is switched off so that a write transaction can take the write lock first with
``BEGIN IMMEDIATE``; otherwise two requests that read and then write the same row lose one
update, or fail with "database is locked" because busy_timeout does not cover lock upgrades.
"""

from __future__ import annotations

import enum
import json
import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CursorResult,
    DateTime,
    Delete,
    Engine,
    Enum,
    MetaData,
    Update,
    create_engine,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp on every backend.

    SQLite has no time zone type and hands back naive values; this stores UTC and returns
    aware datetimes, and refuses naive input instead of guessing its zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def enum_type(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a named CHECK constraint, stored by value."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


# Class days and due dates are dates in Copenhagen, where the course is taught.
COURSE_TIMEZONE = ZoneInfo("Europe/Copenhagen")


def local_date(now: datetime) -> date:
    """The course's calendar date at the moment ``now`` (a class day starts at local midnight)."""
    return now.astimezone(COURSE_TIMEZONE).date()


# The execution option that makes a SQLite transaction take the write lock when it begins.
WRITE_OPTION = "peeredu_write"


# C0 control characters except tab, line feed and carriage return. A browser can send any of
# them in a form field or a query string; PostgreSQL refuses NUL in text (psycopg raises
# DataError, a 500 on every retry) and none of them means anything in a learner's text.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean_text(value: str) -> str:
    """``value`` without the control characters no text column keeps (see make_engine)."""
    return _UNSTORABLE.sub("", value) if _UNSTORABLE.search(value) else value


def _clean_value(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


def _clean_parameters(parameters: Any) -> Any:
    if isinstance(parameters, dict):
        return {key: _clean_value(value) for key, value in parameters.items()}
    if isinstance(parameters, tuple):
        return tuple(_clean_value(value) for value in parameters)
    if isinstance(parameters, list):  # executemany: a list of dicts or tuples
        return [_clean_parameters(each) for each in parameters]
    return parameters


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {_clean_json(key): _clean_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(item) for item in value]
    return value


def _json_serializer(value: Any) -> str:
    return json.dumps(_clean_json(value))


def make_engine(url: str, *, sqlite_busy_timeout_ms: int = 5000, **kwargs: Any) -> Engine:
    """An engine that never hands the database a control character it cannot store.

    The cleaning sits here, at the last step before the driver, because this is the one place
    every value passes on its way in: ORM writes, Core statements, search patterns bound to a
    LIKE (a column type would miss ``func.lower(...).like(pattern)``), JSON columns (cleaned
    before serialising), the CLI and the API alike, on SQLite and PostgreSQL the same way. Bytes
    (binary columns) are left alone.
    """
    kwargs.setdefault("json_serializer", _json_serializer)
    # A pooled connection may have died with a database restart: test it before use, so the
    # first request on it after the restart does not fail.
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "before_cursor_execute", _before_cursor_execute, retval=True)
    if engine.dialect.name == "sqlite":
        _prepare_sqlite(engine, sqlite_busy_timeout_ms)
    return engine


def _before_cursor_execute(
    _connection: Any,
    _cursor: Any,
    statement: str,
    parameters: Any,
    _context: Any,
    _executemany: bool,
) -> tuple[str, Any]:
    return statement, _clean_parameters(parameters)


def _prepare_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    # SQLAlchemy's recipe "Enabling non-legacy SQLite transactional modes".
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            f"busy_timeout={int(busy_timeout_ms)}",
            "foreign_keys=ON",
            "synchronous=NORMAL",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def lock(session: Session, instance: object) -> None:
    """Lock ``instance``'s row until the transaction ends, and read it again.

    For a read-check-write: on PostgreSQL (READ COMMITTED) two transactions can both read the
    old value and both write a new one; after ``SELECT ... FOR UPDATE`` the second waits for
    the first to commit and then reads what it wrote. SQLite ignores FOR UPDATE, and needs no
    row lock: a writing session holds the database's write lock from its first statement.
    Changes not yet flushed are flushed first, so that reading again keeps them.
    """
    session.flush()
    session.refresh(instance, with_for_update=True)


def changed_rows(session: Session, statement: Update | Delete) -> int:
    """Run a bulk UPDATE or DELETE; how many rows it changed.

    Bulk statements leave the session's loaded objects as they are (no synchronising): the
    callers refresh what they go on using.
    """
    result = session.execute(statement.execution_options(synchronize_session=False))
    # A DML statement always answers with a cursor result; Session.execute is typed wider.
    assert isinstance(result, CursorResult)
    return int(result.rowcount or 0)


def make_sessionmaker(engine: Engine, *, write: bool) -> sessionmaker[Session]:
    """Sessions for reading (GET requests) or writing (everything that changes state).

    On SQLite a writing session locks the database at its first statement, so its reads and
    writes are one serialised unit; other backends ignore the option.
    """
    bind = engine.execution_options(**{WRITE_OPTION: True}) if write else engine
    return sessionmaker(bind=bind, expire_on_commit=False)

"""Several processes doing read-modify-write on one row must not lose updates (SQLite).

Without BEGIN IMMEDIATE two transactions read the same value and both write value + 1, or one
fails with "database is locked" because SQLite's busy timeout does not cover lock upgrades.
"""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import select

from peeredu.accounts.models import User
from peeredu.db import make_engine, make_sessionmaker
from peeredu.models import metadata

PROCESSES = 4
INCREMENTS = 40


def _increment_many(url: str) -> None:
    engine = make_engine(url)
    writers = make_sessionmaker(engine, write=True)
    for _ in range(INCREMENTS):
        with writers.begin() as session:
            user = session.scalars(select(User)).one()
            user.session_version = user.session_version + 1
    engine.dispose()


def test_concurrent_read_modify_write_loses_nothing(tmp_path):
    url = f"sqlite:///{tmp_path}/counter.sqlite3"
    engine = make_engine(url)
    metadata.create_all(engine)
    with make_sessionmaker(engine, write=True).begin() as session:
        session.add(User(email="c@example.org", name="Counter", session_version=0))
    engine.dispose()

    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_increment_many, args=(url,)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES

    engine = make_engine(url)
    with make_sessionmaker(engine, write=False)() as session:
        assert session.scalars(select(User.session_version)).one() == PROCESSES * INCREMENTS
    engine.dispose()


@pytest.mark.parametrize("write", [True, False])
def test_sqlite_connections_have_the_safety_pragmas(tmp_path, write):
    engine = make_engine(f"sqlite:///{tmp_path}/p.sqlite3")
    with make_sessionmaker(engine, write=write)() as session:
        connection = session.connection()
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 5000
    engine.dispose()

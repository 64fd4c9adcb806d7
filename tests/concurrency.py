"""Run one operation in N real processes at the same instant, against one shared database.

Races between requests are races between processes holding their own database connections,
so that is what this harness makes: ``Crowd(size)`` starts ``size`` worker processes once;
``crowd.run(operation, arguments)`` hands each worker one tuple of arguments. Every worker
builds the app with ``create_app(settings)`` (kept while the settings stay the same), opens
its database connection, waits on one shared barrier, and then, all at once, runs::

    with app.app_context(), db.writing_apart() as session:
        value = operation(session, *arguments)

that is, in the app's own writing transaction (``BEGIN IMMEDIATE`` on SQLite), committed when
the operation returns and rolled back when it raises. The results come back in the order of
``arguments`` as ``Outcome`` values: the return value, or the name and text of the exception.

The ``crowd`` fixture (tests/conftest.py) binds the current test's app settings::

    def sign_in_wrong(session: Session, email: str, now: datetime) -> bool:
        user = authentication.check_password(session, email, "wrong", now=now, policy=POLICY)
        return user is not None

    def test_twenty_wrong_passwords_at_once(crowd, make):
        make.user(email="a@example.org")
        outcomes = crowd.run(sign_in_wrong, [("a@example.org", NOW)] * 20)
        assert outcomes.values == [False] * 20 and not outcomes.errors

The operation is pickled by name, so it must be a module-level function; its arguments and
its return value must pickle too (ids, strings, datetimes; not ORM objects). It may use
``current_app`` and the ``current_*`` helpers of peeredu.extensions.

Workers are forked from a "forkserver" process that has imported peeredu once: a fresh
interpreter like "spawn" (no threads, sockets or connections inherited from pytest), without
paying the ~1.5 s import in each of them. Tests start ``size`` workers at most once per run.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from flask import Flask

from peeredu import create_app
from peeredu.extensions import Database, db

# Long enough for a slow, shared machine; a worker that misses it breaks the barrier for all.
BARRIER_TIMEOUT = 60.0
RUN_TIMEOUT = 120.0

_CONTEXT = multiprocessing.get_context("forkserver")
# tests.crowd_preload builds an app there once: the workers are forked with its parsed content.
_CONTEXT.set_forkserver_preload([__name__, "tests.crowd_preload"])


@dataclass(frozen=True)
class Outcome:
    """What one worker's operation did: returned ``value``, or raised ``error`` (a class name)."""

    value: Any = None
    error: str | None = None
    message: str = ""


@dataclass(frozen=True)
class Outcomes:
    all: tuple[Outcome, ...]

    @property
    def values(self) -> list[Any]:
        """The return values of the operations that did not raise."""
        return [o.value for o in self.all if o.error is None]

    @property
    def errors(self) -> Counter[str]:
        """How many operations raised each kind of exception."""
        return Counter(o.error for o in self.all if o.error is not None)

    def __repr__(self) -> str:
        # Shown by a failing assert: every unexpected error with its message.
        return (
            "Outcomes("
            + ", ".join(o.error and f"{o.error}: {o.message}" or repr(o.value) for o in self.all)
            + ")"
        )


Operation = Callable[..., Any]


class Crowd:
    """``size`` worker processes that run an operation each, released together by a barrier."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._barrier = _CONTEXT.Barrier(size)
        self._workers: list[tuple[Any, Connection]] = []
        for _ in range(size):
            ours, theirs = _CONTEXT.Pipe()
            process = _CONTEXT.Process(target=_serve, args=(theirs, self._barrier), daemon=True)
            process.start()
            theirs.close()
            self._workers.append((process, ours))

    def run(
        self,
        settings: dict[str, Any],
        operation: Operation,
        arguments: Sequence[tuple[Any, ...]],
    ) -> Outcomes:
        """Run ``operation(session, *args)`` for each ``args`` at once, one per worker."""
        if not 1 <= len(arguments) <= self.size:
            raise ValueError(f"between 1 and {self.size} argument tuples, not {len(arguments)}")
        if self._barrier.broken:  # by a worker that failed in an earlier run
            self._barrier.reset()
        # Every worker meets at the barrier; those without arguments only wait there.
        tasks: list[tuple[Any, ...] | None] = [*arguments]
        tasks += [None] * (self.size - len(arguments))
        for (_, connection), task in zip(self._workers, tasks, strict=True):
            connection.send((settings, operation, task))
        outcomes = []
        for process, connection in self._workers:
            if not connection.poll(RUN_TIMEOUT):
                self.close()
                raise TimeoutError(f"worker {process.pid} did not answer in {RUN_TIMEOUT} s")
            outcomes.append(connection.recv())
        return Outcomes(tuple(outcomes[: len(arguments)]))

    def close(self) -> None:
        for _, connection in self._workers:
            try:
                connection.send(None)
            except OSError:
                pass  # the worker has gone already
        for process, connection in self._workers:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join()
            connection.close()
            process.close()
        self._workers = []


class _Apps:
    """The worker's app, built again only when the settings change (a new SQLite file)."""

    def __init__(self) -> None:
        self._key: str | None = None
        self._app: Flask | None = None

    def get(self, settings: dict[str, Any]) -> Flask:
        key = repr(sorted(settings.items()))
        if self._app is None or key != self._key:
            if self._app is not None:
                Database.state(self._app).engine.dispose()
            self._app, self._key = create_app(settings), key
        return self._app


def _serve(connection: Connection, barrier: threading.Barrier) -> None:
    apps = _Apps()
    while True:
        task = connection.recv()
        if task is None:
            return
        settings, operation, arguments = task
        app, failure = None, None
        if arguments is not None:
            try:
                app = apps.get(settings)
                # Connect now, not in the race (on SQLite connecting takes no lock).
                with Database.state(app).engine.connect():
                    pass
            except Exception as error:  # noqa: BLE001 - reported to the test, after the barrier
                failure = error
        try:
            barrier.wait(BARRIER_TIMEOUT)
        except threading.BrokenBarrierError as error:
            failure = failure or error
        connection.send(_outcome(app, operation, arguments, failure))


def _outcome(
    app: Flask | None,
    operation: Operation,
    arguments: tuple[Any, ...] | None,
    failure: BaseException | None,
) -> Outcome:
    if failure is not None:
        return Outcome(error=type(failure).__name__, message=str(failure))
    if app is None or arguments is None:
        return Outcome()
    try:
        with app.app_context(), db.writing_apart() as session:
            return Outcome(value=operation(session, *arguments))
    except Exception as error:  # noqa: BLE001 - the test counts the errors
        return Outcome(error=type(error).__name__, message=str(error))

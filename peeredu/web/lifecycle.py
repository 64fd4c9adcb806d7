"""The one request lifecycle of peeredu's views: load, authorise, change, commit, say so.

Every view follows the same steps, in this order (as Indico's request handlers do):

1. **Load** what the URL names with :func:`found_or_404`: a row that does not exist and a row
   the user may not see answer the same 404 (never 403: that would confirm it exists).
2. **Authorise** with a named permission from ``peeredu.accounts.permissions``, passed as
   ``visible=``, or by the blueprint's ``guard``.
3. **Change** through :func:`perform`: it calls one domain function with the request's
   session. A :class:`~peeredu.errors.DomainError` rolls everything back and is shown on the
   form (or flashed); otherwise the request's work is committed once, and the view flashes,
   redirects or signs in (side effects come after the commit).
4. A **reading** request (GET) never writes on its own session; the few writes it makes (an
   audit row "who read this") go through :func:`record_apart`, a short transaction of its own.
   A page shown by either kind of request (a form shown again after a POST) records through
   :func:`record_shown`.

Nothing else in ``peeredu.web`` commits (``tests/unit/test_architecture.py`` checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import abort, flash, request
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from peeredu import audit
from peeredu.errors import DomainError, NotFound
from peeredu.extensions import SAFE_METHODS, db
from peeredu.web.forms import domain_message, show_domain_error

T = TypeVar("T")
M = TypeVar("M")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What :func:`perform` did: true when the change was committed."""

    value: T | None = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.error is None


def found_or_404(
    model: type[M],
    ident: Any,
    *,
    visible: Callable[[M], bool] | None = None,
    options: Sequence[ORMOption] = (),
) -> M:
    """The row ``model[ident]`` of the request's session, or 404 if it is missing or not
    ``visible`` to the user (a named permission, e.g. ``lambda c: teaches_cohort(...)``);
    ``options`` load what the page reads of it with the row (``joinedload(...)``)."""
    row = db.session.get(model, ident, options=options) if ident is not None else None
    if row is None or (visible is not None and not visible(row)):
        abort(404)
    return row


def perform(
    change: Callable[[Session], T],
    *,
    form: FlaskForm | None = None,
    done: str | None = None,
) -> Outcome[T]:
    """Run ``change(session)`` as the request's one unit of work.

    On a ``DomainError`` nothing is kept: the session rolls back and the message goes on
    ``form`` (on the field it names) or, without a form, into a flashed message. A
    ``NotFound`` answers 404. Otherwise the work is committed, ``done`` is flashed, and the
    change's return value is handed back for the view's redirect or page.
    """
    session = db.session
    try:
        value = change(session)
    except NotFound:
        session.rollback()
        abort(404)
    except DomainError as error:
        session.rollback()
        return _refused(error, form)
    session.commit()
    if done:
        flash(done, "success")
    return Outcome(value=value)


def _refused(error: DomainError, form: FlaskForm | None) -> Outcome[Any]:
    """Say why a change was refused: on the form field it names, or flashed."""
    if form is not None:
        show_domain_error(form, error)
    else:
        flash(domain_message(error), "error")
    return Outcome(error=error)


def record_apart(write: Callable[[Session], T]) -> T:
    """A write made by a reading request (an audit row, a token's last use), in a short
    writing transaction of its own, committed at once.

    On SQLite a reading transaction cannot safely turn into a writing one ("database is
    locked" is not covered by busy_timeout), and a GET's own session never commits.
    """
    with db.writing_apart() as session:
        return write(session)


def outside_the_lock(work: Callable[[], T], *, form: FlaskForm | None = None) -> Outcome[T]:
    """Slow work that needs no database (rendering Markdown), done between two transactions
    of a writing request.

    What the request wrote so far is committed first, so that on SQLite, where a writing
    transaction holds the lock for every writer, nobody waits for the work. A
    ``DomainError`` it raises (text beyond what may be rendered) is shown as :func:`perform`
    shows one.
    """
    db.session.commit()
    try:
        return Outcome(value=work())
    except DomainError as error:
        return _refused(error, form)


def record_refusal_apart(write: Callable[[Session], T]) -> T:
    """A write that records why a request was refused (an access denied), after the request's
    own work is dropped: its transaction is rolled back first, so that a writing request's
    SQLite lock is released before the record's own transaction (:func:`record_apart`)."""
    db.session.rollback()
    return record_apart(write)


def record_shown(write: Callable[[Session], T]) -> T:
    """An audit write made by rendering a page that a GET or a POST may show (the review page
    again after a refused save): apart from a reading request (:func:`record_apart`), and on a
    writing request's own session, committed there.

    A writing request's session holds SQLite's write lock from its first read, so a
    transaction apart would wait for it; whatever the request changed was already committed
    or rolled back by :func:`perform`.
    """
    if request.method in SAFE_METHODS:
        return record_apart(write)
    session = db.session
    value = write(session)
    session.commit()
    return value


def log_apart(action: str, *, object_type: str, object_id: object, detail: str = "") -> None:
    """Log what the signed-in user did on a reading request (an export) in the audit log, in
    a transaction of its own (:func:`record_apart`)."""
    actor_id = current_user.id
    record_apart(
        lambda session: audit.record(
            session,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
        )
    )

"""Access checks shared by the blueprints: sign in first, and 404 for what is not yours."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from peeredu import audit
from peeredu.accounts.permissions import Visitor
from peeredu.extensions import limiter, login_manager
from peeredu.web.lifecycle import record_refusal_apart

log = logging.getLogger(__name__)

ViewT = TypeVar("ViewT", bound=Callable[..., Any])
# URL parts that are secrets or free text, not object references: not copied into the log.
UNLOGGED_ARGS = frozenset({"token", "code", "path"})


def guard(predicate: Callable[[Visitor], bool]) -> Callable[[], Response | None]:
    """A blueprint-wide ``before_request`` check that fails closed.

    Every route of the blueprint, including ones added later, sends anonymous visitors to the
    login page and answers 404 to signed-in users for whom ``predicate`` is false.
    """

    def check() -> Response | None:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not predicate(current_user):
            abort(404)
        return None

    return check


def login_required(view: ViewT) -> ViewT:
    """Flask-Login's ``login_required``, but sending visitors to peeredu's login page.

    Flask-Login's asks ``current_app.login_manager``, which in a host application is the
    host's.
    """

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if request.method != "OPTIONS" and not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def seconds_to_wait() -> int:
    """Until the rate limit this request ran into lets the next one through (Retry-After)."""
    limit = limiter.current_limit
    return max(1, limit.reset_at - int(time.time())) if limit is not None else 60


def record_refusal() -> None:
    """Log a signed-in user's 404 on one of our routes: an object they may not see.

    Anonymous visitors and URLs that match no route are not logged (crawlers and typos would
    flood the log). The request's own session is rolled back first: on SQLite a reading
    transaction cannot safely become a writing one, and a writing request's session holds
    the write lock, so the event gets a short transaction of its own.
    """
    if not current_user.is_authenticated or request.url_rule is None or not request.endpoint:
        return
    if "peeredu.api" in request.blueprints or request.endpoint.endswith(".static"):
        return  # the API authenticates by token; a missing static file is no object
    actor_id = current_user.id
    endpoint = request.endpoint.removeprefix("peeredu.")
    target = " ".join(
        f"{key}={value}"
        for key, value in sorted((request.view_args or {}).items())
        if key not in UNLOGGED_ARGS
    )
    try:
        record_refusal_apart(
            lambda session: audit.record(
                session,
                actor_id=actor_id,
                action="access.denied",
                object_type="endpoint",
                object_id=endpoint[:64],
                detail=f"{request.method} {target}".strip(),
            )
        )
    except SQLAlchemyError:
        log.exception("Could not log a refused access to %s", endpoint)

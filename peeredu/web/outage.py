"""A database that is away: a 503 that needs no database, and recovery without a restart.

The pool tests each connection before handing it out (``pool_pre_ping``, see
``peeredu.db.make_engine``), so once the server is back after a restart no request fails on
a connection that died with it. While the database is down, every request that needs it ends
here. The answer must not need the database itself: the signed-in user is loaded from it, so
the page is rendered as for a signed-out visitor (in the session's language, else Danish).
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response

from peeredu.extensions import db
from peeredu.web.signin import resolve_anonymous, resolve_user

log = logging.getLogger(__name__)

# Connection refused or lost, a database file that cannot be opened or stays locked, no free
# connection in the pool: the database cannot answer now, but may in a moment.
DATABASE_ERRORS = (OperationalError, InterfaceError, PoolTimeoutError)
RETRY_AFTER_SECONDS = 30


def render_without_user() -> None:
    """Finish this request as for a signed-out visitor, so nothing loads the user.

    Flask-Login keeps the request's user on ``g``; putting the anonymous user there stops the
    layout, the locale selector and the response headers from asking the database. The
    session cookie is untouched: the user is still signed in on the next request.
    """
    resolve_anonymous()


def user_if_database_answers() -> None:
    """Load the request's user for an error page, or go on without one during an outage.

    An error raised before the views' own checks (a stale CSRF token, a URL that matches no
    route) has not loaded the user yet, and loading needs the database.
    """
    try:
        resolve_user()
    except DATABASE_ERRORS as error:
        log.error("The database is unavailable: %s", error)
        db.discard()
        render_without_user()


def database_unavailable(error: Exception) -> Response:
    """503, as HTML or JSON by whichever handler answers this request's 503 (the API's too)."""
    log.error("The database is unavailable: %s", error)
    db.discard()
    render_without_user()
    answer = current_app.handle_http_exception(ServiceUnavailable())
    response = current_app.make_response(answer)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response

"""The HTTP face of peeredu: one parent blueprint holding one blueprint per area.

Everything that speaks HTTP lives in this package; views validate input, load and authorise,
call one service, commit, and render or redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import (
    format_decimal,
    format_percent,
    format_timedelta,
    get_locale,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import MethodNotAllowed, NotFound

from peeredu.accounts import permissions
from peeredu.curriculum.progress import reflection_state
from peeredu.extensions import check_csrf
from peeredu.web import (
    admin,
    api,
    api_tokens,
    audit_log,
    auth,
    calendar,
    certificates,
    dates,
    home,
    hr,
    learn,
    my_data,
    oidc,
    pages,
    reflect,
    review,
    signin,
    teach,
)
from peeredu.web.guards import record_refusal, seconds_to_wait
from peeredu.web.i18n import claim_request, use_own_domain
from peeredu.web.labels import STATUS_ICONS, label
from peeredu.web.numbers import refuse_impossible_ids
from peeredu.web.outage import (
    DATABASE_ERRORS,
    database_unavailable,
    render_without_user,
    user_if_database_answers,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"
# What a JSON caller (the editor's autosave) is told; the same words as the error page's.
JSON_ERRORS = {
    400: _l("The form may have been open for a long time. Go back, reload the page and try again."),
    404: _l("The page does not exist, or you do not have access to it."),
    429: _l("Wait a minute, then try again."),
    503: _l(
        "The course cannot reach its database just now. Nothing you saved before is lost. "
        "Try again in a few minutes."
    ),
}
JSON_ERROR_DEFAULT = _l(
    "Please try again. If it keeps happening, contact the course administration."
)


def build_blueprint() -> Blueprint:
    bp = Blueprint(
        "peeredu",
        __name__,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
        static_url_path="/static",
    )
    bp.register_blueprint(auth.build_blueprint())
    bp.register_blueprint(oidc.build_blueprint())
    bp.register_blueprint(home.build_blueprint())
    bp.register_blueprint(learn.build_blueprint())
    bp.register_blueprint(calendar.build_blueprint())
    bp.register_blueprint(certificates.build_blueprint())
    bp.register_blueprint(reflect.build_blueprint())
    bp.register_blueprint(review.build_blueprint(), url_prefix="/teach")
    bp.register_blueprint(teach.build_blueprint(), url_prefix="/teach")
    bp.register_blueprint(admin.build_blueprint(), url_prefix="/admin")
    bp.register_blueprint(audit_log.build_blueprint(), url_prefix="/admin/audit")
    bp.register_blueprint(pages.build_blueprint())
    bp.register_blueprint(my_data.build_blueprint(), url_prefix="/my-data")
    bp.register_blueprint(hr.build_blueprint(), url_prefix="/hr")
    bp.register_blueprint(api_tokens.build_blueprint(), url_prefix="/hr/api-tokens")
    bp.register_blueprint(api.build_blueprint(), url_prefix="/api/v1")

    # On peeredu's own pages only: a host's templates see none of it.
    bp.context_processor(_template_globals)
    bp.url_value_preprocessor(use_own_domain)
    bp.url_value_preprocessor(refuse_impossible_ids)
    # The CSRF check of peeredu's routes only (the host's are the host's), as CSRFProtect
    # would make it; then peeredu's user, whatever LoginManager a host application has.
    bp.before_request(_limit_body)
    bp.before_request(check_csrf)
    bp.before_request(signin.resolve_user)
    # Session timeouts and the two-step sign-in fence, before any view of any area.
    bp.before_request(signin.session_rules)
    bp.after_request(_security_headers)
    for code in (400, 404, 405, 429, 500, 503):
        bp.register_error_handler(code, _error_page)
    for error in DATABASE_ERRORS:
        bp.register_error_handler(error, database_unavailable)
    bp.register_error_handler(413, _too_large)
    return bp


def _template_globals() -> dict[str, object]:
    """What peeredu's templates find besides their context (an email's too: web.emails)."""
    return {
        "permissions": permissions,
        "current_user": current_user,
        **dates.HELPERS,
        "get_locale": get_locale,
        "format_decimal": format_decimal,
        "format_percent": format_percent,
        "label": label,
        "status_icons": STATUS_ICONS,
        "reflection_state": reflection_state,
    }


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        # Only over HTTPS (RFC 6797 says to ignore it on plain http). Behind a proxy the scheme
        # comes from X-Forwarded-Proto, trusted only when TRUSTED_PROXY_COUNT says so.
        headers.setdefault("Strict-Transport-Security", HSTS)
    if current_user.is_authenticated:
        # Pages behind the login can carry personal data: keep them out of shared caches and
        # out of the browser's back-button history after logout.
        headers.setdefault("Cache-Control", "no-store")
    return response


def _limit_body() -> None:
    """peeredu's body limit on its own routes, set before the CSRF check reads the form."""
    request.max_content_length = current_app.extensions["peeredu.body_limit"]


def _too_large(_error: Exception) -> tuple[str | Response, int]:
    """A body over the request limits (Flask 3.1: 500 kB per form field) never reaches a view.

    The text cannot be put back in the page, so say what the limit is and that the last
    saved draft is untouched; the editor's autosave shows the message it gets as JSON.
    """
    config = current_app.config
    limits = [config.get("MAX_FORM_MEMORY_SIZE"), request.max_content_length]
    limit = min((value for value in limits if value), default=500_000)
    kilobytes = format_decimal(limit // 1000)
    if request.accept_mimetypes.best == "application/json":
        message = _(
            "The text is too long to be saved (over %(kilobytes)s kB). Shorten it; the last "
            "saved draft is kept.",
            kilobytes=kilobytes,
        )
        return jsonify(message=message), 413
    return _render_error(413, limit_kilobytes=kilobytes), 413


def _error_page(error: Exception) -> Response:
    code = getattr(error, "code", 500) or 500
    if code >= 500:
        # The failure may be the database's: the page must not need it (see web.outage).
        render_without_user()
    else:
        user_if_database_answers()
    if code == 404:
        record_refusal()
    wait = seconds_to_wait() if code == 429 else None
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(message=str(JSON_ERRORS.get(code, JSON_ERROR_DEFAULT)))
    else:
        response = current_app.make_response(_render_error(code, wait=wait))
    response.status_code = code
    if wait is not None:
        response.headers["Retry-After"] = str(wait)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _render_error(code: int, *, wait: int | None = None, **context: object) -> str:
    """The error page in peeredu's layout; its globals given outright, as a request that
    matched no route has no blueprint whose context processor would add them."""
    waiting = format_timedelta(timedelta(seconds=wait), add_direction=False) if wait else None
    return render_template(
        "peeredu/layout/error.html", code=code, wait=waiting, **context, **_template_globals()
    )


def answer_unrouted(url_prefix: str) -> Callable[[], Response | None]:
    """An app-level ``before_request``: peeredu's 404/405 page for its URLs that match no route.

    Flask routes a URL before it knows a blueprint, so a URL under the prefix that matches
    no rule (or not with this method) never reaches the blueprint's error handlers. The
    routing error waits in ``request.routing_exception`` until dispatch; answering it here,
    before dispatch, leaves the host's error handlers untouched: the host's URLs (anything
    outside the prefix) get whatever the host answers, standalone every URL is peeredu's.
    """
    prefix = url_prefix.rstrip("/")

    def answer() -> Response | None:
        error = request.routing_exception
        if not isinstance(error, NotFound | MethodNotAllowed):
            return None  # routed, or a redirect to the URL with its slash
        path = request.path
        if prefix and path != prefix and not path.startswith(prefix + "/"):
            return None
        if not prefix and not current_app.extensions.get("peeredu.standalone"):
            return None  # mounted at the root: an unknown URL may be the host's
        claim_request()
        if (request.script_root + path).startswith(url_for("peeredu.api.unknown")):
            # A method that no route of the API takes: JSON all the same.
            return _security_headers(current_app.make_response(api.http_error(error)))
        return _security_headers(_error_page(error))

    return answer

"""The read-only JSON API for HR systems, at /api/v1 (described in peeredu.web.openapi).

One lifecycle for every request: the rate limit (per token), then the bearer token (a session
cookie counts for nothing here, so CSRF does not apply either), then the query parameters
(each malformed one is a 400 that names it), then one call into peeredu.reports.participants,
which scopes everything to the token owner's organisations exactly as the HR pages and the CSV
export do. Errors under /api are JSON, never the HTML error pages.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Response

from peeredu.accounts.api_tokens import authenticate_token
from peeredu.accounts.models import EnrolmentStatus
from peeredu.certification.models import Certificate
from peeredu.extensions import csrf, current_time, db, limiter
from peeredu.tokens import digest
from peeredu.web import api_json, api_query, hr_scope, openapi
from peeredu.web.api_query import ApiError, Query
from peeredu.web.guards import seconds_to_wait
from peeredu.web.lifecycle import record_apart
from peeredu.web.openapi import CERTIFICATE_STATUSES

REALM = "peeredu"
READ_METHODS = ["GET"]
OTHER_METHODS = ["POST", "PUT", "PATCH", "DELETE"]
# Endpoints that answer without a token.
PUBLIC_ENDPOINTS = frozenset({"openapi", "unknown"})
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    429: "rate_limited",
    500: "server_error",
    503: "service_unavailable",
}


class Unauthorized(ApiError):
    def __init__(self, message: str, *, token_sent: bool) -> None:
        super().__init__(401, "unauthorized", message)
        self.token_sent = token_sent


def _rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _rate_key() -> str:
    """Counts per token (by a hash: the raw token goes nowhere), else per client address."""
    token = _bearer_token()
    if token is None:
        return "address:" + get_remote_address()
    return "token:" + digest(token)[:16]


def build_blueprint() -> Blueprint:
    bp = Blueprint("api", __name__)
    csrf.exempt(bp)
    # Module-level functions, not lambdas: Flask-Limiter keeps the limits of every app built
    # in the process in a set, where equal limits collapse into one.
    limiter.shared_limit(_rate_limit, scope="peeredu-api", key_func=_rate_key)(bp)
    bp.before_request(_authenticate)
    bp.after_request(_api_headers)
    bp.add_url_rule("/openapi.json", view_func=openapi_document, endpoint="openapi")
    bp.add_url_rule("/participants", view_func=participants)
    bp.add_url_rule("/participants/<int:enrolment_id>", view_func=participant)
    bp.add_url_rule("/certificates", view_func=certificates)
    # Whatever else is asked under /api/v1 gets a JSON answer, not the HTML error page.
    for rule in ("/", "/<path:path>"):
        bp.add_url_rule(rule, view_func=unknown, methods=READ_METHODS + OTHER_METHODS)
    bp.register_error_handler(ApiError, _api_error)
    # By status code as well: the parent blueprint's HTML pages are registered by code, and
    # Flask prefers a handler for the code over one for the exception class.
    for code in ERROR_CODES:
        bp.register_error_handler(code, http_error)
    bp.register_error_handler(HTTPException, http_error)
    return bp


# -- Lifecycle ------------------------------------------------------------------------------


def _authenticate() -> None:
    if request.endpoint is None or request.endpoint.rsplit(".", 1)[-1] in PUBLIC_ENDPOINTS:
        return
    raw = _bearer_token()
    if raw is None:
        raise Unauthorized("Send an API token: Authorization: Bearer <token>.", token_sent=False)
    # last_used_at is written now and then: in a transaction of its own.
    user = record_apart(lambda session: authenticate_token(session, raw, current_time()))
    if user is None:
        raise Unauthorized("The API token is unknown or revoked.", token_sent=True)
    g.api_user_id = user.id


def _api_headers(response: Response) -> Response:
    # Personal data: never in a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _error_response(
    status: int, error: str, message: str, parameter: str | None = None
) -> tuple[Response, int]:
    body = {"error": error, "message": message}
    if parameter is not None:
        body["parameter"] = parameter
    return jsonify(body), status


def _api_error(error: ApiError) -> ResponseReturnValue:
    response, status = _error_response(error.status, error.error, error.message, error.parameter)
    if isinstance(error, Unauthorized):
        challenge = f'Bearer realm="{REALM}"'
        if error.token_sent:
            challenge += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
    return response, status


def http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    message = error.description or ""
    wait = None
    if code == 500:
        message = "Something went wrong on our side."
    elif code == 429:
        wait = seconds_to_wait()
        message = f"Too many requests (at most {message} per token); try again in {wait} seconds."
    response, status = _error_response(code, ERROR_CODES.get(code, "error"), message)
    if code == 405:
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
    if wait is not None:
        response.headers["Retry-After"] = str(wait)
    return response, status


# -- Views ----------------------------------------------------------------------------------


def openapi_document() -> Response:
    server = current_app.config["BASE_URL"] + url_for(".unknown").rstrip("/")
    return jsonify(openapi.document(server))


def participants() -> Response:
    query = Query(request.args, api_query.PARTICIPANT_PARAMETERS)
    status = query.choice("status", api_query.values(EnrolmentStatus))
    wanted = api_query.filters(
        query,
        status=EnrolmentStatus(status) if status else None,
        certified=query.boolean("certified"),
    )
    page, per_page = api_query.paging(query)
    rows, total = hr_scope.participants_page(g.api_user_id, wanted, page=page, per_page=per_page)
    return api_json.page([api_json.participant(row) for row in rows], page, per_page, total)


def participant(enrolment_id: int) -> Response:
    Query(request.args, frozenset())
    row = hr_scope.participant(g.api_user_id, enrolment_id)
    if row is None:
        raise ApiError(404, "not_found", f"No participant {enrolment_id} in your scope.")
    return jsonify(api_json.participant(row))


def certificates() -> Response:
    query = Query(request.args, api_query.CERTIFICATE_PARAMETERS)
    status = query.choice("status", CERTIFICATE_STATUSES)
    wanted = {status} if status else set(CERTIFICATE_STATUSES)
    # ParticipantFilter can ask for a valid certificate but not for "any certificate", so the
    # rows are walked (in keyset batches) and counted here; only this page's are kept.
    chosen = api_query.filters(query, certified=True if status == "valid" else None)
    page, per_page = api_query.paging(query)
    first = (page - 1) * per_page
    total, rows = 0, []
    for row in hr_scope.all_participants(g.api_user_id, chosen):
        if row.certificate_status in wanted:
            if first <= total < first + per_page:
                rows.append(row)
            total += 1
    by_id = _certificates([row.certificate_id for row in rows if row.certificate_id])
    items = [
        api_json.certificate(row, by_id[row.certificate_id]) for row in rows if row.certificate_id
    ]
    return api_json.page(items, page, per_page, total)


def _certificates(ids: list[int]) -> dict[int, Certificate]:
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(select(Certificate).where(Certificate.id.in_(ids)))}


def unknown(path: str = "") -> ResponseReturnValue:
    """Any other path, and any method but GET: the API only reads."""
    if request.method not in READ_METHODS:
        raise MethodNotAllowed(READ_METHODS, description="The API only reads: use GET.")
    raise NotFound("No such endpoint; see openapi.json.")

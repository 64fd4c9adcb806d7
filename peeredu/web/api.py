"""The read-only JSON API for HR systems, at /api/v1 (described in peeredu.web.openapi).

One lifecycle for every request: the rate limit (per token), then the bearer token (a session
cookie counts for nothing here, so CSRF does not apply either), then the query parameters
(each malformed one is a 400 that names it), then one call into peeredu.reports.participants,
which scopes everything to the token owner's organisations exactly as the HR pages and the CSV
export do. Errors under /api are JSON, never the HTML error pages.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Response

from peeredu.accounts.api_tokens import authenticate_token
from peeredu.accounts.models import EnrolmentStatus, Track
from peeredu.certification import codes
from peeredu.certification.models import Certificate
from peeredu.db import local_date, utcnow
from peeredu.extensions import csrf, current_curriculum, db, limiter
from peeredu.reports import participants as reports
from peeredu.web import openapi
from peeredu.web.numbers import MAX_ID, whole_number
from peeredu.web.openapi import CERTIFICATE_STATUSES, PER_PAGE_DEFAULT, PER_PAGE_MAX

REALM = "peeredu"
READ_METHODS = ["GET"]
OTHER_METHODS = ["POST", "PUT", "PATCH", "DELETE"]
# Endpoints that answer without a token.
PUBLIC_ENDPOINTS = frozenset({"openapi", "unknown"})
PAGING = frozenset({"page", "per_page"})
LIST_FILTERS = frozenset({"organisation", "cohort", "track", "updated_since"})
PARTICIPANT_PARAMETERS = LIST_FILTERS | PAGING | {"status", "certified"}
CERTIFICATE_PARAMETERS = LIST_FILTERS | PAGING | {"status"}
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


class ApiError(Exception):
    """An answer other than 200, as JSON."""

    def __init__(
        self, status: int, error: str, message: str, *, parameter: str | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.parameter = status, error, message, parameter


class BadParameter(ApiError):
    def __init__(self, parameter: str, problem: str) -> None:
        super().__init__(400, "invalid_parameter", f"{parameter}: {problem}", parameter=parameter)


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
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:16]


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
        bp.register_error_handler(code, _http_error)
    bp.register_error_handler(HTTPException, _http_error)
    return bp


# -- Lifecycle ------------------------------------------------------------------------------


def _authenticate() -> None:
    if request.endpoint is None or request.endpoint.rsplit(".", 1)[-1] in PUBLIC_ENDPOINTS:
        return
    raw = _bearer_token()
    if raw is None:
        raise Unauthorized("Send an API token: Authorization: Bearer <token>.", token_sent=False)
    # last_used_at is written now and then: in a transaction of its own.
    with db.writing_apart() as session:
        user = authenticate_token(session, raw, utcnow())
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


def _http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    message = error.description or ""
    wait = None
    if code == 500:
        message = "Something went wrong on our side."
    elif code == 429:
        limit = limiter.current_limit
        wait = max(1, limit.reset_at - int(time.time())) if limit is not None else 60
        message = f"Too many requests (at most {message} per token); try again in {wait} seconds."
    response, status = _error_response(code, ERROR_CODES.get(code, "error"), message)
    if code == 405:
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
    if wait is not None:
        response.headers["Retry-After"] = str(wait)
    return response, status


# -- Query parameters -----------------------------------------------------------------------


class _Query:
    """The request's query parameters: known ones parsed once each, unknown ones refused."""

    def __init__(self, args: MultiDict[str, str], allowed: frozenset[str]) -> None:
        unknown = sorted(set(args) - allowed)
        if unknown:
            raise BadParameter(unknown[0], "unknown parameter")
        self.args = args

    def one(self, name: str) -> str | None:
        values = self.args.getlist(name)
        if len(values) > 1:
            raise BadParameter(name, "give it at most once")
        return values[0].strip() if values else None

    def integer(self, name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
        value = self.one(name)
        if value is None:
            return None
        if not value.isascii() or not value.isdigit() or not minimum <= int(value):
            raise BadParameter(name, f"not a whole number of at least {minimum}")
        if len(value) > len(str(maximum)) or int(value) > maximum:
            raise BadParameter(name, f"at most {maximum}")
        return int(value)

    def ids(self, name: str) -> list[int] | None:
        parts = [p.strip() for value in self.args.getlist(name) for p in value.split(",")]
        if not parts:
            return None
        if not all(whole_number(p) for p in parts):
            raise BadParameter(name, "not a list of ids (whole numbers, comma-separated)")
        return [int(p) for p in parts]

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        value = self.one(name)
        if value is not None and value not in choices:
            raise BadParameter(name, f"use one of {', '.join(choices)}")
        return value

    def boolean(self, name: str) -> bool | None:
        value = self.choice(name, ("true", "false"))
        return None if value is None else value == "true"

    def date_time(self, name: str) -> datetime | None:
        value = self.one(name)
        if value is None:
            return None
        parsed = _parse_date_time(value)
        if parsed is None:
            raise BadParameter(
                name, "not an ISO 8601 date-time with a time zone (e.g. 2027-03-01T00:00:00Z)"
            )
        return parsed


def _parse_date_time(value: str) -> datetime | None:
    # An unencoded "+" in an offset arrives as a space; take it back rather than refuse.
    candidates = [value]
    head, space, tail = value.rpartition(" ")
    if space and tail[:2].isdigit():
        candidates.append(f"{head}+{tail}")
    for candidate in candidates:
        try:
            parsed = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if "T" in candidate.upper() and parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    return None


def _values(enum_class: type[Track] | type[EnrolmentStatus]) -> tuple[str, ...]:
    return tuple(member.value for member in enum_class)


def _filters(query: _Query, **extra: Any) -> reports.ParticipantFilter:
    track = query.choice("track", _values(Track))
    return reports.ParticipantFilter(
        organisation_ids=query.ids("organisation"),
        cohort_id=query.integer("cohort"),
        track=Track(track) if track else None,
        updated_since=query.date_time("updated_since"),
        **extra,
    )


def _paging(query: _Query) -> tuple[int, int]:
    page = query.integer("page") or 1
    per_page = query.integer("per_page", maximum=PER_PAGE_MAX) or PER_PAGE_DEFAULT
    return page, per_page


def _page(items: list[dict[str, Any]], page: int, per_page: int, total: int) -> Response:
    more = (page - 1) * per_page + len(items) < total and len(items) > 0
    return jsonify(
        {
            "items": items,
            "page": page,
            "per_page": per_page,
            "total": total,
            "next": _url_with(page=page + 1) if more else None,
        }
    )


def _url_with(**changes: Any) -> str:
    """This request's URL, absolute (at BASE_URL), with some query parameters changed."""
    args = request.args.to_dict(flat=False)
    args.update({key: [str(value)] for key, value in changes.items()})
    assert request.endpoint is not None
    return current_app.config["BASE_URL"] + url_for(request.endpoint, **args)


# -- JSON -----------------------------------------------------------------------------------


def _timestamp(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _date(value: date) -> str:
    return value.isoformat()


def _code(code: str | None) -> str | None:
    return codes.display(code) if code else None


def participant_json(row: reports.ParticipantRow) -> dict[str, Any]:
    return {
        "enrolment_id": row.enrolment_id,
        "user_id": row.user_id,
        "name": row.name,
        "email": row.email,
        "organisation_id": row.organisation_id,
        "organisation_name": row.organisation_name,
        "cohort_id": row.cohort_id,
        "cohort_name": row.cohort_name,
        "cohort_start": _date(row.cohort_start),
        "cohort_end": _date(row.cohort_end),
        "track": row.track.value,
        "work_role": row.work_role.value,
        "status": row.status.value,
        "modules_completed": row.modules_completed,
        "modules_required": row.modules_required,
        "attendance_percent": row.attendance_percent,
        "certificate_status": row.certificate_status,
        "certificate_code": _code(row.certificate_code),
        "certified_at": _timestamp(row.certified_at),
        "updated_at": _timestamp(row.updated_at),
    }


def certificate_json(row: reports.ParticipantRow, certificate: Certificate) -> dict[str, Any]:
    return {
        "code": codes.display(certificate.code),
        "status": "valid" if certificate.valid else "revoked",
        "participant_name": certificate.participant_name,
        "enrolment_id": row.enrolment_id,
        "user_id": row.user_id,
        "organisation_id": row.organisation_id,
        "organisation_name": row.organisation_name,
        "cohort_id": row.cohort_id,
        "cohort_name": certificate.cohort_name,
        "track": certificate.track.value,
        "hours": certificate.hours,
        "course": certificate.course_title,
        "issued_at": _timestamp(certificate.issued_at),
        "revoked_at": _timestamp(certificate.revoked_at),
        "updated_at": _timestamp(row.updated_at),
    }


# -- Views ----------------------------------------------------------------------------------


def openapi_document() -> Response:
    server = current_app.config["BASE_URL"] + url_for(".unknown").rstrip("/")
    return jsonify(openapi.document(server))


def participants() -> Response:
    query = _Query(request.args, PARTICIPANT_PARAMETERS)
    status = query.choice("status", _values(EnrolmentStatus))
    filters = _filters(
        query,
        status=EnrolmentStatus(status) if status else None,
        certified=query.boolean("certified"),
    )
    page, per_page = _paging(query)
    rows, total = reports.participants(
        db.session,
        current_curriculum(),
        g.api_user_id,
        filters,
        limit=per_page,
        offset=(page - 1) * per_page,
        today=local_date(utcnow()),
    )
    return _page([participant_json(row) for row in rows], page, per_page, total)


def participant(enrolment_id: int) -> Response:
    _Query(request.args, frozenset())
    row = reports.participant(
        db.session, current_curriculum(), g.api_user_id, enrolment_id, today=local_date(utcnow())
    )
    if row is None:
        raise ApiError(404, "not_found", f"No participant {enrolment_id} in your scope.")
    return jsonify(participant_json(row))


def certificates() -> Response:
    query = _Query(request.args, CERTIFICATE_PARAMETERS)
    status = query.choice("status", CERTIFICATE_STATUSES)
    wanted = {status} if status else set(CERTIFICATE_STATUSES)
    # ParticipantFilter can ask for a valid certificate but not for "any certificate", so the
    # rows are walked (in keyset batches) and counted here; only this page's are kept.
    filters = _filters(query, certified=True if status == "valid" else None)
    page, per_page = _paging(query)
    first = (page - 1) * per_page
    total, rows = 0, []
    for row in reports.iter_participants(
        db.session, current_curriculum(), g.api_user_id, filters, today=local_date(utcnow())
    ):
        if row.certificate_status in wanted:
            if first <= total < first + per_page:
                rows.append(row)
            total += 1
    by_id = _certificates([row.certificate_id for row in rows if row.certificate_id])
    items = [certificate_json(row, by_id[row.certificate_id]) for row in rows if row.certificate_id]
    return _page(items, page, per_page, total)


def _certificates(ids: list[int]) -> dict[int, Certificate]:
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(select(Certificate).where(Certificate.id.in_(ids)))}


def unknown(path: str = "") -> ResponseReturnValue:
    """Any other path, and any method but GET: the API only reads."""
    if request.method not in READ_METHODS:
        raise MethodNotAllowed(READ_METHODS, description="The API only reads: use GET.")
    raise NotFound("No such endpoint; see openapi.json.")

"""The OpenAPI 3.1 description of the HR API (peeredu.web.api), served at /api/v1/openapi.json.

Written out by hand so that it reads as documentation. tests/web/test_api.py validates the
document and checks every real response of the API against it; a field added to a response
but not here fails those tests (the schemas forbid undocumented properties).
"""

from __future__ import annotations

from typing import Any

from peeredu.accounts.models import EnrolmentStatus, Track, WorkRole

PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 200
CERTIFICATE_STATUSES = ("valid", "revoked")
PARTICIPANT_CERTIFICATE_STATUSES = ("none", *CERTIFICATE_STATUSES)
# The display form of a verification code: XXXX-XXXX-XXXX-C (peeredu.certification.codes).
_CODE_CHAR = "[0-9A-HJKMNP-TV-Z]"  # Crockford's base 32
CODE_PATTERN = f"^{_CODE_CHAR}{{4}}-{_CODE_CHAR}{{4}}-{_CODE_CHAR}{{4}}-{_CODE_CHAR}$"

DESCRIPTION = """\
Read-only access for HR systems to the participants and certificates of the peer education
at Skolen for Recovery.

**Who sees what.** A token belongs to one HR user and reads exactly what that user sees on the
HR pages and in the CSV export: the participants (enrolments) of the organisations the user is
HR for, with track, cohort, status, modules completed, attendance and certificate. Never
reflections, feedback or practice logs. A token stops working when it is revoked, or when its
owner is deactivated or loses the HR role. Tokens are created and revoked by the HR user on
the page "API tokens" (/hr/api-tokens); each is shown only once.

**Authentication.** Send the token on every request: `Authorization: Bearer <token>`. A
session cookie is not accepted. A missing, unknown or revoked token gets 401.

**Filters** narrow the result, never widen it: an organisation or cohort outside your scope
simply gives no results, exactly like one that does not exist. A malformed filter gets 400
naming the parameter; so does an unknown parameter (a misspelt filter would otherwise return
everything).

**Paging.** Lists are ordered by participant name, then enrolment id, and come in pages:
`{"items": [...], "page": 1, "per_page": 50, "total": 123, "next": "<url>"}`. Follow `next`
until it is `null`. For incremental synchronisation, pass the time of your last run as
`updated_since`.

**Formats.** Field names are snake_case; date-times are ISO 8601 (RFC 3339) with a time zone
(UTC); dates are ISO 8601 dates. Errors are JSON: `{"error": "<code>", "message": "<text>"}`,
with `"parameter"` when a query parameter is at fault.

**Rate limit.** Requests are counted per token; over the limit the API answers 429 with a
`Retry-After` header (seconds).
"""


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


DATE_TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
ID = {"type": "integer", "minimum": 1}


def _object(properties: dict[str, Any], description: str) -> dict[str, Any]:
    """An object with exactly these properties, all present (null where there is no value)."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _page(item: str) -> dict[str, Any]:
    return _object(
        {
            "items": {"type": "array", "items": _ref("schemas", item)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX},
            "total": {"type": "integer", "minimum": 0, "description": "Matches on all pages."},
            "next": {
                **_nullable({"type": "string", "format": "uri"}),
                "description": "The URL of the next page, or null on the last page.",
            },
        },
        f"One page of {item.lower()}s.",
    )


def _enum(values: Any, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": [getattr(v, "value", v) for v in values]}
    return schema | ({"description": description} if description else {})


SCHEMAS: dict[str, Any] = {
    "Participant": _object(
        {
            "enrolment_id": {**ID, "description": "The participant's enrolment in a cohort."},
            "user_id": {**ID, "description": "The person; the same across cohorts."},
            "name": {"type": "string"},
            "email": {"type": "string"},
            "organisation_id": ID,
            "organisation_name": {"type": "string"},
            "cohort_id": ID,
            "cohort_name": {"type": "string"},
            "cohort_start": DATE,
            "cohort_end": DATE,
            "track": _enum(Track, "peer: peer-support worker; colleague: a colleague of peers."),
            "work_role": _enum(WorkRole, "The participant's role at work."),
            "status": _enum(EnrolmentStatus, "The enrolment's status."),
            "modules_completed": {
                "type": "integer",
                "minimum": 0,
                "description": "Required modules of the track completed.",
            },
            "modules_required": {
                "type": "integer",
                "minimum": 0,
                "description": "Modules the track requires.",
            },
            "attendance_percent": {
                **_nullable({"type": "integer"}),
                "minimum": 0,
                "maximum": 100,
                "description": "Days present as a share of the cohort's planned class days "
                "(cancelled days left out), rounded down; null when none is planned.",
            },
            "certificate_status": _enum(
                PARTICIPANT_CERTIFICATE_STATUSES, "Whether a certificate was issued, and stands."
            ),
            "certificate_code": {
                **_nullable({"type": "string", "pattern": CODE_PATTERN}),
                "description": "The certificate's verification code, as printed on it.",
            },
            "certified_at": {
                **_nullable(DATE_TIME),
                "description": "When the certificate was issued (also if later revoked).",
            },
            "updated_at": {
                **DATE_TIME,
                "description": "The last change to the enrolment or its certificate.",
            },
        },
        "A participant: one person's enrolment in one cohort, as the CSV export shows it.",
    ),
    "Certificate": _object(
        {
            "code": {
                "type": "string",
                "pattern": CODE_PATTERN,
                "description": "The verification code, as printed on the certificate.",
            },
            "status": _enum(CERTIFICATE_STATUSES, "A revoked certificate is no longer valid."),
            "participant_name": {"type": "string", "description": "As on the certificate."},
            "enrolment_id": ID,
            "user_id": ID,
            "organisation_id": ID,
            "organisation_name": {"type": "string"},
            "cohort_id": ID,
            "cohort_name": {"type": "string", "description": "As on the certificate."},
            "track": _enum(Track, "The track certified."),
            "hours": {"type": "number", "minimum": 0, "description": "Course hours certified."},
            "course": {"type": "string", "description": "The course title on the certificate."},
            "issued_at": DATE_TIME,
            "revoked_at": _nullable(DATE_TIME),
            "updated_at": {
                **DATE_TIME,
                "description": "The last change to the enrolment or this certificate.",
            },
        },
        "A certificate (kursusbevis) of one of your participants, valid or revoked.",
    ),
    "ParticipantPage": _page("Participant"),
    "CertificatePage": _page("Certificate"),
    "Error": _object(
        {
            "error": {
                "type": "string",
                "description": "A stable code: invalid_parameter, unauthorized, not_found, "
                "method_not_allowed, rate_limited, ...",
            },
            "message": {"type": "string", "description": "For developers, in English."},
            "parameter": {"type": "string", "description": "The query parameter at fault."},
        },
        "What went wrong.",
    )
    | {"required": ["error", "message"]},
}


def _query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
        **extra,
    }


PARAMETERS: dict[str, Any] = {
    "organisation": _query(
        "organisation",
        {"type": "array", "items": {"type": "integer", "minimum": 1}},
        "Only these organisations (ids). Repeat the parameter or give a comma-separated "
        "list. Narrows your scope; an organisation outside it gives no results.",
        style="form",
        explode=True,
    ),
    "cohort": _query("cohort", ID, "Only this cohort (id)."),
    "track": _query("track", _enum(Track), "Only this track."),
    "participant_status": _query(
        "status", _enum(EnrolmentStatus), "Only enrolments with this status."
    ),
    "certificate_status": _query(
        "status", _enum(CERTIFICATE_STATUSES), "Only valid, or only revoked, certificates."
    ),
    "certified": _query(
        "certified",
        {"type": "boolean"},
        "true: only participants with a valid certificate; false: only those without one "
        "(none yet, or revoked).",
    ),
    "updated_since": _query(
        "updated_since",
        DATE_TIME,
        "Only participants whose enrolment (status, track, role at work, organisation, "
        "cohort) or certificate changed at or after this time. ISO 8601 with a time zone, e.g. "
        "2027-03-01T00:00:00Z (URL-encode a + in the offset as %2B).",
    ),
    "page": _query("page", {"type": "integer", "minimum": 1, "default": 1}, "The page, from 1."),
    "per_page": _query(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX, "default": PER_PAGE_DEFAULT},
        f"Items per page, at most {PER_PAGE_MAX}.",
    ),
}


def _json(schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}} | (
        extra
    )


def _error(description: str, header: tuple[str, str, dict[str, Any]] | None = None) -> Any:
    """An error answer (the Error schema), with the one header it may carry: name, what it
    says and its schema."""
    if header is None:
        return _json(_ref("schemas", "Error"), description)
    name, says, schema = header
    return _json(
        _ref("schemas", "Error"),
        description,
        headers={name: {"description": says, "schema": schema}},
    )


RESPONSES: dict[str, Any] = {
    "BadRequest": _error("A malformed or unknown query parameter (named in the answer)."),
    "Unauthorized": _error(
        "No token, or one that is unknown or revoked, or whose owner may no longer use it.",
        (
            "WWW-Authenticate",
            'Bearer realm="peeredu", with error="invalid_token" when a token was sent.',
            {"type": "string"},
        ),
    ),
    "NotFound": _error("No such object, or one outside the token owner's scope."),
    "TooManyRequests": _error(
        "Over the rate limit.",
        ("Retry-After", "Seconds to wait.", {"type": "integer", "minimum": 0}),
    ),
    "Error": _error("Any other error (e.g. 405 for a method but GET)."),
}

_COMMON_ERRORS = {
    "401": _ref("responses", "Unauthorized"),
    "429": _ref("responses", "TooManyRequests"),
    "default": _ref("responses", "Error"),
}
_LIST_PARAMETERS = ["organisation", "cohort", "track"]
_PAGING = ["updated_since", "page", "per_page"]


def _list_operation(
    operation_id: str, summary: str, description: str, page: str, filters: list[str]
) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "description": description,
            "tags": ["HR"],
            "parameters": [_ref("parameters", name) for name in filters + _PAGING],
            "responses": {
                "200": _json(_ref("schemas", page), "One page of results."),
                "400": _ref("responses", "BadRequest"),
                **_COMMON_ERRORS,
            },
        }
    }


PATHS: dict[str, Any] = {
    "/participants": _list_operation(
        "listParticipants",
        "Your participants",
        "The participants (enrolments) of your organisations: the facts of the CSV export.",
        "ParticipantPage",
        [*_LIST_PARAMETERS, "participant_status", "certified"],
    ),
    "/participants/{enrolment_id}": {
        "get": {
            "operationId": "getParticipant",
            "summary": "One participant",
            "tags": ["HR"],
            "parameters": [
                {
                    "name": "enrolment_id",
                    "in": "path",
                    "required": True,
                    "schema": ID,
                    "description": "The participant's enrolment id.",
                }
            ],
            "responses": {
                "200": _json(_ref("schemas", "Participant"), "The participant."),
                "404": _ref("responses", "NotFound"),
                **_COMMON_ERRORS,
            },
        }
    },
    "/certificates": _list_operation(
        "listCertificates",
        "Your participants' certificates",
        "The certificates, valid and revoked, of the participants of your organisations.",
        "CertificatePage",
        [*_LIST_PARAMETERS, "certificate_status"],
    ),
    "/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This description",
            "tags": ["Meta"],
            "security": [],
            "responses": {"200": _json({"type": "object"}, "The OpenAPI 3.1 document.")},
        }
    },
}


def document(server_url: str) -> dict[str, Any]:
    """The OpenAPI document, with the API's public address as its server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "peeredu HR API",
            "version": "1.0.0",
            "description": DESCRIPTION,
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "tags": [
            {"name": "HR", "description": "Participants and certificates in your scope."},
            {"name": "Meta", "description": "About the API itself."},
        ],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token created by an HR user at /hr/api-tokens.",
                }
            },
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "responses": RESPONSES,
        },
    }

"""The HR API's JSON: participants, certificates and the pages they come in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import current_app, jsonify, request, url_for
from werkzeug.wrappers import Response

from peeredu.certification import codes
from peeredu.certification.models import Certificate
from peeredu.reports import participants as reports


def page(items: list[dict[str, Any]], page: int, per_page: int, total: int) -> Response:
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
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args.update({key: [str(value)] for key, value in changes.items()})
    assert request.endpoint is not None
    return current_app.config["BASE_URL"] + url_for(request.endpoint, **args)


def _timestamp(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _date(value: date) -> str:
    return value.isoformat()


def _code(code: str | None) -> str | None:
    return codes.display(code) if code else None


def participant(row: reports.ParticipantRow) -> dict[str, Any]:
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


def certificate(row: reports.ParticipantRow, certificate: Certificate) -> dict[str, Any]:
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

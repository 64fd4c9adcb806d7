"""HR's side: the participants of the organisations an HR user follows, one by one and exported.

Guarded in one place: only HR users get past the blueprint's ``guard``, and every question
goes through peeredu.reports.participants, which scopes by the user's organisations in SQL.
Another organisation's participant is 404 on the page and absent from every export. HR never
sees reflection text, feedback or practice logs: nothing here reads them.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import IO

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from peeredu.accounts import permissions
from peeredu.accounts.models import EnrolmentStatus, Track, WorkRole
from peeredu.certification import codes
from peeredu.extensions import current_curriculum, current_time, db
from peeredu.paging import pages_of
from peeredu.reports import exports
from peeredu.reports import participants as report
from peeredu.reports.exports import Cell
from peeredu.reports.participants import Choice, ParticipantFilter, ParticipantRow
from peeredu.web import hr_scope
from peeredu.web.forms import ListSelectField, SearchForm
from peeredu.web.guards import guard
from peeredu.web.labels import choices, label
from peeredu.web.lifecycle import log_apart
from peeredu.web.numbers import whole_number
from peeredu.web.pagination import beyond_the_last, requested_page

PAGE_SIZE = 50
PDF_ENDPOINT = "peeredu.certificates.pdf"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CERTIFICATE_LABELS = {
    report.NO_CERTIFICATE: _l("No certificate"),
    report.VALID: _l("Valid"),
    report.REVOKED: _l("Revoked"),
}
# Spreadsheet column widths (characters), in the order of _header().
COLUMN_WIDTHS = (28, 32, 28, 20, 12, 12, 22, 28, 14, 10, 10, 12, 16, 20, 12)


class ParticipantFilterForm(SearchForm):
    q = StringField(_l("Search by name or email"), validators=[Optional(), Length(max=200)])
    organisation = ListSelectField(_l("Organisation"), validate_choice=False)
    cohort = ListSelectField(_l("Cohort"), validate_choice=False)
    track = SelectField(
        _l("Track"),
        choices=[SelectChoice("", _l("Both tracks")), *choices(Track)],
        validate_choice=False,
    )
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("", _l("All")), *choices(EnrolmentStatus)],
        validate_choice=False,
    )
    certified = SelectField(
        _l("Certificate"),
        choices=[
            SelectChoice("", _l("All")),
            SelectChoice("yes", _l("With a valid certificate")),
            SelectChoice("no", _l("Without a valid certificate")),
        ],
        validate_choice=False,
    )


def build_blueprint() -> Blueprint:
    bp = Blueprint("hr", __name__)
    bp.before_request(guard(permissions.is_hr))
    bp.add_url_rule("/", view_func=index)
    bp.add_url_rule("/participants/<int:enrolment_id>", view_func=participant)
    bp.add_url_rule("/participants.csv", view_func=participants_csv)
    bp.add_url_rule("/participants.xlsx", view_func=participants_xlsx)
    return bp


# -- Filters --------------------------------------------------------------------------------


def _filters(form: ParticipantFilterForm) -> ParticipantFilter:
    """The filter the query string asks for; unknown values are ignored, never widened."""
    organisation = whole_number(form.organisation.data)
    certified = {"yes": True, "no": False}.get(form.certified.data or "")
    return ParticipantFilter(
        organisation_ids=None if organisation is None else {organisation},
        cohort_id=whole_number(form.cohort.data),
        track=Track(form.track.data) if form.track.data in {t.value for t in Track} else None,
        status=(
            EnrolmentStatus(form.status.data)
            if form.status.data in {s.value for s in EnrolmentStatus}
            else None
        ),
        certified=certified,
        search=(form.q.data or "")[:200],
    )


def _options(rows: list[Choice]) -> list[SelectChoice]:
    return [SelectChoice("", _("All")), *(SelectChoice(str(row.id), row.name) for row in rows)]


# -- Pages ----------------------------------------------------------------------------------


def index() -> str | BaseResponse:
    form = ParticipantFilterForm(request.args)
    form.organisation.choices = _options(report.scoped_organisations(db.session, current_user.id))
    form.cohort.choices = _options(report.scoped_cohorts(db.session, current_user.id))
    filters = _filters(form)
    page = requested_page()
    rows, total = hr_scope.participants_page(
        current_user.id, filters, page=page, per_page=PAGE_SIZE
    )
    paging = pages_of(total, PAGE_SIZE, page)
    if (last := beyond_the_last(paging)) is not None:
        return last
    # Only the filters: any other argument (page, or a "sep" of the export links) would clash.
    export_args = {k: v for k, v in request.args.items() if k in form and v}
    return render_template(
        "peeredu/hr/participants.html",
        form=form,
        rows=rows,
        total=total,
        paging=paging,
        export_args=export_args,
        certificate_labels=CERTIFICATE_LABELS,
        threshold=current_curriculum().course.attendance_threshold,
    )


def participant(enrolment_id: int) -> str:
    found = hr_scope.participant(current_user.id, enrolment_id)
    if found is None:
        abort(404)
    pdf_url = None
    # The PDF is only served for a valid certificate; the endpoint lives in web.certificates.
    if found.certificate_status == report.VALID and PDF_ENDPOINT in current_app.view_functions:
        pdf_url = url_for(PDF_ENDPOINT, certificate_id=found.certificate_id)
    return render_template(
        "peeredu/hr/participant.html",
        row=found,
        code=codes.display(found.certificate_code) if found.certificate_code else None,
        pdf_url=pdf_url,
        certificate_labels=CERTIFICATE_LABELS,
        threshold=current_curriculum().course.attendance_threshold,
    )


# -- Exports --------------------------------------------------------------------------------


def _header() -> list[str]:
    return [
        _("Name"),
        _("Email"),
        _("Organisation"),
        _("Cohort"),
        _("Cohort start"),
        _("Cohort end"),
        _("Track"),
        _("Role at work"),
        _("Status"),
        _("Modules completed"),
        _("Modules required"),
        _("Attendance (%)"),
        _("Certificate"),
        _("Verification code"),
        _("Certificate issued"),
    ]


def _local_date(moment: datetime | None) -> date | None:
    return to_user_timezone(moment).date() if moment is not None else None


def _records(rows: Iterable[ParticipantRow]) -> Iterator[list[Cell]]:
    """Rows as spreadsheet records, with the enum labels translated once, not per cell."""
    labels: dict[object, str] = {
        member: label(member) for kind in (Track, WorkRole, EnrolmentStatus) for member in kind
    }
    certificates = {status: str(text) for status, text in CERTIFICATE_LABELS.items()}
    for row in rows:
        yield [
            row.name,
            row.email,
            row.organisation_name,
            row.cohort_name,
            row.cohort_start,
            row.cohort_end,
            labels[row.track],
            labels[row.work_role],
            labels[row.status],
            row.modules_completed,
            row.modules_required,
            row.attendance_percent,
            certificates[row.certificate_status],
            codes.display(row.certificate_code) if row.certificate_code else None,
            _local_date(row.certified_at),
        ]


def _export_filters() -> ParticipantFilter:
    return _filters(ParticipantFilterForm(request.args))


def _record_export(kind: str, rows: int, filters: ParticipantFilter) -> None:
    """Log the export: format, row count and filters, never a name or the search text."""
    parts = [f"format={kind}", f"rows={rows}"]
    if filters.organisation_ids is not None:
        parts.append("organisations=" + ",".join(str(i) for i in sorted(filters.organisation_ids)))
    if filters.cohort_id is not None:
        parts.append(f"cohort={filters.cohort_id}")
    if filters.track is not None:
        parts.append(f"track={filters.track.value}")
    if filters.status is not None:
        parts.append(f"status={filters.status.value}")
    if filters.certified is not None:
        parts.append(f"certified={'yes' if filters.certified else 'no'}")
    if filters.search.strip():
        parts.append("search=yes")
    log_apart("hr.export", object_type="user", object_id=current_user.id, detail=" ".join(parts))


def _filename(extension: str) -> str:
    return f"deltagere-{current_time().date().isoformat()}.{extension}"


def participants_csv() -> Response:
    filters = _export_filters()
    delimiter = "," if request.args.get("sep") == "comma" else ";"
    # Logged before streaming, so an export cut off half-way is still in the log.
    _record_export("csv", report.participant_count(db.session, current_user.id, filters), filters)
    lines = exports.csv_lines(
        _header(), _streamed_records(current_user.id, filters), delimiter=delimiter
    )
    return Response(
        stream_with_context(lines),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_filename("csv")}"'},
    )


def _streamed_records(hr_user_id: int, filters: ParticipantFilter) -> Iterator[list[Cell]]:
    """The export's records, read while the response is sent.

    ``db.session`` is looked up only when the stream starts: by then the view's session has
    been closed with its request, and the stream's own one is closed when the stream ends.
    """
    yield from _records(hr_scope.all_participants(hr_user_id, filters))


def participants_xlsx() -> Response:
    filters = _export_filters()
    rows = hr_scope.all_participants(current_user.id, filters)
    # On disk, not in memory: the workbook's size grows with the rows.
    target = tempfile.TemporaryFile()
    try:
        count = exports.write_xlsx(
            _header(),
            _records(rows),
            target,
            sheet_title=_("Participants"),
            widths=COLUMN_WIDTHS,
        )
        _record_export("xlsx", count, filters)
        size = target.seek(0, io.SEEK_END)
        target.seek(0)
    except BaseException:
        target.close()
        raise
    return Response(
        _chunks(target),
        mimetype=XLSX_MIMETYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{_filename("xlsx")}"',
            "Content-Length": str(size),
        },
    )


def _chunks(file: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    """The file's bytes, closing (and so deleting) it when sent or when the client leaves."""
    with file:
        while chunk := file.read(size):
            yield chunk

"""A cohort's people, for administrators: enrolled from one file, teachers added, learners
moved to another cohort with their progress.

Routed by the admin blueprint (web.admin), whose ``guard`` admits administrators only. The
rules live in ``accounts.bulk_enrolment`` (parse → validate → apply), ``accounts.organisations``
(add_teacher) and ``curriculum.moves``.

Between the preview and the confirmation the parsed rows travel in the page, signed (with the
app's secret key, for this cohort and this admin, for an hour), together with the lines the
preview found invalid: the server reads back exactly the rows it checked, and "enrol only the
valid rows" means the rows the admin saw as valid. Confirming validates everything again inside
the one transaction, so what changed in between (a person enrolled meanwhile) is caught. Keeping
the rows in the page rather than in the session or a table leaves nothing behind when an admin
walks away from a preview.
"""

from __future__ import annotations

import io
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peeredu.accounts import bulk_enrolment, bulk_files, organisations, queries
from peeredu.accounts.models import Cohort, Enrolment
from peeredu.curriculum import moves
from peeredu.db import local_date
from peeredu.extensions import current_time, db
from peeredu.reports.exports import csv_lines, write_xlsx
from peeredu.web.admin_forms import ConfirmUploadForm, MoveForm, TeacherForm, UploadForm, options
from peeredu.web.emails import queue_invitation
from peeredu.web.forms import domain_message
from peeredu.web.lifecycle import found_or_404, perform
from peeredu.web.numbers import whole_number

SIGNED_ROWS_MAX_AGE = 3600
_SALT = "peeredu.bulk-enrolment"


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _sign(cohort: Cohort, preview: bulk_enrolment.Preview) -> str:
    return str(
        _signer().dumps(
            {
                "cohort": cohort.id,
                "actor": current_user.id,
                "rows": [c.row.as_list() for c in preview.rows],
                "invalid": [c.row.line for c in preview.invalid_rows],
            }
        )
    )


def _unsigned(token: str, cohort: Cohort) -> tuple[list[bulk_files.Row], list[int]] | None:
    """The rows and invalid lines signed for this cohort and admin, or None."""
    try:
        data = _signer().loads(token, max_age=SIGNED_ROWS_MAX_AGE)
        if data["cohort"] != cohort.id or data["actor"] != current_user.id:
            return None
        rows = [bulk_files.Row.from_list(r) for r in data["rows"]]
        return rows, [int(i) for i in data["invalid"]]
    except (BadData, KeyError, TypeError, ValueError):
        return None


def _preview_page(cohort: Cohort, preview: bulk_enrolment.Preview) -> str:
    headings = {
        "name": _("Name"),
        "email": _("Email"),
        "track": _("Track"),
        "organisation": _("Organisation"),
    }
    problems = {
        c.row.line: [(headings.get(p.field or "", ""), domain_message(p)) for p in c.problems]
        for c in preview.invalid_rows
    }
    return render_template(
        "peeredu/admin/enrol_preview.html",
        cohort=cohort,
        preview=preview,
        problems=problems,
        confirm_form=ConfirmUploadForm(rows=_sign(cohort, preview)),
        form=UploadForm(formdata=None),
    )


def enrol_from_file(cohort_id: int) -> str:
    cohort = found_or_404(Cohort, cohort_id)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.people.data
        try:
            rows = bulk_files.parse(upload.read(bulk_files.MAX_BYTES + 1), upload.filename or "")
        except bulk_files.FileRefused as error:
            form.people.errors = [domain_message(error)]
        else:
            return _preview_page(cohort, bulk_enrolment.validate(db.session, cohort, rows))
    return render_template("peeredu/admin/enrol_file.html", cohort=cohort, form=form)


def confirm_enrolment(cohort_id: int) -> str | Response:
    cohort = found_or_404(Cohort, cohort_id)
    form = ConfirmUploadForm()
    signed = _unsigned(form.rows.data or "", cohort) if form.validate_on_submit() else None
    if signed is None:
        flash(
            _("The check is over an hour old, or the page was changed. Upload the file again."),
            "error",
        )
        return redirect(url_for(".enrol_from_file", cohort_id=cohort.id))
    rows, invalid = signed
    skip = invalid if request.form.get("only_valid") == "1" else []

    def enrol(session: Session) -> bulk_enrolment.Applied:
        applied = bulk_enrolment.apply(
            session,
            cohort,
            rows,
            skip=skip,
            locale=current_app.config["DEFAULT_LOCALE"],
            actor_id=current_user.id,
            now=current_time(),
            max_age=current_app.config["INVITATION_MAX_AGE"],
        )
        for user, token in applied.invited:
            queue_invitation(session, user, token)
        return applied

    outcome = perform(enrol)
    if outcome and outcome.value is not None:
        flash(
            _(
                "Enrolled in %(cohort)s: %(count)s. New accounts with an invitation: %(invited)s.",
                cohort=cohort.name,
                count=outcome.value.enrolled,
                invited=len(outcome.value.invited),
            ),
            "success",
        )
        return redirect(url_for(".edit_cohort", cohort_id=cohort.id))
    if isinstance(outcome.error, bulk_enrolment.RowsChanged):
        return _preview_page(cohort, bulk_enrolment.validate(db.session, cohort, rows))
    return redirect(url_for(".enrol_from_file", cohort_id=cohort.id))


def _template_header() -> tuple[str, ...]:
    language = str(get_locale() or "da")
    return bulk_files.DANISH_COLUMNS if language == "da" else bulk_files.COLUMNS


def enrolment_template_xlsx() -> Response:
    target = io.BytesIO()
    header = _template_header()
    write_xlsx(header, [], target, sheet_title=_("Participants"), widths=(30, 34, 14, 40))
    return _download(
        target.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    )


def enrolment_template_csv() -> Response:
    return _download(
        "".join(csv_lines(_template_header(), [])).encode(), "text/csv; charset=utf-8", "csv"
    )


def _download(body: bytes, mimetype: str, extension: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{_("participants")}.{extension}"'},
    )


def add_teacher(cohort_id: int) -> Response:
    cohort = found_or_404(Cohort, cohort_id)
    form = TeacherForm()
    if not form.validate_on_submit():
        flash(_("Write the teacher's email address."), "error")
    elif added := perform(
        lambda session: organisations.add_teacher(
            session, cohort, form.email.data or "", actor_id=current_user.id
        )
    ):
        assert added.value is not None
        flash(
            _("%(name)s now teaches %(cohort)s.", name=added.value.name, cohort=cohort.name),
            "success",
        )
    return redirect(url_for(".edit_cohort", cohort_id=cohort.id) + "#teachers-heading")


def move_enrolment(enrolment_id: int) -> str | Response:
    enrolment = found_or_404(Enrolment, enrolment_id)
    enrolled_in = {e.cohort_id for e in queries.enrolments_of(db.session, enrolment.user_id)}
    form = MoveForm()
    form.cohort.choices = options(
        [c for c in queries.all_cohorts(db.session) if c.id not in enrolled_in], _("Choose…")
    )
    context: dict[str, Any] = {"form": form, "enrolment": enrolment}
    if form.validate_on_submit():
        target = db.session.get(Cohort, whole_number(form.cohort.data) or 0)
        if target is None:
            form.cohort.errors = [_("Choose a cohort.")]
        elif request.form.get("confirm") != "1":
            return render_template(
                "peeredu/admin/move_confirm.html",
                **context,
                target=target,
                consequences=moves.consequences(
                    db.session, enrolment, target, today=local_date(current_time())
                ),
            )
        elif perform(
            lambda session: moves.move_enrolment(
                session,
                enrolment,
                target.id,
                actor_id=current_user.id,
                now=current_time(),
            ),
            form=form,
            done=_(
                "%(name)s is moved to %(cohort)s with their progress.",
                name=enrolment.user.name,
                cohort=target.name,
            ),
        ):
            return redirect(url_for(".user_detail", user_id=enrolment.user_id))
    return render_template("peeredu/admin/move.html", **context)

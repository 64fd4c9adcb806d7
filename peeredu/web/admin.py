"""Administration: organisations, cohorts and the mail queue; people in web.admin_users.

The whole blueprint is guarded in one place (``guard`` in build_blueprint): a route added
here later, or in web.admin_users, is closed to everyone but admins without anyone having to
remember a decorator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peeredu import outbox
from peeredu.accounts import organisations as organisation_service
from peeredu.accounts import permissions, queries
from peeredu.accounts.models import Cohort, Organisation
from peeredu.extensions import current_time, db
from peeredu.web import admin_cohorts, admin_users
from peeredu.web.admin_forms import CohortForm, OrganisationForm, TeacherForm, options
from peeredu.web.guards import guard
from peeredu.web.lifecycle import found_or_404, perform


def build_blueprint() -> Blueprint:
    bp = Blueprint("admin", __name__)
    bp.before_request(guard(permissions.can_administer))
    rules: list[tuple[str, Any, list[str]]] = [
        ("/", index, ["GET"]),
        ("/users", admin_users.users, ["GET"]),
        ("/users/invite", admin_users.invite, ["GET", "POST"]),
        ("/users/<int:user_id>", admin_users.user_detail, ["GET", "POST"]),
        ("/users/<int:user_id>/active", admin_users.set_active, ["POST"]),
        ("/users/<int:user_id>/deactivate", admin_users.deactivate, ["GET", "POST"]),
        ("/users/<int:user_id>/anonymise", admin_users.anonymise, ["POST"]),
        ("/users/<int:user_id>/two-factor/reset", admin_users.reset_two_factor, ["POST"]),
        ("/users/<int:user_id>/invitation/resend", admin_users.resend_invitation, ["POST"]),
        ("/users/<int:user_id>/invitation/revoke", admin_users.revoke_invitation, ["POST"]),
        ("/users/<int:user_id>/hr-scope", admin_users.set_hr_scope, ["POST"]),
        ("/users/<int:user_id>/enrolments/new", admin_users.new_enrolment, ["GET", "POST"]),
        ("/enrolments/<int:enrolment_id>/status", admin_users.set_enrolment_status, ["POST"]),
        ("/organisations", organisations, ["GET"]),
        ("/organisations/new", edit_organisation, ["GET", "POST"]),
        ("/organisations/<int:organisation_id>", edit_organisation, ["GET", "POST"]),
        ("/cohorts", cohorts, ["GET"]),
        ("/outbox", outbox_view, ["GET"]),
        ("/outbox/<int:message_id>/send", outbox_send_now, ["POST"]),
        ("/outbox/<int:message_id>/cancel", outbox_cancel, ["POST"]),
        ("/cohorts/new", edit_cohort, ["GET", "POST"]),
        ("/cohorts/<int:cohort_id>", edit_cohort, ["GET", "POST"]),
        ("/cohorts/<int:cohort_id>/enrol", admin_cohorts.enrol_from_file, ["GET", "POST"]),
        ("/cohorts/<int:cohort_id>/enrol/confirm", admin_cohorts.confirm_enrolment, ["POST"]),
        ("/cohorts/<int:cohort_id>/teachers", admin_cohorts.add_teacher, ["POST"]),
        ("/cohorts/participants.xlsx", admin_cohorts.enrolment_template_xlsx, ["GET"]),
        ("/cohorts/participants.csv", admin_cohorts.enrolment_template_csv, ["GET"]),
        ("/enrolments/<int:enrolment_id>/move", admin_cohorts.move_enrolment, ["GET", "POST"]),
    ]
    for rule, view, methods in rules:
        bp.add_url_rule(rule, view_func=view, methods=methods)
    return bp


def index() -> Response:
    return redirect(url_for(".users"))


# -- Organisations and cohorts ---------------------------------------------------------------


def organisations() -> str:
    return render_template(
        "peeredu/admin/organisations.html", organisations=queries.all_organisations(db.session)
    )


def _edited(
    form: Any,
    row: Any,
    create: Callable[..., object],
    update: Callable[..., object],
    values: Callable[[], dict[str, Any]],
    *,
    done: str,
    back: str,
) -> Response | None:
    """A valid form saved as a new row, or as ``row`` updated, then back to ``back``; None
    when the form is to be shown (again)."""
    if not form.validate_on_submit():
        return None

    def change(session: Session) -> object:
        if row is None:
            return create(session, **values(), actor_id=current_user.id)
        return update(session, row, **values(), actor_id=current_user.id)

    return redirect(back) if perform(change, form=form, done=done) else None


def edit_organisation(organisation_id: int | None = None) -> str | Response:
    organisation = found_or_404(Organisation, organisation_id) if organisation_id else None
    form = OrganisationForm(obj=organisation)
    saved = _edited(
        form,
        organisation,
        organisation_service.create_organisation,
        organisation_service.update_organisation,
        lambda: {"name": form.name.data or "", "kind": form.kind.data or ""},
        done=_("The organisation is saved."),
        back=url_for(".organisations"),
    )
    return saved or render_template(
        "peeredu/admin/organisation_form.html", form=form, organisation=organisation
    )


def cohorts() -> str:
    return render_template(
        "peeredu/admin/cohorts.html",
        cohorts=queries.all_cohorts(db.session),
        sizes=queries.cohort_sizes(db.session),
    )


def edit_cohort(cohort_id: int | None = None) -> str | Response:
    cohort = found_or_404(Cohort, cohort_id) if cohort_id else None
    form = CohortForm(
        data={
            "name": cohort.name,
            "start_date": cohort.start_date,
            "end_date": cohort.end_date,
            "teachers": [t.id for t in cohort.teachers],
        }
        if cohort
        else None
    )
    form.teachers.choices = options(queries.teachers(db.session))
    saved = _edited(
        form,
        cohort,
        organisation_service.create_cohort,
        organisation_service.update_cohort,
        lambda: {
            "name": form.name.data or "",
            "start_date": form.start_date.data,
            "end_date": form.end_date.data,
            "teacher_ids": form.teachers.data or [],
        },
        done=_("The cohort is saved."),
        back=url_for(".cohorts"),
    )
    return saved or render_template(
        "peeredu/admin/cohort_form.html",
        form=form,
        cohort=cohort,
        participants=queries.cohort_participants(db.session, cohort.id) if cohort else [],
        teacher_form=TeacherForm(formdata=None),
    )


# -- Mail queue -----------------------------------------------------------------------------


def outbox_view() -> str:
    """What the outbox holds: so an admin sees when the mail server stopped taking mail."""
    return render_template(
        "peeredu/admin/outbox.html",
        overview=outbox.overview(db.session),
        statuses=outbox.OutboxStatus,
    )


def _act_on_message(message_id: int, action: Callable[..., object], done: str) -> Response:
    message = found_or_404(outbox.OutboxMessage, message_id)
    perform(
        lambda session: action(session, message.id, actor_id=current_user.id, now=current_time()),
        done=done,
    )
    return redirect(url_for(".outbox_view"))


def outbox_send_now(message_id: int) -> Response:
    return _act_on_message(
        message_id, outbox.send_now, _("The message is sent at the mail worker's next pass.")
    )


def outbox_cancel(message_id: int) -> Response:
    return _act_on_message(
        message_id, outbox.cancel, _("The message is cancelled and will not be sent.")
    )

"""Administration: organisations, cohorts, users, enrolments and invitations.

The whole blueprint is guarded in one place (``guard`` in build_blueprint): a route added
here later is closed to everyone but admins without anyone having to remember a decorator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import BooleanField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from peeredu import outbox
from peeredu.accounts import (
    enrolments,
    invitations,
    permissions,
    queries,
    twofactor,
)
from peeredu.accounts import organisations as organisation_service
from peeredu.accounts import users as user_service
from peeredu.accounts.models import Cohort, Enrolment, Organisation, Role, User
from peeredu.certification.services import certificates_by_enrolment
from peeredu.db import utcnow
from peeredu.errors import N_, DomainError
from peeredu.extensions import db
from peeredu.privacy import erase
from peeredu.web.admin_forms import (
    CohortForm,
    EnrolmentFields,
    EnrolmentForm,
    EnrolmentStatusForm,
    HrScopeForm,
    InviteForm,
    OrganisationForm,
    UserFilterForm,
    UserForm,
)
from peeredu.web.emails import queue_invitation
from peeredu.web.forms import Form, ReasonForm, domain_message, show_domain_error
from peeredu.web.guards import get_or_404, guard
from peeredu.web.numbers import whole_number
from peeredu.web.pagination import requested_page


def build_blueprint() -> Blueprint:
    bp = Blueprint("admin", __name__)
    bp.before_request(guard(permissions.can_administer))
    rules: list[tuple[str, Any, list[str]]] = [
        ("/", index, ["GET"]),
        ("/users", users, ["GET"]),
        ("/users/invite", invite, ["GET", "POST"]),
        ("/users/<int:user_id>", user_detail, ["GET", "POST"]),
        ("/users/<int:user_id>/active", set_active, ["POST"]),
        ("/users/<int:user_id>/anonymise", anonymise, ["POST"]),
        ("/users/<int:user_id>/two-factor/reset", reset_two_factor, ["POST"]),
        ("/users/<int:user_id>/invitation/resend", resend_invitation, ["POST"]),
        ("/users/<int:user_id>/invitation/revoke", revoke_invitation, ["POST"]),
        ("/users/<int:user_id>/hr-scope", set_hr_scope, ["POST"]),
        ("/users/<int:user_id>/enrolments/new", new_enrolment, ["GET", "POST"]),
        ("/enrolments/<int:enrolment_id>/status", set_enrolment_status, ["POST"]),
        ("/organisations", organisations, ["GET"]),
        ("/organisations/new", edit_organisation, ["GET", "POST"]),
        ("/organisations/<int:organisation_id>", edit_organisation, ["GET", "POST"]),
        ("/cohorts", cohorts, ["GET"]),
        ("/outbox", outbox_view, ["GET"]),
        ("/outbox/<int:message_id>/send", outbox_send_now, ["POST"]),
        ("/outbox/<int:message_id>/cancel", outbox_cancel, ["POST"]),
        ("/cohorts/new", edit_cohort, ["GET", "POST"]),
        ("/cohorts/<int:cohort_id>", edit_cohort, ["GET", "POST"]),
    ]
    for rule, view, methods in rules:
        bp.add_url_rule(rule, view_func=view, methods=methods)
    return bp


def _fill_enrolment_choices(form: EnrolmentFields) -> None:
    form.cohort.choices = _options(queries.all_cohorts(db.session), _("Choose…"))
    form.organisation.choices = _options(queries.all_organisations(db.session), _("Choose…"))


def _options(rows: Sequence[Any], empty_label: str | None = None) -> list[SelectChoice]:
    """Select options for named rows, optionally led by an empty choice."""
    options = [SelectChoice(str(row.id), row.name) for row in rows]
    return [SelectChoice("", empty_label), *options] if empty_label else options


def _enrolment_spec(form: EnrolmentFields) -> enrolments.EnrolmentSpec | None:
    """The enrolment the form describes, None if it describes none, or a field error."""
    values = (form.cohort.data, form.track.data, form.organisation.data, form.work_role.data)
    if not any(values):
        return None
    for field in (form.cohort, form.track, form.organisation, form.work_role):
        if not field.data:
            raise DomainError(N_("This field is required."), field=field.name)
    return enrolments.EnrolmentSpec(
        cohort_id=int(form.cohort.data),
        organisation_id=int(form.organisation.data),
        track=form.track.data,
        work_role=form.work_role.data,
    )


def index() -> Response:
    return redirect(url_for(".users"))


# -- Users ----------------------------------------------------------------------------------


def users() -> str:
    form = UserFilterForm(request.args)
    form.cohort.choices = _options(queries.all_cohorts(db.session), _("All"))
    form.organisation.choices = _options(queries.all_organisations(db.session), _("All"))
    filters = queries.UserFilter(
        text=form.q.data or "",
        role=Role(form.role.data) if form.role.data in {r.value for r in Role} else None,
        cohort_id=whole_number(form.cohort.data),
        organisation_id=whole_number(form.organisation.data),
    )
    page = queries.search_users(db.session, filters, page=requested_page())
    return render_template("admin/users.html", form=form, page=page)


def invite() -> str | Response:
    form = InviteForm(locale=current_app.config["DEFAULT_LOCALE"])
    _fill_enrolment_choices(form)
    if form.validate_on_submit():
        try:
            user, token = invitations.invite(
                db.session,
                email=form.email.data or "",
                name=form.name.data or "",
                roles=form.roles.data or [],
                locale=form.locale.data or "da",
                enrolment=_enrolment_spec(form),
                actor_id=current_user.id,
                now=utcnow(),
                max_age=current_app.config["INVITATION_MAX_AGE"],
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            queue_invitation(db.session, user, token)
            db.commit()
            flash(_("The invitation to %(email)s has been sent.", email=user.email), "success")
            return redirect(url_for(".user_detail", user_id=user.id))
    return render_template("admin/invite.html", form=form)


def user_detail(user_id: int) -> str | Response:
    user = get_or_404(User, user_id)
    # Not obj=user: WTForms would take user.roles (enums) over the values the boxes carry.
    form = UserForm(
        data={"name": user.name, "locale": user.locale, "roles": [r.value for r in user.roles]}
    )
    if form.validate_on_submit():
        try:
            user_service.update_user(
                db.session,
                user,
                name=form.name.data or "",
                roles=form.roles.data or [],
                locale=form.locale.data or "da",
                actor_id=current_user.id,
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The changes are saved."), "success")
            return redirect(url_for(".user_detail", user_id=user.id))
    hr_form = HrScopeForm(organisations=[o.id for o in user.hr_organisations])
    hr_form.organisations.choices = _options(queries.all_organisations(db.session))
    invitation = invitations.latest_invitation(db.session, user)
    enrolments = queries.enrolments_of(db.session, user.id)
    return render_template(
        "admin/user.html",
        user=user,
        form=form,
        hr_form=hr_form,
        enrolments=enrolments,
        certificates=certificates_by_enrolment(db.session, [e.id for e in enrolments]),
        reason_form=Form(),
        anonymise_form=AnonymiseForm(),
        two_factor=twofactor.is_enabled(db.session, user),
        status_form=EnrolmentStatusForm(),
        invitation=invitation,
        state=queries.account_state(user, invitation, utcnow()),
    )


def _act(action: Callable[[], None], success: str, back: str) -> Response:
    """Run a one-button action and go back to ``back`` with the outcome."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash(domain_message(error), "error")
    else:
        db.commit()
        flash(success, "success")
    return redirect(back)


def _act_on_user(user_id: int, action: Any, success: str) -> Response:
    """Run a one-button action on a user and go back to their page with the outcome."""
    user = get_or_404(User, user_id)
    return _act(lambda: action(user), success, url_for(".user_detail", user_id=user.id))


def set_active(user_id: int) -> Response:
    active = request.form.get("active") == "1"
    return _act_on_user(
        user_id,
        lambda user: user_service.set_active(db.session, user, active, actor_id=current_user.id),
        _("The account is active again.") if active else _("The account is deactivated."),
    )


class AnonymiseForm(ReasonForm):
    confirm = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


def anonymise(user_id: int) -> Response:
    """Anonymise a person on request (GDPR art. 17), with a reason kept in the log."""
    form = AnonymiseForm()
    if not form.validate_on_submit():
        get_or_404(User, user_id)
        flash(_("Write a reason and tick the box to confirm; nothing was changed."), "error")
        return redirect(url_for(".user_detail", user_id=user_id))
    return _act_on_user(
        user_id,
        lambda user: erase.anonymise_user(
            db.session, user, reason=form.reason.data or "", actor_id=current_user.id, now=utcnow()
        ),
        _("The account is anonymised."),
    )


def reset_two_factor(user_id: int) -> Response:
    """For a person who lost both their phone and their recovery codes."""
    return _act_on_user(
        user_id,
        lambda user: twofactor.reset(db.session, user, actor_id=current_user.id),
        _("Two-step sign-in is removed; the person sets it up again at their next sign-in."),
    )


def resend_invitation(user_id: int) -> Response:
    def resend(user: User) -> None:
        token = invitations.resend_invitation(
            db.session,
            user,
            actor_id=current_user.id,
            now=utcnow(),
            max_age=current_app.config["INVITATION_MAX_AGE"],
        )
        queue_invitation(db.session, user, token)

    return _act_on_user(user_id, resend, _("A new invitation has been sent."))


def revoke_invitation(user_id: int) -> Response:
    return _act_on_user(
        user_id,
        lambda user: invitations.revoke_invitation(
            db.session, user, actor_id=current_user.id, now=utcnow()
        ),
        _("The invitation is revoked; the link no longer works."),
    )


def set_hr_scope(user_id: int) -> Response:
    form = HrScopeForm()
    form.organisations.choices = _options(queries.all_organisations(db.session))
    if not form.validate_on_submit():
        abort(400)
    return _act_on_user(
        user_id,
        lambda user: user_service.set_hr_scope(
            db.session, user, form.organisations.data or [], actor_id=current_user.id
        ),
        _("The changes are saved."),
    )


def new_enrolment(user_id: int) -> str | Response:
    user = get_or_404(User, user_id)
    form = EnrolmentForm()
    _fill_enrolment_choices(form)
    if form.validate_on_submit():
        try:
            spec = _enrolment_spec(form)
            if spec is None:
                raise DomainError(N_("This field is required."), field="cohort")
            enrolments.enrol(db.session, user, spec, actor_id=current_user.id)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("%(name)s is enrolled.", name=user.name), "success")
            return redirect(url_for(".user_detail", user_id=user.id))
    return render_template("admin/enrol.html", form=form, user=user)


def set_enrolment_status(enrolment_id: int) -> Response:
    enrolment = get_or_404(Enrolment, enrolment_id)
    form = EnrolmentStatusForm()
    if not form.validate_on_submit():
        abort(400)
    return _act_on_user(
        enrolment.user_id,
        lambda _user: enrolments.set_enrolment_status(
            db.session, enrolment, form.status.data or "", actor_id=current_user.id
        ),
        _("The changes are saved."),
    )


# -- Organisations and cohorts ---------------------------------------------------------------


def organisations() -> str:
    return render_template(
        "admin/organisations.html", organisations=queries.all_organisations(db.session)
    )


def edit_organisation(organisation_id: int | None = None) -> str | Response:
    organisation = get_or_404(Organisation, organisation_id) if organisation_id else None
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        try:
            if organisation is None:
                organisation_service.create_organisation(
                    db.session,
                    name=form.name.data or "",
                    kind=form.kind.data or "",
                    actor_id=current_user.id,
                )
            else:
                organisation_service.update_organisation(
                    db.session,
                    organisation,
                    name=form.name.data or "",
                    kind=form.kind.data or "",
                    actor_id=current_user.id,
                )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The organisation is saved."), "success")
            return redirect(url_for(".organisations"))
    return render_template("admin/organisation_form.html", form=form, organisation=organisation)


def cohorts() -> str:
    return render_template(
        "admin/cohorts.html",
        cohorts=queries.all_cohorts(db.session),
        sizes=queries.cohort_sizes(db.session),
    )


def edit_cohort(cohort_id: int | None = None) -> str | Response:
    cohort = get_or_404(Cohort, cohort_id) if cohort_id else None
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
    form.teachers.choices = _options(queries.teachers(db.session))
    if form.validate_on_submit():
        values = {
            "name": form.name.data or "",
            "start_date": form.start_date.data,
            "end_date": form.end_date.data,
            "teacher_ids": form.teachers.data or [],
            "actor_id": current_user.id,
        }
        try:
            if cohort is None:
                organisation_service.create_cohort(db.session, **values)
            else:
                organisation_service.update_cohort(db.session, cohort, **values)
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash(_("The cohort is saved."), "success")
            return redirect(url_for(".cohorts"))
    return render_template("admin/cohort_form.html", form=form, cohort=cohort)


# -- Mail queue -----------------------------------------------------------------------------


def outbox_view() -> str:
    """What the outbox holds: so an admin sees when the mail server stopped taking mail."""
    return render_template(
        "admin/outbox.html", overview=outbox.overview(db.session), statuses=outbox.OutboxStatus
    )


def _act_on_message(message_id: int, action: Any, success: str) -> Response:
    message = get_or_404(outbox.OutboxMessage, message_id)
    return _act(
        lambda: action(db.session, message.id, actor_id=current_user.id, now=utcnow()),
        success,
        url_for(".outbox_view"),
    )


def outbox_send_now(message_id: int) -> Response:
    return _act_on_message(
        message_id, outbox.send_now, _("The message is sent at the mail worker's next pass.")
    )


def outbox_cancel(message_id: int) -> Response:
    return _act_on_message(
        message_id, outbox.cancel, _("The message is cancelled and will not be sent.")
    )

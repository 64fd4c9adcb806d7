"""Administration of people: users, their invitations, roles, HR scope and enrolments.

Routed by the admin blueprint (web.admin), whose ``guard`` admits administrators only.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peeredu.accounts import enrolments as enrolment_service
from peeredu.accounts import invitations, queries, twofactor
from peeredu.accounts import users as user_service
from peeredu.accounts.models import Enrolment, Role, User
from peeredu.certification.services import certificates_by_enrolment
from peeredu.errors import N_, DomainError
from peeredu.extensions import current_time, db
from peeredu.privacy import erase
from peeredu.web.admin_forms import (
    AnonymiseForm,
    EnrolmentFields,
    EnrolmentForm,
    EnrolmentStatusForm,
    HrScopeForm,
    InviteForm,
    UserFilterForm,
    UserForm,
    options,
)
from peeredu.web.emails import queue_invitation
from peeredu.web.forms import Form
from peeredu.web.lifecycle import found_or_404, perform
from peeredu.web.numbers import whole_number
from peeredu.web.pagination import requested_page


def _fill_enrolment_choices(form: EnrolmentFields) -> None:
    form.cohort.choices = options(queries.all_cohorts(db.session), _("Choose…"))
    form.organisation.choices = options(queries.all_organisations(db.session), _("Choose…"))


def _enrolment_spec(form: EnrolmentFields) -> enrolment_service.EnrolmentSpec | None:
    """The enrolment the form describes, None if it describes none, or a field error."""
    values = (form.cohort.data, form.track.data, form.organisation.data, form.work_role.data)
    if not any(values):
        return None
    for field in (form.cohort, form.track, form.organisation, form.work_role):
        if not field.data:
            raise DomainError(N_("This field is required."), field=field.name)
    return enrolment_service.EnrolmentSpec(
        cohort_id=int(form.cohort.data),
        organisation_id=int(form.organisation.data),
        track=form.track.data,
        work_role=form.work_role.data,
    )


def _back_to(user_id: int) -> str:
    return url_for(".user_detail", user_id=user_id)


def users() -> str:
    form = UserFilterForm(request.args)
    form.cohort.choices = options(queries.all_cohorts(db.session), _("All"))
    form.organisation.choices = options(queries.all_organisations(db.session), _("All"))
    filters = queries.UserFilter(
        text=form.q.data or "",
        role=Role(form.role.data) if form.role.data in {r.value for r in Role} else None,
        cohort_id=whole_number(form.cohort.data),
        organisation_id=whole_number(form.organisation.data),
    )
    page = queries.search_users(db.session, filters, page=requested_page())
    return render_template("peeredu/admin/users.html", form=form, page=page)


def invite() -> str | Response:
    form = InviteForm(locale=current_app.config["DEFAULT_LOCALE"])
    _fill_enrolment_choices(form)

    def send(session: Session) -> User:
        user, token = invitations.invite(
            session,
            email=form.email.data or "",
            name=form.name.data or "",
            roles=form.roles.data or [],
            locale=form.locale.data or "da",
            enrolment=_enrolment_spec(form),
            actor_id=current_user.id,
            now=current_time(),
            max_age=current_app.config["INVITATION_MAX_AGE"],
        )
        queue_invitation(session, user, token)
        return user

    if form.validate_on_submit() and (sent := perform(send, form=form)):
        assert sent.value is not None
        flash(_("The invitation to %(email)s has been sent.", email=sent.value.email), "success")
        return redirect(_back_to(sent.value.id))
    return render_template("peeredu/admin/invite.html", form=form)


def user_detail(user_id: int) -> str | Response:
    user = found_or_404(User, user_id)
    # Not obj=user: WTForms would take user.roles (enums) over the values the boxes carry.
    form = UserForm(
        data={"name": user.name, "locale": user.locale, "roles": [r.value for r in user.roles]}
    )
    if form.validate_on_submit() and perform(
        lambda session: user_service.update_user(
            session,
            user,
            name=form.name.data or "",
            roles=form.roles.data or [],
            locale=form.locale.data or "da",
            actor_id=current_user.id,
        ),
        form=form,
        done=_("The changes are saved."),
    ):
        return redirect(_back_to(user.id))
    hr_form = HrScopeForm(organisations=[o.id for o in user.hr_organisations])
    hr_form.organisations.choices = options(queries.all_organisations(db.session))
    invitation = invitations.latest_invitation(db.session, user)
    enrolments = queries.enrolments_of(db.session, user.id)
    return render_template(
        "peeredu/admin/user.html",
        user=user,
        form=form,
        hr_form=hr_form,
        enrolments=enrolments,
        certificates=certificates_by_enrolment(db.session, [e.id for e in enrolments]),
        anonymise_form=AnonymiseForm(),
        two_factor=twofactor.is_enabled(db.session, user),
        status_form=EnrolmentStatusForm(),
        invitation=invitation,
        state=queries.account_state(user, invitation, current_time()),
    )


def _act_on_user(user_id: int, action: Callable[[Session, User], object], done: str) -> Response:
    """A one-button action on a user, then back to their page with the outcome."""
    user = found_or_404(User, user_id)
    perform(lambda session: action(session, user), done=done)
    return redirect(_back_to(user.id))


def set_active(user_id: int) -> Response:
    active = request.form.get("active") == "1"
    return _act_on_user(
        user_id,
        lambda session, user: user_service.set_active(
            session, user, active, actor_id=current_user.id
        ),
        _("The account is active again.") if active else _("The account is deactivated."),
    )


def deactivate(user_id: int) -> str | Response:
    """Deactivating asks first, on a page that says what the person loses and how to undo it."""
    user = found_or_404(User, user_id)
    form = Form()
    if form.validate_on_submit() and perform(
        lambda session: user_service.set_active(session, user, False, actor_id=current_user.id),
        form=form,
        done=_("The account is deactivated."),
    ):
        return redirect(_back_to(user.id))
    return render_template(
        "peeredu/admin/deactivate.html", form=form, user=user, back=_back_to(user.id)
    )


def anonymise(user_id: int) -> Response:
    """Anonymise a person on request (GDPR art. 17), with a reason kept in the log."""
    form = AnonymiseForm()
    if not form.validate_on_submit():
        found_or_404(User, user_id)
        flash(_("Write a reason and tick the box to confirm; nothing was changed."), "error")
        return redirect(_back_to(user_id))
    return _act_on_user(
        user_id,
        lambda session, user: erase.anonymise_user(
            session,
            user,
            reason=form.reason.data or "",
            actor_id=current_user.id,
            now=current_time(),
        ),
        _("The account is anonymised."),
    )


def reset_two_factor(user_id: int) -> Response:
    """For a person who lost both their phone and their recovery codes."""
    return _act_on_user(
        user_id,
        lambda session, user: twofactor.reset(session, user, actor_id=current_user.id),
        _("Two-step sign-in is removed; the person sets it up again at their next sign-in."),
    )


def resend_invitation(user_id: int) -> Response:
    def resend(session: Session, user: User) -> None:
        token = invitations.resend_invitation(
            session,
            user,
            actor_id=current_user.id,
            now=current_time(),
            max_age=current_app.config["INVITATION_MAX_AGE"],
        )
        queue_invitation(session, user, token)

    return _act_on_user(user_id, resend, _("A new invitation has been sent."))


def revoke_invitation(user_id: int) -> Response:
    return _act_on_user(
        user_id,
        lambda session, user: invitations.revoke_invitation(
            session, user, actor_id=current_user.id, now=current_time()
        ),
        _("The invitation is revoked; the link no longer works."),
    )


def set_hr_scope(user_id: int) -> Response:
    form = HrScopeForm()
    form.organisations.choices = options(queries.all_organisations(db.session))
    if not form.validate_on_submit():
        abort(400)
    return _act_on_user(
        user_id,
        lambda session, user: user_service.set_hr_scope(
            session, user, form.organisations.data or [], actor_id=current_user.id
        ),
        _("The changes are saved."),
    )


def new_enrolment(user_id: int) -> str | Response:
    user = found_or_404(User, user_id)
    form = EnrolmentForm()
    _fill_enrolment_choices(form)

    def enrol(session: Session) -> None:
        spec = _enrolment_spec(form)
        if spec is None:
            raise DomainError(N_("This field is required."), field="cohort")
        enrolment_service.enrol(session, user, spec, actor_id=current_user.id)

    if form.validate_on_submit() and perform(
        enrol, form=form, done=_("%(name)s is enrolled.", name=user.name)
    ):
        return redirect(_back_to(user.id))
    return render_template("peeredu/admin/enrol.html", form=form, user=user)


def set_enrolment_status(enrolment_id: int) -> Response:
    enrolment = found_or_404(Enrolment, enrolment_id)
    form = EnrolmentStatusForm()
    if not form.validate_on_submit():
        abort(400)
    return _act_on_user(
        enrolment.user_id,
        lambda session, _user: enrolment_service.set_enrolment_status(
            session, enrolment, form.status.data or "", actor_id=current_user.id
        ),
        _("The changes are saved."),
    )

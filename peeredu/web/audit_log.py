"""The audit log for administrators: who did what to which object, and when.

The log never holds learner text, so showing it whole to administrators shows no reflection.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from peeredu.accounts import permissions
from peeredu.extensions import db
from peeredu.reports import audit as report
from peeredu.web.forms import SearchForm, plausible_date
from peeredu.web.guards import guard
from peeredu.web.pagination import requested_page

ACTION_LABELS: dict[str, LazyString] = {
    "login": _l("Signed in"),
    "login.fail": _l("Failed sign-in"),
    "password.change": _l("Password changed"),
    "password.reset": _l("Password reset"),
    "access.denied": _l("Access refused"),
    "user.create": _l("User created"),
    "user.roles": _l("Roles changed"),
    "user.activate": _l("User activated"),
    "user.deactivate": _l("User deactivated"),
    "user.hr_scope": _l("HR organisations changed"),
    "user.anonymise": _l("User anonymised"),
    "invitation.send": _l("Invitation sent"),
    "invitation.resend": _l("Invitation sent again"),
    "invitation.revoke": _l("Invitation withdrawn"),
    "invitation.accept": _l("Invitation accepted"),
    "organisation.create": _l("Organisation created"),
    "organisation.update": _l("Organisation changed"),
    "cohort.create": _l("Cohort created"),
    "cohort.update": _l("Cohort changed"),
    "enrolment.create": _l("Enrolment created"),
    "enrolment.status": _l("Enrolment status changed"),
    "class_day.create": _l("Class day added"),
    "class_day.move": _l("Class day moved"),
    "class_day.cancel": _l("Class day cancelled"),
    "attendance.register": _l("Attendance registered"),
    "attendance.exception.grant": _l("Attendance exception granted"),
    "attendance.exception.withdraw": _l("Attendance exception withdrawn"),
    "module.complete.learner": _l("Module marked as done by the learner"),
    "module.complete.teacher": _l("Module completed by a teacher"),
    "module.complete.approval": _l("Module completed by approval"),
    "module.reopen": _l("Module reopened"),
    "reflection.submit": _l("Reflection submitted"),
    "reflection.read": _l("Reflection read by a teacher"),
    "review.release.approved": _l("Feedback released: approved"),
    "review.release.not_yet": _l("Feedback released: revision requested"),
    "extension.grant": _l("Deadline extended"),
    "certificate.issue": _l("Certificate issued"),
    "certificate.issue.manual": _l("Certificate issued by exception"),
    "certificate.revoke": _l("Certificate revoked"),
    "hr.export": _l("Participants exported"),
    "cohort.export": _l("Cohort overview exported"),
    "api_token.create": _l("API token created"),
    "api_token.revoke": _l("API token revoked"),
    "reflections.delete": _l("Reflections deleted"),
    "practice_log.delete": _l("Practice log deleted"),
    "retention.run": _l("Retention deletion run"),
}

OBJECT_LABELS: dict[str, LazyString] = {
    "user": _l("User"),
    "organisation": _l("Organisation"),
    "cohort": _l("Cohort"),
    "enrolment": _l("Enrolment"),
    "class_day": _l("Class day"),
    "reflection_version": _l("Reflection version"),
    "certificate": _l("Certificate"),
    "api_token": _l("API token"),
    "endpoint": _l("Page"),
}


def action_label(action: str) -> str:
    """The action's name in the interface; an unknown one (a newer version's) as it is."""
    found = ACTION_LABELS.get(action)
    return str(found) if found is not None else action


def object_label(object_type: str) -> str:
    found = OBJECT_LABELS.get(object_type)
    return str(found) if found is not None else object_type


class AuditFilterForm(SearchForm):
    actor = StringField(_l("Who (name or email)"), validators=[Optional(), Length(max=200)])
    action = SelectField(_l("Action"), validate_choice=False)
    object_type = SelectField(_l("Object type"), validate_choice=False)
    object_id = StringField(_l("Object number"), validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("From (date)"), validators=[Optional(), plausible_date])
    date_until = DateField(_l("To (date)"), validators=[Optional(), plausible_date])


def build_blueprint() -> Blueprint:
    bp = Blueprint("audit_log", __name__)
    bp.before_request(guard(permissions.can_administer))
    bp.add_url_rule("/", view_func=index)
    return bp


def _local_start(day: date) -> datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def index() -> str:
    form = AuditFilterForm(request.args)
    form.action.choices = [
        SelectChoice("", _l("All actions")),
        *sorted(
            (SelectChoice(key, value) for key, value in ACTION_LABELS.items()),
            key=lambda choice: str(choice.label),
        ),
    ]
    form.object_type.choices = [
        SelectChoice("", _l("All objects")),
        *(SelectChoice(key, value) for key, value in OBJECT_LABELS.items()),
    ]
    valid = form.validate()
    filters = report.AuditFilter()
    if valid:
        filters = report.AuditFilter(
            actor=form.actor.data or "",
            action=form.action.data or "",
            object_type=form.object_type.data or "",
            object_id=form.object_id.data or "",
            at_from=_local_start(form.date_from.data) if form.date_from.data else None,
            at_until=_local_start(form.date_until.data + timedelta(days=1))
            if form.date_until.data
            else None,
        )
    page = report.audit_page(db.session, filters, requested_page())
    return render_template(
        "peeredu/audit/index.html",
        form=form,
        page=page,
        action_label=action_label,
        object_label=object_label,
        max_page=report.MAX_PAGE,
    )

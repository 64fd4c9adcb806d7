"""The teacher's class days: planning, adding, moving and cancelling them, and the register.

Routes of the ``teach`` blueprint (``add_routes``), guarded by its teacher check; the cohort
is loaded through ``teach_scope.taught_cohort_or_404``.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from peeredu.accounts.models import Cohort
from peeredu.curriculum import attendance
from peeredu.curriculum.records import AttendanceStatus, ClassDay
from peeredu.db import local_date
from peeredu.extensions import current_curriculum, current_time, db
from peeredu.reports.cohort import cohort_enrolments
from peeredu.web.dates import long_date
from peeredu.web.forms import Form, ReasonForm
from peeredu.web.lifecycle import found_or_404, perform
from peeredu.web.teach_scope import reasoned_change, taught_cohort_or_404


class ClassDayForm(Form):
    date = DateField(_l("Date"), validators=[DataRequired()])
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=200)])
    module = SelectField(_l("Module"), validators=[Optional()], validate_choice=False, default="")


class MoveDayForm(ReasonForm):
    date = DateField(_l("New date"), validators=[DataRequired()])


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/cohorts/<int:cohort_id>/days", view_func=days, methods=["GET", "POST"])
    bp.add_url_rule("/cohorts/<int:cohort_id>/days/plan", view_func=plan_days, methods=["POST"])
    bp.add_url_rule(
        "/cohorts/<int:cohort_id>/days/<int:day_id>",
        view_func=register_attendance,
        methods=["GET", "POST"],
    )
    bp.add_url_rule(
        "/cohorts/<int:cohort_id>/days/<int:day_id>/<any(move,cancel):action>",
        view_func=change_day,
        methods=["POST"],
    )


def _module_choices() -> list[SelectChoice]:
    modules = sorted(current_curriculum().modules.values(), key=lambda m: m.order)
    return [SelectChoice("", _("No particular module"))] + [
        SelectChoice(m.slug, f"{m.order}. {m.title}") for m in modules
    ]


def days(cohort_id: int) -> str | BaseResponse:
    found = taught_cohort_or_404(cohort_id)
    form = ClassDayForm()
    form.module.choices = _module_choices()
    if form.validate_on_submit() and perform(
        lambda session: attendance.add_class_day(
            session,
            current_curriculum(),
            found,
            day=form.date.data,
            topic=form.topic.data or "",
            module_slug=form.module.data or None,
            actor_id=current_user.id,
        ),
        form=form,
        done=_("The class day is added."),
    ):
        return redirect(url_for(".days", cohort_id=found.id))
    return render_template(
        "peeredu/teach/days.html",
        cohort=found,
        days=attendance.class_days(db.session, found.id),
        registered=attendance.registration_counts(db.session, found.id),
        learner_count=len(attendance.cohort_enrolment_ids(db.session, found.id)),
        today=local_date(current_time()),
        move_form=MoveDayForm(),
        form=form,
        plan_form=Form(),
        modules=current_curriculum().modules,
        planned=len(current_curriculum().course.class_days),
    )


def plan_days(cohort_id: int) -> BaseResponse:
    found = taught_cohort_or_404(cohort_id)
    if not Form().validate_on_submit():
        abort(400)
    planned = perform(
        lambda session: attendance.plan_class_days(
            session, current_curriculum(), found, actor_id=current_user.id
        )
    )
    if planned and planned.value is not None:
        flash(_("%(count)s class days are planned.", count=len(planned.value)), "success")
    return redirect(url_for(".days", cohort_id=found.id))


def _day_in(cohort_: Cohort, day_id: int) -> ClassDay:
    return found_or_404(ClassDay, day_id, visible=lambda d: d.cohort_id == cohort_.id)


def register_attendance(cohort_id: int, day_id: int) -> str | BaseResponse:
    """The day's register: everyone present unless registered otherwise, so the teacher only
    changes the exceptions; ``?mark=absent`` starts from everyone absent instead."""
    found = taught_cohort_or_404(cohort_id)
    day = _day_in(found, day_id)
    learners = cohort_enrolments(db.session, found.id)
    form = Form()
    if form.validate_on_submit():
        chosen = {
            e.id: request.form[f"status-{e.id}"]
            for e in learners
            if request.form.get(f"status-{e.id}")
        }
        saved = perform(
            lambda session: attendance.register(
                session,
                current_curriculum(),
                day,
                chosen,
                actor_id=current_user.id,
                now=current_time(),
            )
        )
        if saved:
            flash(_saved_attendance(day, chosen, changed=saved.value or 0), "success")
            return redirect(url_for(".days", cohort_id=found.id))
    statuses = attendance.statuses_for_day(db.session, day.id)
    mark = request.args.get("mark")
    everyone = AttendanceStatus.ABSENT if mark == "absent" else AttendanceStatus.PRESENT
    return render_template(
        "peeredu/teach/attendance.html",
        cohort=found,
        day=day,
        learners=learners,
        statuses=statuses,
        chosen={
            e.id: everyone if mark in ("absent", "present") else statuses.get(e.id, everyone)
            for e in learners
        },
        all_absent=mark == "absent",
        choices=list(AttendanceStatus),
        too_early=day.date > local_date(current_time()),
        form=form,
        module=current_curriculum().module(day.module_slug) if day.module_slug else None,
    )


def _saved_attendance(day: ClassDay, chosen: dict[int, str], *, changed: int) -> str:
    when = long_date(day.date)
    if not changed:
        return _("Nothing changed: attendance for %(date)s was already registered so.", date=when)
    present = sum(1 for status in chosen.values() if status == AttendanceStatus.PRESENT.value)
    return _(
        "Attendance for %(date)s is saved: %(present)s present, %(absent)s absent.",
        date=when,
        present=present,
        absent=len(chosen) - present,
    )


def change_day(cohort_id: int, day_id: int, action: str) -> BaseResponse:
    """Move a class day to another date, or cancel it, with a reason."""
    found = taught_cohort_or_404(cohort_id)
    day = _day_in(found, day_id)
    back = url_for(".days", cohort_id=found.id)
    if action == "cancel":
        return reasoned_change(
            ReasonForm(),
            back,
            attendance.cancel_class_day,
            day,
            done=_("The class day is cancelled."),
        )
    form = MoveDayForm()
    return reasoned_change(
        form,
        back,
        attendance.move_class_day,
        day,
        new_date=form.date.data,
        done=_("The class day is moved."),
        incomplete=_("Choose the new date and write a short reason."),
    )

"""The teacher's side: cohort overview, class days and attendance, completing and reopening.

Guarded in one place: only teachers get past the blueprint's ``guard``, and every cohort route
loads the cohort through ``_taught_cohort_or_404``, so a teacher of another cohort sees 404.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from peeredu.accounts import permissions
from peeredu.accounts.models import Cohort, Enrolment, Track
from peeredu.certification.services import certificate_of
from peeredu.curriculum import attendance, progress, records
from peeredu.curriculum.progress import ModuleStatus
from peeredu.curriculum.records import AttendanceStatus, ClassDay
from peeredu.db import local_date
from peeredu.extensions import current_assignments, current_curriculum, current_time, db
from peeredu.reflections import submission
from peeredu.reports import reviews
from peeredu.reports.cohort import cohort_enrolments, cohort_matrix, matrix_csv
from peeredu.web.forms import Form, ReasonForm
from peeredu.web.guards import guard
from peeredu.web.labels import label
from peeredu.web.lifecycle import found_or_404, log_apart, perform


class ClassDayForm(Form):
    date = DateField(_l("Date"), validators=[DataRequired()])
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=200)])
    module = SelectField(_l("Module"), validate_choice=False, default="")


class MoveDayForm(ReasonForm):
    date = DateField(_l("New date"), validators=[DataRequired()])


def build_blueprint() -> Blueprint:
    bp = Blueprint("teach", __name__)
    bp.before_request(guard(permissions.is_teacher))
    bp.add_url_rule("/cohorts/<int:cohort_id>", view_func=cohort)
    bp.add_url_rule("/cohorts/<int:cohort_id>/overview.csv", view_func=cohort_csv)
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
    bp.add_url_rule(
        "/cohorts/<int:cohort_id>/learners/<int:enrolment_id>/attendance-exception/<any(grant,withdraw):action>",
        view_func=change_exception,
        methods=["POST"],
    )
    bp.add_url_rule("/cohorts/<int:cohort_id>/learners/<int:enrolment_id>", view_func=learner)
    bp.add_url_rule(
        "/cohorts/<int:cohort_id>/learners/<int:enrolment_id>/modules/<slug>/<any(complete,reopen):action>",
        view_func=change_completion,
        methods=["POST"],
    )
    return bp


def _taught_cohort_or_404(cohort_id: int) -> Cohort:
    return found_or_404(
        Cohort,
        cohort_id,
        visible=lambda c: permissions.teaches_cohort(db.session, current_user, c.id),
    )


def _enrolment_in(cohort_: Cohort, enrolment_id: int) -> Enrolment:
    return found_or_404(Enrolment, enrolment_id, visible=lambda e: e.cohort_id == cohort_.id)


def _track_filter() -> Track | None:
    value = request.args.get("track", "")
    return Track(value) if value in {t.value for t in Track} else None


def cohort(cohort_id: int) -> str:
    found = _taught_cohort_or_404(cohort_id)
    track = _track_filter()
    matrix = cohort_matrix(
        db.session, current_curriculum(), found, track=track, today=local_date(current_time())
    )
    return render_template(
        "peeredu/teach/cohort.html",
        cohort=found,
        matrix=matrix,
        track=track,
        tracks=list(Track),
        # 300 cells name a handful of statuses: translated once here, not once per cell.
        status_labels={status: label(status) for status in ModuleStatus},
    )


def cohort_csv(cohort_id: int) -> Response:
    found = _taught_cohort_or_404(cohort_id)
    matrix = cohort_matrix(
        db.session,
        current_curriculum(),
        found,
        track=_track_filter(),
        today=local_date(current_time()),
    )
    lines = matrix_csv(
        matrix,
        headers=[
            _("Name"),
            _("Email"),
            _("Track"),
            _("Workplace"),
            _("Modules completed"),
            _("Modules required"),
            _("Attendance"),
        ],
        status_text={status: label(status) for status in ModuleStatus},
        track_text={track: label(track) for track in Track},
    )
    log_apart(
        "cohort.export",
        object_type="cohort",
        object_id=found.id,
        detail=f"format=csv rows={len(matrix.rows)}",
    )
    filename = f"overblik-{found.id}.csv"
    return Response(
        stream_with_context(lines),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _module_choices() -> list[SelectChoice]:
    modules = sorted(current_curriculum().modules.values(), key=lambda m: m.order)
    return [SelectChoice("", _("No particular module"))] + [
        SelectChoice(m.slug, f"{m.order}. {m.title}") for m in modules
    ]


def days(cohort_id: int) -> str | BaseResponse:
    found = _taught_cohort_or_404(cohort_id)
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
    found = _taught_cohort_or_404(cohort_id)
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
    found = _taught_cohort_or_404(cohort_id)
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
    when = format_date(day.date, "long")
    if not changed:
        return _("Nothing changed: attendance for %(date)s was already registered so.", date=when)
    present = sum(1 for status in chosen.values() if status == AttendanceStatus.PRESENT.value)
    return _(
        "Attendance for %(date)s is saved: %(present)s present, %(absent)s absent.",
        date=when,
        present=present,
        absent=len(chosen) - present,
    )


def learner(cohort_id: int, enrolment_id: int) -> str:
    found = _taught_cohort_or_404(cohort_id)
    enrolment = _enrolment_in(found, enrolment_id)
    curriculum = current_curriculum()
    completions = records.completions_by_enrolment(db.session, [enrolment.id])[enrolment.id]
    course = progress.course_progress(
        curriculum,
        enrolment,
        completions,
        started=attendance.modules_taught(db.session, found.id, today=local_date(current_time())),
    )
    return render_template(
        "peeredu/teach/learner.html",
        cohort=found,
        enrolment=enrolment,
        course=course,
        completions=completions,
        retired=progress.retired_slugs(curriculum, [completions]),
        summary=records.summaries(db.session, [enrolment.id], today=local_date(current_time()))[
            enrolment.id
        ],
        exception=attendance.exception_for(db.session, enrolment.id),
        threshold=curriculum.course.attendance_threshold,
        certificate=certificate_of(db.session, enrolment.id),
        form=ReasonForm(),
        due_dates=reviews.due_dates(
            db.session,
            current_assignments(),
            enrolment,
            [line.module.slug for line in course.lines],
        ),
    )


def _reasoned_change(
    form: ReasonForm,
    back: str,
    change: Callable[..., object],
    *args: object,
    done: str,
    incomplete: str | None = None,
    **kwargs: object,
) -> BaseResponse:
    """A teacher's change that needs a reason: call the domain, then commit and say so, or
    roll back and show why; back to ``back`` either way."""
    if not form.validate_on_submit():
        flash(incomplete or _("Write a short reason; it is kept in the log."), "error")
        return redirect(back)
    perform(
        lambda session: change(
            session,
            current_curriculum(),
            *args,
            reason=form.reason.data or "",
            actor_id=current_user.id,
            now=current_time(),
            **kwargs,
        ),
        done=done,
    )
    return redirect(back)


def change_completion(cohort_id: int, enrolment_id: int, slug: str, action: str) -> BaseResponse:
    found = _taught_cohort_or_404(cohort_id)
    enrolment = _enrolment_in(found, enrolment_id)
    name = enrolment.user.name
    complete = action == "complete"
    return _reasoned_change(
        ReasonForm(),
        url_for(".learner", cohort_id=found.id, enrolment_id=enrolment.id),
        progress.complete_by_teacher if complete else submission.reopen_module,
        enrolment,
        slug,
        done=_("The module is completed for %(name)s.", name=name)
        if complete
        else _("The module is reopened for %(name)s.", name=name),
    )


def change_day(cohort_id: int, day_id: int, action: str) -> BaseResponse:
    """Move a class day to another date, or cancel it, with a reason."""
    found = _taught_cohort_or_404(cohort_id)
    day = _day_in(found, day_id)
    back = url_for(".days", cohort_id=found.id)
    if action == "cancel":
        return _reasoned_change(
            ReasonForm(),
            back,
            attendance.cancel_class_day,
            day,
            done=_("The class day is cancelled."),
        )
    form = MoveDayForm()
    return _reasoned_change(
        form,
        back,
        attendance.move_class_day,
        day,
        new_date=form.date.data,
        done=_("The class day is moved."),
        incomplete=_("Choose the new date and write a short reason."),
    )


def change_exception(cohort_id: int, enrolment_id: int, action: str) -> BaseResponse:
    """Grant or withdraw an attendance exception for a learner, with a reason."""
    found = _taught_cohort_or_404(cohort_id)
    enrolment = _enrolment_in(found, enrolment_id)
    name = enrolment.user.name
    grant = action == "grant"
    return _reasoned_change(
        ReasonForm(),
        url_for(".learner", cohort_id=found.id, enrolment_id=enrolment.id),
        attendance.grant_exception if grant else attendance.withdraw_exception,
        enrolment,
        done=_("The attendance exception is granted for %(name)s.", name=name)
        if grant
        else _("The attendance exception is withdrawn for %(name)s.", name=name),
    )

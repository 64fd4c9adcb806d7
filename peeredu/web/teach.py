"""The teacher's side: cohort overview, class days and attendance, completing and reopening.

Guarded in one place: only teachers get past the blueprint's ``guard``, and every cohort route
loads the cohort through ``taught_cohort_or_404``, so a teacher of another cohort sees 404.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from peeredu.accounts import permissions
from peeredu.accounts.models import Track
from peeredu.certification.services import certificate_of
from peeredu.curriculum import attendance, progress, records
from peeredu.curriculum.progress import ModuleStatus
from peeredu.db import local_date
from peeredu.extensions import current_assignments, current_curriculum, current_time, db
from peeredu.reflections import drafts, submission
from peeredu.reports import reviews
from peeredu.reports.cohort import cohort_matrix, matrix_csv
from peeredu.web import teach_days
from peeredu.web.forms import ReasonForm
from peeredu.web.guards import guard
from peeredu.web.labels import label
from peeredu.web.lifecycle import log_apart
from peeredu.web.teach_scope import enrolment_in, reasoned_change, taught_cohort_or_404


def build_blueprint() -> Blueprint:
    bp = Blueprint("teach", __name__)
    bp.before_request(guard(permissions.is_teacher))
    bp.add_url_rule("/cohorts/<int:cohort_id>", view_func=cohort)
    bp.add_url_rule("/cohorts/<int:cohort_id>/overview.csv", view_func=cohort_csv)
    teach_days.add_routes(bp)
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


def _track_filter() -> Track | None:
    value = request.args.get("track", "")
    return Track(value) if value in {t.value for t in Track} else None


def cohort(cohort_id: int) -> str:
    found = taught_cohort_or_404(cohort_id)
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
        # ... and link to a handful of routes: built once here, the cell adds its number.
        review_path=_path_before_id(url_for("peeredu.review.review", version_id=0)),
        learner_path=_path_before_id(url_for(".learner", cohort_id=found.id, enrolment_id=0)),
    )


def _path_before_id(path: str) -> str:
    """``/…/reviews/0`` as ``/…/reviews/``: a route whose last part is the id to append."""
    return path.removesuffix("0")


def cohort_csv(cohort_id: int) -> Response:
    found = taught_cohort_or_404(cohort_id)
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


def learner(cohort_id: int, enrolment_id: int) -> str:
    found = taught_cohort_or_404(cohort_id)
    enrolment = enrolment_in(found, enrolment_id)
    curriculum = current_curriculum()
    completions = records.completions_by_enrolment(db.session, [enrolment.id])[enrolment.id]
    course = progress.course_progress(
        curriculum,
        enrolment,
        completions,
        drafts.statuses_by_module(db.session, [enrolment.id])[enrolment.id],
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
        reflections=sorted(
            reviews.learner_reflections(db.session, enrolment.id),
            key=lambda r: (
                (curriculum.modules[r.module_slug].order, r.id)
                if r.module_slug in curriculum.modules
                else (10_000, r.id)
            ),
        ),
        assignments=current_assignments(),
    )


def change_completion(cohort_id: int, enrolment_id: int, slug: str, action: str) -> BaseResponse:
    found = taught_cohort_or_404(cohort_id)
    enrolment = enrolment_in(found, enrolment_id)
    name = enrolment.user.name
    complete = action == "complete"
    return reasoned_change(
        ReasonForm(),
        url_for(".learner", cohort_id=found.id, enrolment_id=enrolment.id),
        progress.complete_by_teacher if complete else submission.reopen_module,
        enrolment,
        slug,
        done=_("The module is completed for %(name)s.", name=name)
        if complete
        else _("The module is reopened for %(name)s.", name=name),
    )


def change_exception(cohort_id: int, enrolment_id: int, action: str) -> BaseResponse:
    """Grant or withdraw an attendance exception for a learner, with a reason."""
    found = taught_cohort_or_404(cohort_id)
    enrolment = enrolment_in(found, enrolment_id)
    name = enrolment.user.name
    grant = action == "grant"
    return reasoned_change(
        ReasonForm(),
        url_for(".learner", cohort_id=found.id, enrolment_id=enrolment.id),
        attendance.grant_exception if grant else attendance.withdraw_exception,
        enrolment,
        done=_("The attendance exception is granted for %(name)s.", name=name)
        if grant
        else _("The attendance exception is withdrawn for %(name)s.", name=name),
    )

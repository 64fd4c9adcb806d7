"""The start page: what each signed-in person has to do here, by role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from peeredu.accounts.queries import enrolments_of
from peeredu.certification import services as certificate_services
from peeredu.certification.eligibility import eligibility
from peeredu.curriculum import records
from peeredu.db import local_date
from peeredu.extensions import current_curriculum, current_time, db
from peeredu.reports.staff_home import staff_panels
from peeredu.web.guards import login_required
from peeredu.web.learn import learner_progress


def build_blueprint() -> Blueprint:
    bp = Blueprint("home", __name__)
    bp.add_url_rule("/", view_func=index)
    return bp


@login_required
def index() -> str:
    enrolments = enrolments_of(db.session, current_user.id)
    ids = [e.id for e in enrolments]
    summaries = records.summaries(db.session, ids, today=local_date(current_time()))
    completions = records.completions_by_enrolment(db.session, ids)
    curriculum = current_curriculum()
    return render_template(
        "peeredu/home/index.html",
        enrolments=enrolments,
        eligibility={
            e.id: eligibility(curriculum, e.track, completions[e.id], summaries[e.id])
            for e in enrolments
        },
        certificates=certificate_services.certificates_by_enrolment(db.session, ids),
        progress=learner_progress(list(enrolments), completions),
        attendance=summaries,
        course=curriculum.course,
        **staff_panels(
            db.session,
            current_user,
            now=current_time(),
            threshold=curriculum.course.attendance_threshold,
        ),
    )

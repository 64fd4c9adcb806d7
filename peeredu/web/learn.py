"""The learner's side: course modules, marking them done."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from peeredu.accounts import permissions
from peeredu.accounts.models import Enrolment
from peeredu.curriculum import progress, records
from peeredu.curriculum.content import LearningModule
from peeredu.extensions import current_assignments, current_curriculum, current_time, db
from peeredu.reflections import drafts
from peeredu.reflections.models import ReflectionStatus
from peeredu.web.forms import Form
from peeredu.web.guards import login_required
from peeredu.web.lifecycle import found_or_404, perform


def build_blueprint() -> Blueprint:
    bp = Blueprint("learn", __name__)
    bp.add_url_rule("/learn/<int:enrolment_id>/modules/<slug>", view_func=module)
    bp.add_url_rule(
        "/learn/<int:enrolment_id>/modules/<slug>/done", view_func=mark_done, methods=["POST"]
    )
    return bp


def own_enrolment_or_404(enrolment_id: int) -> Enrolment:
    return found_or_404(
        Enrolment, enrolment_id, visible=lambda e: permissions.can_study(current_user, e)
    )


def studied_module_or_404(enrolment: Enrolment, slug: str) -> LearningModule:
    """The module ``slug`` of the learner's own track, or 404."""
    found = current_curriculum().module(slug)
    if found is None or not permissions.can_study_module(current_user, enrolment, found.tracks):
        abort(404)
    return found


def learner_progress(
    enrolments: list[Enrolment],
    completions: dict[int, dict[str, records.ModuleCompletion]],
    reflections: Mapping[int, Mapping[str, ReflectionStatus]] | None = None,
) -> dict[int, progress.CourseProgress]:
    """Progress of each of the learner's enrolments, given their completions (and the status
    of their reflections by module, when the caller has read them already)."""
    curriculum = current_curriculum()
    if reflections is None:
        reflections = drafts.statuses_by_module(db.session, [e.id for e in enrolments])
    return {
        e.id: progress.course_progress(curriculum, e, completions[e.id], reflections[e.id])
        for e in enrolments
    }


@login_required
def module(enrolment_id: int, slug: str) -> str:
    enrolment = own_enrolment_or_404(enrolment_id)
    found = studied_module_or_404(enrolment, slug)
    completions = records.completions_by_enrolment(db.session, [enrolment.id])
    course = learner_progress([enrolment], completions)[enrolment.id]
    index = next(i for i, line in enumerate(course.lines) if line.module.slug == slug)
    line = course.lines[index]
    return render_template(
        "peeredu/learn/module.html",
        enrolment=enrolment,
        line=line,
        module=found,
        track_html=found.text_for(enrolment.track),
        previous=course.lines[index - 1].module if index > 0 else None,
        following=course.lines[index + 1].module if index + 1 < len(course.lines) else None,
        total=len(course.lines),
        assignment=current_assignments().for_module(slug),
        form=Form(),
    )


@login_required
def mark_done(enrolment_id: int, slug: str) -> Response:
    enrolment = own_enrolment_or_404(enrolment_id)
    if not Form().validate_on_submit():
        abort(400)
    perform(
        lambda session: progress.mark_done(
            session,
            current_curriculum(),
            enrolment,
            slug,
            has_assignment=current_assignments().for_module(slug) is not None,
            actor_id=current_user.id,
            now=current_time(),
        ),
        done=_("Well done! The module is marked as completed."),
    )
    return redirect(url_for(".module", enrolment_id=enrolment.id, slug=slug))

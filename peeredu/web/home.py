"""The start page: what each signed-in person has to do here, by role.

A learner's course starts with the one next step (``curriculum.next_step``), then new
feedback, the next class day and the next soft deadline, then progress, attendance and the
modules. Everything is read in a fixed number of grouped queries, whatever the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user

from peeredu.accounts.models import Enrolment
from peeredu.accounts.queries import enrolments_of
from peeredu.certification import services as certificate_services
from peeredu.certification.eligibility import eligibility
from peeredu.curriculum import next_step, records
from peeredu.curriculum.progress import CourseProgress, ModuleLine
from peeredu.db import local_date
from peeredu.extensions import current_assignments, current_curriculum, current_time, db
from peeredu.reflections import deadlines
from peeredu.reflections.definitions import Assignment
from peeredu.reflections.models import Extension
from peeredu.reports import start_page
from peeredu.reports.staff_home import staff_panels
from peeredu.web.guards import login_required
from peeredu.web.learn import learner_progress


def build_blueprint() -> Blueprint:
    bp = Blueprint("home", __name__)
    bp.add_url_rule("/", view_func=index)
    return bp


@dataclass(frozen=True)
class Agenda:
    """What one enrolment's learner has in front of them, first things first."""

    step: next_step.NextStep
    assignments: dict[str, Assignment]  # by module slug
    new_feedback: list[tuple[ModuleLine, start_page.ReflectionFacts]]
    next_day: records.ClassDay | None
    next_deadline: next_step.Deadline | None
    overdue: int


def _agenda(
    enrolment: Enrolment,
    course: CourseProgress,
    facts: dict[str, start_page.ReflectionFacts],
    extensions: dict[str, Extension],
    next_day: records.ClassDay | None,
    today: date,
) -> Agenda:
    assignments = current_assignments()
    by_module, due = {}, {}
    for line in course.lines:
        found = assignments.for_module(line.module.slug)
        if found is not None:
            by_module[line.module.slug] = found
            due[line.module.slug] = deadlines.due_on(found, enrolment, extensions.get(found.slug))
    coming = next_step.deadlines(course, due=due, today=today)
    return Agenda(
        step=next_step.next_step(
            course,
            saved_at={slug: f.draft_saved_at for slug, f in facts.items()},
            due=due,
        ),
        assignments=by_module,
        new_feedback=[
            (line, facts[line.module.slug])
            for line in course.lines
            if line.module.slug in facts and facts[line.module.slug].new_feedback
        ],
        next_day=next_day,
        next_deadline=coming[0] if coming else None,
        overdue=next_step.overdue(course, due=due, today=today),
    )


@login_required
def index() -> str:
    enrolments = list(enrolments_of(db.session, current_user.id))
    ids = [e.id for e in enrolments]
    today = local_date(current_time())
    summaries = records.summaries(db.session, ids, today=today)
    completions = records.completions_by_enrolment(db.session, ids)
    facts = start_page.reflection_facts(db.session, ids)
    progress = learner_progress(
        enrolments,
        completions,
        {eid: {slug: f.status for slug, f in rows.items()} for eid, rows in facts.items()},
    )
    extensions = start_page.extensions_by_assignment(db.session, ids)
    next_days = start_page.next_class_days(
        db.session, {e.cohort_id for e in enrolments}, today=today
    )
    curriculum = current_curriculum()
    return render_template(
        "peeredu/home/index.html",
        enrolments=enrolments,
        eligibility={
            e.id: eligibility(curriculum, e.track, completions[e.id], summaries[e.id])
            for e in enrolments
        },
        certificates=certificate_services.certificates_by_enrolment(db.session, ids),
        progress=progress,
        agendas={
            e.id: _agenda(
                e, progress[e.id], facts[e.id], extensions[e.id], next_days.get(e.cohort_id), today
            )
            for e in enrolments
        },
        attendance=summaries,
        course=curriculum.course,
        modules=curriculum.modules,
        **staff_panels(
            db.session,
            current_user,
            now=current_time(),
            threshold=curriculum.course.attendance_threshold,
        ),
    )

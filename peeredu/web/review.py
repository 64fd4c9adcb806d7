"""The teacher's review of reflections: queue, review page, snippets, extensions.

Guarded in one place: only teachers get past the blueprint's ``guard``, and every reflection is
loaded through ``_reviewable_or_404``, which answers 404 unless the teacher teaches the
learner's cohort (``permissions.can_review``). Teachers only ever reach submitted versions:
drafts and the practice log have no route here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from peeredu.accounts import permissions, users
from peeredu.accounts.models import Enrolment, NotificationMode, Track, User
from peeredu.curriculum.progress import reflection_state
from peeredu.extensions import current_assignments, current_curriculum, current_time, db
from peeredu.paging import pages_of
from peeredu.reflections import deadlines, feedback
from peeredu.reflections.definitions import Assignment
from peeredu.reflections.models import ReflectionVersion, Review, ReviewDecision
from peeredu.reports import reviews
from peeredu.web import review_snippets
from peeredu.web.dates import long_date
from peeredu.web.emails import queue_feedback_released
from peeredu.web.forms import domain_message
from peeredu.web.guards import guard
from peeredu.web.lifecycle import found_or_404, perform, record_shown
from peeredu.web.numbers import whole_number
from peeredu.web.pagination import beyond_the_last, requested_page
from peeredu.web.review_forms import (
    ExtensionForm,
    NotificationForm,
    QueueFilterForm,
    ReviewForm,
    SnippetForm,
)
from peeredu.web.review_snippets import form_reasons

# Reflections per page of the review queue, oldest first.
QUEUE_PAGE = 50
RELEASING = frozenset({"release", "release_next"})
QUEUE_VIEWS = frozenset(v.value for v in reviews.QueueView)


def build_blueprint() -> Blueprint:
    bp = Blueprint("review", __name__)
    bp.before_request(guard(permissions.is_teacher))
    bp.add_url_rule("/reviews", view_func=queue)
    bp.add_url_rule("/reviews/notifications", view_func=notifications, methods=["POST"])
    review_snippets.register(bp)
    bp.add_url_rule("/reviews/<int:version_id>", view_func=review, methods=["GET", "POST"])
    bp.add_url_rule(
        "/cohorts/<int:cohort_id>/learners/<int:enrolment_id>/extensions",
        view_func=grant_extension,
        methods=["POST"],
    )
    return bp


def _titles() -> dict[str, str]:
    return {slug: a.title for slug, a in current_assignments().by_slug.items()}


# -- The queue ------------------------------------------------------------------------------


def _module_choices() -> list[SelectChoice]:
    assignments = current_assignments()
    modules = sorted(current_curriculum().modules.values(), key=lambda m: m.order)
    return [SelectChoice("", _("All modules"))] + [
        SelectChoice(m.slug, f"{m.order}. {m.title}")
        for m in modules
        if assignments.for_module(m.slug) is not None
    ]


def queue() -> str | Response:
    form = QueueFilterForm(request.args)
    cohorts = reviews.taught_cohorts(db.session, current_user.id)
    form.cohort.choices = [SelectChoice("", _("All my cohorts"))] + [
        SelectChoice(str(c.id), c.name) for c in cohorts
    ]
    form.module.choices = _module_choices()
    filters = reviews.QueueFilter(
        cohort_id=whole_number(form.cohort.data),
        module_slug=form.module.data or None,
        track=Track(form.track.data) if form.track.data in {t.value for t in Track} else None,
        late=bool(form.late.data),
        flagged=bool(form.flagged.data),
    )
    shown = request.args.get("show", "")
    view = reviews.QueueView(shown) if shown in QUEUE_VIEWS else reviews.QueueView.WAITING
    page = requested_page()
    waiting = reviews.queue_size(db.session, current_user.id, filters, view)
    paging = pages_of(waiting, QUEUE_PAGE, page)
    if (last := beyond_the_last(paging)) is not None:
        return last
    return render_template(
        "peeredu/review/queue.html",
        form=form,
        view=view,
        views=list(reviews.QueueView),
        items=reviews.review_queue(
            db.session,
            current_user.id,
            filters,
            limit=QUEUE_PAGE,
            offset=paging.offset,
            view=view,
        ),
        paging=paging,
        waiting=waiting,
        counts=reviews.status_counts(db.session, current_user.id, filters),
        filtered=filters != reviews.QueueFilter(),
        titles=_titles(),
        notification_form=NotificationForm(mode=current_user.review_notifications.value),
    )


def notifications() -> Response:
    form = NotificationForm()
    if not form.validate_on_submit():
        flash(_("Choose how you want to hear about submitted reflections."), "error")
    else:
        user = found_or_404(User, current_user.id)
        if perform(
            lambda session: users.set_review_notifications(session, user, form.mode.data or "")
        ):
            if user.review_notifications is NotificationMode.DIGEST:
                flash(
                    _("You will get one email a day when reflections have been submitted."),
                    "success",
                )
            else:
                flash(_("You will get an email each time a reflection is submitted."), "success")
    return redirect(url_for(".queue") + "#notifications")


# -- The review page ------------------------------------------------------------------------


def _reviewable_or_404(version_id: int) -> tuple[ReflectionVersion, Enrolment, Assignment]:
    version = reviews.version_with_learner(db.session, version_id)
    if version is None:
        abort(404)
    enrolment = version.reflection.enrolment
    if not permissions.can_review(db.session, current_user, enrolment):
        abort(404)
    assignment = current_assignments().get(version.reflection.assignment_slug)
    if assignment is None:
        # The content no longer has the assignment, so there is no rubric to review against.
        abort(404)
    return version, enrolment, assignment


def _saved_criteria(saved: Review | None) -> dict[str, dict[str, Any]]:
    return dict(saved.criteria or {}) if saved is not None else {}


def _posted_criteria(assignment: Assignment) -> dict[str, dict[str, Any]]:
    """Per criterion: met (True, False, or None if not marked) and the comment, as posted."""
    marks = {"met": True, "not_yet": False}
    return {
        c.key: {
            "met": marks.get(request.form.get(f"met-{c.key}", "")),
            "comment": request.form.get(f"comment-{c.key}", ""),
        }
        for c in assignment.criteria
    }


def _decision(form: ReviewForm) -> str | None:
    return form.decision.data if form.decision.data in {d.value for d in ReviewDecision} else None


def _record_read(version: ReflectionVersion) -> None:
    """Log that this teacher was shown the reflection's text (DOMAIN: log who reads)."""
    record_shown(
        lambda session: feedback.record_read(
            session, teacher_id=current_user.id, version=version, now=current_time()
        )
    )


def review(version_id: int) -> str | Response:
    version, enrolment, assignment = _reviewable_or_404(version_id)
    if request.method == "GET":
        saved = feedback.review_for(db.session, version)
        form = ReviewForm(
            data={
                "overall_comment": saved.overall_comment if saved else "",
                "decision": saved.decision.value if saved and saved.decision else None,
                "lock_version": str(saved.lock_version) if saved else "",
            }
        )
        return _page(version, enrolment, assignment, form, _saved_criteria(saved))

    form = ReviewForm()
    criteria = _posted_criteria(assignment)
    action = request.form.get("action", "draft")
    releasing = action in RELEASING

    def save(session: Session) -> None:
        feedback.save_review(
            session,
            current_curriculum(),
            assignment,
            version,
            teacher_id=current_user.id,
            criteria=criteria,
            overall_comment=form.overall_comment.data or "",
            decision=_decision(form),
            expected_lock=whole_number(form.lock_version.data),
            release=releasing,
            now=current_time(),
        )
        if releasing:
            queue_feedback_released(
                session,
                enrolment.user,
                assignment_title=assignment.title,
                state=reflection_state(version.reflection.status),
                link_values={"enrolment_id": enrolment.id, "slug": assignment.slug},
            )

    conflict = False
    if form.validate_on_submit():
        outcome = perform(save, form=form)
        if outcome:
            return _saved(version, enrolment, action)
        conflict = isinstance(outcome.error, feedback.ReviewConflict)
    saved = feedback.review_for(db.session, version)
    if conflict and saved is not None:
        # The teacher has now seen the other feedback; saving again is a decision to replace it.
        form.lock_version.data = str(saved.lock_version)
    return _page(version, enrolment, assignment, form, criteria, kept=True, conflict=conflict)


def _saved(version: ReflectionVersion, enrolment: Enrolment, action: str) -> Response:
    """Where a committed save goes: the same page for a draft, or on after a release."""
    if action not in RELEASING:
        flash(_("Your feedback is saved as a draft. The learner cannot see it yet."), "success")
        return redirect(url_for(".review", version_id=version.id))
    flash(_("The feedback is released to %(name)s.", name=enrolment.user.name), "success")
    if action == "release_next":
        following = reviews.next_in_queue(db.session, current_user.id, after_version_id=version.id)
        if following is not None:
            return redirect(url_for(".review", version_id=following))
        flash(_("No other reflections are waiting for your feedback."), "info")
        return redirect(url_for(".queue"))
    return redirect(url_for(".review", version_id=version.id))


def _page(
    version: ReflectionVersion,
    enrolment: Enrolment,
    assignment: Assignment,
    form: ReviewForm,
    criteria: Mapping[str, Mapping[str, Any]],
    *,
    kept: bool = False,
    conflict: bool = False,
) -> str:
    _record_read(version)
    versions = db.session.scalars(
        select(ReflectionVersion)
        .where(ReflectionVersion.reflection_id == version.reflection_id)
        .options(selectinload(ReflectionVersion.review).selectinload(Review.teacher))
        .order_by(ReflectionVersion.number)
    ).all()
    saved = next(v.review for v in versions if v.id == version.id)
    return render_template(
        "peeredu/review/review.html",
        version=version,
        reflection=version.reflection,
        enrolment=enrolment,
        assignment=assignment,
        form=form,
        criteria=criteria,
        saved=saved,
        released=saved is not None and saved.released_at is not None,
        kept=kept,
        conflict=conflict,
        earlier=[
            (v, v.review if v.review and v.review.released_at else None)
            for v in versions
            if v.number < version.number
        ],
        newest=versions[-1],
        versions=versions,
        snippets=feedback.snippets(db.session, current_user.id),
        snippet_form=SnippetForm(formdata=None, next=url_for(".review", version_id=version.id)),
    )


# -- Extensions -----------------------------------------------------------------------------


def _extendable(enrolment: Enrolment, slug: str) -> Assignment:
    """The assignment ``slug`` of a module on the learner's track, or 404."""
    found = current_assignments().get(slug)
    module = current_curriculum().module(found.module) if found else None
    if found is None or module is None or enrolment.track not in module.tracks:
        abort(404)
    return found


def grant_extension(cohort_id: int, enrolment_id: int) -> Response:
    enrolment = found_or_404(
        Enrolment,
        enrolment_id,
        visible=lambda e: permissions.teaches_learner_in(db.session, current_user, e, cohort_id),
    )
    form = ExtensionForm()
    found = _extendable(enrolment, form.assignment.data or "")
    back = (
        url_for("peeredu.teach.learner", cohort_id=cohort_id, enrolment_id=enrolment.id)
        + f"#due-{found.module}"
    )
    if not form.validate_on_submit():
        flash(_("The due date was not changed: %(reason)s", reason=form_reasons(form)), "error")
        return redirect(back)
    due = form.due_on.data
    assert due is not None  # DataRequired
    granted = perform(
        lambda session: deadlines.grant_extension(
            session, enrolment, found, due=due, teacher_id=current_user.id, now=current_time()
        ),
        form=form,
        done=_(
            "%(name)s now has until %(date)s for “%(assignment)s”.",
            name=enrolment.user.name,
            date=long_date(due),
            assignment=found.title,
        ),
    )
    if granted.error is not None:
        reason = domain_message(granted.error)
        flash(_("The due date was not changed: %(reason)s", reason=reason), "error")
    return redirect(back)

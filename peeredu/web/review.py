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
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from peeredu.accounts import permissions, users
from peeredu.accounts.models import Enrolment, NotificationMode, Track, User
from peeredu.db import utcnow
from peeredu.errors import DomainError
from peeredu.extensions import current_assignments, current_curriculum, db
from peeredu.reflections import deadlines, feedback
from peeredu.reflections.definitions import Assignment
from peeredu.reflections.models import ReflectionVersion, Review, ReviewDecision
from peeredu.reports import reviews
from peeredu.web.emails import queue_feedback_released
from peeredu.web.forms import Form, ListSelectField, domain_message, show_domain_error
from peeredu.web.guards import get_or_404, guard
from peeredu.web.labels import choices
from peeredu.web.numbers import whole_number
from peeredu.web.pagination import pages_of, requested_page
from peeredu.web.redirects import safe_next

# Reflections per page of the review queue, oldest first.
QUEUE_PAGE = 50
# Longer than any feedback needs; the form limit (MAX_FORM_MEMORY_SIZE) is far above it.
MAX_COMMENT = 20_000
RELEASING = frozenset({"release", "release_next"})


class QueueFilterForm(Form):
    class Meta:
        csrf = False  # a filter (GET) changes nothing

    cohort = ListSelectField(_l("Cohort"), validate_choice=False, default="")
    module = ListSelectField(_l("Module"), validate_choice=False, default="")
    track = SelectField(
        _l("Track"),
        choices=[SelectChoice("", _l("Both tracks")), *choices(Track)],
        validate_choice=False,
        default="",
    )
    late = BooleanField(_l("Only late"))
    flagged = BooleanField(_l("Only marked for supervision"))


class NotificationForm(Form):
    mode = RadioField(
        _l("When a learner submits a reflection"),
        choices=[
            SelectChoice(
                NotificationMode.IMMEDIATE.value, _l("Email me each time a reflection is submitted")
            ),
            SelectChoice(
                NotificationMode.DIGEST.value,
                _l("Email me once a day with a list of what was submitted"),
            ),
        ],
    )


class ReviewForm(Form):
    overall_comment = TextAreaField(
        _l("Overall comment"),
        validators=[Length(max=MAX_COMMENT)],
        description=_l("Required to release the feedback. The learner reads it first."),
    )
    # Rendered by hand as a fieldset; checked against ReviewDecision in _decision.
    decision = RadioField(_l("Decision"), choices=choices(ReviewDecision), validate_choice=False)
    # The saved feedback's lock_version when the page was opened; empty if there was none.
    lock_version = HiddenField()


class SnippetForm(Form):
    text = TextAreaField(
        _l("New snippet"),
        validators=[DataRequired(), Length(max=1000)],
        description=_l("A piece of feedback you often give. Only you see your snippets."),
    )
    next = HiddenField()


class ExtensionForm(Form):
    assignment = HiddenField(validators=[DataRequired()])
    # Labelled in templates/teach/learner.html, with the assignment's title.
    due_on = DateField(validators=[DataRequired()])


def build_blueprint() -> Blueprint:
    bp = Blueprint("review", __name__)
    bp.before_request(guard(permissions.is_teacher))
    bp.add_url_rule("/reviews", view_func=queue)
    bp.add_url_rule("/reviews/notifications", view_func=notifications, methods=["POST"])
    bp.add_url_rule("/reviews/snippets", view_func=add_snippet, methods=["POST"])
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
    page = requested_page()
    waiting = reviews.queue_size(db.session, current_user.id, filters)
    paging = pages_of(waiting, QUEUE_PAGE, page)
    if page > paging.pages:
        return redirect(url_for(".queue", **{**request.args.to_dict(), "page": paging.pages}))
    return render_template(
        "review/queue.html",
        form=form,
        items=reviews.review_queue(
            db.session, current_user.id, filters, limit=QUEUE_PAGE, offset=paging.offset
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
    if form.validate_on_submit():
        user = get_or_404(User, current_user.id)
        users.set_review_notifications(db.session, user, form.mode.data or "")
        db.commit()
        if user.review_notifications is NotificationMode.DIGEST:
            flash(
                _("You will get one email a day when reflections have been submitted."), "success"
            )
        else:
            flash(_("You will get an email each time a reflection is submitted."), "success")
    else:
        flash(_("Choose how you want to hear about submitted reflections."), "error")
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
    # A GET runs in a reading transaction. On SQLite, turning one that has already read into
    # a writing one can fail at once with "database is locked" (busy_timeout does not cover
    # that upgrade), so the reads end here and the audit row starts a transaction of its own.
    db.session.commit()
    feedback.record_read(db.session, teacher_id=current_user.id, version=version, now=utcnow())
    db.session.commit()


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
    conflict = False
    if form.validate_on_submit():
        try:
            feedback.save_review(
                db.session,
                current_curriculum(),
                assignment,
                version,
                teacher_id=current_user.id,
                criteria=criteria,
                overall_comment=form.overall_comment.data or "",
                decision=_decision(form),
                expected_lock=whole_number(form.lock_version.data),
                release=action in RELEASING,
                now=utcnow(),
            )
        except feedback.ReviewConflict as error:
            db.session.rollback()
            show_domain_error(form, error)
            conflict = True
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            return _saved(version, enrolment, assignment, action)
    saved = feedback.review_for(db.session, version)
    if conflict and saved is not None:
        # The teacher has now seen the other feedback; saving again is a decision to replace it.
        form.lock_version.data = str(saved.lock_version)
    return _page(version, enrolment, assignment, form, criteria, kept=True, conflict=conflict)


def _saved(
    version: ReflectionVersion, enrolment: Enrolment, assignment: Assignment, action: str
) -> Response:
    learner = enrolment.user
    if action in RELEASING:
        queue_feedback_released(
            db.session,
            learner,
            assignment_title=assignment.title,
            link_values={"enrolment_id": enrolment.id, "slug": assignment.slug},
        )
    db.commit()
    if action not in RELEASING:
        flash(_("Your feedback is saved as a draft. The learner cannot see it yet."), "success")
        return redirect(url_for(".review", version_id=version.id))
    flash(_("The feedback is released to %(name)s.", name=learner.name), "success")
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
        "review/review.html",
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
        snippets=feedback.snippets(db.session, current_user.id),
        snippet_form=SnippetForm(formdata=None, next=url_for(".review", version_id=version.id)),
    )


def add_snippet() -> Response:
    form = SnippetForm()
    back = safe_next(form.next.data, url_for(".queue"))
    if form.validate_on_submit():
        try:
            feedback.add_snippet(db.session, current_user.id, form.text.data or "")
        except DomainError as error:
            db.session.rollback()
            flash(_("The snippet was not saved: %(reason)s", reason=domain_message(error)), "error")
        else:
            db.commit()
            flash(_("The snippet is saved."), "success")
    else:
        reasons = " ".join(message for errors in form.errors.values() for message in errors)
        flash(_("The snippet was not saved: %(reason)s", reason=reasons), "error")
    return redirect(back + "#snippets")


# -- Extensions -----------------------------------------------------------------------------


def grant_extension(cohort_id: int, enrolment_id: int) -> Response:
    enrolment = get_or_404(Enrolment, enrolment_id)
    if enrolment.cohort_id != cohort_id or not permissions.teaches_cohort(
        db.session, current_user, cohort_id
    ):
        abort(404)
    form = ExtensionForm()
    found = current_assignments().get(form.assignment.data or "")
    module = current_curriculum().module(found.module) if found else None
    if found is None or module is None or enrolment.track not in module.tracks:
        abort(404)
    back = (
        url_for("peeredu.teach.learner", cohort_id=cohort_id, enrolment_id=enrolment.id)
        + f"#due-{found.module}"
    )
    if not form.validate_on_submit():
        reasons = " ".join(message for errors in form.errors.values() for message in errors)
        flash(_("The due date was not changed: %(reason)s", reason=reasons), "error")
        return redirect(back)
    assert form.due_on.data is not None  # DataRequired
    try:
        deadlines.grant_extension(
            db.session,
            enrolment,
            found,
            due=form.due_on.data,
            teacher_id=current_user.id,
            now=utcnow(),
        )
    except DomainError as error:
        db.session.rollback()
        flash(_("The due date was not changed: %(reason)s", reason=domain_message(error)), "error")
    else:
        db.commit()
        flash(
            _(
                "%(name)s now has until %(date)s for “%(assignment)s”.",
                name=enrolment.user.name,
                date=format_date(form.due_on.data, "long"),
                assignment=found.title,
            ),
            "success",
        )
    return redirect(back)

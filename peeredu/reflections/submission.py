"""Submitting a reflection for review, and starting the next version after feedback.

A repeated submit of the same text is recognised; every refusal leaves the draft as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peeredu import audit
from peeredu.accounts.models import Enrolment, EnrolmentStatus
from peeredu.certification import services as certification
from peeredu.curriculum import progress
from peeredu.curriculum.content import Curriculum
from peeredu.curriculum.records import completions_by_enrolment
from peeredu.db import clean_text
from peeredu.errors import N_, DomainError
from peeredu.markup import render_markdown
from peeredu.reflections.deadlines import due_on
from peeredu.reflections.definitions import Assignment
from peeredu.reflections.drafts import (
    EDITABLE,
    check_length,
    clean_fields,
    compose,
    latest_version,
    require_editable,
    save_draft,
    word_count,
)
from peeredu.reflections.models import (
    Extension,
    Reflection,
    ReflectionStatus,
    ReflectionVersion,
)


class AlreadySubmitted(DomainError):
    """The same text was submitted a moment ago (a double click, a resent form)."""

    def __init__(self) -> None:
        super().__init__(N_("Your reflection was already submitted."))


def submit(
    session: Session,
    curriculum: Curriculum,
    assignment: Assignment,
    reflection: Reflection,
    *,
    text: str,
    fields: Mapping[str, Any],
    expected_version: int,
    checklist_confirmed: bool,
    extension: Extension | None,
    now: datetime,
    html: str | None = None,
) -> ReflectionVersion:
    """Turn the draft into an immutable version for review. Refusals change nothing.

    ``html`` is ``render_composed(assignment, text, fields)``: a web request renders it
    before its write transaction begins (rendering may take tens of milliseconds, and on
    SQLite a writer holds the lock for everyone); other callers may leave it to this.
    """
    cleaned = clean_fields(assignment, fields)
    composed = compose(assignment, text, cleaned)
    # Two submits at once (a double press): the second waits here for the first, then finds
    # it submitted. On SQLite the write lock already serialises them.
    session.refresh(reflection, with_for_update=True)
    if reflection.status not in EDITABLE:
        latest = latest_version(reflection)
        if latest is not None and latest.text == clean_text(composed):
            raise AlreadySubmitted()
        require_editable(reflection)
    enrolment = reflection.enrolment
    if enrolment.status is not EnrolmentStatus.ACTIVE:
        raise DomainError(N_("Your enrolment is not active, so reflections cannot be submitted."))
    module = curriculum.module(assignment.module)
    completed = {slug for slug in completions_by_enrolment(session, [enrolment.id])[enrolment.id]}
    waiting = progress.missing_prerequisites(curriculum, module, completed) if module else []
    if waiting:
        raise DomainError(
            N_("You can submit when %(modules)s is completed."),
            modules=", ".join(f"“{m.title}”" for m in waiting),
        )
    check_length(text, cleaned)
    if assignment.guided:
        empty = [f.label for f in assignment.fields if not cleaned[f.key].strip()]
        if empty:
            raise DomainError(
                N_("Fill in every part before you submit: %(parts)s."),
                field="text",
                parts=", ".join(empty),
            )
    words = word_count(composed)
    if words < assignment.min_words:
        raise DomainError(
            N_("The reflection has %(words)s words; this assignment asks for at least %(min)s."),
            field="text",
            words=words,
            min=assignment.min_words,
        )
    if not checklist_confirmed:
        raise DomainError(N_("Confirm the checklist before you submit."), field="checklist")
    # Keep the draft equal to what was submitted, and make stale tabs see a conflict.
    save_draft(
        session,
        assignment,
        reflection,
        text=text,
        fields=cleaned,
        expected_version=expected_version,
        now=now,
    )
    version = ReflectionVersion(
        reflection_id=reflection.id,
        number=len(reflection.versions) + 1,
        text=composed,
        fields=cleaned,
        html=html if html is not None else render_markdown(composed),
        word_count=words,
        submitted_at=now,
        late=now.date() > due_on(assignment, enrolment, extension),
    )
    session.add(version)
    reflection.status = ReflectionStatus.SUBMITTED
    session.flush()
    session.refresh(reflection)
    audit.record(
        session, enrolment.user_id, "reflection.submit", "reflection_version", version.id, now=now
    )
    return version


def render_composed(assignment: Assignment, text: str, fields: Mapping[str, Any]) -> str:
    """The submitted version's HTML; MarkupRefused (a DomainError) names text beyond budget."""
    return render_markdown(compose(assignment, text, clean_fields(assignment, fields)))


def _begin_next_version(reflection: Reflection, *, now: datetime) -> None:
    """The learner writes the next version, starting from the latest one's text."""
    latest = reflection.versions[-1]
    reflection.status = ReflectionStatus.REVISION
    reflection.draft_fields = dict(latest.fields or {})
    if not latest.fields:
        reflection.draft_text = latest.text
    reflection.draft_version += 1
    reflection.draft_saved_at = now


def start_revision(session: Session, reflection: Reflection, *, now: datetime) -> None:
    """After "not yet approved": the next version starts from the previous text."""
    if reflection.status is not ReflectionStatus.NOT_YET_APPROVED:
        raise DomainError(N_("A revision can be started when feedback asks for one."))
    _begin_next_version(reflection, now=now)
    session.flush()


def reopen_module(
    session: Session,
    curriculum: Curriculum,
    enrolment: Enrolment,
    slug: str,
    *,
    reason: str,
    actor_id: int,
    now: datetime,
) -> None:
    """A teacher reopens a completed module: the learner can work on it again.

    An approved reflection goes back to the learner as a revision of its latest version, so
    they can revise and resubmit (and the module completes again on the next approval).
    """
    progress.remove_completion(session, enrolment, slug, reason=reason, actor_id=actor_id, now=now)
    reflection = session.scalar(
        select(Reflection).where(
            Reflection.enrolment_id == enrolment.id, Reflection.module_slug == slug
        )
    )
    if (
        reflection is not None
        and reflection.status is ReflectionStatus.APPROVED
        and reflection.texts_deleted_at is None
    ):
        _begin_next_version(reflection, now=now)
    session.flush()
    certification.settle(session, curriculum, [enrolment.id], now=now)

"""Teachers' feedback on submitted versions, and their reusable comment snippets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from peeredu import audit
from peeredu.curriculum import progress
from peeredu.curriculum.content import Curriculum
from peeredu.errors import N_, DomainError
from peeredu.reflections.definitions import Assignment
from peeredu.reflections.drafts import latest_version
from peeredu.reflections.models import (
    CommentSnippet,
    Reflection,
    ReflectionStatus,
    ReflectionVersion,
    Review,
    ReviewDecision,
)


class ReviewConflict(DomainError):
    def __init__(self) -> None:
        super().__init__(
            N_(
                "Another teacher saved feedback on this version while you were writing. "
                "Nothing was overwritten: your text is still in the form. Read theirs before "
                "you save again."
            )
        )


def review_for(session: Session, version: ReflectionVersion) -> Review | None:
    return session.scalar(select(Review).where(Review.version_id == version.id))


def save_review(
    session: Session,
    curriculum: Curriculum,
    assignment: Assignment,
    version: ReflectionVersion,
    *,
    teacher_id: int,
    criteria: Mapping[str, Mapping[str, Any]],
    overall_comment: str,
    decision: ReviewDecision | str | None,
    expected_lock: int | None,
    release: bool,
    now: datetime,
) -> Review:
    """Save feedback as a draft, or release it to the learner with a decision.

    The saved feedback is read under its row lock: of two teachers at once the second sees
    what the first saved, as it would a moment later, and gets the same refusal on every
    database (its lock version is out of date, or the feedback is released by now).
    """
    if latest_version(version.reflection) is not version:
        raise DomainError(N_("A newer version has been submitted; give feedback on that one."))
    if version.reflection.texts_deleted_at is not None:
        raise DomainError(N_("The text has been deleted, so there is nothing to give feedback on."))
    review = session.scalar(
        select(Review)
        .where(Review.version_id == version.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if review is not None and review.released_at is not None:
        raise DomainError(N_("The feedback on this version has already been released."))
    if review is not None and review.lock_version != expected_lock:
        raise ReviewConflict()
    if review is None and expected_lock is not None:
        raise ReviewConflict()
    keys = {c.key for c in assignment.criteria}
    cleaned = {
        key: {
            "met": criteria.get(key, {}).get("met"),
            "comment": str(criteria.get(key, {}).get("comment") or "").strip()[:5000],
        }
        for key in keys
    }
    if any(value["met"] not in (True, False, None) for value in cleaned.values()):
        raise DomainError(N_("Mark every criterion as met or not yet."), field="criteria")
    try:
        parsed_decision = ReviewDecision(decision) if decision else None
    except ValueError:
        raise DomainError(N_("Choose approved or not yet approved."), field="decision") from None
    overall_comment = overall_comment.strip()
    if release:
        if not overall_comment:
            raise DomainError(
                N_("Write an overall comment; the learner reads it first."),
                field="overall_comment",
            )
        unmarked = [c.title for c in assignment.criteria if cleaned[c.key]["met"] is None]
        if unmarked:
            raise DomainError(
                N_("Mark every criterion as met or not yet: %(criteria)s."),
                field="criteria",
                criteria=", ".join(unmarked),
            )
        if parsed_decision is None:
            raise DomainError(N_("Choose approved or not yet approved."), field="decision")
        if parsed_decision is ReviewDecision.APPROVED and any(
            not value["met"] for value in cleaned.values()
        ):
            raise DomainError(
                N_("A reflection is approved when every criterion is met."), field="decision"
            )
    if review is None:
        review = Review(version_id=version.id)
        session.add(review)
    review.teacher_id = teacher_id
    review.criteria = cleaned
    review.overall_comment = overall_comment
    review.decision = parsed_decision
    review.updated_at = now
    if release:
        review.released_at = now
    # Two teachers who both passed the checks above meet here: the unique version_id (two
    # first saves, where there was no row to lock) lets one through and refuses the other;
    # so would the lock version, should the row lock above ever be missing.
    try:
        with session.begin_nested():
            session.flush()
    except (StaleDataError, IntegrityError):
        raise ReviewConflict() from None
    if release:
        assert parsed_decision is not None  # a release without one was refused above
        reflection = version.reflection
        reflection.status = (
            ReflectionStatus.APPROVED
            if parsed_decision is ReviewDecision.APPROVED
            else ReflectionStatus.NOT_YET_APPROVED
        )
        if parsed_decision is ReviewDecision.APPROVED:
            progress.complete_by_approval(
                session,
                curriculum,
                reflection.enrolment,
                reflection.module_slug,
                actor_id=teacher_id,
                now=now,
            )
        audit.record(
            session,
            teacher_id,
            f"review.release.{parsed_decision.value}",
            "reflection_version",
            version.id,
            now=now,
        )
    session.flush()
    return review


def record_read(
    session: Session, *, teacher_id: int, version: ReflectionVersion, now: datetime
) -> None:
    audit.record(session, teacher_id, "reflection.read", "reflection_version", version.id, now=now)


def record_seen(session: Session, reflection_id: int, *, now: datetime) -> None:
    """The learner opened the reflection with its released feedback: it is no longer new."""
    session.execute(
        update(Reflection).where(Reflection.id == reflection_id).values(feedback_seen_at=now)
    )


def has_unseen_feedback(reflection: Reflection) -> bool:
    """Feedback on a version was released after the learner last opened the reflection."""
    seen = reflection.feedback_seen_at
    return any(
        v.review is not None
        and v.review.released_at is not None
        and (seen is None or v.review.released_at > seen)
        for v in reflection.versions
    )


# -- Comment snippets -----------------------------------------------------------------------


def snippets(session: Session, teacher_id: int) -> list[CommentSnippet]:
    return list(
        session.scalars(
            select(CommentSnippet)
            .where(CommentSnippet.teacher_id == teacher_id)
            .order_by(CommentSnippet.created_at)
        )
    )


def _snippet_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise DomainError(N_("This field is required."), field="text")
    if len(text) > 1000:
        raise DomainError(N_("At most %(count)s characters, please."), field="text", count=1000)
    return text


def add_snippet(session: Session, teacher_id: int, text: str) -> CommentSnippet:
    snippet = CommentSnippet(teacher_id=teacher_id, text=_snippet_text(text))
    session.add(snippet)
    session.flush()
    return snippet


def edit_snippet(session: Session, snippet: CommentSnippet, text: str) -> CommentSnippet:
    """A new wording for one of the teacher's snippets (feedback already given keeps its own)."""
    snippet.text = _snippet_text(text)
    session.flush()
    return snippet


def delete_snippet(session: Session, snippet: CommentSnippet) -> None:
    session.delete(snippet)
    session.flush()

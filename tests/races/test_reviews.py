"""Teachers saving, approving or asking for a revision of one version at the same moment.

Exactly one of them wins; the others get ReviewConflict (the page shows the conflict message
and keeps their text), and nobody's feedback is overwritten without having been read.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peeredu.accounts.models import Role
from peeredu.audit import AuditEvent
from peeredu.curriculum.progress import ModuleCompletion
from peeredu.extensions import current_assignments, current_curriculum, db
from peeredu.reflections import feedback
from peeredu.reflections.models import (
    ReflectionStatus,
    ReflectionVersion,
    Review,
    ReviewDecision,
)
from tests.concurrency import Outcomes
from tests.conftest import BoundCrowd
from tests.factories import Factory
from tests.web.test_review import reflect

NOW = datetime(2027, 3, 1, 9, 0, 0, tzinfo=UTC)
TEACHERS = 8


def give_feedback(
    session: Session,
    version_id: int,
    teacher_id: int,
    decision: str | None,
    expected_lock: int | None,
    note: str = "Feedback",
) -> int:
    """Save (``decision`` None) or release feedback signed by the teacher; the teacher's id."""
    version = session.get_one(ReflectionVersion, version_id)
    assignment = current_assignments().get(version.reflection.assignment_slug)
    assert assignment is not None
    met = decision != ReviewDecision.NOT_YET.value
    feedback.save_review(
        session,
        current_curriculum(),
        assignment,
        version,
        teacher_id=teacher_id,
        criteria={c.key: {"met": met, "comment": f"by {teacher_id}"} for c in assignment.criteria},
        overall_comment=f"{note} by teacher {teacher_id}",
        decision=decision,
        expected_lock=expected_lock,
        release=decision is not None,
        now=NOW,
    )
    return teacher_id


def submitted_version(app: Flask, make: Factory) -> tuple[int, list[int]]:
    """A submitted reflection and the ids of the teachers of its cohort."""
    teachers = [make.user(Role.TEACHER) for _ in range(TEACHERS)]
    cohort = make.cohort(teachers=tuple(teachers))
    enrolment = make.enrolment(make.user(), cohort, make.organisation())
    with app.app_context():
        module = next(
            m.slug
            for m in sorted(current_curriculum().modules.values(), key=lambda m: m.order)
            if current_assignments().for_module(m.slug) and not m.prerequisites
        )
    version_id = reflect(app, enrolment, module)
    assert version_id is not None
    return version_id, [t.id for t in teachers]


def saved_review(app: Flask, version_id: int) -> Review:
    with app.app_context():
        found = db.session.scalar(select(Review).where(Review.version_id == version_id))
        assert found is not None
        return found


def first_draft(app: Flask, crowd: BoundCrowd, version_id: int, teacher_id: int) -> int:
    """Saved feedback that differs from what any teacher saves next; its lock version.

    (Saving feedback unchanged writes nothing, so it would be no conflict.)
    """
    crowd.run(give_feedback, [(version_id, teacher_id, None, None, "First")])
    return saved_review(app, version_id).lock_version


def one_winner(outcomes: Outcomes, refused: str = "ReviewConflict") -> int:
    """The one teacher whose feedback was saved; every other one was refused with ``refused``."""
    assert outcomes.errors == {refused: TEACHERS - 1}, outcomes
    (winner,) = outcomes.values
    return winner


def test_first_feedback_saved_at_once_keeps_one_teachers_text(
    app: Flask, crowd: BoundCrowd, make: Factory
) -> None:
    version_id, teachers = submitted_version(app, make)
    outcomes = crowd.run(give_feedback, [(version_id, t, None, None) for t in teachers])
    winner = one_winner(outcomes)
    saved = saved_review(app, version_id)
    assert (saved.teacher_id, saved.overall_comment) == (winner, f"Feedback by teacher {winner}")
    assert saved.released_at is None


def test_feedback_changed_at_once_from_one_version_keeps_one_teachers_text(
    app: Flask, crowd: BoundCrowd, make: Factory
) -> None:
    version_id, teachers = submitted_version(app, make)
    lock = first_draft(app, crowd, version_id, teachers[0])
    outcomes = crowd.run(give_feedback, [(version_id, t, None, lock) for t in teachers])
    winner = one_winner(outcomes)
    saved = saved_review(app, version_id)
    assert (saved.teacher_id, saved.overall_comment) == (winner, f"Feedback by teacher {winner}")
    assert saved.lock_version == lock + 1


def test_approve_and_ask_for_revision_at_once_decide_once(
    app: Flask, crowd: BoundCrowd, make: Factory
) -> None:
    version_id, teachers = submitted_version(app, make)
    lock = first_draft(app, crowd, version_id, teachers[0])
    decisions = [
        ReviewDecision.APPROVED.value if n % 2 else ReviewDecision.NOT_YET.value
        for n in range(TEACHERS)
    ]
    outcomes = crowd.run(
        give_feedback, [(version_id, t, d, lock) for t, d in zip(teachers, decisions, strict=True)]
    )
    # The others find the feedback released, as they would a moment later.
    winner = one_winner(outcomes, refused="DomainError")
    assert {o.message for o in outcomes.all if o.error} == {
        "The feedback on this version has already been released."
    }
    decided = ReviewDecision(decisions[teachers.index(winner)])
    saved = saved_review(app, version_id)
    assert (saved.teacher_id, saved.decision) == (winner, decided)
    with app.app_context():
        version = db.session.get_one(ReflectionVersion, version_id)
        approved = decided is ReviewDecision.APPROVED
        assert version.reflection.status is (
            ReflectionStatus.APPROVED if approved else ReflectionStatus.NOT_YET_APPROVED
        )
        releases = Counter(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("review.release.%"))
            )
        )
        assert releases == {f"review.release.{decided.value}": 1}
        completions = db.session.scalar(select(func.count()).select_from(ModuleCompletion))
        assert completions == (1 if approved else 0)

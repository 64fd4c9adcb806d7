"""Which modules each learner has completed, and what each module's status is.

Progress is stored per enrolment and module *slug*, never per content object, so editing or
removing a module file never loses a learner's history. Completing a module can be the last
condition of the course: every operation that completes one settles the certificate.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peeredu import audit
from peeredu.accounts.models import Enrolment, EnrolmentStatus
from peeredu.certification import services as certification
from peeredu.curriculum.content import Curriculum, LearningModule
from peeredu.curriculum.records import CompletionKind, ModuleCompletion, completions_by_enrolment
from peeredu.errors import N_, DomainError
from peeredu.reflections.models import ReflectionStatus


class ModuleStatus(str, enum.Enum):
    """The one state of a module and of its reflection, named the same on every page.

    A reflection's own status maps onto these (``reflection_state``): a revision the learner
    has begun stays "feedback: revise and resubmit" until it is submitted again, because the
    task in front of the learner (and the teacher's view of it) is still the feedback's.
    A module completed through its approved reflection is "approved", as its reflection is;
    "completed" is a module completed otherwise (marked done, or by a teacher's exception).
    """

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the teacher's feedback
    FEEDBACK = "feedback"  # feedback came back: revise and resubmit
    APPROVED = "approved"
    COMPLETED = "completed"

    @property
    def done(self) -> bool:
        return self in (ModuleStatus.APPROVED, ModuleStatus.COMPLETED)


REFLECTION_STATES = {
    ReflectionStatus.DRAFT: ModuleStatus.DRAFT,
    ReflectionStatus.SUBMITTED: ModuleStatus.SUBMITTED,
    ReflectionStatus.NOT_YET_APPROVED: ModuleStatus.FEEDBACK,
    ReflectionStatus.REVISION: ModuleStatus.FEEDBACK,
    ReflectionStatus.APPROVED: ModuleStatus.APPROVED,
}


def reflection_state(status: ReflectionStatus) -> ModuleStatus:
    return REFLECTION_STATES[status]


# -- Reading --------------------------------------------------------------------------------


def slugs_with_progress(session: Session) -> set[str]:
    """Module slugs that some learner has completed (content check warns if one is gone)."""
    return set(session.scalars(select(ModuleCompletion.module_slug).distinct()))


def module_status(
    slug: str,
    completed: Collection[str],
    reflections: Mapping[str, ReflectionStatus] | None = None,
) -> ModuleStatus:
    """The module's state from its completion and its reflection's status (by module slug)."""
    status = (reflections or {}).get(slug)
    if slug in completed:
        approved = status is ReflectionStatus.APPROVED
        return ModuleStatus.APPROVED if approved else ModuleStatus.COMPLETED
    if status is None or status is ReflectionStatus.APPROVED:
        # Approved but not completed: the teacher reopened it after the texts were deleted.
        return ModuleStatus.NOT_STARTED
    return reflection_state(status)


def missing_prerequisites(
    curriculum: Curriculum, module: LearningModule, completed: Collection[str]
) -> list[LearningModule]:
    return [
        curriculum.modules[slug]
        for slug in module.prerequisites
        if slug not in completed and slug in curriculum.modules
    ]


@dataclass(frozen=True)
class ModuleLine:
    position: int  # 1-based, in the track's order
    module: LearningModule
    status: ModuleStatus
    waiting_for: tuple[LearningModule, ...]


@dataclass(frozen=True)
class CourseProgress:
    """One learner's way through their track: what the start page shows."""

    lines: tuple[ModuleLine, ...]
    completed: int
    required: int

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.required) if self.required else 0


def course_progress(
    curriculum: Curriculum,
    enrolment: Enrolment,
    completed: Collection[str],
    reflections: Mapping[str, ReflectionStatus] | None = None,
) -> CourseProgress:
    """``reflections``: the enrolment's reflection status per module slug."""
    lines = tuple(
        ModuleLine(
            position=position,
            module=module,
            status=module_status(module.slug, completed, reflections),
            waiting_for=tuple(missing_prerequisites(curriculum, module, completed)),
        )
        for position, module in enumerate(curriculum.modules_for(enrolment.track), start=1)
    )
    done = sum(1 for line in lines if line.status.done)
    return CourseProgress(lines=lines, completed=done, required=len(lines))


def retired_slugs(curriculum: Curriculum, completions: Iterable[Mapping[str, object]]) -> list[str]:
    """Slugs with learner progress that the content no longer has, sorted."""
    seen = {slug for rows in completions for slug in rows}
    return sorted(seen - set(curriculum.modules))


# -- Changing -------------------------------------------------------------------------------


def _completed_slugs(session: Session, enrolment: Enrolment) -> set[str]:
    return set(completions_by_enrolment(session, [enrolment.id])[enrolment.id])


def _existing(session: Session, enrolment: Enrolment, slug: str) -> ModuleCompletion | None:
    return session.scalar(
        select(ModuleCompletion).where(
            ModuleCompletion.enrolment_id == enrolment.id, ModuleCompletion.module_slug == slug
        )
    )


def _complete(
    session: Session,
    curriculum: Curriculum,
    enrolment: Enrolment,
    slug: str,
    *,
    kind: CompletionKind,
    actor_id: int,
    reason: str,
    now: datetime,
) -> ModuleCompletion:
    completion = ModuleCompletion(
        enrolment_id=enrolment.id,
        module_slug=slug,
        completed_at=now,
        completed_by_id=actor_id,
        kind=kind,
        reason=reason,
    )
    session.add(completion)
    # HR systems sync by "updated since": a learner's progress is a change of the enrolment.
    enrolment.updated_at = now
    session.flush()
    audit.record(
        session,
        actor_id,
        f"module.complete.{kind.value}",
        "enrolment",
        enrolment.id,
        detail=f"module={slug}" + (f" reason={reason}" if reason else ""),
        now=now,
    )
    certification.settle(session, curriculum, [enrolment.id], now=now)
    return completion


def mark_done(
    session: Session,
    curriculum: Curriculum,
    enrolment: Enrolment,
    slug: str,
    *,
    has_assignment: bool,
    actor_id: int,
    now: datetime,
) -> ModuleCompletion:
    """The learner marks a module without an assignment as done."""
    module = curriculum.module(slug)
    if module is None or enrolment.track not in module.tracks:
        raise DomainError(N_("This module is not part of your course."))
    if enrolment.status is not EnrolmentStatus.ACTIVE:
        raise DomainError(N_("Your enrolment is not active, so modules cannot be completed."))
    if has_assignment:
        raise DomainError(
            N_("This module is completed when your reflection on it has been approved.")
        )
    if _existing(session, enrolment, slug) is not None:
        raise DomainError(N_("You have already completed this module."))
    waiting = missing_prerequisites(curriculum, module, _completed_slugs(session, enrolment))
    if waiting:
        raise DomainError(
            N_("Complete %(modules)s first."),
            modules=", ".join(f"“{m.title}”" for m in waiting),
        )
    return _complete(
        session,
        curriculum,
        enrolment,
        slug,
        kind=CompletionKind.LEARNER,
        actor_id=actor_id,
        reason="",
        now=now,
    )


def complete_by_teacher(
    session: Session,
    curriculum: Curriculum,
    enrolment: Enrolment,
    slug: str,
    *,
    reason: str,
    actor_id: int,
    now: datetime,
) -> ModuleCompletion:
    """A teacher completes a module for a learner by exception (e.g. done on paper)."""
    reason = audit.require_reason(reason)
    if curriculum.module(slug) is None:
        raise DomainError(N_("Unknown module."))
    if _existing(session, enrolment, slug) is not None:
        raise DomainError(N_("The module is already completed."))
    return _complete(
        session,
        curriculum,
        enrolment,
        slug,
        kind=CompletionKind.TEACHER,
        actor_id=actor_id,
        reason=reason,
        now=now,
    )


def complete_by_approval(
    session: Session,
    curriculum: Curriculum,
    enrolment: Enrolment,
    slug: str,
    *,
    actor_id: int,
    now: datetime,
) -> ModuleCompletion | None:
    """The module's reflection was approved; idempotent."""
    if _existing(session, enrolment, slug) is not None:
        return None
    return _complete(
        session,
        curriculum,
        enrolment,
        slug,
        kind=CompletionKind.APPROVAL,
        actor_id=actor_id,
        reason="",
        now=now,
    )


def remove_completion(
    session: Session, enrolment: Enrolment, slug: str, *, reason: str, actor_id: int, now: datetime
) -> None:
    """Take a completion back; the log keeps what happened.

    The part of reopening that concerns progress; ``reflections.submission.reopen_module`` is
    the operation, which also lets the learner revise an approved reflection.
    """
    reason = audit.require_reason(reason)
    completion = _existing(session, enrolment, slug)
    if completion is None:
        raise DomainError(N_("The module is not completed, so it cannot be reopened."))
    session.delete(completion)
    enrolment.updated_at = now
    session.flush()
    audit.record(
        session,
        actor_id,
        "module.reopen",
        "enrolment",
        enrolment.id,
        detail=f"module={slug} was={completion.kind.value} reason={reason}",
        now=now,
    )

"""The learner's one next step: what the start page's primary action offers.

In this order: go on with the draft in progress (the one saved last), else revise what came
back with feedback, else start the next module whose prerequisites are met. Never a module
waiting for the teacher: a reflection waiting for feedback is not the learner's task, and a
module whose prerequisites are not completed cannot be completed yet.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from peeredu.curriculum.progress import CourseProgress, ModuleLine, ModuleStatus


class StepKind(str, enum.Enum):
    CONTINUE_DRAFT = "continue_draft"
    REVISE = "revise"
    START_MODULE = "start_module"
    WAIT = "wait"  # everything open waits for the teacher (directly or through a prerequisite)
    DONE = "done"  # every module of the track is approved or completed


@dataclass(frozen=True)
class NextStep:
    kind: StepKind
    line: ModuleLine | None = None
    due: date | None = None  # the soft due date of the module's assignment, if it has one


def next_step(
    course: CourseProgress,
    *,
    saved_at: Mapping[str, datetime | None],
    due: Mapping[str, date],
) -> NextStep:
    """``saved_at``: when each module's draft was last saved; ``due``: soft due date per module."""
    lines = course.lines
    drafts = [line for line in lines if line.status is ModuleStatus.DRAFT]
    if drafts:
        # Where the learner left off: the draft saved last; of equals, the first in the track.
        latest = max(
            drafts, key=lambda line: (_moment(saved_at.get(line.module.slug)), -line.position)
        )
        return _step(StepKind.CONTINUE_DRAFT, latest, due)
    for line in lines:
        if line.status is ModuleStatus.FEEDBACK:
            return _step(StepKind.REVISE, line, due)
    for line in lines:
        if line.status is ModuleStatus.NOT_STARTED and not line.waiting_for:
            return _step(StepKind.START_MODULE, line, due)
    if all(line.status.done for line in lines):
        return NextStep(StepKind.DONE)
    return NextStep(StepKind.WAIT)


def _moment(saved: datetime | None) -> float:
    return saved.timestamp() if saved is not None else float("-inf")


def _step(kind: StepKind, line: ModuleLine, due: Mapping[str, date]) -> NextStep:
    return NextStep(kind, line, due.get(line.module.slug))


@dataclass(frozen=True)
class Deadline:
    line: ModuleLine
    due: date


# States in which the assignment is still the learner's to hand in.
OPEN = frozenset({ModuleStatus.NOT_STARTED, ModuleStatus.DRAFT, ModuleStatus.FEEDBACK})


def deadlines(course: CourseProgress, *, due: Mapping[str, date], today: date) -> list[Deadline]:
    """The soft due dates of what is still to hand in, from today on, soonest first."""
    found = [
        Deadline(line, due[line.module.slug])
        for line in course.lines
        if line.status in OPEN and line.module.slug in due and due[line.module.slug] >= today
    ]
    return sorted(found, key=lambda d: (d.due, d.line.position))


def overdue(course: CourseProgress, *, due: Mapping[str, date], today: date) -> int:
    """How many assignments still to hand in are past their soft due date (late is accepted)."""
    return sum(
        1
        for line in course.lines
        if line.status in OPEN and line.module.slug in due and due[line.module.slug] < today
    )

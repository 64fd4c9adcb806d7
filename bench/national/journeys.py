"""Each learner's course as rows: attendance, reflections with their versions and feedback,
completed modules and, at the end, the certificate."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bench.national.rows import Ids, Writer, at
from bench.national.text import TextPool, compose_text, extended
from peeredu.accounts.models import Track
from peeredu.certification import codes
from peeredu.certification.models import Certificate
from peeredu.curriculum.attendance import Attendance, AttendanceStatus
from peeredu.curriculum.content import Curriculum
from peeredu.curriculum.progress import CompletionKind, ModuleCompletion
from peeredu.reflections.definitions import Assignment, AssignmentSet
from peeredu.reflections.models import (
    Reflection,
    ReflectionStatus,
    ReflectionVersion,
    Review,
    ReviewDecision,
)

COURSE_WEEKS = 16
APPROVED_COMMENT = (
    "Tak for en ærlig og konkret refleksion. Du kobler situationen fint til modulets begreber."
)
NOT_YET_COMMENT = (
    "Et godt udgangspunkt. Uddyb gerne, hvad du gjorde anderledes, og hvilke grænser der var "
    "i spil."
)
# A journey's stage per module reached, and the reflection's status it leaves.
STATUS = {
    "approved": ReflectionStatus.APPROVED,
    "revised": ReflectionStatus.APPROVED,  # approved after a revision
    "not_yet": ReflectionStatus.NOT_YET_APPROVED,
    "submitted": ReflectionStatus.SUBMITTED,
    "draft": ReflectionStatus.DRAFT,
}


@dataclass(frozen=True)
class Seeding:
    """What every learner's rows are written with."""

    out: Writer
    ids: Ids
    rng: random.Random
    pool: TextPool
    curriculum: Curriculum
    assignments: AssignmentSet
    today: date


@dataclass(frozen=True)
class CohortPlan:
    id: int
    name: str
    start: date
    held: list[tuple[int, date, str | None]]  # class days held so far: id, date, module
    teacher: int

    @property
    def end(self) -> date:
        return self.start + timedelta(weeks=COURSE_WEEKS)


@dataclass(frozen=True)
class Learner:
    user_id: int
    name: str
    track: Track


@dataclass
class Journey:
    """One learner's planned work: a stage per module reached, in track order."""

    enrolment_id: int
    stages: list[str]  # a key of STATUS
    absences: int
    certified: bool


def plan_journey(
    rng: random.Random,
    enrolment_id: int,
    slugs: Sequence[str],
    held: list[tuple[int, date, str | None]],
    finished: bool,
) -> Journey:
    reached = {module for _, _, module in held}
    if finished:
        # About 6 in 10 finished learners earn the certificate; the others miss attendance or
        # still wait for the capstone's approval.
        roll = rng.random()
        if roll < 0.64:
            return Journey(enrolment_id, ["approved"] * len(slugs), rng.choice((0, 0, 1)), True)
        if roll < 0.82:
            return Journey(enrolment_id, ["approved"] * len(slugs), 3, False)
        stages = ["approved"] * (len(slugs) - 1) + [rng.choice(("not_yet", "submitted"))]
        return Journey(enrolment_id, stages, rng.choice((0, 1)), False)
    open_slugs = [s for s in slugs if s in reached]
    stages = []
    for index, _slug in enumerate(open_slugs):
        last = index == len(open_slugs) - 1
        if last:
            stages.append(rng.choice(("submitted", "submitted", "draft", "not_yet")))
        else:
            stages.append("approved" if rng.random() < 0.9 else "submitted")
    return Journey(enrolment_id, stages, rng.choice((0, 0, 1)), False)


def tune_revisions(rng: random.Random, journeys: list[Journey], target: int) -> None:
    """Turn approvals into "approved after a revision" until the versions reach ``target``."""
    versions = sum(1 for j in journeys for s in j.stages if s != "draft")
    approved = [(j, i) for j in journeys for i, s in enumerate(j.stages) if s == "approved"]
    rng.shuffle(approved)
    for journey, index in approved[: max(0, target - versions)]:
        journey.stages[index] = "revised"


def _criteria(assignment: Assignment, met: bool) -> dict[str, Any]:
    return {
        c.key: {"met": met or index < 2, "comment": ""}
        for index, c in enumerate(assignment.criteria)
    }


def write_journey(
    seeding: Seeding,
    journey: Journey,
    slugs: Sequence[str],
    learner: Learner,
    cohort: CohortPlan,
) -> None:
    out, ids, rng = seeding.out, seeding.ids, seeding.rng
    held = cohort.held
    absent = set(rng.sample(range(len(held)), min(journey.absences, len(held))))
    for index, (day_id, day, _) in enumerate(held):
        out.add(
            Attendance.__table__,
            {
                "id": ids.take("attendance"),
                "class_day_id": day_id,
                "enrolment_id": journey.enrolment_id,
                "status": AttendanceStatus.ABSENT if index in absent else AttendanceStatus.PRESENT,
                "recorded_at": at(day, 16),
                "recorded_by_id": cohort.teacher,
            },
        )
    last_day = {module: day for _, day, module in held}
    finished_on = cohort.start
    for slug, stage in zip(slugs, journey.stages, strict=False):
        assignment = seeding.assignments.for_module(slug)
        if assignment is None:
            continue
        day = min(last_day.get(slug, cohort.start) + timedelta(days=3), seeding.today)
        reviewed = _write_reflection(seeding, journey, cohort, assignment, slug, stage, day)
        if reviewed is not None:
            finished_on = max(finished_on, reviewed)
    if journey.certified:
        # Drawn from the seeded generator, so the data set is the same every time.
        code = codes.new_code(rng.choice)
        issued = at(min(finished_on, seeding.today), 21)
        out.add(
            Certificate.__table__,
            {
                "id": ids.take("certificates"),
                "enrolment_id": journey.enrolment_id,
                "code": code,
                "participant_name": learner.name,
                "course_title": seeding.curriculum.course.title,
                "track": learner.track,
                "hours": seeding.curriculum.course.hours,
                "cohort_name": cohort.name,
                "cohort_start": cohort.start,
                "cohort_end": cohort.end,
                "issued_at": issued,
                "issued_by_id": None,
                "issue_reason": "",
                "revoke_reason": "",
                "updated_at": issued,
            },
        )


def _write_reflection(
    seeding: Seeding,
    journey: Journey,
    cohort: CohortPlan,
    assignment: Assignment,
    slug: str,
    stage: str,
    day: date,
) -> date | None:
    """One module's reflection as ``stage`` leaves it; the day it was approved, if it was."""
    out, ids, rng = seeding.out, seeding.ids, seeding.rng
    submitted = at(day, 20)
    reflection_id = ids.take("reflections")
    texts = [compose_text(seeding.pool, rng, assignment)]
    if stage == "revised":
        texts.append(extended(texts[0], seeding.pool.pick(rng, 40), assignment))
    final = texts[-1]
    draft = stage == "draft"
    out.add(
        Reflection.__table__,
        {
            "id": reflection_id,
            "enrolment_id": journey.enrolment_id,
            "assignment_slug": assignment.slug,
            "module_slug": slug,
            "status": STATUS[stage],
            "draft_text": "" if assignment.guided else final.text,
            "draft_fields": final.fields,
            "draft_version": len(texts) + (0 if draft else 1),
            "draft_saved_at": submitted,
            "supervision_flag": False,
            "created_at": at(day - timedelta(days=2)),
        },
    )
    approved_on = None
    if draft:
        return approved_on
    for number, version in enumerate(texts, start=1):
        version_id = ids.take("reflection_versions")
        sent = submitted + timedelta(days=4 * (number - 1))
        out.add(
            ReflectionVersion.__table__,
            {
                "id": version_id,
                "reflection_id": reflection_id,
                "number": number,
                "text": version.text,
                "fields": version.fields,
                "html": version.html,
                "word_count": version.words,
                "submitted_at": sent,
                "late": False,
            },
        )
        if stage == "submitted":
            continue
        met = not (stage == "not_yet" or (stage == "revised" and number == 1))
        reviewed = sent + timedelta(days=2)
        out.add(
            Review.__table__,
            {
                "id": ids.take("reviews"),
                "version_id": version_id,
                "teacher_id": cohort.teacher,
                "decision": ReviewDecision.APPROVED if met else ReviewDecision.NOT_YET,
                "overall_comment": APPROVED_COMMENT if met else NOT_YET_COMMENT,
                "criteria": _criteria(assignment, met),
                "released_at": reviewed,
                "updated_at": reviewed,
                "lock_version": 1,
            },
        )
        if met:
            approved_on = reviewed.date()
            out.add(
                ModuleCompletion.__table__,
                {
                    "id": ids.take("module_completions"),
                    "enrolment_id": journey.enrolment_id,
                    "module_slug": slug,
                    "completed_at": reviewed,
                    "completed_by_id": cohort.teacher,
                    "kind": CompletionKind.APPROVAL,
                    "reason": "",
                },
            )
    return approved_on

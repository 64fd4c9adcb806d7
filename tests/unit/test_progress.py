"""The rules behind progress and attendance, as plain functions over the shipped course."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from peeredu.accounts.models import Enrolment, Track
from peeredu.curriculum.loader import load_curriculum
from peeredu.curriculum.planning import plan_dates
from peeredu.curriculum.progress import (
    ModuleStatus,
    course_progress,
    module_status,
    reflection_state,
)
from peeredu.curriculum.records import AttendanceSummary
from peeredu.reflections.models import ReflectionStatus

CURRICULUM = Path(__file__).resolve().parents[2] / "curriculum"


@pytest.fixture(scope="module")
def curriculum():
    return load_curriculum(CURRICULUM)


@pytest.mark.parametrize(
    ("completed", "reflection", "state"),
    [
        (False, None, ModuleStatus.NOT_STARTED),
        (False, ReflectionStatus.DRAFT, ModuleStatus.DRAFT),
        (False, ReflectionStatus.SUBMITTED, ModuleStatus.SUBMITTED),
        # Came back "not yet approved": the feedback's state, not "in progress" as before.
        (False, ReflectionStatus.NOT_YET_APPROVED, ModuleStatus.FEEDBACK),
        # A revision begun stays the feedback's task until it is submitted again.
        (False, ReflectionStatus.REVISION, ModuleStatus.FEEDBACK),
        (True, ReflectionStatus.APPROVED, ModuleStatus.APPROVED),
        # Marked done, or completed by a teacher's exception over an unfinished draft.
        (True, None, ModuleStatus.COMPLETED),
        (True, ReflectionStatus.DRAFT, ModuleStatus.COMPLETED),
        # Approved, then reopened by a teacher after the texts were deleted.
        (False, ReflectionStatus.APPROVED, ModuleStatus.NOT_STARTED),
    ],
)
def test_one_state_per_module_from_its_completion_and_reflection(completed, reflection, state):
    reflections = {"a": reflection} if reflection else {}
    assert module_status("a", {"a"} if completed else set(), reflections) is state


def test_every_reflection_status_has_one_state():
    assert {reflection_state(s) for s in ReflectionStatus} == {
        ModuleStatus.DRAFT,
        ModuleStatus.SUBMITTED,
        ModuleStatus.FEEDBACK,
        ModuleStatus.APPROVED,
    }


def test_progress_counts_approved_and_completed_modules(curriculum):
    enrolment = Enrolment(track=Track.PEER)
    slugs = [m.slug for m in curriculum.modules_for(Track.PEER)]
    fresh = course_progress(curriculum, enrolment, set())
    assert (fresh.completed, fresh.required, fresh.percent) == (0, 10, 0)

    some = course_progress(
        curriculum, enrolment, set(slugs[:3]), {slugs[0]: ReflectionStatus.APPROVED}
    )
    assert [line.status for line in some.lines[:4]] == [
        ModuleStatus.APPROVED,
        ModuleStatus.COMPLETED,
        ModuleStatus.COMPLETED,
        ModuleStatus.NOT_STARTED,
    ]
    assert some.percent == 30


def test_a_module_waits_for_its_prerequisites(curriculum):
    enrolment = Enrolment(track=Track.PEER)
    capstone = curriculum.course.capstone
    line = next(
        line
        for line in course_progress(curriculum, enrolment, set()).lines
        if line.module.slug == capstone
    )
    assert [m.slug for m in line.waiting_for] == list(curriculum.module(capstone).prerequisites)


@pytest.mark.parametrize(
    ("summary", "percent", "meets_90"),
    [
        # No class day planned: nothing to meet, and no share to show.
        (AttendanceSummary(), None, False),
        (AttendanceSummary(present=9, absent=1, planned=10, held=10), 90, True),
        (AttendanceSummary(present=8, absent_with_notice=1, absent=1, planned=10), 80, False),
        (AttendanceSummary(present=16, planned=16, held=16), 100, True),
        # 179 of 200 is 89.5 %: round() would show and pass 90; the rule compares exactly.
        (AttendanceSummary(present=179, absent=21, planned=200, held=200), 89, False),
        (AttendanceSummary(present=180, absent=20, planned=200, held=200), 90, True),
        # Every registered day attended, but 5 of 16 planned: 31 %, far from done.
        (AttendanceSummary(present=5, planned=16, held=5), 31, False),
        # A teacher's exception meets the requirement whatever the share.
        (AttendanceSummary(present=3, absent=13, planned=16, held=16, exception=True), 18, True),
        (AttendanceSummary(exception=True), None, True),
    ],
)
def test_attendance_is_a_share_of_the_planned_days(summary, percent, meets_90):
    assert summary.percent == percent
    assert summary.meets(90) is meets_90


@pytest.mark.parametrize(
    ("summary", "may_miss", "reachable"),
    [
        # 16 planned, 90 % asks for 15 present: one day may be missed in all.
        (AttendanceSummary(present=5, planned=16, held=5), 1, True),
        (AttendanceSummary(present=5, absent=1, planned=16, held=6), 0, True),
        (AttendanceSummary(present=5, absent=2, planned=16, held=7), -1, False),
        (AttendanceSummary(present=15, absent=1, planned=16, held=16), 0, True),
        # A day held but not registered yet is still open: it may yet be registered present.
        (AttendanceSummary(present=4, planned=16, held=6), 1, True),
        (AttendanceSummary(planned=0), -0, False),
    ],
)
def test_how_many_more_days_may_be_missed(summary, may_miss, reachable):
    assert summary.may_still_miss(90) == may_miss
    assert summary.reachable(90) is reachable


def test_two_class_days_a_week():
    dates = plan_dates(date(2027, 2, 1), 5)  # a Monday
    assert dates == [
        date(2027, 2, 1),
        date(2027, 2, 3),
        date(2027, 2, 8),
        date(2027, 2, 10),
        date(2027, 2, 15),
    ]

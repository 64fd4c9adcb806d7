"""The rules behind progress and attendance, as plain functions over the shipped course."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from peeredu.accounts.models import Enrolment, Track
from peeredu.curriculum.attendance import AttendanceSummary, plan_dates
from peeredu.curriculum.loader import load_curriculum
from peeredu.curriculum.progress import ModuleStatus, course_progress, module_status

CURRICULUM = Path(__file__).resolve().parents[2] / "curriculum"


@pytest.fixture(scope="module")
def curriculum():
    return load_curriculum(CURRICULUM)


def test_status_prefers_completed_then_review_then_started():
    assert module_status("a", {"a"}, awaiting_review={"a"}, started={"a"}) is (
        ModuleStatus.COMPLETED
    )
    assert module_status("a", set(), awaiting_review={"a"}, started={"a"}) is (
        ModuleStatus.AWAITING_REVIEW
    )
    assert module_status("a", set(), started={"a"}) is ModuleStatus.IN_PROGRESS
    assert module_status("a", set()) is ModuleStatus.NOT_STARTED


def test_next_step_is_the_first_open_module_whose_prerequisites_are_met(curriculum):
    enrolment = Enrolment(track=Track.PEER)
    slugs = [m.slug for m in curriculum.modules_for(Track.PEER)]
    fresh = course_progress(curriculum, enrolment, set())
    assert fresh.next_line.module.slug == slugs[0]
    assert (fresh.completed, fresh.required, fresh.percent) == (0, 10, 0)

    some = course_progress(curriculum, enrolment, set(slugs[:3]))
    assert some.next_line.module.slug == slugs[3]
    assert some.percent == 30

    done = course_progress(curriculum, enrolment, set(slugs))
    assert done.next_line is None and done.percent == 100


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
        (AttendanceSummary(), None, False),
        (AttendanceSummary(present=9, absent=1), 90, True),
        (AttendanceSummary(present=8, absent_with_notice=1, absent=1), 80, False),
        (AttendanceSummary(present=16), 100, True),
    ],
)
def test_attendance_counts_absence_with_notice_as_absence(summary, percent, meets_90):
    assert summary.percent == percent
    assert summary.meets(90) is meets_90


def test_two_class_days_a_week():
    dates = plan_dates(date(2027, 2, 1), 5)  # a Monday
    assert dates == [
        date(2027, 2, 1),
        date(2027, 2, 3),
        date(2027, 2, 8),
        date(2027, 2, 10),
        date(2027, 2, 15),
    ]

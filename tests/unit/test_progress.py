"""The rules behind progress and attendance, as plain functions over the shipped course."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from peeredu.accounts.models import Enrolment, Track
from peeredu.curriculum.loader import load_curriculum
from peeredu.curriculum.planning import plan_dates
from peeredu.curriculum.progress import ModuleStatus, course_progress, module_status
from peeredu.curriculum.records import AttendanceSummary

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

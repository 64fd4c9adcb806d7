"""The start page's one next step, and the soft deadlines ahead, over the shipped course."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from peeredu.accounts.models import Enrolment, Track
from peeredu.curriculum.loader import load_curriculum
from peeredu.curriculum.next_step import StepKind, deadlines, next_step, overdue
from peeredu.curriculum.progress import course_progress
from peeredu.reflections.models import ReflectionStatus as R

CURRICULUM = Path(__file__).resolve().parents[2] / "curriculum"
TODAY = date(2026, 12, 1)
NOON = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def curriculum():
    return load_curriculum(CURRICULUM)


@pytest.fixture(scope="module")
def slugs(curriculum):
    # 1 → 2 → 3 (2 and 3 build on the one before); 4 builds on 1; 5 on 2.
    return [m.slug for m in curriculum.modules_for(Track.PEER)]


def step(curriculum, completed, reflections, saved_at=None, due=None):
    course = course_progress(curriculum, Enrolment(track=Track.PEER), completed, reflections)
    return next_step(course, saved_at=saved_at or {}, due=due or {})


def test_a_draft_in_progress_comes_first_with_its_due_date(curriculum, slugs):
    # The demo learner: module 3 waits for the teacher, her draft is in module 4.
    found = step(
        curriculum,
        {slugs[0], slugs[1]},
        {slugs[0]: R.APPROVED, slugs[1]: R.APPROVED, slugs[2]: R.SUBMITTED, slugs[3]: R.DRAFT},
        due={slugs[3]: TODAY},
    )
    assert found.kind is StepKind.CONTINUE_DRAFT
    assert found.line.module.slug == slugs[3]
    assert found.due == TODAY


def test_of_two_drafts_the_one_saved_last(curriculum, slugs):
    saved = {slugs[0]: NOON, slugs[3]: NOON + timedelta(minutes=5)}
    found = step(curriculum, set(), {slugs[0]: R.DRAFT, slugs[3]: R.DRAFT}, saved_at=saved)
    assert found.line.module.slug == slugs[3]
    # Saved at the same moment (or never): the first in the track.
    same = step(curriculum, set(), {slugs[0]: R.DRAFT, slugs[3]: R.DRAFT})
    assert same.line.module.slug == slugs[0]


def test_a_draft_goes_before_feedback_to_revise(curriculum, slugs):
    found = step(
        curriculum,
        {slugs[0]},
        {slugs[0]: R.APPROVED, slugs[1]: R.NOT_YET_APPROVED, slugs[3]: R.DRAFT},
    )
    assert (found.kind, found.line.module.slug) == (StepKind.CONTINUE_DRAFT, slugs[3])


@pytest.mark.parametrize("status", [R.NOT_YET_APPROVED, R.REVISION])
def test_else_revise_what_came_back(curriculum, slugs, status):
    found = step(curriculum, {slugs[0]}, {slugs[0]: R.APPROVED, slugs[1]: status})
    assert (found.kind, found.line.module.slug) == (StepKind.REVISE, slugs[1])


def test_else_the_next_module_whose_prerequisites_are_met(curriculum, slugs):
    fresh = step(curriculum, set(), {})
    assert (fresh.kind, fresh.line.module.slug) == (StepKind.START_MODULE, slugs[0])
    # Module 2 waits for the teacher and module 3 builds on it: module 4 is next, never 2 or 3.
    waiting = step(curriculum, {slugs[0]}, {slugs[0]: R.APPROVED, slugs[1]: R.SUBMITTED})
    assert (waiting.kind, waiting.line.module.slug) == (StepKind.START_MODULE, slugs[3])


def test_never_a_module_waiting_for_the_teacher(curriculum, slugs):
    # Only module 1 is submitted, and every other module builds on it (directly or not).
    found = step(curriculum, set(), {slugs[0]: R.SUBMITTED})
    assert found.kind is StepKind.WAIT
    assert found.line is None


def test_done_when_every_module_is_approved_or_completed(curriculum, slugs):
    found = step(curriculum, set(slugs), {slugs[0]: R.APPROVED})
    assert found.kind is StepKind.DONE


def test_deadlines_ahead_of_what_is_still_to_hand_in(curriculum, slugs):
    course = course_progress(
        curriculum,
        Enrolment(track=Track.PEER),
        {slugs[0]},
        {slugs[0]: R.APPROVED, slugs[1]: R.SUBMITTED, slugs[3]: R.DRAFT},
    )
    due = {slug: TODAY + timedelta(days=7 * n - 14) for n, slug in enumerate(slugs)}
    ahead = deadlines(course, due=due, today=TODAY)
    # Module 1 is approved and 2 handed in; module 3's date (today) is the first ahead.
    assert [d.line.module.slug for d in ahead][:2] == [slugs[2], slugs[3]]
    assert ahead[0].due == TODAY
    assert overdue(course, due=due, today=TODAY) == 0
    assert overdue(course, due=due, today=TODAY + timedelta(days=8)) == 2

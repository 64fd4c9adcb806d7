"""Eligibility and verification codes: plain functions, no app."""

from __future__ import annotations

from pathlib import Path

import pytest

from peeredu.accounts.models import Track
from peeredu.certification import codes
from peeredu.certification.eligibility import eligibility
from peeredu.curriculum.loader import load_curriculum
from peeredu.curriculum.records import AttendanceSummary

CURRICULUM = Path(__file__).resolve().parents[2] / "curriculum"


@pytest.fixture(scope="module")
def curriculum():
    return load_curriculum(CURRICULUM)


def required(curriculum, track=Track.PEER):
    return list(curriculum.course.tracks[track].modules)


def test_everything_done_is_eligible(curriculum):
    result = eligibility(
        curriculum,
        Track.PEER,
        required(curriculum),
        AttendanceSummary(present=16, planned=16, held=16),
    )
    assert result.eligible


def test_explains_what_is_missing(curriculum):
    done = required(curriculum)[:7]
    result = eligibility(
        curriculum,
        Track.PEER,
        done,
        AttendanceSummary(present=13, absent=2, absent_with_notice=1, planned=16, held=16),
    )
    assert not result.eligible
    assert len(result.missing_modules) == 2  # modules 8 and 9; the capstone is listed apart
    assert result.capstone_missing
    assert result.attendance.percent == 81 and result.threshold == 90
    assert not result.attendance_met


def test_attendance_just_at_the_threshold_is_enough(curriculum):
    result = eligibility(
        curriculum,
        Track.PEER,
        required(curriculum),
        AttendanceSummary(present=9, absent=1, planned=10, held=10),
    )
    assert result.attendance_met and result.eligible


def test_attendance_counts_against_the_planned_days_not_the_registered(curriculum):
    """Five of five registered days, of sixteen planned, is 31 %: not a completed course."""
    result = eligibility(
        curriculum,
        Track.PEER,
        required(curriculum),
        AttendanceSummary(present=5, planned=16, held=5),
    )
    assert not result.attendance_met and not result.eligible
    assert result.attendance.percent == 31


def test_an_attendance_exception_meets_the_requirement(curriculum):
    result = eligibility(
        curriculum,
        Track.PEER,
        required(curriculum),
        AttendanceSummary(present=10, absent=6, planned=16, held=16, exception=True),
    )
    assert result.attendance_met and result.eligible


def test_no_attendance_registered_is_not_enough(curriculum):
    result = eligibility(curriculum, Track.COLLEAGUE, required(curriculum), AttendanceSummary())
    assert result.attendance.percent is None and not result.eligible


def test_codes_are_unique_looking_and_self_checking():
    made = {codes.new_code() for _ in range(200)}
    assert len(made) == 200
    for code in made:
        assert len(code) == 13 and codes.normalise(code) == code


def test_typing_mistakes_are_caught_or_forgiven():
    code = codes.new_code()
    shown = codes.display(code)
    assert shown.count("-") == 3
    assert codes.normalise(shown.lower()) == code
    assert codes.normalise(" ".join(shown)) == code
    # One wrong character is detected by the check character.
    wrong = ("1" if code[0] != "1" else "2") + code[1:]
    assert codes.normalise(wrong) is None
    # O for 0 and I/L for 1 are read as meant (Crockford).
    if "0" in code:
        assert codes.normalise(code.replace("0", "O")) == code
    assert codes.normalise("not a code") is None
    assert codes.normalise("") is None

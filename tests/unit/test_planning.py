"""Planned class days fall on days the school teaches: no public holiday, no Christmas week."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from peeredu.curriculum.planning import is_closed, plan_dates, require_teaching_date
from peeredu.errors import DomainError

CHRISTMAS = {date(2026, 12, d) for d in range(24, 32)} | {date(2027, 1, 1)}


@pytest.mark.parametrize("start", [date(2026, 12, 14) + timedelta(days=n) for n in range(7)])
def test_a_cohort_starting_before_christmas_has_no_day_between_christmas_and_new_year(start):
    dates = plan_dates(start, 16)
    assert len(dates) == 16 and len(set(dates)) == 16
    assert not CHRISTMAS & set(dates)
    # The plan goes on after New Year rather than losing the days.
    assert dates[-1] > start + timedelta(weeks=8)


def test_the_monday_start_of_december_14_skips_the_christmas_week_and_goes_on():
    dates = plan_dates(date(2026, 12, 14), 6)
    assert dates == [
        date(2026, 12, 14),
        date(2026, 12, 16),
        date(2026, 12, 21),
        date(2026, 12, 23),
        date(2027, 1, 4),
        date(2027, 1, 6),
    ]


def test_easter_and_whitsun_are_skipped():
    # Monday starts: 2. påskedag (29 March 2027) and 2. pinsedag (17 May 2027) are Mondays;
    # Thursday starts: skærtorsdag (25 March) and Kristi himmelfartsdag (6 May 2027).
    mondays = plan_dates(date(2027, 3, 1), 24)
    thursdays = plan_dates(date(2027, 3, 4), 24)
    for holiday in (date(2027, 3, 29), date(2027, 5, 17)):
        assert holiday not in mondays
    for holiday in (date(2027, 3, 25), date(2027, 5, 6)):
        assert holiday not in thursdays
    assert date(2027, 3, 22) in mondays and date(2027, 4, 5) in mondays


def test_an_ordinary_date_is_open_and_a_holiday_is_refused_by_name():
    assert not is_closed(date(2027, 2, 1))
    require_teaching_date(date(2027, 2, 1))
    with pytest.raises(DomainError) as refused:
        require_teaching_date(date(2026, 12, 25))
    assert refused.value.params["name"] == "Juledag" and refused.value.field == "date"
    with pytest.raises(DomainError, match="Christmas week"):
        require_teaching_date(date(2026, 12, 30))
    for day in CHRISTMAS:
        assert is_closed(day), day
    assert not is_closed(date(2026, 12, 23)) and not is_closed(date(2027, 1, 2))

"""Which dates the school teaches on: two days a week, never on a Danish public holiday nor in
the Christmas week.

Pure functions of dates; the operations that write class days (``attendance``) ask them.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays

from peeredu.errors import N_, DomainError


@cache
def _public_holidays(year: int) -> dict[date, str]:
    # Names in Danish, as the calendar on the wall says them ("Juledag", "2. påskedag").
    return dict(holidays.country_holidays("DK", years=year, language="da").items())


def in_christmas_week(day: date) -> bool:
    """24 December to 1 January, both included: the school is closed between the two."""
    return (day.month, day.day) >= (12, 24) or (day.month, day.day) == (1, 1)


def is_closed(day: date) -> bool:
    return day in _public_holidays(day.year) or in_christmas_week(day)


def require_teaching_date(day: date) -> None:
    """Refuse a class day on a public holiday or in the Christmas week, saying which."""
    name = _public_holidays(day.year).get(day)
    if name is not None:
        raise DomainError(
            N_("%(date)s is a public holiday (%(name)s). Choose another date."),
            field="date",
            date=day.isoformat(),
            name=name,
        )
    if in_christmas_week(day):
        raise DomainError(
            N_(
                "The school is closed in the Christmas week, 24 December to 1 January. "
                "Choose another date."
            ),
            field="date",
        )


def plan_dates(first: date, count: int, *, days_between: int = 2) -> list[date]:
    """Two class days a week: the first day's weekday and ``days_between`` days later.

    A date the school is closed on is skipped, not replaced by another that week: the plan
    goes on in the next week, so the course ends a little later.
    """
    dates: list[date] = []
    week_start = first
    while len(dates) < count:
        for day in (week_start, week_start + timedelta(days=days_between)):
            if len(dates) < count and not is_closed(day):
                dates.append(day)
        week_start += timedelta(weeks=1)
    return dates

"""The few ways peeredu writes a date or a time, so every page writes them alike.

- ``long_date``: in running text, "3. december 2026" ("December 3, 2026");
  with ``weekday=True`` "torsdag den 3. december 2026", for a day one plans around.
- ``short_date``: in tables and lists, "3. dec. 2026" ("Dec 3, 2026").
- ``time_of_day``: "kl. 09.02" ("at 9:02 AM").
- ``hours``: a class day's local times of day, "kl. 09.00–14.30" or "fra kl. 09.00".
- ``date_time``: "3. december 2026 kl. 09.02"; ``short=True`` for a table cell
  ("3. dec. 2026 kl. 09.02"), ``seconds=True`` where seconds matter (the audit log).

Datetimes are shown in the user's time zone (Europe/Copenhagen, ``BABEL_DEFAULT_TIMEZONE``);
plain dates are shown as they are. Template globals (``web._template_globals``), so a host
app's templates are left alone.
"""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import format_date, format_time
from flask_babel import gettext as _

LONG = "long"
WEEKDAY = "full"
SHORT = "medium"  # Babel's "medium" date: the abbreviated month, never all digits


def long_date(value: date, *, weekday: bool = False) -> str:
    return format_date(value, WEEKDAY if weekday else LONG)


def short_date(value: date) -> str:
    return format_date(value, SHORT)


def _clock(value: datetime, *, seconds: bool = False) -> str:
    return format_time(value, "medium" if seconds else "short")


def time_of_day(value: datetime) -> str:
    return _("at %(time)s", time=_clock(value))


def date_time(value: datetime, *, short: bool = False, seconds: bool = False) -> str:
    shown = short_date(value) if short else long_date(value)
    return _("%(date)s at %(time)s", date=shown, time=_clock(value, seconds=seconds))


def hours(starts_at: time | None, ends_at: time | None) -> str:
    """A class day's times (local times of day, no zone to convert); empty when unknown."""
    if starts_at is None:
        return ""
    start = format_time(starts_at, "short")
    if ends_at is None:
        return _("from %(start)s", start=start)
    return _("at %(start)s–%(end)s", start=start, end=format_time(ends_at, "short"))


HELPERS = {
    "hours": hours,
    "long_date": long_date,
    "short_date": short_date,
    "time_of_day": time_of_day,
    "date_time": date_time,
}

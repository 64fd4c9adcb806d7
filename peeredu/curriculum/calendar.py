"""The learner's calendar: the cohort's class days and the learner's soft deadlines.

The same dates twice: for the learner's calendar page (every class day, cancelled ones with
their reason, and the learner's own attendance so far) and as iCalendar events for a
subscription (planned days and deadlines only). Times of day are Europe/Copenhagen; a day
without a known time is an all-day event. Titles and topics only: never reflection text.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from icalendar import Calendar, Event
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from peeredu.accounts.models import Enrolment, EnrolmentStatus
from peeredu.audit import AuditEvent
from peeredu.curriculum.content import Curriculum
from peeredu.curriculum.records import Attendance, AttendanceStatus, ClassDay
from peeredu.db import COURSE_TIMEZONE
from peeredu.reflections.definitions import Assignment, AssignmentSet
from peeredu.reports.reviews import due_dates

MOVED = "class_day.move"
EXTENDED = "extension.grant"


@dataclass(frozen=True)
class CalendarDay:
    day: ClassDay
    module_title: str | None
    held: bool  # planned and on or before today
    # The learner's own registration; None for a day not registered (yet).
    attendance: AttendanceStatus | None


@dataclass(frozen=True)
class Deadline:
    assignment: Assignment
    module_title: str
    due_on: date
    extended: bool


@dataclass(frozen=True)
class LearnerCalendar:
    enrolment: Enrolment
    days: list[CalendarDay]
    deadlines: list[Deadline]


def learner_calendar(
    session: Session,
    curriculum: Curriculum,
    assignments: AssignmentSet,
    enrolment: Enrolment,
    *,
    today: date,
) -> LearnerCalendar:
    """Every class day of the learner's cohort (cancelled ones too) and every soft deadline."""
    rows = session.execute(
        select(ClassDay, Attendance.status)
        .outerjoin(
            Attendance,
            and_(Attendance.class_day_id == ClassDay.id, Attendance.enrolment_id == enrolment.id),
        )
        .where(ClassDay.cohort_id == enrolment.cohort_id)
        .order_by(ClassDay.date)
    ).all()
    days = [
        CalendarDay(
            day=day,
            module_title=_module_title(curriculum, day.module_slug),
            held=not day.cancelled and day.date <= today,
            attendance=status,
        )
        for day, status in rows
    ]
    modules = curriculum.modules_for(enrolment.track)
    due = due_dates(session, assignments, enrolment, [m.slug for m in modules])
    deadlines = sorted(
        (
            Deadline(
                assignment=found.assignment,
                module_title=module.title,
                due_on=found.due_on,
                extended=found.extended,
            )
            for module in modules
            if (found := due.get(module.slug)) is not None
        ),
        key=lambda deadline: deadline.due_on,
    )
    return LearnerCalendar(enrolment=enrolment, days=days, deadlines=deadlines)


def _module_title(curriculum: Curriculum, slug: str | None) -> str | None:
    found = curriculum.module(slug) if slug else None
    return found.title if found else None


# -- The subscription -----------------------------------------------------------------------


class EventKind(enum.Enum):
    CLASS_DAY = "classday"
    DEADLINE = "deadline"


@dataclass(frozen=True)
class CalendarEvent:
    kind: EventKind
    key: str  # stable: the class day's id, or enrolment and assignment
    title: str  # the day's topic (or its module), or the assignment's title
    on: date
    starts_at: time | None
    ends_at: time | None
    # How often the event changed (a day moved, a deadline extended), and when last.
    sequence: int
    modified: datetime | None


def feed_events(
    session: Session,
    curriculum: Curriculum,
    assignments: AssignmentSet,
    enrolments: Sequence[Enrolment],
) -> list[CalendarEvent]:
    """The planned class days and soft deadlines of the active ``enrolments``."""
    active = [e for e in enrolments if e.status is EnrolmentStatus.ACTIVE]
    calendars = [
        learner_calendar(session, curriculum, assignments, e, today=date.min) for e in active
    ]
    days = [(c.enrolment, d.day) for c in calendars for d in c.days if not d.day.cancelled]
    changes = _changes(session, [day.id for _, day in days], [e.id for e in active])
    events = [
        CalendarEvent(
            kind=EventKind.CLASS_DAY,
            key=str(day.id),
            title=day.topic or _module_title(curriculum, day.module_slug) or "",
            on=day.date,
            starts_at=day.starts_at,
            ends_at=day.ends_at,
            sequence=len(changes[("class_day", str(day.id))]),
            modified=max(changes[("class_day", str(day.id))], default=None),
        )
        for _, day in days
    ]
    for each in calendars:
        for deadline in each.deadlines:
            key = f"{each.enrolment.id}-{deadline.assignment.slug}"
            events.append(
                CalendarEvent(
                    kind=EventKind.DEADLINE,
                    key=key,
                    title=deadline.assignment.title,
                    on=deadline.due_on,
                    starts_at=None,
                    ends_at=None,
                    sequence=len(changes[("deadline", key)]),
                    modified=max(changes[("deadline", key)], default=None),
                )
            )
    return sorted(events, key=lambda event: (event.on, event.kind.value, event.key))


def _changes(
    session: Session, day_ids: list[int], enrolment_ids: list[int]
) -> defaultdict[tuple[str, str], list[datetime]]:
    """When each class day was moved and each deadline extended, from the audit log."""
    found: defaultdict[tuple[str, str], list[datetime]] = defaultdict(list)
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.object_id, AuditEvent.detail, AuditEvent.at).where(
            or_(
                and_(
                    AuditEvent.action == MOVED,
                    AuditEvent.object_type == "class_day",
                    AuditEvent.object_id.in_([str(i) for i in day_ids]),
                ),
                and_(
                    AuditEvent.action == EXTENDED,
                    AuditEvent.object_type == "enrolment",
                    AuditEvent.object_id.in_([str(i) for i in enrolment_ids]),
                ),
            )
        )
    )
    for action, object_id, detail, at in rows:
        if action == MOVED:
            found[("class_day", object_id)].append(at)
        else:  # "assignment=<slug> due=<date>"
            slug = detail.split()[0].removeprefix("assignment=")
            found[("deadline", f"{object_id}-{slug}")].append(at)
    return found


def to_ical(
    events: Sequence[CalendarEvent],
    *,
    name: str,
    host: str,
    summary: Callable[[CalendarEvent], str],
    now: datetime,
) -> bytes:
    """An iCalendar file of ``events``, with the time zone its timed events name."""
    calendar = Calendar.new(name=name, prodid="-//Skolen for Recovery//peeredu//DA")
    for event in events:
        start: date | datetime = event.on
        end: date | datetime = event.on + timedelta(days=1)
        if event.starts_at is not None:
            start = datetime.combine(event.on, event.starts_at, tzinfo=COURSE_TIMEZONE)
            end = (
                datetime.combine(event.on, event.ends_at, tzinfo=COURSE_TIMEZONE)
                if event.ends_at is not None and event.ends_at > event.starts_at
                else start + timedelta(hours=1)
            )
        calendar.add_component(
            Event.new(
                uid=f"{event.kind.value}-{event.key}@{host}",
                summary=summary(event),
                start=start,
                end=end,
                stamp=now,
                sequence=event.sequence,
                last_modified=event.modified,
            )
        )
    calendar.add_missing_timezones()
    body: bytes = calendar.to_ical()
    return body

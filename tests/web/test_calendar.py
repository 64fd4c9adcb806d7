"""The learner's calendar: the page of class days and deadlines, and the subscription a
calendar app reads without a session (one event per planned day and per deadline)."""

from __future__ import annotations

import re
from datetime import date, time
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import select

from peeredu.accounts.models import Cohort, Enrolment, EnrolmentStatus, Role, Track
from peeredu.audit import AuditEvent
from peeredu.curriculum import attendance
from peeredu.curriculum.records import AttendanceStatus, ClassDay
from peeredu.extensions import current_assignments, current_curriculum, db
from tests.factories import PASSWORD

MARIA = "maria@example.org"


@pytest.fixture
def app_overrides(clock):
    return {"CLOCK": clock}  # 3 February 2027: the cohort's first two days are held


def _plan(app, cohort_id: int) -> list[int]:
    with app.app_context():
        days = attendance.plan_class_days(
            db.session, current_curriculum(), db.session.get(Cohort, cohort_id), actor_id=1
        )
        db.session.commit()
        return [d.id for d in days]


@pytest.fixture
def course(app, make):
    teacher = make.user(Role.TEACHER, email="tove@example.org")
    cohort = make.cohort("Hold A", teachers=(teacher,))
    enrolment = make.enrolment(make.user(email=MARIA, name="Maria"), cohort, make.organisation())
    # Someone else, in another cohort: never in Maria's calendar.
    other_cohort = make.cohort("Hold B")
    other = make.enrolment(make.user(email="ole@example.org"), other_cohort, make.organisation())
    days = _plan(app, cohort.id)
    other_days = _plan(app, other_cohort.id)
    return enrolment, days, other, other_days, teacher


def deadline_count(app) -> int:
    with app.app_context():
        curriculum, assignments = current_curriculum(), current_assignments()
        return sum(
            1
            for module in curriculum.modules_for(Track.PEER)
            if assignments.for_module(module.slug) is not None
        )


def uid(app, day_id: int) -> str:
    return f"classday-{day_id}@{urlsplit(app.config['BASE_URL']).hostname}"


def subscribe(client) -> str:
    """Make (or renew) the calendar address on My account; the path of the feed shown."""
    page = client.submit("/account/calendar").get_data(as_text=True)
    found = re.search(r'id="feed-url"[^>]*value="https?://[^/"]+(/[^"]+)"', page)
    assert found, "the new address is shown"
    assert 'href="webcal://' in page
    return found.group(1)


def events(response) -> dict[str, object]:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "private" in response.headers.get("Cache-Control", "")
    calendar = Calendar.from_ical(response.get_data())
    found = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert len(found) == len(calendar.walk("VEVENT")), "UIDs are unique"
    return found


def test_the_feed_has_one_event_per_planned_day_and_deadline_without_a_session(
    app, client, make_client, course
):
    enrolment, days, other, other_days, _ = course
    with app.app_context():
        first = db.session.get(ClassDay, days[0])
        first.starts_at, first.ends_at = time(9, 30), time(15, 0)
        db.session.commit()
    client.login(MARIA, PASSWORD)
    feed = subscribe(client)

    calendar_app = make_client()  # no session: a calendar app
    response = calendar_app.get(feed)
    found = events(response)
    deadlines = [key for key in found if key.startswith("deadline-")]
    assert len([key for key in found if key.startswith("classday-")]) == 16
    assert len(deadlines) == deadline_count(app) > 0
    assert all(key.startswith(f"deadline-{enrolment.id}-") for key in deadlines)
    # The other cohort's days and the other learner's deadlines are never in it.
    assert not {uid(app, d) for d in other_days} & set(found)
    assert not [key for key in found if key.startswith(f"deadline-{other.id}-")]
    # A day with times is a timed event in Copenhagen's zone, the rest all-day events.
    timed = found[uid(app, days[0])]
    assert timed.start.tzinfo.key == "Europe/Copenhagen"
    assert (timed.start.hour, timed.start.minute, timed.end.hour) == (9, 30, 15)
    assert b"BEGIN:VTIMEZONE" in response.get_data() and b"TZID:Europe/Copenhagen" in (
        response.get_data()
    )
    all_day = found[uid(app, days[1])]
    assert all_day.start == date(2027, 2, 3) and not hasattr(all_day.start, "hour")
    assert "Undervisningsdag" in str(all_day["SUMMARY"])
    assert "DTSTAMP" in all_day


def test_a_moved_day_shows_its_new_date_and_a_cancelled_day_is_gone(
    app, client, make_client, course
):
    enrolment, days, _, _, teacher = course
    client.login(MARIA, PASSWORD)
    feed = subscribe(client)
    calendar_app = make_client()
    before = events(calendar_app.get(feed))
    moved, cancelled = uid(app, days[5]), uid(app, days[6])
    assert int(before[moved].get("SEQUENCE", 0)) == 0
    with app.app_context():
        curriculum = current_curriculum()
        attendance.move_class_day(
            db.session,
            curriculum,
            db.session.get(ClassDay, days[5]),
            new_date=date(2027, 3, 31),
            reason="Lokalet er optaget",
            actor_id=teacher.id,
            now=app.config["CLOCK"](),
        )
        attendance.cancel_class_day(
            db.session,
            curriculum,
            db.session.get(ClassDay, days[6]),
            reason="Underviseren er syg",
            actor_id=teacher.id,
            now=app.config["CLOCK"](),
        )
        db.session.commit()

    after = events(calendar_app.get(feed))
    assert after[moved].start == date(2027, 3, 31)
    assert int(after[moved]["SEQUENCE"]) == 1 and "LAST-MODIFIED" in after[moved]
    assert cancelled not in after
    assert len(after) == len(before) - 1

    # The learner's page shows both, with their reasons.
    page = client.get(f"/learn/{enrolment.id}/calendar").get_data(as_text=True)
    assert "Aflyst: Underviseren er syg" in page
    assert "Flyttet: Lokalet er optaget" in page


def test_a_renewed_or_revoked_address_answers_404(app, client, make_client, course):
    client.login(MARIA, PASSWORD)
    first = subscribe(client)
    calendar_app = make_client()
    assert calendar_app.get(first).status_code == 200

    renewed = subscribe(client)
    assert renewed != first
    assert calendar_app.get(first).status_code == 404
    assert calendar_app.get(renewed).status_code == 200

    page = client.submit("/account/calendar/revoke", follow_redirects=True)
    assert "kalenderabonnement er stoppet" in page.get_data(as_text=True)
    assert calendar_app.get(renewed).status_code == 404
    assert calendar_app.get("/calendar/no-such-token.ics").status_code == 404
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("calendar_feed.%"))
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["calendar_feed.create", "calendar_feed.renew", "calendar_feed.revoke"]


def test_the_calendar_page_shows_the_days_own_attendance_and_deadlines(app, client, course):
    enrolment, days, other, _, teacher = course
    with app.app_context():
        attendance.register(
            db.session,
            current_curriculum(),
            db.session.get(ClassDay, days[0]),
            {enrolment.id: AttendanceStatus.ABSENT_WITH_NOTICE},
            actor_id=teacher.id,
            now=app.config["CLOCK"](),
        )
        db.session.commit()
    client.login(MARIA, PASSWORD)
    page = client.get(f"/learn/{enrolment.id}/calendar").get_data(as_text=True)
    cards = re.findall(r'<li id="day-\d+" class="card calendar-day.*?</li>', page, re.S)
    assert len(cards) == 16
    assert "mandag den 1. februar 2027" in cards[0] and "Fraværende med afbud" in cards[0]
    assert "Ikke registreret endnu" in cards[1] and "(i dag)" in cards[1]
    assert "Kommende" in cards[2]
    # The next day is one tap away: 3 February is today, a held day still to come.
    assert f'href="#day-{days[1]}">Næste undervisningsdag: 3. februar 2027' in page
    assert len(re.findall(r'<li class="card calendar-deadline', page)) == deadline_count(app)
    # Another learner's calendar is not found.
    assert client.get(f"/learn/{other.id}/calendar").status_code == 404


def test_only_active_enrolments_are_in_the_feed(app, client, make_client, course):
    enrolment, *_ = course
    client.login(MARIA, PASSWORD)
    feed = subscribe(client)
    calendar_app = make_client()
    assert len(events(calendar_app.get(feed))) > 16
    with app.app_context():
        db.session.get(Enrolment, enrolment.id).status = EnrolmentStatus.PAUSED
        db.session.commit()
    assert events(calendar_app.get(feed)) == {}

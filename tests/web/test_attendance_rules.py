"""Attendance as the teacher registers it: not before the day, never an empty form, and days
that move or are cancelled count at once for everyone."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from peeredu.accounts.models import Role
from peeredu.audit import AuditEvent
from peeredu.curriculum import attendance
from peeredu.curriculum.records import Attendance, ClassDay
from peeredu.extensions import current_curriculum, db
from tests.factories import PASSWORD


@pytest.fixture
def app_overrides(clock):
    return {"CLOCK": clock}  # 3 February 2027: the cohort's first two days are held


@pytest.fixture
def course(app, make, client):
    teacher = make.user(Role.TEACHER, email="tove@example.org")
    cohort = make.cohort("Hold A", teachers=(teacher,))
    enrolment = make.enrolment(
        make.user(email="maria@example.org", name="Maria"), cohort, make.organisation()
    )
    with app.app_context():
        days = attendance.plan_class_days(
            db.session, current_curriculum(), db.session.get(type(cohort), cohort.id), actor_id=1
        )
        db.session.commit()
        day_ids = [d.id for d in days]
    client.login("tove@example.org", PASSWORD)
    return cohort, enrolment, day_ids


def registered(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Attendance)) or 0


def test_a_day_still_to_come_cannot_be_registered(app, client, course):
    cohort, enrolment, days = course
    url = f"/teach/cohorts/{cohort.id}/days/{days[2]}"  # Monday 8 February
    page = client.get(url).get_data(as_text=True)
    assert "kan registreres på dagen eller senere" in page and 'type="radio"' not in page
    response = client.submit(
        url, {f"status-{enrolment.id}": "present"}, token_page=f"/teach/cohorts/{cohort.id}/days"
    )
    assert "ikke før 2027-02-08" in response.get_data(as_text=True)
    assert registered(app) == 0
    # The day itself can be registered (3 February is the second class day).
    today = f"/teach/cohorts/{cohort.id}/days/{days[1]}"
    client.submit(today, {f"status-{enrolment.id}": "present"}, token_page=today)
    assert registered(app) == 1


def test_an_empty_attendance_form_is_refused(app, client, course):
    cohort, _, days = course
    url = f"/teach/cohorts/{cohort.id}/days/{days[0]}"
    response = client.submit(url, {}, token_page=url)
    page = response.get_data(as_text=True)
    assert "Vælg til stede eller fraværende for mindst én deltager" in page
    assert "Fremmødet er gemt" not in page
    assert registered(app) == 0


def test_the_days_page_offers_registration_only_for_days_held(client, course):
    cohort, _, _ = course
    page = client.get(f"/teach/cohorts/{cohort.id}/days").get_data(as_text=True)
    assert page.count("Registrér fremmøde") == 2 and page.count("Kommende") == 14


def test_cancelling_a_day_needs_a_reason_and_counts_at_once(app, client, course, make_client):
    cohort, enrolment, days = course
    base = f"/teach/cohorts/{cohort.id}/days"
    client.submit(f"{base}/{days[0]}", {f"status-{enrolment.id}": "present"}, token_page=base)
    client.submit(f"{base}/{days[5]}/cancel", {"reason": ""}, token_page=base)
    with app.app_context():
        assert db.session.get(ClassDay, days[5]).cancelled_at is None
    client.submit(f"{base}/{days[5]}/cancel", {"reason": "Underviseren er syg"}, token_page=base)
    learner = make_client()
    learner.login("maria@example.org", PASSWORD)
    start = learner.get("/").get_data(as_text=True)
    assert "til stede 1 af 15 undervisningsdage" in start  # one day fewer planned, at once
    with app.app_context():
        assert db.session.get(ClassDay, days[5]).cancel_reason == "Underviseren er syg"
        assert "class_day.cancel" in db.session.scalars(select(AuditEvent.action)).all()


def test_a_registered_day_cannot_move_into_the_future(app, client, course):
    cohort, enrolment, days = course
    base = f"/teach/cohorts/{cohort.id}/days"
    client.submit(f"{base}/{days[0]}", {f"status-{enrolment.id}": "present"}, token_page=base)
    client.submit(
        f"{base}/{days[0]}/move", {"date": "2027-02-09", "reason": "Flyttet"}, token_page=base
    )
    with app.app_context():
        assert db.session.get(ClassDay, days[0]).date == date(2027, 2, 1)
    client.submit(
        f"{base}/{days[2]}/move", {"date": "2027-02-09", "reason": "Lokalet"}, token_page=base
    )
    with app.app_context():
        assert db.session.get(ClassDay, days[2]).date == date(2027, 2, 9)


def test_the_learner_is_told_plainly_when_the_requirement_is_out_of_reach(
    app, client, course, make_client, clock
):
    cohort, enrolment, days = course
    clock.advance(days=14)  # 17 February: six days held
    # A fortnight is past every session timeout, by the app's clock too: the next request
    # ends the session, and the teacher signs in again.
    assert "Log ind" in client.get("/", follow_redirects=True).get_data(as_text=True)
    client.login("tove@example.org", PASSWORD)
    base = f"/teach/cohorts/{cohort.id}/days"
    for day_id in days[:2]:
        client.submit(f"{base}/{day_id}", {f"status-{enrolment.id}": "absent"}, token_page=base)
    learner = make_client()
    learner.login("maria@example.org", PASSWORD)
    start = learner.get("/").get_data(as_text=True)
    assert "Du kan ikke længere nå kravet på 90\xa0%. Tal med din underviser." in start
    teacher_view = client.get(f"/teach/cohorts/{cohort.id}/learners/{enrolment.id}")
    assert "Deltageren kan ikke længere nå kravet på 90" in teacher_view.get_data(as_text=True)

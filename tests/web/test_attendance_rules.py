"""Attendance as the teacher registers it: not before the day, never an empty form, and days
that move or are cancelled count at once for everyone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from peeredu import demo
from peeredu.accounts.models import Role
from peeredu.audit import AuditEvent
from peeredu.curriculum import attendance
from peeredu.curriculum.records import Attendance, ClassDay
from peeredu.errors import DomainError
from peeredu.extensions import current_assignments, current_curriculum, db
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


# -- Attendance in a minute (issue 17) ---------------------------------------------------------


def test_register_refuses_a_future_day_and_an_empty_form_in_the_domain(app, course, clock):
    _, enrolment, days = course
    with app.app_context():
        session, curriculum = db.session, current_curriculum()
        coming = session.get(ClassDay, days[2])  # 8 February; the clock says 3 February
        with pytest.raises(DomainError, match="not before 2027-02-08"):
            attendance.register(
                session, curriculum, coming, {enrolment.id: "present"}, actor_id=1, now=clock.now
            )
        held = session.get(ClassDay, days[0])
        with pytest.raises(DomainError, match="at least one learner"):
            attendance.register(session, curriculum, held, {}, actor_id=1, now=clock.now)
        session.rollback()
    assert registered(app) == 0


def test_a_day_cannot_move_onto_a_holiday_or_another_class_day(app, client, course):
    cohort, _, days = course
    base = f"/teach/cohorts/{cohort.id}/days"

    def move_to(day: str) -> str:
        form = {"date": day, "reason": "Lokalet"}
        response = client.submit(
            f"{base}/{days[2]}/move", form, token_page=base, follow_redirects=True
        )
        return response.get_data(as_text=True)

    assert "2027-03-25 er en helligdag (Skærtorsdag)" in move_to("2027-03-25")
    clash = move_to("2027-02-10")
    assert "Holdet har allerede en undervisningsdag på den dato" in clash
    with app.app_context():
        assert db.session.get(ClassDay, days[2]).date == date(2027, 2, 8)
        assert "class_day.move" not in db.session.scalars(select(AuditEvent.action)).all()


def test_a_moved_day_keeps_its_reason_and_the_days_page_shows_every_state(app, client, course):
    cohort, enrolment, days = course
    base = f"/teach/cohorts/{cohort.id}/days"
    client.submit(f"{base}/{days[0]}", {f"status-{enrolment.id}": "present"}, token_page=base)
    client.submit(
        f"{base}/{days[2]}/move",
        {"date": "2027-02-09", "reason": "Lokalet er optaget"},
        token_page=base,
    )
    client.submit(f"{base}/{days[3]}/cancel", {"reason": "Underviseren er syg"}, token_page=base)
    with app.app_context():
        moved = db.session.get(ClassDay, days[2])
        assert (moved.date, moved.move_reason) == (date(2027, 2, 9), "Lokalet er optaget")
        assert "class_day.move" in db.session.scalars(select(AuditEvent.action)).all()
    page = client.get(base).get_data(as_text=True)
    assert "Afholdt, 1 af 1 registreret" in page and "Ret fremmøde" in page  # 1 February
    assert "Afholdt, ikke registreret" in page  # 3 February, today
    assert "Flyttet: Lokalet er optaget" in page and "Aflyst: Underviseren er syg" in page
    assert page.count("Kommende") == 13
    # Today, and only today, is marked, for the eye and for screen readers.
    assert page.count('aria-current="date"') == 1 and page.count(">I dag<") == 1
    today = page.split('aria-current="date"')[1].split("</li>")[0]
    assert "onsdag den 3. februar 2027" in today and "Registrér fremmøde" in today


def test_a_class_day_is_not_added_on_a_holiday(app, client, course):
    cohort, _, _ = course
    url = f"/teach/cohorts/{cohort.id}/days"
    page = client.submit(url, {"date": "2027-05-06", "topic": "Ekstra"}, token_page=url)
    assert "Kristi himmelfartsdag" in page.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalars(select(ClassDay).where(ClassDay.topic == "Ekstra")).all()


def test_the_cohort_page_offers_todays_register_only_on_a_class_day(app, client, course, clock):
    cohort, _, days = course
    url = f"/teach/cohorts/{cohort.id}"
    link = f'href="/teach/cohorts/{cohort.id}/days/{{}}">Registrér fremmøde i dag'

    def overview() -> str:
        page = client.get(url).get_data(as_text=True)
        assert "<h1>Hold A</h1>" in page  # the overview itself, still signed in
        return page

    assert link.format(days[1]) in overview()  # Wednesday 3 February
    base = f"{url}/days"
    client.submit(f"{base}/{days[1]}/cancel", {"reason": "Underviseren er syg"}, token_page=base)
    assert "Registrér fremmøde i dag" not in overview()
    for advance, expected in ((5, days[2]), (1, None)):  # Monday 8, Tuesday 9 February
        clock.advance(days=advance)  # past the session's timeout: sign in again
        client.get("/", follow_redirects=True)
        client.login("tove@example.org", PASSWORD)
        page = overview()
        if expected:
            assert link.format(expected) in page
        else:
            assert "Registrér fremmøde i dag" not in page


def test_the_register_starts_with_everyone_present_and_shows_what_is_registered(
    app, client, course, make
):
    cohort, enrolment, days = course
    other = make.enrolment(make.user(name="Ole"), cohort, make.organisation())
    url = f"/teach/cohorts/{cohort.id}/days/{days[0]}"
    form = client.get(url).get_data(as_text=True)
    for learner in (enrolment.id, other.id):
        assert f'name="status-{learner}" value="present" checked' in form
    assert "Markér alle fraværende" in form
    everyone_absent = client.get(f"{url}?mark=absent").get_data(as_text=True)
    assert everyone_absent.count('value="absent" checked') == 2
    assert "Markér alle til stede" in everyone_absent

    choices = {f"status-{enrolment.id}": "absent_with_notice", f"status-{other.id}": "present"}

    def save() -> str:
        return client.submit(url, choices, token_page=url, follow_redirects=True).get_data(
            as_text=True
        )

    saved = save()
    assert "Fremmødet for 1. februar 2027 er gemt: 1 til stede, 1 fraværende." in saved
    again = client.get(url).get_data(as_text=True)
    assert f'name="status-{enrolment.id}" value="absent_with_notice" checked' in again
    assert "Fremmødet er registreret for denne dag" in again
    unchanged = save()  # the same choices again
    assert "Intet er ændret" in unchanged and "er gemt" not in unchanged


def test_the_demo_course_under_way_in_december_has_no_class_day_at_christmas(app):
    with app.app_context():
        demo.seed(db.session, current_curriculum(), current_assignments(), today=date(2026, 12, 1))
        dates = set(db.session.scalars(select(ClassDay.date)))
    assert date(2026, 12, 22) in dates and date(2027, 1, 5) in dates
    christmas = {date(2026, 12, 24) + timedelta(days=n) for n in range(9)}  # to 1 January
    assert not dates & christmas

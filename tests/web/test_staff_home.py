"""The staff start pages say what there is to do, with counts that link to the work.

Teacher: feedback waiting (late, marked for supervision), the next class day per cohort,
learners at risk. HR: counts per organisation they follow, and only those. Admin: invitations
not accepted (expired ones named), mail that failed, cohorts starting within 30 days. Each
page is also shown with nothing to do, where every count is zero.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from peeredu import outbox
from peeredu.accounts import invitations, organisations
from peeredu.accounts.models import Cohort, Enrolment, EnrolmentStatus, Role
from peeredu.certification import services as certificates
from peeredu.curriculum import attendance
from peeredu.curriculum.records import AttendanceStatus, ClassDay
from peeredu.db import local_date
from peeredu.extensions import current_curriculum, db
from tests.factories import PASSWORD
from tests.web.test_review import Modules, modules, reflect  # noqa: F401 - fixture

# The factory's cohorts start 2027-02-01 and the clock stands at 2027-02-03, a class day.


def values(page: str) -> dict[str, int]:
    """The start page's counts: label -> number ("reflections wait for feedback" -> 2)."""
    found = re.findall(
        r'<span class="summary-value">(\d+)</span> <span class="summary-label">([^<]+)</span>',
        page,
    )
    return {label.strip(): int(number) for number, label in found}


def signed_in(make_client: Any, email: str) -> Any:
    other = make_client()
    other.login(email, PASSWORD)
    return other


def plan(app: Flask, cohort: Cohort) -> list[tuple[int, date]]:
    with app.app_context():
        days = attendance.plan_class_days(
            db.session, current_curriculum(), db.session.get(Cohort, cohort.id), actor_id=1
        )
        db.session.commit()
        return [(d.id, d.date) for d in days]


def register(app: Flask, day_id: int, statuses: dict[int, AttendanceStatus], at: datetime) -> None:
    with app.app_context():
        attendance.register(
            db.session,
            current_curriculum(),
            db.session.get(ClassDay, day_id),
            statuses,
            actor_id=1,
            now=at,
        )
        db.session.commit()


@pytest.fixture
def app_overrides(clock: Any) -> dict[str, Any]:
    return {"CLOCK": clock}


@pytest.fixture
def teaching(app: Flask, make: Any) -> SimpleNamespace:
    tove = make.user(Role.TEACHER, email="tove@example.org", name="Tove", locale="en")
    hold = make.cohort("Hold A", teachers=(tove,))
    org = make.organisation("Rudersdal Kommune")
    maria = make.enrolment(make.user(name="Maria Peer"), hold, org)
    karl = make.enrolment(make.user(name="Karl Peer"), hold, org)
    return SimpleNamespace(tove=tove, hold=hold, org=org, maria=maria, karl=karl)


# -- The teacher ----------------------------------------------------------------------------


def test_teacher_sees_what_waits_and_reaches_the_queue_in_one_click(
    app,
    make_client,
    teaching,
    modules: Modules,  # noqa: F811 - the fixture
):
    reflect(app, teaching.maria, modules.first, late=True, flagged=True)
    reflect(app, teaching.karl, modules.first)
    tove = signed_in(make_client, "tove@example.org")
    page = tove.get("/").get_data(as_text=True)

    assert values(page)["reflections wait for feedback"] == 2
    assert '<a href="/teach/reviews?late=y">1 submitted late</a>' in page
    assert '<a href="/teach/reviews?flagged=y">1 marked for supervision</a>' in page
    queue = tove.get("/teach/reviews?late=y").get_data(as_text=True)
    assert "Maria Peer" in queue and "Karl Peer" not in queue


def test_teacher_with_nothing_to_do_sees_zeros(app, make_client, teaching):
    plan(app, teaching.hold)
    page = signed_in(make_client, "tove@example.org").get("/").get_data(as_text=True)
    counts = values(page)
    assert counts["reflections wait for feedback"] == 0
    assert counts["learners at risk"] == 0
    assert "submitted late" not in page and "marked for supervision" not in page
    assert "No learner is at risk." in page


def test_next_class_day_per_cohort_links_to_registering_today_or_the_days(
    app, make_client, make, teaching, clock
):
    days = plan(app, teaching.hold)
    later = make.cohort("Hold B", teachers=(teaching.tove,))
    plan(app, later)
    today = local_date(clock())
    today_id = next(day_id for day_id, day in days if day == today)
    tove = signed_in(make_client, "tove@example.org")
    page = tove.get("/").get_data(as_text=True)
    assert f'href="/teach/cohorts/{teaching.hold.id}/days/{today_id}">Register attendance</a>' in (
        page
    )

    clock.advance(days=1)  # 4 February: no class day
    page = signed_in(make_client, "tove@example.org").get("/").get_data(as_text=True)
    assert "Register attendance" not in page
    following = min(day for _id, day in days if day > today)
    assert f"{following:%A, %B} {following.day}, {following.year}" in page
    assert page.count(f'href="/teach/cohorts/{teaching.hold.id}/days"') == 1
    assert page.count(f'href="/teach/cohorts/{later.id}/days"') == 1


def test_a_cohort_whose_course_is_over_stays_on_the_teachers_start_page(
    app, make_client, teaching, clock
):
    plan(app, teaching.hold)
    clock.advance(days=200)  # long after the 16 weeks (and past the session's timeout)
    page = signed_in(make_client, "tove@example.org").get("/").get_data(as_text=True)
    assert f'<a href="/teach/cohorts/{teaching.hold.id}">Hold A</a>' in page
    assert "the course is over" in page


def test_learner_who_can_no_longer_reach_the_attendance_is_at_risk(
    app, make_client, teaching, clock
):
    days = plan(app, teaching.hold)  # 16 days at 90 %: one may be missed
    absent = {
        teaching.karl.id: AttendanceStatus.ABSENT,
        teaching.maria.id: AttendanceStatus.PRESENT,
    }
    for day_id, _day in days[:2]:
        register(app, day_id, absent, clock())
    page = signed_in(make_client, "tove@example.org").get("/").get_data(as_text=True)

    assert values(page)["learner at risk"] == 1
    link = f'<a href="/teach/cohorts/{teaching.hold.id}/learners/{teaching.karl.id}">Karl Peer</a>'
    assert link in page and "cannot reach the attendance required any more" in page
    assert "Maria Peer" not in page


def test_three_quiet_weeks_put_a_learner_at_risk(
    app,
    make_client,
    teaching,
    modules,  # noqa: F811 - the fixture
    clock,
):
    plan(app, teaching.hold)
    clock.advance(days=25)  # 28 February
    reflect(app, teaching.maria, modules.first, submit=False, at=clock() - timedelta(days=5))
    page = signed_in(make_client, "tove@example.org").get("/").get_data(as_text=True)

    assert values(page)["learner at risk"] == 1
    assert "Karl Peer</a> (Hold A): no activity yet" in " ".join(page.split())
    assert "Maria Peer" not in page


# -- HR -------------------------------------------------------------------------------------


def test_hr_counts_only_the_organisations_they_follow(app, make_client, make, teaching, clock):
    days = plan(app, teaching.hold)
    ines = make.enrolment(make.user(name="Ines Done"), teaching.hold, teaching.org)
    other_org = make.organisation("Gentofte Kommune")
    outside = make.enrolment(make.user(name="Outside Scope"), teaching.hold, other_org)
    with app.app_context():
        done = db.session.get(Enrolment, ines.id)
        done.status = EnrolmentStatus.COMPLETED
        certificates.issue_manually(
            db.session, current_curriculum(), done, reason="Test", actor_id=1, now=clock()
        )
        db.session.commit()
    for day_id, _day in days[:2]:
        lost = {teaching.karl.id: AttendanceStatus.ABSENT, outside.id: AttendanceStatus.ABSENT}
        register(app, day_id, lost, clock())
    hr = make.user(Role.HR, email="hr@example.org", locale="en")
    make.hr_scope(hr, teaching.org)
    page = signed_in(make_client, "hr@example.org").get("/").get_data(as_text=True)

    counts = values(page)
    assert counts["in the course"] == 2  # Maria and Karl
    assert counts["completed"] == 1
    assert counts["with a valid certificate"] == 1
    assert counts["at risk of not completing: cannot reach the attendance required"] == 1
    assert "Rudersdal Kommune" in page and "Gentofte Kommune" not in page
    org = teaching.org.id
    assert f'href="/hr/?organisation={org}&amp;status=active"' in page
    assert f'href="/hr/?organisation={org}&amp;certified=yes"' in page


def test_hr_with_an_organisation_without_participants_sees_zeros(make_client, make):
    hr = make.user(Role.HR, email="hr@example.org", locale="en")
    make.hr_scope(hr, make.organisation("Tom Kommune"))
    page = signed_in(make_client, "hr@example.org").get("/").get_data(as_text=True)
    assert set(values(page).values()) == {0}
    assert "Tom Kommune" in page


# -- The administrator ----------------------------------------------------------------------


def _invite(app: Flask, email: str, name: str, now: datetime) -> None:
    with app.app_context():
        invitations.invite(
            db.session,
            email=email,
            name=name,
            roles=["teacher"],
            locale="da",
            enrolment=None,
            actor_id=1,
            now=now,
            max_age=app.config["INVITATION_MAX_AGE"],
        )
        db.session.commit()


def test_admin_sees_invitations_failed_mail_and_cohorts_starting(app, make_client, make, clock):
    make.user(Role.ADMIN, email="admin@example.org", locale="en")
    _invite(app, "old@example.org", "Olga Old", clock())
    clock.advance(days=8)  # 11 February: Olga's link has ended
    _invite(app, "new@example.org", "Nina New", clock())
    with app.app_context():
        failing = outbox.enqueue(db.session, outbox.Email("x@example.org", "Hej", "Tekst"))
        db.session.flush()
        outbox.record_outcome(db.session, failing.id, OSError("550 no such user"), now=clock())
        outbox.enqueue(db.session, outbox.Email("y@example.org", "Hej", "Tekst"))  # not failed
        for name, start in (("Hold Marts", date(2027, 3, 1)), ("Hold Maj", date(2027, 5, 1))):
            organisations.create_cohort(
                db.session,
                name=name,
                start_date=start,
                end_date=start + timedelta(weeks=16),
                teacher_ids=[],
                actor_id=None,
            )
        db.session.commit()
    page = signed_in(make_client, "admin@example.org").get("/").get_data(as_text=True)

    counts = values(page)
    assert counts["invitation not accepted yet"] == 1
    assert counts["invitation expired"] == 1
    assert "Olga Old</a> (old@example.org): the link ended" in page and "Nina New" not in page
    assert counts["email failed to send"] == 1
    assert "x@example.org" in page and "550 no such user" in page and "y@example.org" not in page
    assert counts["cohort starts within 30 days"] == 1
    assert "Hold Marts" in page and "Hold Maj" not in page


def test_admin_with_nothing_to_do_sees_zeros(make_client, make):
    make.user(Role.ADMIN, email="admin@example.org", locale="en")
    page = signed_in(make_client, "admin@example.org").get("/").get_data(as_text=True)
    assert set(values(page).values()) == {0}
    assert "Invitations that expired" not in page

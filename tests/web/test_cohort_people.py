"""A cohort's people on the admin's cohort page: a teacher added, a learner moved to another
cohort with their progress (attendance counted over the new cohort's days)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from peeredu.accounts.models import Cohort, Enrolment, Role, User
from peeredu.audit import AuditEvent
from peeredu.curriculum import attendance, moves, progress, records
from peeredu.curriculum.records import Attendance, ModuleCompletion
from peeredu.extensions import current_curriculum, db
from tests.factories import PASSWORD

FIRST = "fra-levet-erfaring-til-erfaringskompetence"


@pytest.fixture
def app_overrides(clock):
    return {"CLOCK": clock}


@pytest.fixture
def admin(client, make):
    user = make.user(Role.ADMIN, email="admin@example.org", name="Anne Admin")
    client.login("admin@example.org", PASSWORD)
    return user


@pytest.fixture
def progressed(app, learner, clock):
    """The learner has attended the two days held so far and completed the first module."""
    with app.app_context():
        session = db.session
        enrolment = session.get_one(Enrolment, learner.enrolment_id)
        for day_id in learner.day_ids[:2]:
            attendance.register(
                session,
                current_curriculum(),
                session.get_one(records.ClassDay, day_id),
                {enrolment.id: "present"},
                actor_id=learner.teacher_id,
                now=clock(),
            )
        progress.complete_by_teacher(
            session,
            current_curriculum(),
            enrolment,
            FIRST,
            reason="På papir",
            actor_id=learner.teacher_id,
            now=clock(),
        )
        session.commit()
    return learner


@pytest.fixture
def later_cohort(app, make):
    """A cohort starting later, with its 16 class days planned."""
    cohort = make.cohort("Hold efterår 2027")
    with app.app_context():
        found = db.session.get_one(Cohort, cohort.id)
        found.start_date, found.end_date = date(2027, 9, 1), date(2027, 12, 15)
        attendance.plan_class_days(db.session, current_curriculum(), found, actor_id=1)
        db.session.commit()
    return cohort


def test_a_learner_moves_with_their_progress_and_attendance_counts_anew(
    app, client, admin, progressed, later_cohort
):
    path = f"/admin/enrolments/{progressed.enrolment_id}/move"
    page = client.submit(path, {"cohort": str(later_cohort.id)}).get_data(as_text=True)
    # The confirmation says what happens to attendance before anything moves.
    assert "Flyt Person" in page and "Hold efterår 2027" in page
    assert "2 registreringer på undervisningsdagene på" in page
    assert "16 planlagte dage" in page
    with app.app_context():
        assert db.session.get_one(Enrolment, progressed.enrolment_id).cohort_id != later_cohort.id

    response = client.submit(path, {"cohort": str(later_cohort.id), "confirm": "1"})
    assert response.status_code == 302
    assert "er flyttet til Hold efterår 2027" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        session = db.session
        enrolment = session.get_one(Enrolment, progressed.enrolment_id)
        assert enrolment.cohort_id == later_cohort.id
        # The completion moved along; the old days' registrations are kept but do not count.
        assert (
            session.scalar(
                select(ModuleCompletion.module_slug).where(
                    ModuleCompletion.enrolment_id == enrolment.id
                )
            )
            == FIRST
        )
        kept = session.scalars(select(Attendance).where(Attendance.enrolment_id == enrolment.id))
        assert len(kept.all()) == 2
        summary = records.summaries(session, [enrolment.id], today=date(2027, 2, 3))[enrolment.id]
        assert (summary.present, summary.planned) == (0, 16)
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "enrolment.move"))
        assert f"to={later_cohort.id}" in event.detail and "old_attendance=2" in event.detail


def test_a_move_into_a_cohort_the_learner_is_already_in_is_refused(
    app, client, admin, make, learner, later_cohort
):
    with app.app_context():
        enrolment = db.session.get_one(Enrolment, learner.enrolment_id)
        user, organisation = enrolment.user, enrolment.organisation
    make.enrolment(user, later_cohort, organisation)
    path = f"/admin/enrolments/{learner.enrolment_id}/move"
    # The cohort is not offered, and a hand-made post is refused by the domain.
    assert f'value="{later_cohort.id}"' not in client.get(path).get_data(as_text=True)
    page = client.submit(path, {"cohort": str(later_cohort.id), "confirm": "1"})
    assert "er allerede tilmeldt Hold efterår 2027" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get_one(Enrolment, learner.enrolment_id).cohort_id != later_cohort.id
        with pytest.raises(Exception, match="already enrolled"):
            moves.move_enrolment(
                db.session,
                db.session.get_one(Enrolment, learner.enrolment_id),
                later_cohort.id,
                actor_id=1,
                now=app.config["CLOCK"](),
            )


def test_a_teacher_is_added_to_a_cohort_by_email(app, client, admin, make):
    cohort = make.cohort("Hold forår 2027")
    make.user(Role.LEARNER, email="tidligere@example.org", name="Tidligere Deltager")
    path = f"/admin/cohorts/{cohort.id}/teachers"
    response = client.submit(path, {"email": "Tidligere@example.org"})
    assert response.status_code == 302
    page = client.get(f"/admin/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Tidligere Deltager underviser nu på Hold forår 2027" in page
    with app.app_context():
        found = db.session.get_one(Cohort, cohort.id)
        assert [t.email for t in found.teachers] == ["tidligere@example.org"]
        teacher = db.session.scalar(select(User).where(User.email == "tidligere@example.org"))
        assert Role.TEACHER in teacher.roles
    client.submit(path, {"email": "tidligere@example.org"})
    assert "underviser allerede på Hold forår 2027" in client.get(
        f"/admin/cohorts/{cohort.id}"
    ).get_data(as_text=True)
    client.submit(path, {"email": "ukendt@example.org"})
    assert "Ingen konto har adressen ukendt@example.org" in client.get(
        f"/admin/cohorts/{cohort.id}"
    ).get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.LEARNER, Role.TEACHER, Role.HR])
def test_moving_and_adding_teachers_is_invisible_to_everyone_but_admins(
    app, client, make, learner, role
):
    make.user(role, email="someone@example.org")
    client.login("someone@example.org", PASSWORD)
    assert client.get(f"/admin/enrolments/{learner.enrolment_id}/move").status_code == 404
    with app.app_context():
        cohort_id = db.session.get_one(Enrolment, learner.enrolment_id).cohort_id
    response = client.submit(
        f"/admin/cohorts/{cohort_id}/teachers", {"email": "someone@example.org"}
    )
    assert response.status_code == 404

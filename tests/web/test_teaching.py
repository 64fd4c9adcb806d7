"""A teacher follows a cohort: overview matrix, CSV, class days, attendance, overrides."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from peeredu.accounts.models import Enrolment, Role
from peeredu.audit import AuditEvent
from peeredu.curriculum import progress
from peeredu.curriculum.attendance import ClassDay
from peeredu.curriculum.progress import ModuleCompletion
from peeredu.db import utcnow
from peeredu.extensions import current_curriculum, db
from tests.factories import PASSWORD

FIRST = "fra-levet-erfaring-til-erfaringskompetence"


@pytest.fixture
def app_overrides(clock):
    return {"CLOCK": clock}


@pytest.fixture
def cohort_with_learners(make):
    teacher = make.user(Role.TEACHER, email="tove@example.org", name="Tove")
    cohort = make.cohort("Hold A", teachers=(teacher,))
    org = make.organisation("Rudersdal Kommune")
    peer = make.enrolment(make.user(name="Maria Peer", email="maria@example.org"), cohort, org)
    colleague = make.enrolment(
        make.user(name="Sofie Kollega", email="sofie@example.org"),
        cohort,
        org,
        track="colleague",
        work_role="colleague",
    )
    return cohort, peer, colleague


@pytest.fixture
def teacher_client(client, cohort_with_learners):
    client.login("tove@example.org", PASSWORD)
    return client


def test_teacher_sees_the_cohort_from_the_start_page(teacher_client, cohort_with_learners):
    cohort, *_ = cohort_with_learners
    page = teacher_client.get("/").get_data(as_text=True)
    assert f"/teach/cohorts/{cohort.id}" in page


def test_matrix_shows_learners_modules_and_readable_statuses(
    app, teacher_client, cohort_with_learners
):
    cohort, peer, colleague = cohort_with_learners
    with app.app_context():
        progress.complete_by_teacher(
            db.session,
            current_curriculum(),
            db.session.get(Enrolment, peer.id),
            FIRST,
            reason="Afleveret på papir",
            actor_id=peer.user_id,
            now=utcnow(),
        )
        db.session.commit()

    page = teacher_client.get(f"/teach/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Maria Peer" in page and "Sofie Kollega" in page
    assert '<span class="visually-hidden">Gennemført</span>' in page
    assert "1/10" in page and "0/10" in page

    peers_only = teacher_client.get(f"/teach/cohorts/{cohort.id}?track=peer").get_data(as_text=True)
    assert "Maria Peer" in peers_only and "Sofie Kollega" not in peers_only


def test_matrix_as_csv_for_excel(teacher_client, cohort_with_learners):
    cohort, *_ = cohort_with_learners
    response = teacher_client.get(f"/teach/cohorts/{cohort.id}/overview.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Navn", "E-mail"]
    assert {row[0] for row in rows[1:]} == {"Maria Peer", "Sofie Kollega"}
    assert all(len(row) == len(rows[0]) for row in rows)


def test_plan_class_days_and_register_attendance(app, teacher_client, cohort_with_learners):
    cohort, peer, colleague = cohort_with_learners
    response = teacher_client.submit(
        f"/teach/cohorts/{cohort.id}/days/plan", token_page=f"/teach/cohorts/{cohort.id}/days"
    )
    assert response.status_code == 302
    page = teacher_client.get(f"/teach/cohorts/{cohort.id}/days").get_data(as_text=True)
    # The clock stands on 3 February 2027: two of the 16 days are held, the rest to come.
    assert page.count("Registrér fremmøde") == 2
    assert page.count("Kommende") == 14 and "Afholdt, ikke registreret" in page

    with app.app_context():
        first_day = db.session.scalars(
            select(ClassDay).where(ClassDay.cohort_id == cohort.id).order_by(ClassDay.date)
        ).first()
    assert first_day.date == date(2027, 2, 1)
    day_url = f"/teach/cohorts/{cohort.id}/days/{first_day.id}"
    form = teacher_client.get(day_url).get_data(as_text=True)
    assert "Maria Peer" in form and 'type="radio"' in form
    teacher_client.submit(
        day_url,
        {f"status-{peer.id}": "present", f"status-{colleague.id}": "absent_with_notice"},
        token_page=day_url,
    )
    overview = teacher_client.get(f"/teach/cohorts/{cohort.id}").get_data(as_text=True)
    # A share of the 16 planned days, not of the one registered: 1 of 16 is 6 %.
    assert "1 af 16 (6\xa0%)" in overview and "0 af 16 (0\xa0%)" in overview
    # The choices made are shown when the day is opened again.
    again = teacher_client.get(day_url).get_data(as_text=True)
    assert f'name="status-{peer.id}" value="present" checked' in again


def test_class_day_outside_the_cohort_is_refused(teacher_client, cohort_with_learners):
    cohort, *_ = cohort_with_learners
    url = f"/teach/cohorts/{cohort.id}/days"
    response = teacher_client.submit(url, {"date": "2030-01-01", "topic": "x"}, token_page=url)
    assert response.status_code == 200
    assert "holdets periode" in response.get_data(as_text=True)


def test_teacher_completes_and_reopens_with_reason_and_it_is_logged(
    app, teacher_client, cohort_with_learners
):
    cohort, peer, _ = cohort_with_learners
    base = f"/teach/cohorts/{cohort.id}/learners/{peer.id}"
    without_reason = teacher_client.submit(
        f"{base}/modules/{FIRST}/complete",
        {"reason": ""},
        token_page=base,
        follow_redirects=True,
    )
    assert "Skriv en kort begrundelse" in without_reason.get_data(as_text=True)

    teacher_client.submit(
        f"{base}/modules/{FIRST}/complete",
        {"reason": "Afleveret på papir i klassen"},
        token_page=base,
    )
    page = teacher_client.get(base).get_data(as_text=True)
    assert "Afleveret på papir i klassen" in page
    teacher_client.submit(f"{base}/modules/{FIRST}/reopen", {"reason": "Fejl"}, token_page=base)
    with app.app_context():
        assert db.session.scalars(select(ModuleCompletion)).all() == []
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "module.complete.teacher" in actions and "module.reopen" in actions


@pytest.mark.parametrize("who", ["other_teacher", "learner", "admin"])
def test_others_cannot_see_the_cohort(client, make, cohort_with_learners, who):
    cohort, peer, _ = cohort_with_learners
    roles = {"other_teacher": Role.TEACHER, "learner": Role.LEARNER, "admin": Role.ADMIN}
    user = make.user(roles[who], email="x@example.org")
    make.cohort("Hold B", teachers=(user,) if who == "other_teacher" else ())
    client.login("x@example.org", PASSWORD)
    for path in [
        f"/teach/cohorts/{cohort.id}",
        f"/teach/cohorts/{cohort.id}/overview.csv",
        f"/teach/cohorts/{cohort.id}/days",
        f"/teach/cohorts/{cohort.id}/learners/{peer.id}",
    ]:
        assert client.get(path).status_code == 404, path
    response = client.submit(
        f"/teach/cohorts/{cohort.id}/learners/{peer.id}/modules/{FIRST}/complete",
        {"reason": "x"},
    )
    assert response.status_code == 404


def test_learner_of_another_cohort_is_404_inside_a_taught_cohort(
    teacher_client, make, cohort_with_learners
):
    cohort, *_ = cohort_with_learners
    elsewhere = make.enrolment(make.user(), make.cohort("Hold C"), make.organisation())
    assert (
        teacher_client.get(f"/teach/cohorts/{cohort.id}/learners/{elsewhere.id}").status_code == 404
    )


def test_progress_on_a_retired_module_stays_visible_to_the_teacher(
    app, teacher_client, cohort_with_learners
):
    cohort, peer, _ = cohort_with_learners
    with app.app_context():
        enrolment = db.session.get(Enrolment, peer.id)
        progress.complete_by_approval(
            db.session,
            current_curriculum(),
            enrolment,
            "gammelt-modul",
            actor_id=enrolment.user_id,
            now=utcnow(),
        )
        db.session.commit()
    overview = teacher_client.get(f"/teach/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Udgået: gammelt-modul" in overview
    detail = teacher_client.get(f"/teach/cohorts/{cohort.id}/learners/{peer.id}")
    assert "Udgåede moduler" in detail.get_data(as_text=True)


def test_progress_and_attendance_count_as_changes_for_hr_sync(
    app, teacher_client, cohort_with_learners, clock
):
    cohort, peer, _ = cohort_with_learners

    def updated_at():
        with app.app_context():
            return db.session.get(Enrolment, peer.id).updated_at

    before = updated_at()
    url = f"/teach/cohorts/{cohort.id}/days"
    teacher_client.submit(f"{url}/plan", token_page=url)
    with app.app_context():
        day_id = db.session.scalars(select(ClassDay.id).order_by(ClassDay.date)).first()
    day_url = f"{url}/{day_id}"
    clock.advance(minutes=1)
    teacher_client.submit(day_url, {f"status-{peer.id}": "present"}, token_page=day_url)
    after_attendance = updated_at()
    assert after_attendance > before
    clock.advance(minutes=1)

    base = f"/teach/cohorts/{cohort.id}/learners/{peer.id}"
    teacher_client.submit(
        f"{base}/modules/{FIRST}/complete", {"reason": "På papir"}, token_page=base
    )
    assert updated_at() > after_attendance

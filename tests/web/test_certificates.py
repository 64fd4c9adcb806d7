"""Certificates: issued when the last condition is met, downloadable, verifiable by anyone."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from peeredu.accounts.models import Enrolment, EnrolmentStatus, Role
from peeredu.audit import AuditEvent
from peeredu.certification import codes
from peeredu.certification.models import Certificate
from peeredu.curriculum import attendance, progress
from peeredu.db import utcnow
from peeredu.extensions import current_curriculum, db
from tests.factories import PASSWORD

# The factory's cohort runs from 2027-02-01 for 16 weeks; the app's clock stands after it, so
# every class day can be registered.
AFTER_THE_COURSE = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def app_overrides():
    return {"VERIFY_RATE_LIMIT": "1000 per minute", "CLOCK": lambda: AFTER_THE_COURSE}


@pytest.fixture
def course(make):
    teacher = make.user(Role.TEACHER, email="tove@example.org", name="Tove")
    cohort = make.cohort("Hold A", teachers=(teacher,))
    org = make.organisation("Rudersdal Kommune")
    learner = make.user(Role.LEARNER, email="maria@example.org", name="Maria Jensen")
    enrolment = make.enrolment(learner, cohort, org)
    return cohort, enrolment, org


def complete_all_modules(app, enrolment):
    with app.app_context():
        found = db.session.get(Enrolment, enrolment.id)
        for module in current_curriculum().modules_for(found.track):
            progress.complete_by_teacher(
                db.session,
                current_curriculum(),
                found,
                module.slug,
                reason="test",
                actor_id=found.user_id,
                now=utcnow(),
            )
        db.session.commit()


def plan_days(app, cohort):
    with app.app_context():
        days = attendance.plan_class_days(
            db.session,
            current_curriculum(),
            db.session.get(type(cohort), cohort.id),
            actor_id=None,
        )
        db.session.commit()
        return [d.id for d in days]


def register_present(client, cohort, enrolment, day_ids):
    for day_id in day_ids:
        url = f"/teach/cohorts/{cohort.id}/days/{day_id}"
        response = client.submit(url, {f"status-{enrolment.id}": "present"}, token_page=url)
        assert response.status_code == 302, response.get_data(as_text=True)


def certificate_row(app):
    with app.app_context():
        return db.session.scalar(select(Certificate))


def test_attendance_as_the_last_condition_issues_the_certificate(
    app, client, make_client, course, mailbox, deliver
):
    cohort, enrolment, _ = course
    complete_all_modules(app, enrolment)
    learner = make_client()
    learner.login("maria@example.org", PASSWORD)
    start = learner.get("/").get_data(as_text=True)
    assert "Mangler stadig" in start and "fremmøde" in start
    assert certificate_row(app) is None

    client.login("tove@example.org", PASSWORD)
    days = plan_days(app, cohort)
    assert len(days) == 16
    # 14 of 16 planned days is 87.5 %: every registered day attended is not yet enough.
    register_present(client, cohort, enrolment, days[:14])
    assert certificate_row(app) is None
    assert not mailbox.to("maria@example.org")
    # The 15th day reaches 90 % (15 * 100 >= 90 * 16): the certificate is issued with it.
    register_present(client, cohort, enrolment, days[14:15])

    certificate = certificate_row(app)
    assert certificate is not None and certificate.valid and certificate.issued_by_id is None
    with app.app_context():
        assert db.session.get(Enrolment, enrolment.id).status is EnrolmentStatus.COMPLETED
        assert "certificate.issue" in db.session.scalars(select(AuditEvent.action)).all()
    deliver()
    [mail] = mailbox.to("maria@example.org")
    assert codes.display(certificate.code) in mailbox.body(mail)
    start = learner.get("/").get_data(as_text=True)
    assert f"/certificates/{certificate.id}.pdf" in start


def test_the_pdf_carries_the_facts_and_its_text_can_be_read(app, client, make_client, course):
    cohort, enrolment, _ = course
    complete_all_modules(app, enrolment)
    client.login("tove@example.org", PASSWORD)
    register_present(client, cohort, enrolment, plan_days(app, cohort))
    certificate = certificate_row(app)

    learner = make_client()
    learner.login("maria@example.org", PASSWORD)
    for language, words in (
        ("da", ["Kursusbevis", "Peer-støttemedarbejder"]),
        ("en", ["Course certificate", "Peer-support worker"]),
    ):
        response = learner.get(f"/certificates/{certificate.id}.pdf?lang={language}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
        for expected in [
            *words,
            "Maria Jensen",
            "Peer-uddannelsen",
            "80",
            codes.display(certificate.code),
            "/verify/" + certificate.code,
            "Hold A",
        ]:
            assert expected in text, (language, expected)


def test_who_may_download_the_pdf(app, client, make, make_client, course):
    cohort, enrolment, org = course
    complete_all_modules(app, enrolment)
    client.login("tove@example.org", PASSWORD)
    register_present(client, cohort, enrolment, plan_days(app, cohort))
    path = f"/certificates/{certificate_row(app).id}.pdf"

    hr_own = make.hr_scope(make.user(Role.HR, email="hr.a@example.org"), org)
    hr_other = make.hr_scope(make.user(Role.HR, email="hr.b@example.org"), make.organisation())
    make.user(Role.LEARNER, email="other@example.org")
    assert hr_own and hr_other
    for email, expected in [
        ("hr.a@example.org", 200),
        ("hr.b@example.org", 404),
        ("other@example.org", 404),
        ("tove@example.org", 200),
    ]:
        browser = make_client()
        browser.login(email, PASSWORD)
        assert browser.get(path).status_code == expected, email
    assert make_client().get(path).status_code == 302  # to the login page


def test_public_verification_shows_only_the_facts(app, client, make_client, course):
    cohort, enrolment, _ = course
    complete_all_modules(app, enrolment)
    client.login("tove@example.org", PASSWORD)
    register_present(client, cohort, enrolment, plan_days(app, cohort))
    code = certificate_row(app).code

    anyone = make_client()
    page = anyone.get(f"/verify/{codes.display(code).lower()}").get_data(as_text=True)
    assert "Gyldigt kursusbevis" in page
    assert "Maria Jensen" in page and "Peer-uddannelsen" in page
    assert "maria@example.org" not in page and "Rudersdal" not in page

    form = anyone.get(f"/verify?code={code}")
    assert form.status_code == 302 and code in form.headers["Location"]


def test_unknown_and_malformed_codes_get_a_clear_page(make_client):
    anyone = make_client()
    unknown = anyone.get(f"/verify/{codes.new_code()}")
    assert unknown.status_code == 404
    assert "Intet kursusbevis har denne kode" in unknown.get_data(as_text=True)
    for typed in ["ABC", "<script>", "7K2M-9QXR-4TZB-!", "x" * 39]:
        response = anyone.get("/verify/" + typed)
        assert response.status_code == 404
        assert "Det er ikke en gyldig kode" in response.get_data(as_text=True)


def test_teacher_issues_by_exception_and_admin_revokes(
    app, client, make, make_client, course, mailbox, deliver
):
    cohort, enrolment, _ = course
    back = f"/teach/cohorts/{cohort.id}/learners/{enrolment.id}"
    client.login("tove@example.org", PASSWORD)
    refused = client.submit(
        f"/enrolments/{enrolment.id}/certificate", {"reason": ""}, token_page=back
    )
    assert refused.status_code == 302 and certificate_row(app) is None
    client.submit(
        f"/enrolments/{enrolment.id}/certificate",
        {"reason": "Fremmøde godkendt efter aftale", "back": back},
        token_page=back,
    )
    certificate = certificate_row(app)
    assert certificate.issue_reason == "Fremmøde godkendt efter aftale"

    # Another cohort's teacher cannot.
    make.user(Role.TEACHER, email="other.teacher@example.org")
    other = make_client()
    other.login("other.teacher@example.org", PASSWORD)
    assert (
        other.submit(f"/enrolments/{enrolment.id}/certificate", {"reason": "x"}).status_code == 404
    )

    make.user(Role.ADMIN, email="admin@example.org")
    admin = make_client()
    admin.login("admin@example.org", PASSWORD)
    assert (
        client.submit(
            f"/certificates/{certificate.id}/revoke", {"reason": "x"}, token_page=back
        ).status_code
        == 404
    )  # teachers cannot revoke
    admin.submit(f"/certificates/{certificate.id}/revoke", {"reason": "Udstedt ved en fejl"})
    page = make_client().get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "tilbagekaldt" in page.lower()
    deliver()
    assert any("tilbagekaldt" in m["Subject"].lower() for m in mailbox.to("maria@example.org"))
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "certificate.issue.manual" in actions and "certificate.revoke" in actions


def test_verification_is_rate_limited(app, make_client):
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    anyone = make_client()
    statuses = [anyone.get(f"/verify/{codes.new_code()}").status_code for _ in range(5)]
    assert statuses[:3] == [404, 404, 404]
    assert statuses[3:] == [429, 429]
    assert "For mange forsøg" in anyone.get(f"/verify/{codes.new_code()}").get_data(as_text=True)


def test_start_page_explains_what_is_missing(app, client, course):
    _, enrolment, _ = course
    client.login("maria@example.org", PASSWORD)
    page = client.get("/").get_data(as_text=True)
    text = re.sub(r"\s+", " ", page)
    assert "9 moduler" in text and "den afsluttende opgave godkendt" in text
    assert date.today().year  # the page renders without a certificate

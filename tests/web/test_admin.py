"""Administration screens: organisations, cohorts, users and enrolments."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from peeredu import outbox
from peeredu.accounts.models import Enrolment, EnrolmentStatus, Organisation, Role, User
from peeredu.audit import AuditEvent
from peeredu.db import utcnow
from peeredu.extensions import db
from tests.factories import PASSWORD


@pytest.fixture
def admin(client, make):
    user = make.user(Role.ADMIN, email="admin@example.org", name="Anne Admin")
    client.login("admin@example.org", PASSWORD)
    return user


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("role", [None, Role.LEARNER, Role.TEACHER, Role.HR])
def test_administration_is_invisible_to_everyone_but_admins(app, client, make, role):
    paths = [
        "/admin/",
        "/admin/users",
        "/admin/users/invite",
        "/admin/organisations",
        "/admin/cohorts",
        "/admin/organisations/new",
        "/admin/cohorts/new",
    ]
    target = make.user(Role.LEARNER)
    paths.append(f"/admin/users/{target.id}")
    if role is None:
        for path in paths:
            response = client.get(path)
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        return
    make.user(role, email="someone@example.org")
    client.login("someone@example.org", PASSWORD)
    for path in paths:
        assert client.get(path).status_code == 404, path
    before = _count(app, Organisation)
    response = client.submit("/admin/organisations/new", {"name": "Sneaky", "kind": "ngo"})
    assert response.status_code == 404
    assert _count(app, Organisation) == before


def test_create_and_rename_organisation(app, client, admin):
    response = client.submit(
        "/admin/organisations/new", {"name": "Helsingør Kommune", "kind": "municipality"}
    )
    assert response.status_code == 302
    page = client.get("/admin/organisations").get_data(as_text=True)
    # The name as typed, and the kind by its Danish label in a cell of its own.
    assert "Helsingør Kommune</a>" in page
    assert re.search(r'<td>(<span class="cell-label">[^<]*</span>)?Kommune</td>', page)

    with app.app_context():
        org_id = db.session.scalar(select(Organisation.id))
    client.submit(
        f"/admin/organisations/{org_id}",
        {"name": "Helsingør Kommune, Psykiatri", "kind": "municipality"},
    )
    assert "Helsingør Kommune, Psykiatri" in client.get("/admin/organisations").get_data(
        as_text=True
    )


def test_duplicate_organisation_name_is_refused_with_the_form_kept(app, client, admin, make):
    make.organisation("Det Sociale Netværk", kind="ngo")
    response = client.submit(
        "/admin/organisations/new", {"name": "det sociale netværk", "kind": "ngo"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Navnet det sociale netværk er allerede i brug." in page
    assert 'value="det sociale netværk"' in page
    assert _count(app, Organisation) == 1


def test_cohort_with_teachers_and_date_validation(app, client, admin, make):
    teacher = make.user(Role.TEACHER, name="Tove Underviser")
    response = client.submit(
        "/admin/cohorts/new",
        {
            "name": "Hold forår 2027",
            "start_date": "2027-02-01",
            "end_date": "2027-01-01",
            "teachers": [str(teacher.id)],
        },
    )
    assert "Slutdatoen må ikke ligge før startdatoen." in response.get_data(as_text=True)

    response = client.submit(
        "/admin/cohorts/new",
        {
            "name": "Hold forår 2027",
            "start_date": "2027-02-01",
            "end_date": "2027-06-01",
            "teachers": [str(teacher.id)],
        },
    )
    assert response.status_code == 302
    page = client.get("/admin/cohorts").get_data(as_text=True)
    assert "Hold forår 2027" in page and "Tove Underviser" in page


def test_a_non_teacher_cannot_be_made_teacher_of_a_cohort(app, client, admin, make):
    learner = make.user(Role.LEARNER)
    response = client.submit(
        "/admin/cohorts/new",
        {
            "name": "Hold X",
            "start_date": "2027-02-01",
            "end_date": "2027-06-01",
            "teachers": [str(learner.id)],
        },
    )
    assert response.status_code == 200
    assert "Kun brugere med rollen underviser" in response.get_data(as_text=True)


def test_user_list_search_and_filters(client, admin, make):
    cohort = make.cohort("Hold A")
    other_cohort = make.cohort("Hold B")
    org = make.organisation("Region Hovedstaden", kind="region")
    peer = make.user(Role.LEARNER, name="Maria Peer", email="maria@example.org")
    colleague = make.user(Role.LEARNER, name="Sofie Kollega", email="sofie@example.org")
    make.enrolment(peer, cohort, org)
    make.enrolment(colleague, other_cohort, org, track="colleague", work_role="colleague")
    make.user(Role.TEACHER, name="Tove Underviser")

    def names(query):
        return client.get("/admin/users" + query).get_data(as_text=True)

    page = names("?q=mar")
    assert "Maria Peer" in page and "Sofie Kollega" not in page
    page = names(f"?cohort={other_cohort.id}")
    assert "Sofie Kollega" in page and "Maria Peer" not in page
    page = names("?role=teacher")
    assert "Tove Underviser" in page and "Maria Peer" not in page
    page = names(f"?organisation={org.id}")
    assert "Maria Peer" in page and "Sofie Kollega" in page and "Tove Underviser" not in page
    # Wildcards are searched for literally.
    assert "Maria Peer" not in names("?q=%25")


def test_edit_forms_show_the_current_values(client, admin, make):
    teacher = make.user(Role.TEACHER, name="Tove Underviser")
    other = make.user(Role.TEACHER, name="Ole Underviser")
    cohort = make.cohort("Hold A", teachers=(teacher,))
    page = client.get(f"/admin/users/{teacher.id}").get_data(as_text=True)
    assert 'value="teacher" checked' in page
    assert 'value="learner" checked' not in page
    page = client.get(f"/admin/cohorts/{cohort.id}").get_data(as_text=True)
    assert f'value="{teacher.id}" checked' in page
    assert f'value="{other.id}" checked' not in page
    assert 'value="2027-02-01"' in page


def test_edit_roles_and_hr_scope(app, client, admin, make):
    org = make.organisation("Rudersdal Kommune")
    person = make.user(Role.LEARNER, name="Hanne", email="hanne@example.org")
    response = client.submit(
        f"/admin/users/{person.id}", {"name": "Hanne HR", "roles": ["hr"], "locale": "da"}
    )
    assert response.status_code == 302
    client.submit(f"/admin/users/{person.id}/hr-scope", {"organisations": [str(org.id)]})
    with app.app_context():
        hr = db.session.get(User, person.id)
        assert hr.roles == {Role.HR}
        assert [o.name for o in hr.hr_organisations] == ["Rudersdal Kommune"]
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "user.roles" in actions and "user.hr_scope" in actions


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(app, client, admin):
    response = client.submit(
        f"/admin/users/{admin.id}", {"name": "Anne Admin", "roles": ["teacher"], "locale": "da"}
    )
    assert "Du kan ikke fjerne din egen administratorrolle." in response.get_data(as_text=True)
    page = client.submit(
        f"/admin/users/{admin.id}/active", {"active": "0"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Du kan ikke deaktivere din egen konto." in page
    with app.app_context():
        assert db.session.get(User, admin.id).active


def test_enrol_and_change_status(app, client, admin, make):
    cohort = make.cohort("Hold A")
    org = make.organisation("Københavns Kommune")
    person = make.user(Role.TEACHER, name="Kim")
    response = client.submit(
        f"/admin/users/{person.id}/enrolments/new",
        {
            "cohort": str(cohort.id),
            "track": "colleague",
            "organisation": str(org.id),
            "work_role": "manager",
        },
    )
    assert response.status_code == 302
    # Enrolling made Kim a learner too.
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment))
        assert db.session.get(User, person.id).roles == {Role.TEACHER, Role.LEARNER}
    again = client.submit(
        f"/admin/users/{person.id}/enrolments/new",
        {
            "cohort": str(cohort.id),
            "track": "peer",
            "organisation": str(org.id),
            "work_role": "paid_peer",
        },
    )
    assert "Kim er allerede tilmeldt Hold A." in again.get_data(as_text=True)

    client.submit(f"/admin/enrolments/{enrolment.id}/status", {"status": "paused"})
    with app.app_context():
        assert db.session.get(Enrolment, enrolment.id).status is EnrolmentStatus.PAUSED


def test_unknown_objects_are_404(client, admin):
    for path in ["/admin/users/999", "/admin/organisations/999", "/admin/cohorts/999"]:
        assert client.get(path).status_code == 404
    assert client.submit("/admin/enrolments/999/status", {"status": "paused"}).status_code == 404


def test_admin_sees_the_mail_queue_without_message_bodies(app, client, admin):
    with app.app_context():
        outbox.enqueue(
            db.session,
            outbox.Email("learner@example.org", "Emnelinje", "Brødtekst-markør-991"),
        )
        db.session.commit()
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "learner@example.org" in page and "Emnelinje" in page
    assert "Brødtekst-markør-991" not in page
    assert "Venter på at blive sendt" in page


def test_admin_sends_a_waiting_message_now_or_cancels_it(app, client, admin):
    later = utcnow() + timedelta(hours=1)
    with app.app_context():
        ids = []
        for address in ("a@example.org", "b@example.org"):
            message = outbox.enqueue(db.session, outbox.Email(address, "Emne", "Et link"))
            message.next_attempt_at = later  # waiting for its next try
            db.session.flush()
            ids.append(message.id)
        db.session.commit()
    waiting, doomed = ids
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert f"/admin/outbox/{waiting}/send" in page and f"/admin/outbox/{doomed}/cancel" in page

    sent = client.submit(f"/admin/outbox/{waiting}/send", follow_redirects=True)
    assert "Beskeden sendes ved næste udsendelse." in sent.get_data(as_text=True)
    cancelled = client.submit(f"/admin/outbox/{doomed}/cancel", follow_redirects=True)
    assert "Beskeden er annulleret" in cancelled.get_data(as_text=True)
    again = client.submit(f"/admin/outbox/{doomed}/cancel", follow_redirects=True)
    assert "venter ikke længere" in again.get_data(as_text=True)
    assert client.submit("/admin/outbox/999/cancel").status_code == 404

    with app.app_context():
        rows = {m.id: m for m in db.session.scalars(select(outbox.OutboxMessage))}
        assert rows[waiting].next_attempt_at <= utcnow()
        assert (rows[doomed].status, rows[doomed].body_text) == (outbox.OutboxStatus.CANCELLED, "")
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"outbox.resend", "outbox.cancel"} <= actions
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert f"/admin/outbox/{doomed}/cancel" not in page and "Annulleret" in page

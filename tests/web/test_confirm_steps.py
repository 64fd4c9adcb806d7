"""Deactivating an account and revoking a certificate ask first, on a page of their own.

The person's page only links to the step; the step names who, what they lose and whether it
can be undone; nothing changes until its danger button is pressed (no JavaScript needed).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from peeredu.accounts.models import Enrolment, Role, User
from peeredu.certification import services as certificates
from peeredu.certification.models import Certificate
from peeredu.db import utcnow
from peeredu.extensions import current_curriculum, db
from tests.factories import PASSWORD


@pytest.fixture
def admin(make: Any, client: Any) -> Any:
    make.user(Role.ADMIN, email="admin@example.org", locale="en")
    client.login("admin@example.org", PASSWORD)
    return client


def _active(app: Flask, user_id: int) -> bool:
    with app.app_context():
        return db.session.get(User, user_id).active


def test_deactivation_is_a_step_that_says_what_happens(app, make, admin):
    maria = make.user(name="Maria Peer", email="maria@example.org")
    person_page = admin.get(f"/admin/users/{maria.id}").get_data(as_text=True)
    assert f'action="/admin/users/{maria.id}/active"' not in person_page  # no one-click button
    assert f'href="/admin/users/{maria.id}/deactivate"' in person_page

    step = admin.get(f"/admin/users/{maria.id}/deactivate").get_data(as_text=True)
    assert "Deactivate the account of Maria Peer?" in step
    assert "maria@example.org" in step and "can no longer sign in" in step
    assert "Nothing is deleted" in step and "It can be undone" in step
    assert f'<a href="/admin/users/{maria.id}" class="button button-secondary">Cancel</a>' in step
    assert 'class="button button-danger">Deactivate the account</button>' in step
    assert _active(app, maria.id), "showing the step changed the account"

    done = admin.submit(
        f"/admin/users/{maria.id}/deactivate", token_page=f"/admin/users/{maria.id}/deactivate"
    )
    assert done.status_code == 302 and done.location.endswith(f"/admin/users/{maria.id}")
    assert not _active(app, maria.id)
    again = admin.get(f"/admin/users/{maria.id}").get_data(as_text=True)
    assert "Activate the account" in again and "/deactivate" not in again


def test_an_admin_cannot_deactivate_themselves_through_the_step(app, admin):
    with app.app_context():
        me = db.session.query(User).filter_by(email="admin@example.org").one()
    page = admin.submit(f"/admin/users/{me.id}/deactivate", token_page="/").get_data(as_text=True)
    assert "You cannot deactivate your own account." in page
    assert _active(app, me.id)


@pytest.fixture
def certificate_id(app: Flask, make: Any) -> int:
    cohort = make.cohort("Hold A")
    enrolment = make.enrolment(make.user(name="Maria Peer"), cohort, make.organisation())
    with app.app_context():
        issued = certificates.issue_manually(
            db.session,
            current_curriculum(),
            db.session.get(Enrolment, enrolment.id),
            reason="Test",
            actor_id=1,
            now=utcnow(),
        )
        db.session.commit()
        return issued.id


def _valid(app: Flask, certificate_id: int) -> bool:
    with app.app_context():
        return db.session.get(Certificate, certificate_id).valid


def test_revoking_is_a_step_that_says_it_is_final(app, admin, certificate_id):
    step_url = f"/certificates/{certificate_id}/revoke"
    step = admin.get(step_url).get_data(as_text=True)
    assert "Revoke the certificate of Maria Peer?" in step
    assert "Hold A" in step and "is told by email" in step
    assert "This cannot be undone" in step
    assert _valid(app, certificate_id)

    refused = admin.submit(step_url, {"reason": ""}, token_page=step_url)
    assert refused.status_code == 200 and "This field is required." in refused.get_data(
        as_text=True
    )
    assert _valid(app, certificate_id), "revoked without a reason"

    done = admin.submit(step_url, {"reason": "Udstedt ved en fejl"}, token_page=step_url)
    assert done.status_code == 302
    assert not _valid(app, certificate_id)

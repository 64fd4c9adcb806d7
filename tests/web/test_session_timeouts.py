"""Sessions end on the server after inactivity and some hours after signing in.

Time is moved by editing the session's own timestamps (``client.session_transaction()``),
exactly what the server reads. A reflection posted by a session that ran out is kept (the
stash) and is back in the editor after signing in again.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from peeredu.accounts.models import Role
from peeredu.extensions import current_assignments, db
from peeredu.reflections.models import StashedText
from peeredu.web.signin import SEEN_AT, SIGNED_IN_AT
from tests.factories import PASSWORD

FIRST = "fra-levet-erfaring-til-erfaringskompetence"
MINUTE = 60.0
HOUR = 60 * MINUTE


@pytest.fixture
def first(app):
    with app.app_context():
        return current_assignments().for_module(FIRST)


@pytest.fixture
def learner(client, make):
    user = make.user(Role.LEARNER, email="maria@example.org", name="Maria")
    enrolment = make.enrolment(user, make.cohort(), make.organisation())
    assert client.login("maria@example.org", PASSWORD).status_code == 302
    return enrolment


def editor(enrolment, assignment) -> str:
    return f"/learn/{enrolment.id}/assignments/{assignment.slug}"


def fields(assignment, text):
    if assignment.guided:
        return {f"field-{f.key}": text for f in assignment.fields}
    return {"text": text}


def move_back(client, *, seen: float = 0.0, signed_in: float = 0.0) -> None:
    """Pretend the last request was ``seen`` seconds ago and the sign-in ``signed_in`` ago."""
    with client.session_transaction() as session:
        session[SEEN_AT] -= seen
        session[SIGNED_IN_AT] -= signed_in


@pytest.mark.parametrize(
    ("moved", "reason"),
    [
        ({"seen": 61 * MINUTE, "signed_in": 61 * MINUTE}, "idle"),
        ({"seen": 5 * MINUTE, "signed_in": 12 * HOUR + MINUTE}, "absolute"),
    ],
    ids=["inactivity", "absolute"],
)
def test_a_timed_out_session_keeps_the_posted_reflection_for_after_sign_in(
    app, client, learner, first, moved, reason
):
    path = editor(learner, first)
    token = client.csrf_token(path)
    move_back(client, **moved)
    response = client.post(
        path,
        data={"csrf_token": token, "action": "save", **fields(first, "Skrevet lige før timeout")},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StashedText)) == 1
    # Signed out for real: another page sends to the login page, which says why, politely.
    assert client.get("/account").headers["Location"].startswith("/login")
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'id="session-ended" data-reason="{reason}"' in login_page
    # Signing in again brings the text back into the editor.
    again = client.submit(
        response.headers["Location"], {"email": "maria@example.org", "password": PASSWORD}
    )
    assert again.headers["Location"] == path
    page = client.get(path).get_data(as_text=True)
    assert "Skrevet lige før timeout" in page


def test_requests_keep_the_session_alive_autosave_included(client, learner, first):
    path = editor(learner, first)
    token = client.csrf_token(path)
    for _ in range(3):  # three autosaves 50 minutes apart: 150 minutes in all
        move_back(client, seen=50 * MINUTE, signed_in=50 * MINUTE)
        response = client.post(
            path,
            data={
                "csrf_token": token,
                "action": "autosave",
                "draft_version": "0",
                **fields(first, "Kladde"),
            },
            headers={"Accept": "application/json"},
        )
        assert response.status_code in (200, 409), response.get_data(as_text=True)
    assert client.get("/account").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session[SEEN_AT] < MINUTE


def test_inactivity_alone_signs_out_with_the_polite_message(client, learner):
    move_back(client, seen=61 * MINUTE)
    response = client.get("/account")
    assert response.status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert 'id="session-ended" data-reason="idle"' in page
    # Said once: the next visit to the login page is a plain one.
    assert "session-ended" not in client.get("/login").get_data(as_text=True)


def test_the_absolute_limit_holds_even_for_an_active_session(client, learner):
    move_back(client, signed_in=12 * HOUR - MINUTE)
    assert client.get("/account").status_code == 200
    move_back(client, signed_in=2 * MINUTE)
    assert client.get("/account").status_code == 302


def test_a_session_without_timestamps_is_not_accepted(client, learner):
    with client.session_transaction() as session:
        del session[SIGNED_IN_AT]
    assert client.get("/account").status_code == 302

"""Two-step sign-in on the web: the code step, enrolment by QR code, recovery codes, the rule
that admins, teachers and HR must use it (TWO_FACTOR_REQUIRED, on by default in production)."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
from sqlalchemy import select

from peeredu.accounts import twofactor
from peeredu.accounts.models import Role, User
from peeredu.audit import AuditEvent
from peeredu.db import utcnow
from peeredu.extensions import db
from peeredu.web.signin import PENDING_TWO_FACTOR
from tests.factories import PASSWORD

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"TWO_FACTOR_REQUIRED": True, "LOGIN_MAX_FAILURES": 3}


def code(secret: str = SECRET, steps: int = 0) -> str:
    """The app's code now, or ``steps`` steps of 30 seconds later (still inside the window)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def with_two_factor(app, user: User, secret: str = SECRET) -> None:
    with app.app_context():
        twofactor.enable_with_secret(
            db.session, db.session.get(User, user.id), secret, now=utcnow()
        )
        db.session.commit()


def actions(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_id == str(user_id))
                .order_by(AuditEvent.id)
            )
        )


def path_of(response) -> str:
    return urlsplit(response.location).path


def send_code(client, value: str, recovery: bool = False):
    page = "/login/two-factor" + ("?recovery=1" if recovery else "")
    return client.submit(page, {"code": value}, token_page=page)


@pytest.fixture
def learner(app, make) -> User:
    user = make.user(Role.LEARNER, email="maria@example.org")
    with_two_factor(app, user)
    return user


def test_the_password_alone_signs_in_halfway_then_the_code_completes_it(app, client, learner):
    response = client.submit(
        "/login?next=/account", {"email": "maria@example.org", "password": PASSWORD}
    )
    assert path_of(response) == "/login/two-factor"
    # Half signed in is not signed in.
    assert client.get("/account").status_code == 302
    page = client.get("/login/two-factor").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    wrong = send_code(client, "000000" if code() != "000000" else "111111")
    assert wrong.status_code == 200 and 'aria-invalid="true"' in wrong.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    right = send_code(client, code())
    assert path_of(right) == "/account"
    assert client.get("/account").status_code == 200
    assert actions(app, learner.id)[-2:] == ["login.twofactor_fail", "login"]


def test_a_code_cannot_be_used_twice(client, make_client, learner):
    used = code()
    client.login("maria@example.org", PASSWORD)
    assert path_of(send_code(client, used)) == "/"
    other = make_client()
    other.login("maria@example.org", PASSWORD)
    assert send_code(other, used).status_code == 200
    assert other.get("/account").status_code == 302


def test_the_half_signed_in_state_expires(client, learner):
    client.login("maria@example.org", PASSWORD)
    with client.session_transaction() as session:
        pending = dict(session[PENDING_TWO_FACTOR])
        pending["at"] -= 6 * 60
        session[PENDING_TWO_FACTOR] = pending
    response = client.get("/login/two-factor")
    assert path_of(response) == "/login"
    assert client.get("/account").status_code == 302


def test_without_the_password_step_there_is_no_code_step(client, learner):
    assert path_of(client.get("/login/two-factor")) == "/login"


def test_failed_codes_lock_the_account(app, client, learner):
    client.login("maria@example.org", PASSWORD)
    bad = "000000" if code() != "000000" else "111111"
    send_code(client, bad)
    send_code(client, bad)
    response = send_code(client, bad)
    assert path_of(response) == "/login"  # the half sign-in is over
    assert "login.lock" in actions(app, learner.id)
    # Locked: the password is refused now, even with a right code to follow.
    assert client.login("maria@example.org", PASSWORD).status_code == 200
    assert path_of(client.get("/login/two-factor")) == "/login"


def test_a_recovery_code_signs_in_once(app, client, make_client, make):
    user = make.user(Role.LEARNER, email="jonas@example.org")
    with app.app_context():
        found = db.session.get(User, user.id)
        twofactor.start_enrolment(db.session, found, now=utcnow())
        secret = twofactor.find(db.session, found).secret
        codes = twofactor.confirm_enrolment(db.session, found, code(secret), now=utcnow())
        db.session.commit()
    client.login("jonas@example.org", PASSWORD)
    page = client.get("/login/two-factor?recovery=1").get_data(as_text=True)
    assert 'inputmode="numeric"' not in page
    assert path_of(send_code(client, codes[0], recovery=True)) == "/"
    assert "twofactor.recovery_used" in actions(app, user.id)
    other = make_client()
    other.login("jonas@example.org", PASSWORD)
    assert send_code(other, codes[0], recovery=True).status_code == 200


def test_anyone_can_turn_it_on_from_the_account_page(app, client, make):
    user = make.user(Role.LEARNER, email="sofie@example.org")
    client.login("sofie@example.org", PASSWORD)
    assert client.get("/account").status_code == 200  # a learner is not forced
    account = client.get("/account").get_data(as_text=True)
    assert 'href="/account/two-factor"' in account
    started = client.submit(
        "/account/two-factor", {"action": "start"}, token_page="/account/two-factor"
    )
    assert path_of(started) == "/account/two-factor"
    page = client.get("/account/two-factor")
    html = page.get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html
    assert "img-src 'self' data:" in page.headers["Content-Security-Policy"]
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    wrong = client.submit(
        "/account/two-factor",
        {"action": "confirm", "code": "000000" if code(secret) != "000000" else "111111"},
        token_page="/account/two-factor",
    )
    assert wrong.status_code == 200
    with app.app_context():
        assert not twofactor.is_enabled(db.session, db.session.get(User, user.id))
    confirmed = client.submit(
        "/account/two-factor",
        {"action": "confirm", "code": code(secret)},
        token_page="/account/two-factor",
    )
    shown = re.findall(
        r"<code>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</code>", confirmed.get_data(as_text=True)
    )
    assert confirmed.status_code == 200 and len(shown) == 10
    assert "twofactor.enable" in actions(app, user.id)
    # From now on the password is not enough.
    client.submit("/logout")
    assert path_of(client.login("sofie@example.org", PASSWORD)) == "/login/two-factor"
    assert path_of(send_code(client, shown[0], recovery=True)) == "/"
    # It can be turned off again with the password.
    off = client.submit(
        "/account/two-factor",
        {"action": "disable", "disable-password": PASSWORD},
        token_page="/account/two-factor",
    )
    assert path_of(off) == "/account"
    assert "twofactor.disable" in actions(app, user.id)


def csrf_of(client, path: str, prefix: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(rf'name="{prefix}-csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_staff_must_enrol_before_anything_else_and_cannot_turn_it_off(app, client, make):
    teacher = make.user(Role.TEACHER, email="tove@example.org")
    assert path_of(client.login("tove@example.org", PASSWORD)) == "/"
    for page in ("/", "/teach/reviews", "/account"):
        response = client.get(page)
        assert response.status_code == 302 and path_of(response) == "/account/two-factor", page
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'value="start"' in page
    client.submit("/account/two-factor", {"action": "start"}, token_page="/account/two-factor")
    html = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    client.submit(
        "/account/two-factor",
        {"action": "confirm", "code": code(secret)},
        token_page="/account/two-factor",
    )
    assert client.get("/account").status_code == 200
    # Required: there is no way to turn it off.
    assert "disable-password" not in client.get("/account/two-factor").get_data(as_text=True)
    refused = client.post(
        "/account/two-factor",
        data={
            "action": "disable",
            "disable-csrf_token": csrf_of(client, "/account/two-factor", "regenerate"),
            "disable-password": PASSWORD,
        },
    )
    assert refused.status_code == 200
    with app.app_context():
        assert twofactor.is_enabled(db.session, db.session.get(User, teacher.id))


def test_an_admin_removes_the_second_factor_of_someone_who_lost_their_phone(
    app, client, make_client, make, learner
):
    admin_secret = pyotp.random_base32()
    admin = make.user(Role.ADMIN, email="anne@example.org", locale="en")
    with_two_factor(app, admin, secret=admin_secret)
    learner_client = make_client()
    learner_client.login("maria@example.org", PASSWORD)
    send_code(learner_client, code())
    assert learner_client.get("/account").status_code == 200

    client.login("anne@example.org", PASSWORD)
    send_code(client, code(admin_secret))
    page = f"/admin/users/{learner.id}"
    assert "Remove two-step sign-in" in client.get(page).get_data(as_text=True)
    client.submit(f"/admin/users/{learner.id}/two-factor/reset", {}, token_page=page)

    with app.app_context():
        assert not twofactor.is_enabled(db.session, db.session.get(User, learner.id))
    assert actions(app, learner.id)[-1] == "twofactor.reset"
    # Their open session ended; the next sign-in asks for no code (not required for learners).
    assert learner_client.get("/account").status_code == 302
    again = learner_client.submit(
        "/login", {"email": "maria@example.org", "password": PASSWORD}, token_page="/login"
    )
    assert path_of(again) == "/"

"""Signing in and out, sessions, password reset and language."""

from __future__ import annotations

import re

from peeredu.accounts.models import Role
from tests.factories import PASSWORD


def test_sign_in_and_out(client, make):
    make.user(Role.LEARNER, email="maria@example.org", name="Maria")
    response = client.login("maria@example.org", PASSWORD)
    assert response.status_code == 302
    assert "Velkommen, Maria" in client.get("/").get_data(as_text=True)

    client.submit("/logout")
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_email_is_case_insensitive(client, make):
    make.user(email="maria@example.org")
    assert client.login("  Maria@Example.ORG ", PASSWORD).status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_message(client, make):
    make.user(email="maria@example.org")
    wrong = client.login("maria@example.org", "not the password").get_data(as_text=True)
    unknown = client.login("nobody@example.org", "not the password").get_data(as_text=True)
    assert "E-mail eller adgangskode er forkert." in wrong
    assert "E-mail eller adgangskode er forkert." in unknown


def test_deactivated_and_invited_users_cannot_sign_in(client, make):
    make.user(email="invited@example.org", password=None)
    assert client.login("invited@example.org", "").status_code == 200
    admin = make.user(Role.ADMIN, email="admin@example.org")
    gone = make.user(email="gone@example.org")
    client.login("admin@example.org", PASSWORD)
    client.submit(f"/admin/users/{gone.id}/active", {"active": "0"})
    client.submit("/logout")
    assert client.login("gone@example.org", PASSWORD).status_code == 200
    assert admin.id != gone.id


def test_deactivation_ends_the_users_open_sessions(client, make, make_client):
    make.user(Role.ADMIN, email="admin@example.org")
    learner = make.user(email="maria@example.org")
    browser = make_client()
    browser.login("maria@example.org", PASSWORD)
    assert browser.get("/").status_code == 200

    client.login("admin@example.org", PASSWORD)
    client.submit(f"/admin/users/{learner.id}/active", {"active": "0"})
    assert browser.get("/").status_code == 302


def test_changing_password_signs_out_other_sessions_but_not_this_one(make, make_client):
    make.user(email="maria@example.org")
    phone, laptop = make_client(), make_client()
    phone.login("maria@example.org", PASSWORD)
    laptop.login("maria@example.org", PASSWORD)

    response = laptop.submit(
        "/account",
        {
            "current_password": PASSWORD,
            "new_password": "en helt ny lang kode",
            "confirm": "en helt ny lang kode",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    assert make_client().login("maria@example.org", "en helt ny lang kode").status_code == 302


def test_wrong_current_password_changes_nothing(client, make, make_client):
    make.user(email="maria@example.org")
    client.login("maria@example.org", PASSWORD)
    response = client.submit(
        "/account",
        {
            "current_password": "wrong one here",
            "new_password": "en helt ny lang kode",
            "confirm": "en helt ny lang kode",
        },
    )
    assert response.status_code == 200
    assert "Den nuværende adgangskode er forkert." in response.get_data(as_text=True)
    assert make_client().login("maria@example.org", PASSWORD).status_code == 302


def test_a_refused_new_password_says_what_is_wanted(client, make):
    make.user(email="maria@example.org", name="Maria Holm")
    client.login("maria@example.org", PASSWORD)

    def refusal(new: str) -> str:
        fields = {"current_password": PASSWORD, "new_password": new, "confirm": new}
        response = client.submit("/account", fields)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert "Adgangskoden skal være mindst 10 tegn. Din er 8." in refusal("kort kod")
    common = refusal("1234567890")
    assert "Adgangskoden er for let at gætte" in common
    assert "Prøv en sætning på fire eller flere ord." in common
    assert "Adgangskoden må ikke være dit navn" in refusal("Maria Holm")


def test_password_reset_by_email(client, make, make_client, mailbox, deliver):
    make.user(email="maria@example.org")
    response = client.submit("/password/forgot", {"email": "maria@example.org"})
    assert response.status_code == 302
    deliver()
    link = mailbox.link_to("maria@example.org", "/password/reset/")

    browser = make_client()
    browser.submit(
        link,
        {"password": "glemt og fundet igen", "confirm": "glemt og fundet igen"},
        token_page=link,
    )
    assert browser.get("/").status_code == 200
    assert make_client().get(link).status_code == 404
    assert make_client().login("maria@example.org", PASSWORD).status_code == 200
    assert make_client().login("maria@example.org", "glemt og fundet igen").status_code == 302


def _without_token(page: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1…", page)


def test_password_reset_does_not_reveal_whether_an_account_exists(client, make, mailbox, deliver):
    make.user(email="maria@example.org")
    known = client.submit("/password/forgot", {"email": "maria@example.org"}, follow_redirects=True)
    unknown = client.submit("/password/forgot", {"email": "x@example.org"}, follow_redirects=True)
    # The form's CSRF token is signed with the second it was made: the one difference allowed.
    assert _without_token(known.get_data(as_text=True)) == _without_token(
        unknown.get_data(as_text=True)
    )
    assert deliver().sent == 1
    assert mailbox.to("x@example.org") == []


def test_next_parameter_only_redirects_within_the_site(client, make):
    make.user(email="maria@example.org")
    response = client.submit(
        "/login?next=https://evil.example/steal",
        {"email": "maria@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"
    client.submit("/logout")
    response = client.submit(
        "/login?next=/account", {"email": "maria@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account"


def test_post_without_csrf_token_is_refused(client, make):
    make.user(email="maria@example.org")
    response = client.post("/login", data={"email": "maria@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not signed in


def test_language_switch_on_login_page(client):
    assert "Log ind" in client.get("/login").get_data(as_text=True)
    client.submit("/language", {"locale": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Sign in" in page


def test_signed_in_users_language_follows_them(client, make, make_client):
    make.user(email="john@example.org", locale="en", name="John")
    client.login("john@example.org", PASSWORD)
    assert "Welcome, John" in client.get("/").get_data(as_text=True)
    client.submit("/language", {"locale": "da", "next": "/"})
    other = make_client()
    other.login("john@example.org", PASSWORD)
    assert "Velkommen, John" in other.get("/").get_data(as_text=True)


def test_session_cookie_is_httponly_lax_and_expires_in_hours(client, make):
    make.user(email="maria@example.org")
    response = client.login("maria@example.org", PASSWORD)
    cookie = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("peeredu_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Expires=" in cookie


def test_pages_carry_security_headers(client):
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_password_reset_is_limited_per_address_asked_for_alike_for_unknown_ones(
    app, make, make_client, deliver
):
    make.user(email="maria@example.org")

    def ask(email: str, network: str) -> int:
        browser = make_client()
        browser.environ_base["REMOTE_ADDR"] = network
        return browser.submit("/password/forgot", {"email": email}).status_code

    # From four different networks: the fourth request for one address is refused.
    for email in ("maria@example.org", "nobody@example.org"):
        codes = [ask(email, f"10.0.0.{n}") for n in range(4)]
        assert codes == [302, 302, 302, 429], email
    assert ask(" Maria@Example.org ", "10.0.0.9") == 429  # the same address, typed otherwise
    assert deliver().sent == 3  # three links to Maria, none after that

    refused = make_client()
    refused.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    page = refused.submit("/password/forgot", {"email": "maria@example.org"})
    assert "For mange anmodninger om en ny adgangskode" in page.get_data(as_text=True)


def test_password_reset_is_limited_per_client_address(app, make_client):
    app.config["PASSWORD_RESET_RATE_LIMIT"] = "3 per hour"
    browser = make_client()
    codes = [
        browser.submit("/password/forgot", {"email": f"p{n}@example.org"}).status_code
        for n in range(4)
    ]
    assert codes == [302, 302, 302, 429]

"""Signing in with an organisation's identity provider, against a real one on loopback
(panva's oidc-provider, tests/oidc/provider): no token here is made by the tests."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import func, select

from peeredu.accounts.identities import ExternalIdentity
from peeredu.accounts.models import Enrolment, Role, User
from peeredu.audit import AuditEvent
from peeredu.extensions import db
from tests.oidc.conftest import REDIRECT_BASE
from tests.oidc.idp import sign_in_at_provider

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def callback_url(client, login: str, key: str = "test", next_path: str = "") -> str:
    """peeredu's redirect to the provider, and the person signing in there."""
    start = client.get(f"/login/oidc/{key}" + (f"?next={next_path}" if next_path else ""))
    assert start.status_code == 302, start.get_data(as_text=True)
    query = parse_qs(urlsplit(start.location).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"] and query["scope"] == ["openid email profile"]
    return sign_in_at_provider(start.location, login, redirect_base=REDIRECT_BASE)


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sign_in(client, login: str, key: str = "test", next_path: str = ""):
    return client.get(local(callback_url(client, login, key, next_path)))


def links(app) -> list[tuple[str, int]]:
    with app.app_context():
        return [(row.subject, row.user_id) for row in db.session.scalars(select(ExternalIdentity))]


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(  # type: ignore[return-value]
            db.session.scalar(select(func.count()).select_from(model))
            for model in (User, ExternalIdentity, AuditEvent)
        )


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_the_login_page_offers_the_organisation(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Log ind med Region Test" in page and 'href="/login/oidc/test"' in page
    assert 'name="password"' in page


def test_first_sign_in_links_a_verified_email_then_the_subject_finds_the_person(app, client, make):
    teacher = make.user(Role.TEACHER, email="teacher@example.org", name="Tove")
    response = sign_in(client, "teacher@example.org", next_path="/account")
    assert response.status_code == 302 and urlsplit(response.location).path == "/account"
    assert signed_in(client)
    assert links(app) == [("sub-teacher", teacher.id)]
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        assert actions[-3:] == ["identity.link", "login", "login.oidc"]
        # The address changes in peeredu: the stored subject still finds the person.
        db.session.get(User, teacher.id).email = "tove@example.org"
        db.session.commit()
    client.submit("/logout")
    assert not signed_in(client)
    assert sign_in(client, "teacher@example.org").status_code == 302
    assert "Velkommen, Tove" in client.get("/").get_data(as_text=True)
    assert links(app) == [("sub-teacher", teacher.id)]


def test_an_unverified_email_is_refused_and_nothing_is_stored(app, client, make):
    make.user(email="unverified@example.org")
    before = counts(app)
    response = sign_in(client, "unverified@example.org")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Log ind-tjenesten har ikke bekræftet din e-mailadresse" in page
    assert 'href="/login"' in page  # password sign-in is offered
    assert counts(app) == before and not signed_in(client)


def test_an_unknown_person_is_refused(app, client):
    before = counts(app)
    response = sign_in(client, "stranger@example.org")
    assert response.status_code == 403
    assert "Ingen konto på kurset har adressen stranger@example.org" in response.get_data(
        as_text=True
    )
    assert counts(app) == before and not signed_in(client)


def test_a_provider_that_allows_it_makes_a_learner_in_no_cohort(app, client):
    response = sign_in(client, "stranger@example.org", key="jit")
    assert response.status_code == 302 and signed_in(client)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "stranger@example.org"))
        assert user is not None and user.roles == {Role.LEARNER} and user.name == "Sven Fremmed"
        assert db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)).all() == []
    assert links(app) == [("sub-stranger", user.id)]


def test_a_provider_that_does_not_answer_gets_a_page_that_says_so(app, client):
    response = client.get("/login/oidc/down")
    page = response.get_data(as_text=True)
    assert response.status_code == 502
    assert "Log ind-tjenesten hos Kommune Nede svarer ikke lige nu" in page
    assert 'href="/login"' in page


def test_an_unknown_provider_is_not_found(client):
    assert client.get("/login/oidc/nobody").status_code == 404
    assert client.get("/login/oidc/nobody/callback?state=x&code=y").status_code == 404


def test_tampered_state_is_refused(app, client, make):
    make.user(Role.TEACHER, email="teacher@example.org")
    url = callback_url(client, "teacher@example.org")
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = query["state"][:-2] + ("AA" if not query["state"].endswith("AA") else "BB")
    response = client.get(f"{parts.path}?{urlencode(query)}")
    assert response.status_code == 400
    assert "Log ind blev ikke startet her" in response.get_data(as_text=True)
    assert links(app) == [] and not signed_in(client)
    # The pending sign-in is used up: the right state does not work afterwards either.
    assert client.get(local(url)).status_code == 400
    assert not signed_in(client)


def test_a_code_used_once_is_refused_the_second_time(app, client, make):
    make.user(Role.TEACHER, email="teacher@example.org")
    first = callback_url(client, "teacher@example.org")
    assert client.get(local(first)).status_code == 302
    client.submit("/logout")
    # A new sign-in started here, answered with the old code.
    start = client.get("/login/oidc/test")
    state = parse_qs(urlsplit(start.location).query)["state"][0]
    old = {k: v[0] for k, v in parse_qs(urlsplit(first).query).items()}
    response = client.get(urlsplit(first).path + "?" + urlencode({**old, "state": state}))
    assert response.status_code == 400
    assert "Log ind er udløbet eller allerede brugt" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_an_invited_person_without_a_password_signs_in_with_the_provider(app, client, make):
    invited = make.user(email="teacher@example.org", password=None)
    assert sign_in(client, "teacher@example.org").status_code == 302
    assert signed_in(client)
    assert links(app) == [("sub-teacher", invited.id)]


def test_a_deactivated_account_is_refused_even_when_linked(app, client, make):
    teacher = make.user(Role.TEACHER, email="teacher@example.org")
    assert sign_in(client, "teacher@example.org").status_code == 302
    client.submit("/logout")
    with app.app_context():
        db.session.get(User, teacher.id).active = False
        db.session.commit()
    response = sign_in(client, "teacher@example.org")
    assert response.status_code == 403
    assert "Kontoen er lukket" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_an_id_token_not_signed_with_the_providers_keys_is_refused(app, client, make):
    # The provider signs this client's ID tokens with the client secret (HS256), not with
    # its published keys: peeredu accepts only those.
    make.user(Role.TEACHER, email="teacher@example.org")
    before = counts(app)
    response = sign_in(client, "teacher@example.org", key="hs256")
    assert response.status_code == 400
    assert "Svaret fra log ind-tjenesten kunne ikke bekræftes" in response.get_data(as_text=True)
    assert counts(app) == before and not signed_in(client)

"""Two-step sign-in after the identity provider: not asked again when the provider asserts
more than one factor (``amr`` has "mfa", or the organisation's ``acr``), asked otherwise."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest

from peeredu.accounts import twofactor
from peeredu.accounts.models import Role, User
from peeredu.db import utcnow
from peeredu.extensions import db
from tests.oidc.test_oidc_sign_in import sign_in, signed_in

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def app_overrides(oidc_settings: dict[str, Any]) -> dict[str, Any]:
    return {**oidc_settings, "TWO_FACTOR_REQUIRED": True}


def with_two_factor(app, user: User) -> None:
    with app.app_context():
        twofactor.enable_with_secret(
            db.session, db.session.get(User, user.id), SECRET, now=utcnow()
        )
        db.session.commit()


def path_of(response) -> str:
    return urlsplit(response.location).path


@pytest.mark.parametrize(
    ("login", "key"), [("mfa@example.org", "test"), ("acr@example.org", "acr")]
)
def test_a_provider_that_asserts_mfa_is_not_asked_again(app, client, make, login, key):
    teacher = make.user(Role.TEACHER, email=login)
    response = sign_in(client, login, key=key)
    assert path_of(response) == "/"
    # Required for teachers, but not set up: no enrolment asked after the provider's MFA.
    assert signed_in(client)
    with_two_factor(app, teacher)
    client.submit("/logout")
    assert path_of(sign_in(client, login, key=key)) == "/" and signed_in(client)


def test_the_acr_counts_only_where_the_organisation_names_it(app, client, make):
    make.user(Role.TEACHER, email="acr@example.org")
    assert path_of(sign_in(client, "acr@example.org", key="test")) == "/"
    assert path_of(client.get("/account")) == "/account/two-factor"


def test_without_mfa_a_teacher_with_two_step_sign_in_gives_the_code(app, client, make):
    teacher = make.user(Role.TEACHER, email="teacher@example.org")
    with_two_factor(app, teacher)
    response = sign_in(client, "teacher@example.org", next_path="/account")
    assert path_of(response) == "/login/two-factor"
    assert not signed_in(client)
    page = "/login/two-factor"
    done = client.submit(page, {"code": pyotp.TOTP(SECRET).now()}, token_page=page)
    assert path_of(done) == "/account" and signed_in(client)


def test_without_mfa_a_teacher_without_it_must_set_it_up(app, client, make):
    make.user(Role.TEACHER, email="teacher@example.org")
    assert path_of(sign_in(client, "teacher@example.org")) == "/"
    assert path_of(client.get("/account")) == "/account/two-factor"

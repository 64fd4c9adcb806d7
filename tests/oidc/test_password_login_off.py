"""PASSWORD_LOGIN off: the login page offers only the identity providers, and a password
posted anyway signs nobody in."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PASSWORD
from tests.oidc.test_oidc_sign_in import sign_in, signed_in


@pytest.fixture
def app_overrides(oidc_settings: dict[str, Any]) -> dict[str, Any]:
    return {**oidc_settings, "PASSWORD_LOGIN": False}


def test_only_the_providers_sign_in(client, make):
    make.user(email="teacher@example.org")
    page = client.get("/login").get_data(as_text=True)
    assert "Log ind med Region Test" in page and 'name="password"' not in page
    assert client.login("teacher@example.org", PASSWORD).status_code == 200
    assert not signed_in(client)
    assert sign_in(client, "teacher@example.org").status_code == 302 and signed_in(client)


def test_the_error_page_offers_no_password_sign_in(client):
    page = sign_in(client, "stranger@example.org").get_data(as_text=True)
    assert "Ingen konto på kurset" in page and 'href="/login"' not in page

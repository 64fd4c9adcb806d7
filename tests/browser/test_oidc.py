"""A teacher signs in with the organisation's identity provider, in Chromium: through the real
provider's own login page (tests/oidc/provider) and back to their start page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from peeredu.accounts.models import Role
from tests.browser.steps import assert_accessible, say
from tests.oidc.idp import PASSWORD, IdentityProvider, running_provider


@pytest.fixture
def identity_provider(live_port: int) -> Iterator[IdentityProvider]:
    # The provider's one client may return only to this test's live server.
    with running_provider([f"http://127.0.0.1:{live_port}/login/oidc/region/callback"]) as idp:
        yield idp


@pytest.fixture
def app_overrides(live_port: int, identity_provider: IdentityProvider) -> dict[str, Any]:
    return {
        "BASE_URL": f"http://127.0.0.1:{live_port}",
        "OIDC_PROVIDERS": [identity_provider.settings("region", label="Region Test")],
    }


def test_a_teacher_signs_in_through_the_providers_login_page(
    app: Flask, page: Page, make: Any, live_server: str, identity_provider: IdentityProvider
) -> None:
    teacher = make.user(Role.TEACHER, email="teacher@example.org", name="Tove Lærer")
    make.cohort("Hold A", teachers=(teacher,))
    page.goto("/login")
    page.get_by_role("link", name="Log ind med Region Test").click()
    expect(page).to_have_url(re.compile("^" + re.escape(identity_provider.issuer) + "/"))
    page.get_by_label("Brugernavn").fill("teacher@example.org")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind hos Test-IdP").click()
    expect(page).to_have_url(live_server + "/")
    expect(page.get_by_role("button", name=say(app, "Sign out")).first).to_be_visible()
    expect(page.get_by_text("Tove Lærer").first).to_be_visible()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_provider_buttons_and_the_error_page_pass_axe(
    app: Flask, page: Page, live_server: str, width: int
) -> None:
    """The pages of the OIDC sign-in that peeredu draws (the start and the callback only
    redirect when all goes well): the login page with a provider's button, and the page that
    says what went wrong (here: a callback whose state was never issued)."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/login")
    expect(page.get_by_role("link", name="Log ind med Region Test")).to_be_visible()
    assert_accessible(page, f"login with a provider at {width} px")
    page.goto("/login/oidc/region/callback?state=forged&code=forged")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, f"the OIDC error page at {width} px")

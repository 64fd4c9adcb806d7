"""Steps the browser tests share: the interface's words per language, signing in, axe."""

from __future__ import annotations

import re
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from flask_babel import force_locale, gettext
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from tests.host.mounting import mount_point

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE = Axe()


def url(app: Flask, path: str) -> str:
    """``path`` of peeredu's, where ``app`` has it: "/login", or "/kursus/login" mounted."""
    return mount_point(app) + path


def say(app: Flask, msgid: str, locale: str = "da", **variables: Any) -> str:
    """What the interface shows for ``msgid`` in ``locale`` (the catalog's own translation)."""
    with app.test_request_context(), force_locale(locale):
        return gettext(msgid, **variables)


def sign_in(
    page: Page, app: Flask, email: str, password: str = PASSWORD, locale: str = "da"
) -> None:
    """Sign in on the login page; ``locale`` is the language of the login page and the user."""
    page.goto(url(app, "/login"))
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name=say(app, "Sign in", locale), exact=True).click()
    # Signed in, the page speaks the user's own language, whichever it is.
    sign_out = "|".join(re.escape(say(app, "Sign out", each)) for each in ("da", "en"))
    expect(page.get_by_role("button", name=re.compile(f"^({sign_out})$")).first).to_be_visible()


def sign_out(page: Page, app: Flask) -> None:
    page.get_by_role("button", name=say(app, "Sign out")).first.click()
    expect(page.locator("#email")).to_be_visible()


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA findings on the page as it is now, one line each."""
    result = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    found = []
    for violation in result.response["violations"]:
        targets = [", ".join(node["target"]) for node in violation["nodes"]][:5]
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def assert_accessible(page: Page, what: str = "") -> None:
    found = axe_violations(page)
    assert not found, f"axe on {what or page.url}:\n" + "\n".join(found)

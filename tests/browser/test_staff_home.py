"""Staff in Chromium at phone and desktop width: the start page leads to the work, and
deactivating an account asks first (cancel keeps the account; confirm deactivates)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from peeredu.accounts.models import Role, User
from peeredu.extensions import db
from tests.browser.conftest import WIDTHS
from tests.browser.steps import assert_accessible, say, sign_in
from tests.web.test_review import Modules, modules, reflect  # noqa: F401 - fixture


@pytest.mark.parametrize("width", WIDTHS)
def test_teacher_goes_from_the_waiting_count_to_the_queue_in_one_click(
    app: Flask,
    page: Page,
    make: Any,
    modules: Modules,  # noqa: F811 - the fixture
    width: str,
) -> None:
    page.set_viewport_size(WIDTHS[width])
    tove = make.user(Role.TEACHER, email="tove@example.org")
    hold = make.cohort("Hold A", teachers=(tove,))
    org = make.organisation()
    for name in ("Maria Peer", "Karl Peer"):
        reflect(app, make.enrolment(make.user(name=name), hold, org), modules.first)
    sign_in(page, app, "tove@example.org")

    waiting = page.get_by_role("link", name=re.compile(r"^2 refleksioner venter på feedback$"))
    expect(waiting).to_be_visible()
    assert_accessible(page, "the teacher's start page")
    waiting.click()  # the one click
    expect(page).to_have_url(re.compile(r"/teach/reviews$"))
    expect(page.locator("main").get_by_text("Maria Peer")).to_be_visible()
    expect(page.locator("main").get_by_text("Karl Peer")).to_be_visible()


def _active(app: Flask, user_id: int) -> bool:
    with app.app_context():
        return db.session.get(User, user_id).active


@pytest.mark.parametrize("width", WIDTHS)
def test_deactivating_an_account_asks_first(app: Flask, page: Page, make: Any, width: str) -> None:
    page.set_viewport_size(WIDTHS[width])
    make.user(Role.ADMIN, email="admin@example.org")
    person = make.user(name="Maria Peer", email="maria@example.org")
    sign_in(page, app, "admin@example.org")
    page.goto(f"/admin/users/{person.id}")
    primary = page.get_by_role("button", name=say(app, "Save changes"))
    ask = page.get_by_role("link", name=say(app, "Deactivate the account…"))
    # Not beside the primary button: the link sits in a section of its own, below it.
    assert ask.bounding_box()["y"] > primary.bounding_box()["y"] + 100
    ask.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        say(app, "Deactivate the account of %(name)s?", name="Maria Peer")
    )
    expect(page.get_by_text("maria@example.org", exact=False)).to_be_visible()
    assert_accessible(page, "the deactivation step")
    page.get_by_role("link", name=say(app, "Cancel")).click()
    expect(page).to_have_url(re.compile(rf"/admin/users/{person.id}$"))
    assert _active(app, person.id), "cancel deactivated the account"

    page.get_by_role("link", name=say(app, "Deactivate the account…")).click()
    page.get_by_role("button", name=say(app, "Deactivate the account")).click()
    expect(page.get_by_text(say(app, "The account is deactivated."))).to_be_visible()
    assert not _active(app, person.id)
    expect(page.get_by_role("button", name=say(app, "Activate the account"))).to_be_visible()

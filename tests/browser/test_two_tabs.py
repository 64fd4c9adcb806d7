"""Two tabs on one draft, in Chromium: both texts survive a reload, the learner keeps both."""

from __future__ import annotations

from typing import Any

from flask import Flask
from playwright.sync_api import Page, expect

from peeredu.accounts.models import Role
from peeredu.extensions import db
from peeredu.reflections.models import Reflection
from tests.browser.steps import say, sign_in
from tests.browser.test_journeys import editor_path, wait_until_saved


def test_the_stale_tab_keeps_its_text_through_a_reload_and_keeps_both(
    app: Flask, context: Any, page: Page, make: Any
) -> None:
    maria = make.user(Role.LEARNER, email="maria@example.org", name="Maria Jensen")
    enrolment = make.enrolment(maria, make.cohort("Hold A"), make.organisation())
    sign_in(page, app, "maria@example.org")
    path = editor_path(app, enrolment)
    page.goto(path)
    page.wait_for_load_state("load")
    stale = context.new_page()  # the second tab, open on the same (empty) draft
    stale.goto(path)
    stale.wait_for_load_state("load")

    page.locator("#text").fill("Skrevet i den første fane.")
    wait_until_saved(page, app)
    stale.locator("#text").fill("Skrevet i den anden fane.")
    conflict = stale.locator("#conflict")
    expect(conflict).to_be_visible(timeout=15_000)
    expect(stale.locator("#other-text")).to_have_text("Skrevet i den første fane.")
    expect(stale.locator("#text")).to_have_value("Skrevet i den anden fane.")

    stale.reload()  # both texts are still there, from the server
    expect(stale.locator("#text")).to_have_value("Skrevet i den anden fane.")
    expect(stale.locator("#other-text")).to_have_text("Skrevet i den første fane.")
    stale.set_viewport_size({"width": 390, "height": 844})  # on a phone: one below the other
    editor_box = stale.locator("#text").bounding_box()
    other_box = stale.locator("#other-text").bounding_box()
    assert editor_box and other_box and other_box["y"] > editor_box["y"] + editor_box["height"]

    stale.get_by_role("button", name=say(app, "Keep both (mine first)")).click()
    expect(stale.locator(".flashes")).to_be_visible()
    expect(stale.locator("#conflict")).to_be_hidden()
    expect(stale.locator("#text")).to_have_value(
        "Skrevet i den anden fane.\n\nSkrevet i den første fane.\n"
    )
    with app.app_context():
        draft = db.session.query(Reflection).one().draft_text
    assert "Skrevet i den anden fane." in draft and "Skrevet i den første fane." in draft

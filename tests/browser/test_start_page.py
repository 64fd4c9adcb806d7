"""The learner's start page in Chromium, at 390 px and 1280 px, for each demo learner's state:
the first link in <main> is the one next step, above the fold, and one tap away.

Click budget, counted here: from the start page, continuing where the learner left off (her
draft) is one tap: one click on the first link of <main>, after which the editor shows her
draft. Signing in is not counted (the start page is where every visit begins).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from peeredu import demo
from peeredu.accounts.users import get_user_by_email
from peeredu.extensions import current_assignments, current_curriculum, db
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.steps import sign_in, url

DRAFTING = f"peer@{demo.DEMO_DOMAIN}"
WAITING = f"frivillig@{demo.DEMO_DOMAIN}"
REVISING = f"kollega@{demo.DEMO_DOMAIN}"
DONE = f"faerdig@{demo.DEMO_DOMAIN}"
SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture
def demo_paths(app: Flask) -> dict[str, str]:
    """The demo, and where each learner's next step should lead (a path prefix)."""
    with app.app_context():
        demo.seed(db.session, current_curriculum(), current_assignments(), today=date.today())
        db.session.commit()
        modules = [m.slug for m in current_curriculum().modules_for(demo.Track.PEER)]
        assignments = current_assignments()

        def enrolment(email: str) -> int:
            return get_user_by_email(db.session, email).enrolments[0].id

        def editor(email: str, position: int) -> str:
            found = assignments.for_module(modules[position - 1])
            return f"/learn/{enrolment(email)}/assignments/{found.slug}"

        return {
            DRAFTING: editor(DRAFTING, 4),  # not module 3, which waits for the teacher
            REVISING: editor(REVISING, 2),
            WAITING: f"/learn/{enrolment(WAITING)}/modules/{modules[3]}",
            DONE: "/certificates/",
        }


def first_link(page: Page):
    return page.locator("main a[href]").first


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("email", [DRAFTING, REVISING, WAITING, DONE])
def test_the_first_link_in_main_is_the_next_step(
    app: Flask, page: Page, live_server: str, demo_paths: dict[str, str], email: str, size: str
) -> None:
    page.set_viewport_size(SIZES[size])
    sign_in(page, app, email, demo.DEMO_PASSWORD)
    page.goto(url(app, "/"))
    link = first_link(page)
    expect(link).to_have_class(re.compile(r"\bbutton\b"))
    href = link.get_attribute("href") or ""
    assert href.startswith(url(app, demo_paths[email])), href
    # Above the fold: the whole button is on the first screen.
    box = link.bounding_box()
    assert box is not None and box["y"] + box["height"] <= SIZES[size]["height"], box
    if email == DONE:
        assert href.endswith(".pdf")  # a download: its link is the check
        return
    link.click()
    expect(page).to_have_url(re.compile(re.escape(url(app, demo_paths[email])) + r"$"))


def test_continuing_the_draft_is_one_tap_on_a_phone(
    app: Flask, browser: Any, live_server: str, demo_paths: dict[str, str]
) -> None:
    phone = browser.new_context(
        base_url=live_server, viewport=PHONE, has_touch=True, is_mobile=True
    )
    try:
        page = phone.new_page()
        sign_in(page, app, DRAFTING, demo.DEMO_PASSWORD)
        page.goto(url(app, "/"))
        taps = []
        page.on("framenavigated", lambda frame: taps.append(frame.url))
        first_link(page).tap()
        # One tap, one page: the editor with her draft, ready to write in.
        expect(page).to_have_url(re.compile(re.escape(url(app, demo_paths[DRAFTING])) + r"$"))
        draft = page.locator("textarea[data-draft]").first
        expect(draft).to_be_editable()
        expect(draft).to_have_value(re.compile(r"\S"))
        assert len(taps) == 1, taps
    finally:
        phone.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_new_feedback_shows_links_to_it_and_goes_once_read(
    app: Flask, page: Page, live_server: str, demo_paths: dict[str, str], size: str
) -> None:
    page.set_viewport_size(SIZES[size])
    sign_in(page, app, REVISING, demo.DEMO_PASSWORD)
    page.goto(url(app, "/"))
    heading = page.get_by_role("heading", name="Ny feedback")
    expect(heading).to_be_visible()
    feedback = page.locator(".new-feedback a")
    expect(feedback).to_have_count(1)
    expect(feedback).to_contain_text("Læs feedbacken")
    feedback.click()
    expect(page).to_have_url(re.compile(re.escape(url(app, demo_paths[REVISING])) + "#"))
    expect(page.locator("#feedback")).to_be_in_viewport()
    page.goto(url(app, "/"))
    expect(page.get_by_role("heading", name="Ny feedback")).to_have_count(0)

"""Keyboard only: the reflection, review and attendance forms with Tab, Shift+Tab, Enter,
Space and the arrow keys.

Every stop on the way must show where the focus is; the skip link leads to the content; form
errors are announced and tied to their fields; the autosave status is a polite live region.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from flask import Flask
from playwright.sync_api import Page, expect

from peeredu.accounts.models import Enrolment
from peeredu.curriculum import attendance
from peeredu.curriculum.records import AttendanceStatus
from peeredu.extensions import db
from peeredu.reflections import feedback, practice_log
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.steps import say
from tests.browser.test_attendance import register  # noqa: F401 -- fixture
from tests.browser.test_journeys import course, editor_path, words  # noqa: F401 -- fixture
from tests.factories import PASSWORD

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    id: el.id, name: el.getAttribute('name'), value: el.getAttribute('value'),
    tag: el.tagName.toLowerCase(), text: (el.textContent || '').trim(),
    visible: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
             || style.boxShadow !== 'none',
  };
}"""


def focused(page: Page) -> dict[str, Any]:
    return page.evaluate(FOCUSED)


def tab_to(page: Page, matches: Any, *, back: bool = False, limit: int = 120) -> dict[str, Any]:
    """Press Tab (or Shift+Tab) until ``matches(focused)``; every stop must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        now = focused(page)
        if now["tag"] != "body":
            assert now["visible"], f"no visible focus on {now}"
        if matches(now):
            return now
    raise AssertionError("never reached the element with the keyboard")


def keyboard_sign_in(page: Page, app: Flask, email: str) -> None:
    page.goto("/login")
    tab_to(page, lambda f: f["id"] == "email")
    page.keyboard.type(email)
    tab_to(page, lambda f: f["id"] == "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=say(app, "Sign out"))).to_be_visible()


def test_skip_link_is_the_first_stop_and_moves_to_the_content(app: Flask, page: Page) -> None:
    page.goto("/login")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["text"] == say(app, "Skip to content") and first["visible"]
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    tab_to(page, lambda f: f["id"] == "email", limit=3)


def test_login_errors_are_announced_and_tied_to_their_fields(app: Flask, page: Page) -> None:
    page.goto("/login")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == say(app, "Sign in"))
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_have_attribute("role", "alert")
    for name in ("email", "password"):
        box = page.locator(f"#{name}")
        expect(box).to_have_attribute("aria-invalid", "true")
        error = page.locator(f"#{name}-error")
        expect(error).not_to_be_empty()
        assert f"{name}-error" in (box.get_attribute("aria-describedby") or "").split()
        # The summary links to the field, and following the link puts the focus there.
        summary.locator(f"a[href='#{name}']").click()
        expect(box).to_be_focused()


def keyboard_to_the_editor(page: Page, app: Flask, enrolment: Any) -> None:
    keyboard_sign_in(page, app, "maria@example.org")
    page.goto(editor_path(app, enrolment))
    page.wait_for_load_state("load")


def test_reflection_form_with_the_keyboard_and_a_polite_autosave_status(
    app: Flask,
    page: Page,
    course: SimpleNamespace,  # noqa: F811
) -> None:
    keyboard_to_the_editor(page, app, course.enrolment)
    status = page.locator("#autosave-status")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_attribute("aria-live", "polite")

    tab_to(page, lambda f: f["id"] == "text")
    page.keyboard.insert_text(words(310, "Skrevet med tastaturet."))
    page.keyboard.type(" Slut.")
    saved = say(app, "Saved %(time)s", time="").strip()
    expect(status).to_contain_text(saved, timeout=15_000)

    tab_to(page, lambda f: f["id"] == "anonymised")
    page.keyboard.press("Space")
    tab_to(page, lambda f: f["id"] == "own_choice")
    page.keyboard.press("Space")
    # One step back and forth again: Shift+Tab works and nothing traps the focus.
    tab_to(page, lambda f: f["id"] == "anonymised", back=True)
    tab_to(page, lambda f: f["id"] == "own_choice")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == say(app, "Submit for feedback"))
    page.keyboard.press("Enter")
    expect(
        page.get_by_text(
            say(app, "Your reflection is submitted and waits for feedback from your teacher.")
        )
    ).to_be_visible()


def test_review_form_with_the_keyboard(
    app: Flask,
    browser: Any,
    live_server: str,
    page: Page,
    course: SimpleNamespace,  # noqa: F811
) -> None:
    learner = browser.new_context(base_url=live_server).new_page()
    keyboard_sign_in(learner, app, "maria@example.org")
    learner.goto(editor_path(app, course.enrolment))
    learner.locator("#text").fill(words(320, "Til vurdering."))
    learner.locator("#anonymised").check()
    learner.locator("#own_choice").check()
    learner.get_by_role("button", name=say(app, "Submit for feedback")).click()
    expect(learner.locator(".notice").first).to_be_visible()
    learner.context.close()
    with app.app_context():
        feedback.add_snippet(db.session, course.teacher.id, "Tydeligt eksempel.")
        db.session.commit()

    keyboard_sign_in(page, app, "tove@example.org")
    tab_to(page, lambda f: f["text"] == say(app, "Reflections to review"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, lambda f: f["text"] == "Maria Jensen")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("fieldset.criterion").first).to_be_visible()
    page.wait_for_load_state("load")  # review.js (deferred) is listening from here on

    # On a phone the rubric follows the text: the jump link at the top leads into it.
    page.set_viewport_size(PHONE)
    tab_to(page, lambda f: f["text"] == say(app, "To the assessment"))
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page)["value"] == "met", "Tab after the jump link is not the first criterion"
    page.set_viewport_size(DESKTOP)  # beside the text, the same order of stops
    page.keyboard.press("Space")

    criteria = page.locator("fieldset.criterion").count()
    for _ in range(criteria - 1):
        # Tab enters each group of radio buttons at its first button, "met"; Space ticks it.
        tab_to(page, lambda f: f["tag"] == "input" and f["value"] == "met")
        page.keyboard.press("Space")
    assert page.locator("input[value=met]:checked").count() == criteria
    # A snippet goes into the comment box last written in: here the last criterion's.
    box = tab_to(page, lambda f: f["id"].startswith("comment-"))
    page.keyboard.type("Se:")
    insert = say(app, "Insert")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"].startswith(insert))
    page.keyboard.press("Enter")
    assert focused(page)["id"] == box["id"]
    expect(page.locator(f"#{box['id']}")).to_have_value("Se: Tydeligt eksempel.")
    tab_to(page, lambda f: f["id"] == "overall_comment", back=True)
    page.keyboard.type("Godt arbejde, alle kriterier er opfyldt.")
    tab_to(page, lambda f: f["name"] == "decision" and f["value"] == "approved")
    page.keyboard.press("Space")
    tab_to(page, lambda f: f["tag"] == "button" and f["value"] == "release")
    page.keyboard.press("Enter")
    expect(page.locator(".flashes")).to_be_visible()
    expect(page.get_by_text(say(app, "Approved")).first).to_be_visible()


def test_format_buttons_and_preview_with_the_keyboard(
    app: Flask,
    page: Page,
    course: SimpleNamespace,  # noqa: F811
) -> None:
    keyboard_to_the_editor(page, app, course.enrolment)
    tab_to(page, lambda f: f["id"] == "text")
    page.keyboard.type("Jeg lyttede")
    for _ in "lyttede":
        page.keyboard.press("Shift+ArrowLeft")
    # The buttons sit just before the box: Shift+Tab reaches them, the selection stays.
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == say(app, "Bold"), back=True)
    page.keyboard.press("Enter")
    expect(page.locator("#text")).to_have_value("Jeg **lyttede**")
    assert focused(page)["id"] == "text", "the focus goes back to the text"
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == say(app, "Preview"))
    page.keyboard.press("Enter")
    expect(page.locator("#preview-heading")).to_be_focused()
    expect(page.locator("#preview strong")).to_have_text("lyttede")


def test_deleting_a_note_with_the_keyboard_asks_first(
    app: Flask,
    page: Page,
    course: SimpleNamespace,  # noqa: F811
) -> None:
    with app.app_context():
        practice_log.add_log_entry(
            db.session,
            db.session.get(Enrolment, course.enrolment.id),
            noted_on=date(2026, 11, 3),
            text="Note til tastaturet.",
            today=date(2026, 11, 3),
        )
        db.session.commit()
    keyboard_sign_in(page, app, "maria@example.org")
    page.goto(f"/learn/{course.enrolment.id}/log")
    delete = say(app, "Delete")
    tab_to(page, lambda f: f["tag"] == "a" and f["text"].startswith(delete))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(say(app, "Delete the note?"))
    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == say(app, "Cancel"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".note-text")).to_have_text("Note til tastaturet.")

    tab_to(page, lambda f: f["tag"] == "a" and f["text"].startswith(delete))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == say(app, "Delete the note"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".flashes")).to_contain_text(say(app, "The note is deleted."))
    expect(page.locator(".note-text")).to_have_count(0)


def test_attendance_form_with_the_keyboard(
    app: Flask,
    page: Page,
    register: SimpleNamespace,  # noqa: F811
) -> None:
    """Today's register from the cohort page: Tab to a learner, arrows to the exception."""
    keyboard_sign_in(page, app, "tove@example.org")
    tab_to(page, lambda f: f["text"] == "Hold A")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, lambda f: f["text"] == say(app, "Register today's attendance"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    bo, emil = register.learners["Bo Berg"].id, register.learners["Emil Friis"].id
    # Tab enters each group at its chosen button, "present"; the arrow keys move the choice.
    tab_to(page, lambda f: f["name"] == f"status-{bo}" and f["value"] == "present")
    page.keyboard.press("ArrowRight")
    tab_to(page, lambda f: f["name"] == f"status-{emil}")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == say(app, "Save attendance"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_be_visible()
    with app.app_context():
        saved = attendance.statuses_for_day(db.session, register.days[1])
    assert saved[bo] is AttendanceStatus.ABSENT
    assert saved[emil] is AttendanceStatus.ABSENT_WITH_NOTICE
    assert sum(s is AttendanceStatus.PRESENT for s in saved.values()) == 3

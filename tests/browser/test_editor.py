"""The editor on a phone and a desktop, in Chromium: every button answers where the learner is.

Preview lands at the preview, the supervision mark says its new state next to its button, a
reflection that came back shows the teacher's feedback first, the format buttons write the
marks into the text, and deleting a practice-log note asks first. "In view" is measured: the
element's bounding box against the viewport, after the page has loaded.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale, format_date
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from peeredu.accounts.models import User
from peeredu.db import utcnow
from peeredu.extensions import current_assignments, current_curriculum, db
from peeredu.reflections import feedback
from peeredu.reflections.models import ReflectionVersion
from tests.browser.conftest import WIDTHS
from tests.browser.steps import assert_accessible, say, sign_in, url
from tests.browser.test_journeys import (  # noqa: F401 -- course is a fixture
    FIRST_ASSIGNMENT,
    course,
    editor_path,
    submit_reflection,
    words,
)

NOTE_DAY = date(2026, 11, 3)  # in the past, as a note must be
COMMENT = "Skriv mere om, hvad du gør anderledes næste gang."


def in_view(page: Page, element: Locator) -> bool:
    """The element's top edge is inside the viewport (it is where the learner looks)."""
    box = element.bounding_box()
    height = page.viewport_size["height"] if page.viewport_size else 0
    return box is not None and -1 <= box["y"] < height and box["height"] > 0  # -1: subpixels


def open_editor(page: Page, app: Flask, enrolment: Any, width: str) -> None:
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, app, "maria@example.org")
    page.goto(editor_path(app, enrolment))
    page.wait_for_load_state("load")


def came_back_not_yet_approved(app: Flask) -> None:
    """A precondition: the teacher released "not yet approved" on the submitted version."""
    with app.app_context():
        found = current_assignments().get(FIRST_ASSIGNMENT)
        version = db.session.scalar(select(ReflectionVersion))
        feedback.save_review(
            db.session,
            current_curriculum(),
            found,
            version,
            teacher_id=db.session.scalar(select(User.id).where(User.email == "tove@example.org")),
            criteria={c.key: {"met": False, "comment": "Uddyb"} for c in found.criteria},
            overall_comment=COMMENT,
            decision="not_yet",
            expected_lock=None,
            release=True,
            now=utcnow(),
        )
        db.session.commit()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_preview_lands_in_view_and_takes_the_focus(
    app: Flask,
    page: Page,
    course: SimpleNamespace,  # noqa: F811
    width: str,
) -> None:
    open_editor(page, app, course.enrolment, width)
    page.locator("#text").fill("Jeg **lyttede** mere, end jeg talte.\n\n" + words(200))
    page.get_by_role("button", name=say(app, "Preview"), exact=True).click()
    heading = page.locator("#preview-heading")
    expect(heading).to_be_focused()
    assert in_view(page, heading), "the preview is not where the learner is"
    expect(page.locator("#preview strong")).to_have_text("lyttede")
    assert_accessible(page, f"the editor with a preview at {width}")


def test_preview_lands_in_view_without_javascript(
    app: Flask,
    browser: Any,
    live_server: str,
    course: SimpleNamespace,  # noqa: F811
) -> None:
    context = browser.new_context(
        base_url=live_server, viewport=WIDTHS["phone"], java_script_enabled=False
    )
    page = context.new_page()
    sign_in(page, app, "maria@example.org")
    page.goto(editor_path(app, course.enrolment))
    page.locator("#text").fill(words(200, "Uden script."))
    page.get_by_role("button", name=say(app, "Preview"), exact=True).click()
    expect(page.locator("#preview")).to_contain_text("Uden script.")
    assert in_view(page, page.locator("#preview-heading"))
    # Without the script there are no buttons, only the plain-text help.
    expect(page.locator(".format-tools")).to_be_hidden()
    expect(page.locator("#text-hint")).to_have_text(
        say(app, "Write plain text; a blank line starts a new paragraph.")
    )
    context.close()


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_supervision_mark_says_its_new_state_next_to_its_button(
    app: Flask,
    page: Page,
    course: SimpleNamespace,  # noqa: F811
    width: str,
) -> None:
    open_editor(page, app, course.enrolment, width)
    page.get_by_role("button", name=say(app, "Mark for supervision")).click()
    marked = page.get_by_role("status").filter(has_text=say(app, "Saved: marked for supervision."))
    expect(marked).to_be_focused()
    assert in_view(page, marked), "the mark's new state is not where the learner is"
    assert_accessible(page, f"the editor after marking at {width}")
    # Not said twice: the message is not also at the top of the page.
    expect(page.locator(".flashes")).to_have_count(0)

    page.get_by_role("button", name=say(app, "Remove the supervision mark")).click()
    removed = page.get_by_role("status").filter(
        has_text=say(app, "Saved: the supervision mark is removed.")
    )
    expect(removed).to_be_focused()
    assert in_view(page, removed)
    expect(page.get_by_role("button", name=say(app, "Mark for supervision"))).to_be_visible()


FEEDBACK_BEFORE = """([feedback, other]) =>
  !!(feedback.compareDocumentPosition(other) & Node.DOCUMENT_POSITION_FOLLOWING)"""


def precedes(page: Page, first: str, second: str) -> bool:
    handles = [page.locator(first).element_handle(), page.locator(second).element_handle()]
    return page.evaluate(FEEDBACK_BEFORE, handles)


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_in_a_revision_the_feedback_comes_first_and_stays_open_over_the_fields(
    app: Flask,
    page: Page,
    course: SimpleNamespace,  # noqa: F811
    width: str,
) -> None:
    open_editor(page, app, course.enrolment, width)
    page.locator("#text").fill(words(320, "Første udgave."))
    submit_reflection(page, app)
    came_back_not_yet_approved(app)

    page.goto(editor_path(app, course.enrolment))
    panel = page.locator("#feedback")
    expect(panel).to_contain_text(COMMENT)
    assert in_view(page, panel), "the feedback is not on the first screen"
    start = page.get_by_role("button", name=say(app, "Start a new version"))
    assert precedes(page, "#feedback", "form[action$='/revise']")
    assert in_view(page, start) or width == "phone"  # on a phone it may be one scroll away
    assert_accessible(page, f"the editor, not yet approved, at {width}")

    start.click()
    expect(page.locator("#text")).to_be_visible()
    expect(panel).to_have_attribute("open", "")
    expect(panel.locator(".feedback")).to_be_visible()
    assert precedes(page, "#feedback", "#text"), "the feedback must come before the fields"
    assert in_view(page, page.locator("#feedback"))
    assert_accessible(page, f"the editor in a revision at {width}")


def select_in(box: Locator, start: int, end: int) -> None:
    box.evaluate("(box, [s, e]) => { box.focus(); box.setSelectionRange(s, e); }", [start, end])


def test_the_format_buttons_wrap_the_selected_text(
    app: Flask,
    page: Page,
    course: SimpleNamespace,  # noqa: F811
) -> None:
    open_editor(page, app, course.enrolment, "phone")
    box = page.locator("#text")
    box.fill("Jeg lyttede mere")
    select_in(box, 4, 12)  # "lyttede " with its space: the space stays outside the marks
    page.get_by_role("button", name=say(app, "Bold"), exact=True).click()
    expect(box).to_have_value("Jeg **lyttede** mere")
    select_in(box, len("Jeg **lyttede** "), len("Jeg **lyttede** mere"))
    page.get_by_role("button", name=say(app, "Italic"), exact=True).click()
    expect(box).to_have_value("Jeg **lyttede** *mere*")

    box.fill("Det lærte jeg:\nat lytte\nat vente")
    select_in(box, len("Det lærte jeg:\n"), len("Det lærte jeg:\nat lytte\nat vente"))
    page.get_by_role("button", name=say(app, "Bulleted list"), exact=True).click()
    expect(box).to_have_value("Det lærte jeg:\n\n- at lytte\n- at vente")
    # The marks are the stored format: the preview shows a list, and the draft is saved.
    page.get_by_role("button", name=say(app, "Preview"), exact=True).click()
    expect(page.locator("#preview li")).to_have_count(2)


def add_note(page: Page, app: Flask, enrolment: Any, text: str) -> None:
    page.goto(url(app, f"/learn/{enrolment.id}/log"))
    page.locator("#noted_on").fill(NOTE_DAY.isoformat())
    page.locator("#text").fill(text)
    page.get_by_role("button", name=say(app, "Save note")).click()
    expect(page.locator(".note-text")).to_have_text(text)


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_deleting_a_note_asks_first_and_cancel_keeps_it(
    app: Flask,
    page: Page,
    course: SimpleNamespace,  # noqa: F811
    width: str,
) -> None:
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, app, "maria@example.org")
    add_note(page, app, course.enrolment, "Jeg ventede, til borgeren var klar.")
    with app.test_request_context(), force_locale("da"):
        day = format_date(NOTE_DAY, "long")
    delete = say(app, "Delete")

    page.get_by_role("link", name=delete).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(say(app, "Delete the note?"))
    expect(page.locator("main")).to_contain_text(
        say(app, "The note from %(date)s will be deleted. This cannot be undone.", date=day)
    )
    expect(page.locator("blockquote")).to_have_text("Jeg ventede, til borgeren var klar.")
    assert_accessible(page, f"the confirmation at {width}")
    page.get_by_role("link", name=say(app, "Cancel")).click()
    expect(page.locator(".note-text")).to_have_text("Jeg ventede, til borgeren var klar.")

    page.get_by_role("link", name=delete).click()
    page.get_by_role("button", name=say(app, "Delete the note")).click()
    expect(page.locator(".flashes")).to_contain_text(say(app, "The note is deleted."))
    expect(page.locator(".note-text")).to_have_count(0)

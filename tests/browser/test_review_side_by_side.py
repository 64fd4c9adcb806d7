"""Issue 17, items 1 and 2 in Chromium, at 390 px and 1280 px: the teacher reviews with the
text and the rubric side by side (after one another on a phone), a refused save comes back
with everything typed and the error summary focused in view, snippets change without a
reload, and the sent feedback is found again from the learner page and from the matrix.

The reflection waiting for feedback is a precondition, submitted through the services; the
review itself is done by clicking and typing.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from peeredu.extensions import current_assignments, db
from peeredu.reflections import feedback
from tests.browser.conftest import WIDTHS
from tests.browser.steps import say, sign_in, url
from tests.browser.test_journeys import FIRST_MODULE, course  # noqa: F401 -- fixture
from tests.web.test_review import reflect

IN_VIEW = """el => { const r = el.getBoundingClientRect();
  return r.top > -1 && r.top < window.innerHeight && r.bottom > 0; }"""


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


@pytest.fixture(params=["phone", "desktop"])
def width(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def open_review(page: Page, app: Flask, width: str) -> None:
    """The teacher signs in at ``width`` and opens Maria's reflection from the queue."""
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, app, "tove@example.org")
    page.goto(url(app, "/"))
    page.get_by_role("navigation", name=say(app, "Main menu")).get_by_role(
        "link", name=say(app, "Reflections to review")
    ).click()
    page.get_by_role("link", name="Maria Jensen").click()
    expect(page.locator("fieldset.criterion").first).to_be_visible()
    page.wait_for_load_state("load")  # review.js (deferred) is listening from here on


def criteria_of(app: Flask) -> list[str]:
    with app.app_context():
        assignment = current_assignments().for_module(FIRST_MODULE)
        return [c.key for c in assignment.criteria]


def test_review_send_back_and_find_it_again(
    app: Flask,
    page: Page,
    live_server: str,
    course: SimpleNamespace,  # noqa: F811
    width: str,
) -> None:
    # A long reflection: the text is several screens tall at either width.
    version = reflect(app, course.enrolment, FIRST_MODULE, marker="Lang tekst. " * 400)
    open_review(page, app, width)
    keys = criteria_of(app)

    if width == "desktop":
        text, rubric = box(page, ".review-text"), box(page, "#rubric")
        assert rubric["x"] >= text["x"] + text["width"], "the rubric is not beside the text"
        assert rubric["y"] < WIDTHS[width]["height"], "the rubric starts below the fold"
        # Scroll the window itself: a wheel over the rubric would scroll the rubric's own box.
        page.evaluate("window.scrollTo(0, 3000)")
        page.wait_for_function("window.scrollY > 2000")
        assert page.locator("#rubric").evaluate(IN_VIEW), "the rubric scrolled away"
        assert box(page, "#rubric")["y"] <= 1, "the rubric does not stick to the top"
        expect(page.locator(".jump-link")).to_be_hidden()
    else:
        text, rubric = box(page, ".review-text"), box(page, "#rubric")
        assert rubric["y"] >= text["y"] + text["height"], "on a phone the rubric follows the text"
        page.get_by_role("link", name=say(app, "To the assessment")).click()
        expect(page).to_have_url(f"{live_server}/teach/reviews/{version}#rubric")
        assert page.locator("#rubric").evaluate(IN_VIEW), "the jump link did not reach the rubric"

    # Sent back without the overall comment: refused, everything typed is kept.
    for index, key in enumerate(keys):
        page.locator(f"input[name=met-{key}][value={'not_yet' if index == 0 else 'met'}]").check()
        page.locator(f"#comment-{key}").fill(f"Kommentar {index}")
    page.locator("input[name=decision][value=not_yet]").check()
    page.get_by_role("button", name=say(app, "Release feedback"), exact=True).click()
    summary = page.locator("#errors")
    expect(summary).to_be_focused()
    assert summary.evaluate(IN_VIEW), "the error summary is out of sight"
    expect(summary).to_contain_text(
        say(app, "Write an overall comment; the learner reads it first.")
    )
    for index, key in enumerate(keys):
        expect(page.locator(f"#comment-{key}")).to_have_value(f"Kommentar {index}")
    expect(page.locator(f"input[name=met-{keys[0]}][value=not_yet]")).to_be_checked()
    expect(page.locator("input[name=decision][value=not_yet]")).to_be_checked()

    page.get_by_label(say(app, "Overall comment")).fill("Skriv mere om dit næste skridt.")
    page.get_by_role("button", name=say(app, "Release feedback"), exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("Maria Jensen")

    # Found again from the matrix: one click from the cohort page.
    cohort = url(app, f"/teach/cohorts/{course.cohort.id}")
    page.goto(cohort)
    # The matrix on a wide screen, one card per learner on a phone: both link the reflection.
    learners = "table.matrix tr" if width == "desktop" else ".matrix-phone > li"
    row = page.locator(learners, has=page.get_by_role("link", name="Maria Jensen"))
    row.locator(f'a[href$="/teach/reviews/{version}"]').click()  # click 1
    expect(page.locator("#rubric .feedback")).to_contain_text("Skriv mere om dit næste skridt.")

    # ... and from the learner page: two clicks from the cohort page.
    page.goto(cohort)
    page.get_by_role("link", name="Maria Jensen").click()  # click 1
    history = page.locator("#reflections")
    expect(history).to_contain_text(say(app, "Not yet approved"))
    history.get_by_role("link", name=say(app, "Version %(number)s", number=1), exact=False).click()
    expect(page).to_have_url(f"{live_server}/teach/reviews/{version}")  # click 2
    expect(page.locator("#rubric .feedback")).to_contain_text("Kommentar 0")


def test_snippets_change_without_a_reload_and_go_into_any_comment_box(
    app: Flask,
    page: Page,
    course: SimpleNamespace,  # noqa: F811
    width: str,
) -> None:
    reflect(app, course.enrolment, FIRST_MODULE)
    open_review(page, app, width)
    keys = criteria_of(app)
    overall = page.get_by_label(say(app, "Overall comment"))
    overall.fill("IKKE GEMT endnu")
    criterion = page.locator(f"#comment-{keys[1]}")
    criterion.fill("Om kriteriet:")
    page.evaluate("window.notReloaded = true")
    snippets = page.locator("#snippets")

    snippets.get_by_text(say(app, "Add a snippet")).click()
    snippets.get_by_label(say(app, "New snippet")).fill("Tak for en ærlig tekst.")
    snippets.get_by_role("button", name=say(app, "Save snippet")).click()
    item = snippets.locator(".snippet", has_text="Tak for en ærlig tekst.")
    expect(item).to_be_visible()
    expect(snippets.locator(".snippet-status")).to_have_text(say(app, "The snippet is saved."))

    criterion.click()  # the box last written in or clicked is where "Insert" puts it
    item.get_by_role("button", name=say(app, "Insert"), exact=False).click()
    expect(criterion).to_have_value("Om kriteriet: Tak for en ærlig tekst.")
    expect(criterion).to_be_focused()
    expect(overall).to_have_value("IKKE GEMT endnu")

    item.locator("summary", has_text=say(app, "Edit")).click()
    item.locator("textarea").fill("Tak for en modig tekst.")
    item.get_by_role("button", name=say(app, "Save the change")).click()
    changed = snippets.locator(".snippet", has_text="Tak for en modig tekst.")
    expect(changed).to_be_visible()
    expect(snippets.locator(".snippet", has_text="ærlig")).to_have_count(0)

    changed.locator("summary", has_text=say(app, "Delete")).click()
    changed.get_by_role("button", name=say(app, "Delete the snippet")).click()
    expect(snippets.locator(".snippet")).to_have_count(0)
    expect(snippets.locator(".snippets-empty")).to_be_visible()

    assert page.evaluate("window.notReloaded === true"), "the page was reloaded"
    expect(overall).to_have_value("IKKE GEMT endnu")
    expect(criterion).to_have_value("Om kriteriet: Tak for en ærlig tekst.")
    with app.app_context():
        assert feedback.snippets(db.session, course.teacher.id) == []

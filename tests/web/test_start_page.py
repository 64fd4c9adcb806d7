"""The learner's start page, task first, over the demo's learners (one per state), and one
name per state on every page that shows it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask

from peeredu import demo
from peeredu.accounts.users import get_user_by_email
from peeredu.extensions import current_assignments, current_curriculum, db
from tests.conftest import Client

DRAFTING = f"peer@{demo.DEMO_DOMAIN}"  # module 3 waits for the teacher, a draft in module 4
WAITING = f"frivillig@{demo.DEMO_DOMAIN}"  # module 2 waits for the teacher
REVISING = f"kollega@{demo.DEMO_DOMAIN}"  # module 2 came back "not yet approved"
DONE = f"faerdig@{demo.DEMO_DOMAIN}"
TEACHER = f"underviser@{demo.DEMO_DOMAIN}"


@pytest.fixture
def seeded(app: Flask) -> dict[str, int]:
    """The demo; each learner's enrolment id by email."""
    with app.app_context():
        demo.seed(db.session, current_curriculum(), current_assignments(), today=date.today())
        db.session.commit()
        return {
            email: get_user_by_email(db.session, email).enrolments[0].id
            for email in (DRAFTING, WAITING, REVISING, DONE)
        }


def signed_in(app: Flask, email: str) -> Client:
    app.test_client_class = Client
    client: Client = app.test_client()  # type: ignore[assignment]
    assert client.login(email, demo.DEMO_PASSWORD).status_code == 302
    return client


def main_of(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def first_link(page: str) -> str:
    found = re.search(r'<a [^>]*href="([^"]+)"', main_of(page))
    assert found, "no link in <main>"
    return found.group(1)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def slug(app: Flask, position: int) -> str:
    with app.app_context():
        return current_curriculum().modules_for(demo.Track.PEER)[position - 1].slug


def assignment_of(app: Flask, position: int) -> str:
    with app.app_context():
        return current_assignments().for_module(slug(app, position)).slug


@pytest.mark.parametrize(
    ("email", "target"),
    [
        # The case: her draft, not module 3, which waits for the teacher.
        (DRAFTING, lambda app, e: f"/learn/{e}/assignments/{assignment_of(app, 4)}"),
        (REVISING, lambda app, e: f"/learn/{e}/assignments/{assignment_of(app, 2)}"),
        # Module 2 waits for the teacher (and 3 builds on it): module 4 can be started.
        (WAITING, lambda app, e: f"/learn/{e}/modules/{slug(app, 4)}"),
        (DONE, lambda app, e: "/certificates/"),
    ],
)
def test_the_first_link_is_the_one_next_step(app, seeded, email, target):
    page = signed_in(app, email).get("/").get_data(as_text=True)
    assert first_link(page).startswith(target(app, seeded[email]))


def test_the_draft_is_offered_with_its_soft_due_date(app, seeded):
    page = text_of(signed_in(app, DRAFTING).get("/").get_data(as_text=True))
    step = page[page.index("Dit næste skridt") :][:400]
    assert "Fortsæt din kladde" in step and "Aflever senest" in step
    assert "Kladde" in step


def test_new_feedback_links_to_it_and_goes_when_opened(app, seeded):
    client = signed_in(app, REVISING)
    editor = f"/learn/{seeded[REVISING]}/assignments/{assignment_of(app, 2)}"
    page = client.get("/").get_data(as_text=True)
    assert "Ny feedback" in page
    assert f'href="{editor}#feedback"' in page
    assert client.get(editor).status_code == 200
    again = client.get("/").get_data(as_text=True)
    assert "Ny feedback" not in again and f"{editor}#feedback" not in again
    # Approved feedback read long ago (the demo's story) is not new either.
    assert "Ny feedback" not in signed_in(app, DRAFTING).get("/").get_data(as_text=True)


def test_the_next_class_day_and_deadline_are_shown(app, seeded):
    page = text_of(signed_in(app, DRAFTING).get("/").get_data(as_text=True))
    assert "Næste undervisningsdag" in page and "kl. 09.00–14.30" in page
    assert "Næste frist" in page


@pytest.mark.parametrize(
    ("email", "position", "words"),
    [
        (REVISING, 2, "Feedback: ret og aflever igen"),
        (DRAFTING, 3, "Afleveret – venter på feedback"),
        (DRAFTING, 4, "Kladde"),
        (DRAFTING, 1, "Godkendt"),
        (DRAFTING, 5, "Ikke startet"),
    ],
)
def test_one_state_has_the_same_words_on_every_page(app, seeded, email, position, words):
    enrolment, module = seeded[email], slug(app, position)
    learner = signed_in(app, email)
    start = learner.get("/").get_data(as_text=True)
    line = re.search(
        rf'<li class="module-line[^"]*">\s*<a href="[^"]*/{module}">.*?</li>', start, re.S
    )
    assert line and words in text_of(line.group(0))
    module_page = text_of(
        learner.get(f"/learn/{enrolment}/modules/{module}").get_data(as_text=True)
    )
    assert f"Din refleksion: {words}" in module_page
    with app.app_context():
        cohort_id = db.session.get(demo.Enrolment, enrolment).cohort_id
    teacher = signed_in(app, TEACHER)
    learner_page = teacher.get(f"/teach/cohorts/{cohort_id}/learners/{enrolment}")
    rows = re.findall(
        r'<li class="module-line[^"]*">(.*?)</li>', learner_page.get_data(as_text=True), re.S
    )
    assert words in text_of(rows[position - 1])
    matrix = teacher.get(f"/teach/cohorts/{cohort_id}").get_data(as_text=True)
    assert f'<span class="visually-hidden">{words}</span>' in matrix
    if position in (2, 3, 4):
        editor = f"/learn/{enrolment}/assignments/{assignment_of(app, position)}"
        assert f"Status: {words}" in text_of(learner.get(editor).get_data(as_text=True))

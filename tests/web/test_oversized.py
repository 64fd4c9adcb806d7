"""Oversized input: a clear message naming the limit, the text kept in the page, the saved
draft untouched, and a friendly page (or JSON for autosave) for bodies over Flask's limit."""

from __future__ import annotations

import uuid
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import func, select

from peeredu.accounts.models import Enrolment, Role
from peeredu.extensions import current_assignments, db
from peeredu.reflections import drafts, practice_log
from peeredu.reflections.definitions import Assignment
from peeredu.reflections.models import PracticeLogEntry, Reflection
from tests.factories import PASSWORD, Factory

FIRST = "fra-levet-erfaring-til-erfaringskompetence"
SAVED = "The draft saved earlier"


class _Textareas(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[str, str] = {}
        self._name: str | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "textarea":
            self._name = dict(attrs).get("name") or ""
            self.texts[self._name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._name = None

    def handle_data(self, data: str) -> None:
        if self._name is not None:
            self.texts[self._name] += data


def textareas(page: str) -> dict[str, str]:
    parser = _Textareas()
    parser.feed(page)
    return {
        name: text.removeprefix("\r\n").removeprefix("\n") for name, text in parser.texts.items()
    }


@pytest.fixture
def first(app: Flask) -> Assignment:
    with app.app_context():
        return current_assignments().for_module(FIRST)


@pytest.fixture
def learner(client: Any, make: Factory) -> Enrolment:
    teacher = make.user(Role.TEACHER, email="tove@example.org")
    user = make.user(email="maria@example.org", locale="en")
    enrolment = make.enrolment(user, make.cohort(teachers=(teacher,)), make.organisation())
    client.login("maria@example.org", PASSWORD)
    return enrolment


def fill(assignment: Assignment, text: str) -> dict[str, str]:
    if assignment.guided:
        return {f"field-{assignment.fields[0].key}": text}
    return {"text": text}


def field_name(assignment: Assignment) -> str:
    return f"field-{assignment.fields[0].key}" if assignment.guided else "text"


def saved_draft(app: Flask, enrolment: Enrolment, assignment: Assignment) -> str:
    with app.app_context():
        reflection = db.session.scalar(
            select(Reflection).where(
                Reflection.enrolment_id == enrolment.id,
                Reflection.assignment_slug == assignment.slug,
            )
        )
        values = [reflection.draft_text, *(reflection.draft_fields or {}).values()]
        return " ".join(v for v in values if v)


def raw_post(client: Any, path: str, data: dict[str, str], encoding: str, **kwargs: Any) -> Any:
    """POST a body encoded here: the test client would spool a large one to a temporary file
    that it never closes when the app refuses the body unread."""
    data = {"csrf_token": client.csrf_token(path), **data}
    if encoding == "multipart/form-data":
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in data.items()
        ]
        body = ("".join(parts) + f"--{boundary}--\r\n").encode()
        content_type = f"multipart/form-data; boundary={boundary}"
    else:
        body, content_type = urlencode(data).encode(), encoding
    return client.post(path, data=body, content_type=content_type, **kwargs)


def save(client: Any, path: str, assignment: Assignment, text: str, **kwargs: Any) -> Any:
    data = {"action": "save", "draft_version": "0", **fill(assignment, text)}
    return client.submit(path, data, token_page=path, **kwargs)


@pytest.fixture
def editor(app: Flask, client: Any, learner: Enrolment, first: Assignment) -> str:
    path = f"/learn/{learner.id}/assignments/{first.slug}"
    assert save(client, path, first, SAVED).status_code == 302
    return path


def test_text_over_the_field_limit_is_kept_with_a_message_naming_both_lengths(
    app: Flask, client: Any, learner: Enrolment, first: Assignment, editor: str
) -> None:
    text = "Start of my long text. " + "x" * drafts.MAX_TEXT
    data = {"action": "save", "draft_version": "1", **fill(first, text)}
    response = client.submit(editor, data, token_page=editor)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"{len(text)} characters long; at most {drafts.MAX_TEXT} fit" in page
    assert textareas(page)[field_name(first)] == text
    assert saved_draft(app, learner, first) == SAVED


def test_autosave_over_the_field_limit_answers_with_the_message(
    client: Any, first: Assignment, editor: str
) -> None:
    text = "y" * (drafts.MAX_TEXT + 1)
    data = {"action": "autosave", "draft_version": "1", **fill(first, text)}
    response = client.submit(
        editor, data, token_page=editor, headers={"Accept": "application/json"}
    )
    assert response.status_code == 422
    assert str(drafts.MAX_TEXT + 1) in response.json["message"]


@pytest.mark.parametrize(
    ("size", "encoding"),
    [
        (600_000, "multipart/form-data"),  # over Flask 3.1's 500 kB per form field
        (2_200_000, "application/x-www-form-urlencoded"),  # over MAX_CONTENT_LENGTH
    ],
)
def test_a_body_over_the_request_limit_gets_a_page_saying_the_draft_is_safe(
    app: Flask,
    client: Any,
    learner: Enrolment,
    first: Assignment,
    editor: str,
    size: int,
    encoding: str,
) -> None:
    data = {"action": "save", "draft_version": "1", **fill(first, "z" * size)}
    response = raw_post(client, editor, data, encoding)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "500 kB" in page and "last saved draft of your reflection is safe" in page
    assert "<form" in page or "Go back" in page
    assert saved_draft(app, learner, first) == SAVED


def test_autosave_of_a_huge_body_gets_json_it_can_show(
    client: Any, first: Assignment, editor: str
) -> None:
    # The editor's script posts FormData: multipart.
    data = {"action": "autosave", "draft_version": "1", **fill(first, "z" * 600_000)}
    response = raw_post(
        client, editor, data, "multipart/form-data", headers={"Accept": "application/json"}
    )
    assert response.status_code == 413
    assert "500 kB" in response.json["message"]
    assert "draft is kept" in response.json["message"]


def test_a_long_practice_log_note_is_kept_with_the_limit_named(
    app: Flask, client: Any, learner: Enrolment
) -> None:
    path = f"/learn/{learner.id}/log"
    note = "Noticed at work: " + "n" * practice_log.MAX_NOTE
    response = client.submit(path, {"noted_on": "2027-02-02", "text": note}, token_page=path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"{len(note)} characters long; at most {practice_log.MAX_NOTE} fit" in page
    assert textareas(page)["text"] == note
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PracticeLogEntry)) == 0

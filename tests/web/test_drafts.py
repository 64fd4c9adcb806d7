"""Nothing a learner writes is lost, nothing hangs, never a 500 (issue 13, parts 2 and 3).

Two tabs, resent saves, reloads of a kept text, double presses racing on a real database,
posts without their text, control characters from the browser, and Markdown built to make
the renderer slow.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from peeredu import markup
from peeredu.accounts.models import Organisation, Role, User
from peeredu.db import utcnow
from peeredu.extensions import current_assignments, current_curriculum, db
from peeredu.reflections.models import (
    PracticeLogEntry,
    Reflection,
    ReflectionVersion,
    StashedText,
)
from tests.factories import PASSWORD
from tests.web import test_reflect
from tests.web.test_reflect import fill, long_text, reflection_row, url, version_on_page

# The learner and the first assignment, as the editor's own tests make them.
first = test_reflect.first
learner = test_reflect.learner

JSON = {"Accept": "application/json"}


def saved_text(app, enrolment, assignment) -> str:
    row = reflection_row(app, enrolment, assignment)
    if assignment.guided:
        return "\n".join(row.draft_fields.get(f.key, "") for f in assignment.fields)
    return row.draft_text


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def post(client, path, action, version, text, **extra):
    """Press the editor's button ``action`` (each posts to its own URL under the editor's)."""
    data = {"draft_version": version, **fill(extra.pop("assignment"), text)}
    return client.submit(f"{path}/{action}", {**data, **extra}, token_page=path)


# -- Resent saves ----------------------------------------------------------------------------


def test_a_resent_autosave_of_the_same_text_and_version_is_a_success(app, client, learner, first):
    path = url(learner, first)
    version = version_on_page(client, path)
    body = {"draft_version": version, **fill(first, "Samme tekst")}
    autosave = f"{path}/autosave"
    one = client.submit(autosave, body, token_page=path, headers=JSON)
    two = client.submit(autosave, body, token_page=path, headers=JSON)  # the response was lost
    assert (one.status_code, two.status_code) == (200, 200)
    assert one.json["draft_version"] == two.json["draft_version"] == int(version) + 1
    # A different text from the same old version is still a conflict.
    other = {**body, **fill(first, "Anden tekst")}
    assert client.submit(autosave, other, token_page=path, headers=JSON).status_code == 409


# -- Two tabs --------------------------------------------------------------------------------


def two_tabs(client, learner, first) -> tuple[str, str]:
    """Tab A saves; tab B, opened at the same version, saves its own text: a conflict."""
    path = url(learner, first)
    stale = version_on_page(client, path)
    post(client, path, "save", stale, "Tekst fra fane A", assignment=first)
    return path, stale


def conflict_hidden(page: str) -> bool:
    tag = re.search(r'<section id="conflict"[^>]*>', page)
    assert tag, "no conflict panel on the page"
    return " hidden" in tag.group()


@pytest.mark.parametrize("choice", ["keep-both", "keep-mine", "keep-other"])
def test_two_tabs_both_texts_survive_a_reload_until_the_learner_chooses(
    app, client, learner, first, choice
):
    path, stale = two_tabs(client, learner, first)
    conflict = post(client, path, "save", stale, "Tekst fra fane B", assignment=first)
    assert conflict.status_code == 409
    assert saved_text(app, learner, first).startswith("Tekst fra fane A")
    for _reload in range(2):  # the stale tab is reloaded: both texts are still there
        page = client.get(path).get_data(as_text=True)
        assert "Tekst fra fane B" in page and "Tekst fra fane A" in page
        assert (
            'id="conflict" ' in page
            and 'id="conflict" class="notice conflict" role="alert"' in page
        )
        assert "hidden>" not in page.split('id="conflict"')[1].split(">")[0] + ">"
        assert "Behold begge" in page
    # A plain save from the reloaded page still does not go over the other text.
    again = post(client, path, "save", stale, "Tekst fra fane B", assignment=first, stash="1")
    assert again.status_code == 409
    other_version = re.search(
        r'name="other_version" value="(\d+)"', again.get_data(as_text=True)
    ).group(1)
    chosen = post(
        client,
        path,
        choice,
        stale,
        "Tekst fra fane B",
        assignment=first,
        other_version=other_version,
        stash="1",
    )
    assert chosen.status_code == 302
    text = saved_text(app, learner, first)
    expected = {
        "keep-both": ("Tekst fra fane B", "Tekst fra fane A"),
        "keep-mine": ("Tekst fra fane B",),
        "keep-other": ("Tekst fra fane A",),
    }[choice]
    assert all(part in text for part in expected), text
    if choice == "keep-both":
        assert text.index("Tekst fra fane B") < text.index("Tekst fra fane A")
    else:
        assert len(set(re.findall(r"fane [AB]", text))) == 1
    assert count(app, StashedText) == 0
    assert conflict_hidden(client.get(path).get_data(as_text=True))


def test_an_autosave_conflict_answers_both_texts_and_keeps_this_one(app, client, learner, first):
    path, stale = two_tabs(client, learner, first)
    response = client.submit(
        f"{path}/autosave",
        {"draft_version": stale, **fill(first, "Fane B skriver")},
        token_page=path,
        headers=JSON,
    )
    assert response.status_code == 409
    assert "Tekst fra fane A" in response.json["other_display"]
    with app.app_context():
        [kept] = db.session.scalars(select(StashedText)).all()
        assert "Fane B skriver" in (kept.text + " ".join(kept.fields.values()))
    # The next autosave of the same window replaces its kept text (one per window).
    client.submit(
        f"{path}/autosave",
        {"draft_version": stale, **fill(first, "Fane B skriver mere")},
        token_page=path,
        headers=JSON,
    )
    assert count(app, StashedText) == 1
    assert "Fane B skriver mere" in client.get(path).get_data(as_text=True)


# -- A post without its text -----------------------------------------------------------------


def test_a_post_without_the_text_field_changes_nothing(app, client, learner, first):
    path = url(learner, first)
    post(client, path, "save", version_on_page(client, path), "Min kladde", assignment=first)
    version = version_on_page(client, path)
    for action in ("save", "submit", "keep-mine"):
        response = client.submit(f"{path}/{action}", {"draft_version": version}, token_page=path)
        assert response.status_code == 400
        assert "Din tekst kom ikke med formularen" in response.get_data(as_text=True)
        assert "Min kladde" in response.get_data(as_text=True)  # the editor shows the draft
    autosave = client.submit(
        f"{path}/autosave", {"draft_version": version}, token_page=path, headers=JSON
    )
    assert autosave.status_code == 400 and "formularen" in autosave.json["message"]
    assert saved_text(app, learner, first).startswith("Min kladde")
    assert count(app, ReflectionVersion) == 0


# -- Control characters ----------------------------------------------------------------------


def test_nul_and_control_characters_are_removed_before_the_database(
    app, client, learner, first, make, make_client
):
    path = url(learner, first)
    version = version_on_page(client, path)
    dirty = "Før\x00 efter\x01\x1f, tab\tlinje\nslut\r\n"
    response = client.submit(
        f"{path}/autosave",
        {"draft_version": version, **fill(first, dirty)},
        token_page=path,
        headers=JSON,
    )
    assert response.status_code == 200
    assert saved_text(app, learner, first).startswith("Før efter, tab\tlinje\nslut\r\n")
    # The same text resent is the same draft (compared as the database keeps it).
    again = client.submit(
        f"{path}/autosave",
        {"draft_version": version, **fill(first, dirty)},
        token_page=path,
        headers=JSON,
    )
    assert again.status_code == 200

    note = client.submit(
        f"/learn/{learner.id}/log",
        {"noted_on": utcnow().date().isoformat(), "text": "Note\x00 med NUL"},
        token_page=f"/learn/{learner.id}/log",
    )
    assert note.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(PracticeLogEntry.text)) == "Note med NUL"

    stranger = make_client()
    assert stranger.login("maria\x00@example.org", PASSWORD).status_code < 500

    make.user(Role.ADMIN, email="admin@example.org")
    admin = make_client()
    admin.login("admin@example.org", PASSWORD)
    made = admin.submit(
        "/admin/organisations/new", {"name": "Nul\x00 Kommune", "kind": "municipality"}
    )
    assert made.status_code == 302
    with app.app_context():
        names = set(db.session.scalars(select(Organisation.name)))
        assert "Nul Kommune" in names
    for search in ("/admin/users?q=%00", "/admin/users?q=a%00b", "/admin/audit/?actor=%00"):
        assert admin.get(search).status_code == 200, search
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) >= 2


# -- Double presses, racing on a real server's database ---------------------------------------


def race(requests: list[Any]) -> list[Any]:
    """Run the requests at the same moment, each in its own thread; their responses."""
    start = threading.Barrier(len(requests))
    results: list[Any] = [None] * len(requests)

    def run(index: int) -> None:
        start.wait(timeout=10)
        results[index] = requests[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def press(client, path, action, data) -> Any:
    """A press of the button ``action``, ready to send: the token is fetched now, the post
    sent later."""
    token = client.csrf_token(path)
    return lambda: client.post(f"{path}/{action}", data={"csrf_token": token, **data})


def test_a_double_press_on_the_first_save_and_on_submit_gives_one_result(
    app, client, learner, first, make_client
):
    second = make_client()  # the second press: a second connection of the same learner
    second.login("maria@example.org", PASSWORD)
    with app.app_context():
        assignments = [
            a
            for a in current_assignments().by_slug.values()
            if learner.track in (current_curriculum().module(a.module).tracks)
        ]
    assert len(assignments) >= 3
    for assignment in assignments:
        path = url(learner, assignment)
        text = long_text(assignment.min_words)
        data = {"draft_version": "0", **fill(assignment, text)}
        responses = race([press(client, path, "save", data), press(second, path, "save", data)])
        assert [r.status_code for r in responses] == [302, 302], assignment.slug
        with app.app_context():
            rows = db.session.scalars(
                select(Reflection).where(Reflection.assignment_slug == assignment.slug)
            ).all()
        assert len(rows) == 1 and rows[0].draft_version == 1

    # Submit twice at once: one version, both answers a success (never a false conflict).
    path = url(learner, first)
    version = version_on_page(client, path)
    data = {
        "draft_version": version,
        "anonymised": "y",
        "own_choice": "y",
        **fill(first, long_text(first.min_words)),
    }
    responses = race([press(client, path, "submit", data), press(second, path, "submit", data)])
    assert [r.status_code for r in responses] == [302, 302]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReflectionVersion)) <= 1
    messages = [
        client.get(path).get_data(as_text=True),
        second.get(path).get_data(as_text=True),
    ]
    assert any("allerede afleveret" in m or "er afleveret" in m for m in messages)
    assert count(app, ReflectionVersion) == 1


# -- Markdown built to be slow ---------------------------------------------------------------

HOSTILE = {
    "nested brackets": "[" * 4000 + "x" + "](" * 4000,
    "[a]( repeated": "[a](" * 10000,
    "- repeated": "- " * 10000,
    "deep quotes": ">" * 5000 + " x",
    "nested emphasis": "*_" * 5000 + "x" + "_*" * 5000,
    "long table": "|a|b|\n|-|-|\n" + "|x|y|\n" * 15000,
    "backticks": "` " * 20000,
    "short paragraphs": "hej\n\n" * 20000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_markdown_is_refused_with_a_reason_never_a_500(client, learner, first, name):
    path = url(learner, first)
    version = version_on_page(client, path)
    text = HOSTILE[name]
    preview = post(client, path, "preview", version, text, assignment=first)
    assert preview.status_code == 422
    page = preview.get_data(as_text=True)
    assert re.search(r"Teksten (har for mange|er for lang)", page), page[:500]
    submitted = post(
        client, path, "submit", version, text, assignment=first, anonymised="y", own_choice="y"
    )
    assert submitted.status_code in (409, 422)  # refused; the draft version moved on preview


def test_every_pattern_of_the_benchmark_renders_or_is_refused(app):
    from bench.markdown_worst import CORPUS

    for name, pattern in CORPUS.items():
        for n in (10, 1000, 30000):
            text = pattern(n)[: markup.MAX_CHARS + 10]
            try:
                markup.render_markdown(text)
            except markup.MarkupRefused as refused:
                assert refused.message in (
                    markup.TOO_LONG,
                    markup.TOO_DEEP,
                    markup.TOO_MANY_BRACKETS,
                    markup.TOO_MANY_MARKS,
                    markup.TOO_MANY_BLOCKS,
                ), name


def test_ordinary_reflections_are_not_refused():
    prose = "Jeg tænkte over, hvad *borgeren* sagde, og over **min egen erfaring**. " * 12
    text = "\n\n".join(["### Min praksis", prose, "- et punkt\n- et andet", "> fra logbogen"] * 12)
    markup.check_renderable(text)  # about 12,000 characters with formatting
    markup.check_renderable("Lang tekst uden formatering. " * 3400)  # 100,000 characters

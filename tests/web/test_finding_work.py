"""Issue 17, items 1 and 2 without a browser: snippets changed in place (JSON), a refused save
that comes back to its error summary, and finding feedback again (the learner page, the
cohort matrix's cells, the queue's sent and all lists). The browser side is in
tests/browser/test_review_side_by_side.py."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from peeredu.extensions import db
from peeredu.reflections import submission
from peeredu.reflections.models import ReflectionVersion, ReviewDecision
from tests.web import test_review
from tests.web.test_review import (
    QUEUE,
    feedback_form,
    page_of,
    queue_names,
    reflect,
    release,
    signed_in,
)

# The review tests' people and content, as fixtures of this module too.
modules, school, tove = test_review.modules, test_review.school, test_review.tove

JSON = {"Accept": "application/json"}


def token_of(client: Any, path: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_of(client.get(path)))
    assert found
    return found.group(1)


def post_json(client: Any, path: str, token: str, data: dict[str, str]) -> Any:
    """As review.js sends it: the form's fields, the token in a header, JSON asked for."""
    return client.post(path, data=data, headers={**JSON, "X-CSRFToken": token})


def revised(app: Flask, version_id: int) -> None:
    with app.app_context():
        reflection = db.session.get(ReflectionVersion, version_id).reflection
        submission.start_revision(db.session, reflection, now=reflection.created_at)
        db.session.commit()


# == Snippets without a reload ==============================================================


def test_snippets_are_added_changed_and_deleted_as_json_by_their_teacher_only(
    app, tove, school, modules, make_client
):
    url = f"/teach/reviews/{reflect(app, school.maria, modules.first)}"
    token = token_of(tove, url)
    added = post_json(tove, "/teach/reviews/snippets", token, {"text": "Godt set.", "next": url})
    assert added.status_code == 201
    snippet_id = added.json["id"]
    assert "Godt set." in added.json["html"] and f'id="snippet-{snippet_id}"' in added.json["html"]
    # The list item's own forms come back to the review page without JavaScript.
    assert f'name="next" value="{url}"' in added.json["html"]

    edited = post_json(
        tove, f"/teach/reviews/snippets/{snippet_id}", token, {"text": "Meget godt set."}
    )
    assert edited.status_code == 200 and "Meget godt set." in edited.json["html"]
    empty = post_json(tove, f"/teach/reviews/snippets/{snippet_id}", token, {"text": " "})
    assert empty.status_code == 422 and "not changed" in empty.json["message"]

    # Another teacher, even of the same cohort, cannot see, change or delete it.
    tage = signed_in(make_client, "tage@example.org")
    tage_token = token_of(tage, url)
    assert "Meget godt set." not in page_of(tage.get(url))
    for path in (
        f"/teach/reviews/snippets/{snippet_id}",
        f"/teach/reviews/snippets/{snippet_id}/delete",
    ):
        assert post_json(tage, path, tage_token, {"text": "Mine nu"}).status_code == 404

    # Without the token the change is refused.
    assert (
        tove.post(f"/teach/reviews/snippets/{snippet_id}/delete", headers=JSON).status_code == 400
    )
    deleted = post_json(tove, f"/teach/reviews/snippets/{snippet_id}/delete", token, {})
    assert deleted.status_code == 200 and "deleted" in deleted.json["message"]
    assert "Meget godt set." not in page_of(tove.get(url))


def test_without_javascript_snippets_change_through_plain_forms_and_come_back(
    app, tove, school, modules
):
    url = f"/teach/reviews/{reflect(app, school.maria, modules.first)}"
    tove.submit("/teach/reviews/snippets", {"text": "Første udgave", "next": url})
    snippet_id = int(re.search(r'id="snippet-(\d+)"', page_of(tove.get(url))).group(1))
    changed = tove.submit(f"/teach/reviews/snippets/{snippet_id}", {"text": "Anden", "next": url})
    assert changed.headers["Location"].endswith(url + "#snippets")
    page = page_of(tove.get(url))
    assert "Anden" in page and "Første udgave" not in page and "The snippet is changed." in page
    tove.submit(f"/teach/reviews/snippets/{snippet_id}/delete", {"next": url})
    page = page_of(tove.get(url))
    assert "The snippet is deleted." in page and f'id="snippet-{snippet_id}"' not in page


def test_a_refused_save_keeps_what_was_typed_and_comes_back_to_the_error_summary(
    app, tove, school, modules
):
    url = f"/teach/reviews/{reflect(app, school.maria, modules.first)}"
    form = feedback_form(
        app, modules.first, action="release", decision="not_yet", met=False, comment="KEPT-1"
    )
    page = page_of(tove.submit(url, form))
    # The form posts to #errors: the answer opens at the summary, focused (autofocus).
    assert f'action="{url}#errors"' in page
    assert re.search(
        r'class="error-summary" role="alert" id="errors" tabindex="-1" autofocus', page
    )
    assert page.count("KEPT-1") == len([k for k in form if k.startswith("comment-")])


# == Finding work again =====================================================================


def test_the_learner_page_lists_every_version_with_its_feedback_for_the_cohorts_teachers(
    app, tove, school, modules, make_client
):
    first = reflect(app, school.maria, modules.first)
    release(app, first, school.tove, ReviewDecision.NOT_YET)
    revised(app, first)
    second = reflect(app, school.maria, modules.first)
    path = f"/teach/cohorts/{school.hold_a.id}/learners/{school.maria.id}"
    page = page_of(tove.get(path))
    assert f'href="/teach/reviews/{first}"' in page and f'href="/teach/reviews/{second}"' in page
    assert "Not yet approved" in page and "Thank you." in page and "No feedback yet." in page
    # The versions' text is for the review page, not this list.
    assert f"marker-{school.maria.id}-{modules.first}" not in page

    assert signed_in(make_client, "tage@example.org").get(path).status_code == 200
    otto = signed_in(make_client, "otto@example.org")
    assert otto.get(path).status_code == 404
    # Maria's enrolment at another cohort's address (one Otto teaches) is no way in either.
    assert (
        otto.get(f"/teach/cohorts/{school.hold_b.id}/learners/{school.maria.id}").status_code == 404
    )


def test_matrix_cells_link_to_the_newest_version_or_to_the_learner_page(app, tove, school, modules):
    first = reflect(app, school.maria, modules.first)
    release(app, first, school.tove, ReviewDecision.NOT_YET)
    revised(app, first)
    second = reflect(app, school.maria, modules.first)
    reflect(app, school.karl, modules.first, submit=False)
    page = page_of(tove.get(f"/teach/cohorts/{school.hold_a.id}"))
    assert f'href="/teach/reviews/{second}"' in page
    assert f'href="/teach/reviews/{first}"' not in page
    karl = f"/teach/cohorts/{school.hold_a.id}/learners/{school.karl.id}"
    assert f'href="{karl}#reflection-{modules.first}"' in page


def test_the_queue_shows_what_waits_what_was_sent_and_all(app, tove, school, modules):
    sent = reflect(app, school.maria, modules.first)
    release(app, sent, school.tove, ReviewDecision.APPROVED)
    reflect(app, school.karl, modules.first)
    assert queue_names(tove) == ["Karl Peer"]
    assert queue_names(tove, "?show=sent") == ["Maria Peer"]
    assert sorted(queue_names(tove, "?show=all")) == ["Karl Peer", "Maria Peer"]
    assert queue_names(tove, "?show=nonsense") == ["Karl Peer"]
    page = page_of(tove.get(QUEUE + f"?show=sent&cohort={school.hold_a.id}&page=1"))
    # The lists' links keep the filters and start at page one; the filter form keeps the list.
    assert f'href="/teach/reviews?show=all&amp;cohort={school.hold_a.id}"' in page
    assert 'name="show" value="sent"' in page and 'aria-current="page">Sent<' in page
    assert "Approved" in page

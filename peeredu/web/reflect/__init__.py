"""The learner's reflections and practice log.

The editor's page is read at the assignment's URL; each of its buttons posts to a URL of its
own under it (``…/save``, ``…/autosave``, ``…/preview``, ``…/insert-note``, ``…/submit``,
``…/keep-mine``, ``…/keep-other``, ``…/keep-both``, ``…/revise``, ``…/flag``). Whatever goes
wrong, the learner's text stays (see ``drafts``).

- ``editor``: loading an assignment for its learner, and the editor's page;
- ``drafts``: the buttons, one view each, and what every post to the editor shares;
- ``kept``: texts kept for this browser until a save takes them in;
- ``log``: the practice log.
"""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.wrappers import Response

from peeredu.extensions import csrf
from peeredu.web.reflect import drafts, editor, log, posting

EDITOR = "/learn/<int:enrolment_id>/assignments/<slug>"


def build_blueprint() -> Blueprint:
    bp = Blueprint("reflect", __name__)
    bp.add_url_rule(EDITOR, view_func=csrf.exempt(assignment), methods=["GET", "POST"])
    for name, view in drafts.VIEWS.items():
        bp.add_url_rule(
            f"{EDITOR}/{name}", endpoint=name.replace("-", "_"), view_func=view, methods=["POST"]
        )
    bp.add_url_rule("/learn/<int:enrolment_id>/log", view_func=log.log, methods=["GET", "POST"])
    bp.add_url_rule(
        "/learn/<int:enrolment_id>/log/<int:entry_id>/delete",
        view_func=log.delete_note,
        methods=["GET", "POST"],
    )
    bp.add_url_rule("/csrf-token", view_func=posting.fresh_csrf_token)
    return bp


def assignment(enrolment_id: int, slug: str) -> Response | tuple[str, int]:
    """The editor's page; a page opened before the buttons had URLs of their own still posts
    here, with its ``action``, and that button's view answers (its CSRF check is inside)."""
    if request.method == "POST":
        return drafts.AS_POSTED(enrolment_id, slug)
    return editor.assignment(enrolment_id, slug)

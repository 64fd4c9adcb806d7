"""The teacher's comment snippets: add, reword and delete, from the review page.

Each route answers JSON to the review page's script (``static/review.js``), which changes the
list in place so that feedback being written is never lost to a reload; without JavaScript
the same routes take the page's plain forms and send the teacher back to where they were.
A snippet is loaded through ``found_or_404`` with ``permissions.owns_snippet``: another
teacher's snippet answers 404. The blueprint's guard (teachers only) is review's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peeredu.accounts import permissions
from peeredu.reflections import feedback
from peeredu.reflections.models import CommentSnippet
from peeredu.web.forms import Form, domain_message
from peeredu.web.lifecycle import found_or_404, perform
from peeredu.web.redirects import safe_next
from peeredu.web.reflect.editor import json_answer, wants_json
from peeredu.web.review_forms import SnippetForm


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/reviews/snippets", view_func=add_snippet, methods=["POST"])
    bp.add_url_rule("/reviews/snippets/<int:snippet_id>", view_func=edit_snippet, methods=["POST"])
    bp.add_url_rule(
        "/reviews/snippets/<int:snippet_id>/delete", view_func=delete_snippet, methods=["POST"]
    )


def _own_snippet_or_404(snippet_id: int) -> CommentSnippet:
    return found_or_404(
        CommentSnippet, snippet_id, visible=lambda s: permissions.owns_snippet(current_user, s)
    )


def form_reasons(form: Any) -> str:
    return " ".join(message for errors in form.errors.values() for message in errors)


def _item(snippet: CommentSnippet) -> str:
    """One snippet of the list, as the review page renders it (the script puts it in place)."""
    return render_template("peeredu/review/_snippet.html", snippet=snippet, editable=True)


def _answer(
    form: Form,
    change: Callable[[Session], CommentSnippet | None],
    *,
    done: str,
    refused: Callable[[str], str],
    status: int = 200,
) -> Response:
    """Validate ``form``, make the change, and say how it went: JSON, or flash and go back."""
    back = safe_next(request.form.get("next"), url_for(".queue")) + "#snippets"
    reason = form_reasons(form) if not form.validate_on_submit() else None
    snippet = None
    if reason is None:
        outcome = perform(change, form=form)
        if outcome.error is not None:
            reason = domain_message(outcome.error)
        snippet = outcome.value
    message = refused(reason) if reason is not None else done
    if wants_json():
        if reason is not None:
            return json_answer(422, message=message)
        body: dict[str, Any] = {"message": message}
        if snippet is not None:
            body.update(id=snippet.id, html=_item(snippet))
        return json_answer(status, **body)
    flash(message, "error" if reason is not None else "success")
    return redirect(back)


def add_snippet() -> Response:
    form = SnippetForm()
    return _answer(
        form,
        lambda session: feedback.add_snippet(session, current_user.id, form.text.data or ""),
        done=_("The snippet is saved."),
        refused=lambda reason: _("The snippet was not saved: %(reason)s", reason=reason),
        status=201,
    )


def edit_snippet(snippet_id: int) -> Response:
    snippet = _own_snippet_or_404(snippet_id)
    form = SnippetForm()
    return _answer(
        form,
        lambda session: feedback.edit_snippet(session, snippet, form.text.data or ""),
        done=_("The snippet is changed."),
        refused=lambda reason: _("The snippet was not changed: %(reason)s", reason=reason),
    )


def delete_snippet(snippet_id: int) -> Response:
    snippet = _own_snippet_or_404(snippet_id)
    return _answer(
        Form(),
        lambda session: feedback.delete_snippet(session, snippet),
        done=_("The snippet is deleted."),
        refused=lambda reason: _("The snippet was not deleted: %(reason)s", reason=reason),
    )

"""What every post to the editor shares: the signed-out case, loading, the CSRF check, and
the answer to a refused change.

Whatever goes wrong, the learner's text stays: a stale tab gets both texts back
(``DraftConflict``), a stale token re-renders the form with the posted text (autosave asks for
a fresh token and retries), and a post that arrives after the session expired is kept until
the learner signs in again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from peeredu.accounts.models import Enrolment
from peeredu.errors import N_, DomainError
from peeredu.extensions import csrf, current_time, db, limiter
from peeredu.reflections import drafts
from peeredu.reflections.definitions import Assignment
from peeredu.reflections.models import Reflection
from peeredu.web.forms import domain_message
from peeredu.web.lifecycle import perform
from peeredu.web.reflect import kept
from peeredu.web.reflect.editor import (
    EditorForm,
    editor_or_404,
    find_editor,
    json_answer,
    other_display,
    posted_fields,
    posted_version,
    render_editor,
    wants_json,
)

MISSING_TEXT = N_(
    "Your text did not arrive with the form, so nothing was saved. Your saved draft is "
    "unchanged: reload the page."
)

Answer = Response | tuple[str, int]
Action = Callable[[Enrolment, Assignment, Reflection, EditorForm], Answer]


# -- What every post to the editor shares -----------------------------------------------------


def fresh_csrf_token() -> Response:
    """A token for the current session, for the autosave script after a sign-in."""
    return json_answer(200, token=generate_csrf())


def _same_origin() -> bool:
    """A browser's own post carries our origin; a forged cross-site one does not."""
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return urlsplit(origin).netloc == request.host


def signed_out_post(enrolment_id: int, slug: str) -> Response:
    """The same answer whether the editor exists or not; only a real one keeps the text."""
    editor_url = url_for(".assignment", enrolment_id=enrolment_id, slug=slug)
    if wants_json():
        # The text is still in the page, which keeps retrying; nothing to stash.
        return json_answer(
            401,
            message=_(
                "You have been signed out. Your text is still here; sign "
                "in again in another window and it will be saved."
            ),
        )
    loaded = find_editor(enrolment_id, slug)
    fields = posted_fields(loaded[1]) if loaded else {}
    if _same_origin() and (request.form.get("text") or any(fields.values())):
        if loaded is not None:
            stashed = perform(
                lambda session: kept.keep(
                    session,
                    enrolment_id=enrolment_id,
                    slug=slug,
                    text=request.form.get("text", ""),
                    fields=fields,
                    base=posted_version("draft_version"),
                    now=current_time(),
                    replacing=False,
                )
            )
            kept.remember_instead(stashed.value)
        g.stashed_text = True  # counted by the stash rate limit
        flash(_("You were signed out, but what you wrote is kept. Sign in to continue."), "info")
    return redirect(url_for("peeredu.auth.login", next=editor_url))


def _stash_limit() -> str:
    return current_app.config["STASH_RATE_LIMIT"]


def _signed_in() -> bool:
    return current_user.is_authenticated


def _stashed(_response: Response) -> bool:
    return bool(g.get("stashed_text"))


# Anyone may post to the editor signed out (the stash); per client address, only posts that
# stashed text count, so the table cannot be filled from one address. One limit for all the
# editor's buttons, declared once, at import.
_stash_limited = limiter.shared_limit(
    _stash_limit, scope="reflect-stash", exempt_when=_signed_in, deduct_when=_stashed
)


def editor_post(action: Action) -> Callable[[int, str], Answer]:
    """The view of one editor button: signed out, the text is kept (decided before anything
    is loaded, so the answer says nothing about the editor); else the learner's own editor,
    its CSRF token checked (inside, after the signed-out case), then ``action``."""

    @wraps(action)
    def view(enrolment_id: int, slug: str) -> Answer:
        if not current_user.is_authenticated:
            return signed_out_post(enrolment_id, slug)
        enrolment, found = editor_or_404(enrolment_id, slug)
        reflection = drafts.get_or_create(db.session, enrolment, found)
        form = EditorForm()
        if not form.validate_on_submit():
            if wants_json():
                return json_answer(400, csrf=True, message=_("Saving again…"))
            return render_editor(enrolment, found, reflection, form, status=400)
        return action(enrolment, found, reflection, form)

    return csrf.exempt(_stash_limited(view))


# -- Answers ----------------------------------------------------------------------------------


def editor_url(enrolment: Enrolment, found: Assignment, anchor: str = "") -> str:
    return url_for(".assignment", enrolment_id=enrolment.id, slug=found.slug) + anchor


def refused(
    enrolment: Enrolment,
    found: Assignment,
    reflection: Reflection,
    form: EditorForm,
    error: DomainError | None,
    *,
    json: bool = False,
    keeping: tuple[str, dict[str, str]] | None = None,
) -> Answer:
    """A change the domain refused; nothing of it was kept, and the posted text is shown again.

    A ``DraftConflict`` (another window saved first) keeps this window's text aside until the
    learner chooses, in place of what this browser kept for the assignment before (an earlier
    state of the same text).
    """
    error = error or DomainError(MISSING_TEXT)  # for the type checker: perform names one
    if isinstance(error, drafts.DraftConflict):
        text, fields = keeping or (form.text.data or "", posted_fields(found))
        stashed = perform(
            lambda session: kept.keep(
                session,
                enrolment_id=enrolment.id,
                slug=found.slug,
                text=text,
                fields=fields,
                base=posted_version("draft_version"),
                now=current_time(),
                replacing=True,
            )
        )
        kept.remember_instead(stashed.value)
        if json:
            return json_answer(
                409,
                message=domain_message(error),
                other_text=error.current_text,
                other_fields=error.current_fields,
                other_display=other_display(found, error),
                draft_version=error.current_version,
            )
        return render_editor(enrolment, found, reflection, form, conflict=error, status=409)
    if json:
        return json_answer(422, message=domain_message(error))
    return render_editor(enrolment, found, reflection, form, error=error, status=422)


def claims() -> bool:
    """The page shows a kept text (or a choice between two): the save that holds it takes it."""
    return request.form.get("stash") == "1"

"""The editor's buttons: one view each, at a URL of its own under the editor's.

Each view runs after :func:`~peeredu.web.reflect.posting.editor_post` has handled the
signed-out case, loaded the editor and checked the form's CSRF token; it calls one service
through ``perform``, and a refused change keeps the learner's text (``posting.refused``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, flash, redirect, request
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from peeredu.accounts.models import Enrolment
from peeredu.errors import DomainError
from peeredu.extensions import current_curriculum, current_time
from peeredu.markup import render_markdown
from peeredu.reflections import deadlines, drafts, practice_log, submission
from peeredu.reflections.definitions import Assignment
from peeredu.reflections.models import Reflection
from peeredu.web.dates import long_date, time_of_day
from peeredu.web.emails import queue_submission_notice
from peeredu.web.forms import domain_message
from peeredu.web.lifecycle import outside_the_lock, perform
from peeredu.web.numbers import whole_number
from peeredu.web.reflect import kept
from peeredu.web.reflect.editor import (
    EditorForm,
    carries_text,
    json_answer,
    posted_fields,
    posted_version,
    render_editor,
)
from peeredu.web.reflect.log import note_of
from peeredu.web.reflect.posting import (
    MISSING_TEXT,
    Action,
    Answer,
    claims,
    editor_post,
    editor_url,
    refused,
)


def _saving(
    found: Assignment,
    reflection: Reflection,
    *,
    text: str,
    fields: dict[str, str],
    expected: int,
    claims: bool,
) -> Callable[[Session], tuple[drafts.DraftSaved, list[str]]]:
    """Save the draft, and drop the kept texts it takes in, as one change."""

    def change(session: Session) -> tuple[drafts.DraftSaved, list[str]]:
        saved = drafts.save_draft(
            session,
            found,
            reflection,
            text=text,
            fields=fields,
            expected_version=expected,
            now=current_time(),
        )
        return saved, kept.drop(session, reflection.enrolment_id, found.slug) if claims else []

    return change


def _with_text(action: Action) -> Action:
    """An action whose post carries the learner's text: without it, it changes nothing."""

    @wraps(action)
    def checked(
        enrolment: Enrolment, found: Assignment, reflection: Reflection, form: EditorForm
    ) -> Answer:
        if carries_text(found):
            return action(enrolment, found, reflection, form)
        error = DomainError(MISSING_TEXT)
        if action is autosave:
            return json_answer(400, message=domain_message(error))
        return render_editor(enrolment, found, reflection, form, error=error, status=400)

    return checked


def _save(
    enrolment: Enrolment,
    found: Assignment,
    reflection: Reflection,
    form: EditorForm,
    *,
    text: str,
    fields: dict[str, str],
    expected: int,
    claims: bool,
    json: bool = False,
    anchor: str = "",
    done: str | None = None,
    keeping: tuple[str, dict[str, str]] | None = None,
) -> Answer:
    outcome = perform(
        _saving(found, reflection, text=text, fields=fields, expected=expected, claims=claims),
        form=form,
    )
    if outcome.value is None:
        return refused(
            enrolment, found, reflection, form, outcome.error, json=json, keeping=keeping
        )
    saved, dropped = outcome.value
    kept.forget(dropped)
    message = done or _("Saved %(time)s", time=time_of_day(saved.saved_at))
    if json:
        posted = form.text.data or ""
        return json_answer(
            200,
            draft_version=saved.version,
            message=message,
            cpr_warning=drafts.looks_like_cpr(posted + " ".join(posted_fields(found).values())),
        )
    flash(message, "success")
    return redirect(editor_url(enrolment, found, anchor))


# -- The buttons ------------------------------------------------------------------------------


def _posted(found: Assignment, form: EditorForm) -> dict[str, Any]:
    return {
        "text": form.text.data or "",
        "fields": posted_fields(found),
        "expected": posted_version("draft_version"),
    }


def autosave(
    enrolment: Enrolment, found: Assignment, reflection: Reflection, form: EditorForm
) -> Answer:
    """The script's save while the learner types (JSON)."""
    return _save(
        enrolment, found, reflection, form, **_posted(found, form), claims=claims(), json=True
    )


def save(
    enrolment: Enrolment, found: Assignment, reflection: Reflection, form: EditorForm
) -> Answer:
    return _save(enrolment, found, reflection, form, **_posted(found, form), claims=claims())


def keep_mine(
    enrolment: Enrolment, found: Assignment, reflection: Reflection, form: EditorForm
) -> Answer:
    """In a conflict: this window's text becomes the draft, over the other one."""
    posted = {**_posted(found, form), "expected": posted_version("other_version")}
    return _save(enrolment, found, reflection, form, **posted, claims=True, anchor="#editor")


def keep_both(
    enrolment: Enrolment, found: Assignment, reflection: Reflection, form: EditorForm
) -> Answer:
    """In a conflict: this window's text first, then the other one."""
    other = posted_version("other_version")
    text, fields = drafts.keep_both(
        found,
        reflection,
        text=form.text.data or "",
        fields=posted_fields(found),
        other_version=other,
    )
    return _save(
        enrolment,
        found,
        reflection,
        form,
        text=text,
        fields=fields,
        expected=other,
        claims=True,
        anchor="#editor",
    )


def keep_other(
    enrolment: Enrolment, found: Assignment, reflection: Reflection, form: EditorForm
) -> Answer:
    """In a conflict: the other window's text stays the draft; this one is let go."""
    dropped = perform(lambda session: kept.drop(session, enrolment.id, found.slug))
    kept.forget(dropped.value or [])
    flash(_("The other text is kept as your draft."), "success")
    return redirect(editor_url(enrolment, found, "#editor"))


def insert_note(
    enrolment: Enrolment, found: Assignment, reflection: Reflection, form: EditorForm
) -> Answer:
    """A practice-log note quoted into the draft (the note's button carries its id)."""
    note = note_of(enrolment, whole_number(request.form.get("note")))
    label = _("From my practice log, %(date)s:", date=long_date(note.noted_on))
    posted = _posted(found, form)
    if found.guided:
        first = found.fields[0].key
        posted["fields"][first] = practice_log.with_note(posted["fields"][first], note, label)
    else:
        posted["text"] = practice_log.with_note(posted["text"], note, label)
    return _save(
        enrolment,
        found,
        reflection,
        form,
        **posted,
        claims=claims(),
        anchor="#editor",
        done=_("The note is inserted into your draft."),
        keeping=(posted["text"], posted["fields"]),  # a conflict keeps the text with the note
    )


def preview(
    enrolment: Enrolment, found: Assignment, reflection: Reflection, form: EditorForm
) -> Answer:
    composed = drafts.compose(found, form.text.data or "", posted_fields(found))
    rendered = outside_the_lock(lambda: render_markdown(composed), form=form)
    if rendered.value is None:
        return refused(enrolment, found, reflection, form, rendered.error)
    return render_editor(enrolment, found, reflection, form, preview=rendered.value)


def _submitting(
    enrolment: Enrolment, found: Assignment, reflection: Reflection, form: EditorForm, html: str
) -> Callable[[Session], list[str]]:
    """Submit the version, tell the teachers who want it at once, drop what it takes in."""

    def change(session: Session) -> list[str]:
        posted = _posted(found, form)
        version = submission.submit(
            session,
            current_curriculum(),
            found,
            reflection,
            text=posted["text"],
            fields=posted["fields"],
            expected_version=posted["expected"],
            checklist_confirmed=bool(form.anonymised.data and form.own_choice.data),
            extension=deadlines.extension_for(session, enrolment.id, found.slug),
            html=html,
            now=current_time(),
        )
        teachers = [
            t
            for t in enrolment.cohort.teachers
            if t.active and t.review_notifications.value == "immediate"
        ]
        queue_submission_notice(
            session,
            teachers,
            cohort_name=enrolment.cohort.name,
            assignment_title=found.title,
            version_id=version.id,
        )
        return kept.drop(session, enrolment.id, found.slug) if claims() else []

    return change


def submit(
    enrolment: Enrolment, found: Assignment, reflection: Reflection, form: EditorForm
) -> Answer:
    # Rendered before the write transaction: on SQLite it holds the lock for every writer.
    rendered = outside_the_lock(
        lambda: submission.render_composed(found, form.text.data or "", posted_fields(found)),
        form=form,
    )
    if rendered.value is None:
        return refused(enrolment, found, reflection, form, rendered.error)
    outcome = perform(_submitting(enrolment, found, reflection, form, rendered.value), form=form)
    if isinstance(outcome.error, submission.AlreadySubmitted):
        flash(domain_message(outcome.error), "info")  # a double press: the first one counted
        return redirect(editor_url(enrolment, found))
    if not outcome:
        return refused(enrolment, found, reflection, form, outcome.error)
    kept.forget(outcome.value or [])
    flash(_("Your reflection is submitted. Your teacher will give you feedback."), "success")
    return redirect(editor_url(enrolment, found))


def revise(
    enrolment: Enrolment, found: Assignment, reflection: Reflection, form: EditorForm
) -> Answer:
    """A new version after "not yet approved", starting from the previous text."""
    outcome = perform(
        lambda session: submission.start_revision(session, reflection, now=current_time()),
        form=form,
    )
    if not outcome:
        return refused(enrolment, found, reflection, form, outcome.error)
    flash(_("Your new version starts from the previous text."), "success")
    # The page's top: the message, then the feedback, then the fields.
    return redirect(editor_url(enrolment, found))


def flag(
    enrolment: Enrolment, found: Assignment, reflection: Reflection, form: EditorForm
) -> Answer:
    """Mark the reflection for supervision, or remove the mark."""
    outcome = perform(
        lambda session: drafts.set_supervision_flag(
            session, reflection, request.form.get("flagged") == "1"
        ),
        form=form,
    )
    if not outcome:
        return refused(enrolment, found, reflection, form, outcome.error)
    # Said next to the button (``#supervision``), where the learner is, not at the page's top.
    flash(
        _("Saved: marked for supervision.")
        if reflection.supervision_flag
        else _("Saved: the supervision mark is removed."),
        "here",
    )
    return redirect(editor_url(enrolment, found, "#supervision"))


# The editor's buttons, by the last part of their URL (and the ``action`` a page posted
# before the buttons had URLs of their own).
ACTIONS: dict[str, Action] = {
    "autosave": _with_text(autosave),
    "save": _with_text(save),
    "preview": _with_text(preview),
    "insert-note": _with_text(insert_note),
    "submit": _with_text(submit),
    "keep-mine": _with_text(keep_mine),
    "keep-both": _with_text(keep_both),
    "keep-other": keep_other,
    "revise": revise,
    "flag": flag,
}


def _as_posted(
    enrolment: Enrolment, found: Assignment, reflection: Reflection, form: EditorForm
) -> Answer:
    """A page opened before the editor's buttons had URLs of their own posts its ``action`` to
    the editor's URL: the same button's view answers it, so that no text typed is lost."""
    named = request.form.get("action") or ("insert-note" if request.form.get("note") else "save")
    action = ACTIONS.get(named)
    if action is None:
        abort(400)
    return action(enrolment, found, reflection, form)


VIEWS = {name: editor_post(action) for name, action in ACTIONS.items()}
AS_POSTED = editor_post(_as_posted)

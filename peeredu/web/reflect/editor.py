"""The editor's page: loading an assignment for its learner, and showing the draft.

Reading the page changes nothing: a learner who has not written yet sees a blank draft, and a
kept text is offered again on every reload until a save takes it in.
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField, TextAreaField

from peeredu.accounts.models import Enrolment
from peeredu.curriculum import progress, records
from peeredu.errors import DomainError
from peeredu.extensions import current_assignments, current_curriculum, current_time, db
from peeredu.reflections import deadlines, drafts, feedback, practice_log, stashes
from peeredu.reflections.definitions import Assignment
from peeredu.reflections.models import Reflection, ReflectionStatus
from peeredu.web.forms import Form, domain_message
from peeredu.web.guards import login_required
from peeredu.web.learn import own_enrolment_or_404, studied_module_or_404
from peeredu.web.lifecycle import record_apart
from peeredu.web.numbers import whole_number
from peeredu.web.reflect import kept


class EditorForm(Form):
    text = TextAreaField(_l("Your reflection"))
    draft_version = HiddenField()
    anonymised = BooleanField(
        _l(
            "There are no names, ages, dates, wards or anything else that could identify a "
            "citizen or a colleague."
        )
    )
    own_choice = BooleanField(
        _l("What I share about my own health is my own choice, and I am comfortable with it.")
    )


def find_editor(enrolment_id: int, slug: str) -> tuple[Enrolment, Assignment] | None:
    """The enrolment and assignment the URL names, if the assignment is in the enrolment's
    track; nobody's permission is asked (the signed-out case answers the same either way)."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    found = current_assignments().get(slug)
    if enrolment is None or found is None:
        return None
    module = current_curriculum().module(found.module)
    if module is None or enrolment.track not in module.tracks:
        return None
    return enrolment, found


def editor_or_404(enrolment_id: int, slug: str) -> tuple[Enrolment, Assignment]:
    """The signed-in learner's own enrolment and an assignment of their track, or 404."""
    enrolment = own_enrolment_or_404(enrolment_id)
    found = current_assignments().get(slug)
    if found is None:
        abort(404)
    studied_module_or_404(enrolment, found.module)
    return enrolment, found


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def json_answer(status: int, **body: Any) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def posted_fields(found: Assignment) -> dict[str, str]:
    return {f.key: request.form.get(f"field-{f.key}", "") for f in found.fields}


def posted_version(name: str) -> int:
    return whole_number(request.form.get(name)) or 0


def carries_text(found: Assignment) -> bool:
    if found.guided:
        return all(f"field-{f.key}" in request.form for f in found.fields)
    return "text" in request.form


def other_display(found: Assignment, conflict: drafts.DraftConflict) -> str:
    """The other window's text as the conflict panel shows it."""
    if not found.guided:
        return conflict.current_text
    return "\n\n".join(
        f"{f.label}:\n{conflict.current_fields.get(f.key, '')}" for f in found.fields
    )


@login_required
def assignment(enrolment_id: int, slug: str) -> tuple[str, int]:
    enrolment, found = editor_or_404(enrolment_id, slug)
    reflection = drafts.find_reflection(db.session, enrolment.id, found.slug) or (
        drafts.blank_reflection(enrolment, found)
    )
    if reflection.id is not None and feedback.has_unseen_feedback(reflection):
        # Opened with its feedback: that feedback is no longer new on the start page.
        reflection_id, now = reflection.id, current_time()
        record_apart(lambda session: feedback.record_seen(session, reflection_id, now=now))
    stashed = stashes.find_stash(
        db.session,
        kept.stash_tokens(),
        enrolment=enrolment,
        assignment_slug=found.slug,
        now=current_time(),
    )
    conflict = None
    if stashed is not None and drafts.holds(reflection, stashed.text, stashed.fields):
        stashed = None  # the draft already is that text: nothing to choose
    elif stashed is not None and stashed.base_version != reflection.draft_version:
        conflict = drafts.DraftConflict(reflection)  # the draft changed since: show both
    return render_editor(
        enrolment, found, reflection, EditorForm(), stash=stashed, conflict=conflict
    )


def render_editor(
    enrolment: Enrolment,
    found: Assignment,
    reflection: Reflection,
    form: EditorForm,
    *,
    status: int = 200,
    preview: str | None = None,
    conflict: drafts.DraftConflict | None = None,
    error: DomainError | None = None,
    stash: Any = None,
) -> tuple[str, int]:
    """The editor page. Posted text wins over the saved draft, so nothing typed is lost.

    In a conflict the editor keeps this window's text and its old draft version, so that a
    plain save meets the conflict again; only the learner's choice (keep mine, the other or
    both, which carries ``other_version``) goes over the other text.
    """
    if request.method == "POST" and carries_text(found):
        text, fields = form.text.data or "", posted_fields(found)
        draft_version = str(posted_version("draft_version"))
    elif stash is not None:
        text, fields = stash.text, dict(stash.fields)
        draft_version = str(stash.base_version if conflict else reflection.draft_version)
    else:
        text, fields = reflection.draft_text, dict(reflection.draft_fields or {})
        draft_version = str(reflection.draft_version)
    curriculum = current_curriculum()
    module = curriculum.module(found.module)
    completions = records.completions_by_enrolment(db.session, [enrolment.id])[enrolment.id]
    extension = deadlines.extension_for(db.session, enrolment.id, found.slug)
    composed = drafts.compose(found, text, fields)
    versions = [
        (v, v.review if v.review and v.review.released_at else None) for v in reflection.versions
    ]
    page = render_template(
        "peeredu/reflect/assignment.html",
        enrolment=enrolment,
        assignment=found,
        module=module,
        reflection=reflection,
        form=form,
        text=text,
        fields=fields,
        draft_version=draft_version,
        editable=reflection.status in drafts.EDITABLE,
        waiting_for=progress.missing_prerequisites(curriculum, module, completions)
        if module
        else [],
        due=deadlines.due_on(found, enrolment, extension),
        extended=extension is not None,
        words=drafts.word_count(composed),
        cpr_warning=drafts.looks_like_cpr(composed),
        preview=preview,
        conflict=conflict,
        other_display=other_display(found, conflict) if conflict else "",
        keeps_stash=stash is not None or conflict is not None or request.form.get("stash") == "1",
        error=domain_message(error) if error else None,
        error_field=error.field if error else None,
        stashed=stash is not None and conflict is None,
        versions=versions,
        notes=practice_log.log_entries(db.session, enrolment.id),
        statuses=ReflectionStatus,
    )
    return page, status

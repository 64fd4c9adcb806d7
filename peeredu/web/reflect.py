"""The learner's reflections and practice log.

The editor posts to its own URL with an ``action`` (autosave, save, preview, submit,
insert-note, revise, flag). Whatever goes wrong, the learner's text stays: a stale tab gets
both texts back, a stale CSRF token re-renders the form with the posted text (autosave asks
for a fresh token and retries), and a post that arrives after the session expired is stashed
until the learner signs in again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response
from wtforms import BooleanField, DateField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from peeredu.accounts import permissions
from peeredu.accounts.models import Enrolment
from peeredu.curriculum import progress
from peeredu.db import utcnow
from peeredu.errors import N_, DomainError
from peeredu.extensions import (
    csrf,
    current_assignments,
    current_curriculum,
    db,
    limiter,
    login_manager,
)
from peeredu.markup import render_markdown
from peeredu.reflections import deadlines, drafts, practice_log, stashes, submission
from peeredu.reflections.definitions import Assignment
from peeredu.reflections.models import PracticeLogEntry, Reflection, ReflectionStatus
from peeredu.web.emails import queue_submission_notice
from peeredu.web.forms import Form, domain_message
from peeredu.web.learn import own_enrolment_or_404
from peeredu.web.numbers import whole_number
from peeredu.web.signin import STASH_SESSION_KEY


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


def _at_most(limit: int) -> Any:
    """Like Length(max=...), but the message says how long the text is now."""

    def check(_form: Form, field: Any) -> None:
        length = len(field.data or "")
        if length > limit:
            raise ValidationError(
                _(
                    "The note is %(length)s characters long; at most %(count)s fit. Shorten "
                    "it: your text is still here.",
                    length=length,
                    count=limit,
                )
            )

    return check


class LogForm(Form):
    noted_on = DateField(_l("Date"), validators=[DataRequired()])
    text = TextAreaField(
        _l("Note"),
        validators=[DataRequired(), _at_most(practice_log.MAX_NOTE)],
        description=_l("A few lines from work: what happened, what you noticed. No names."),
    )


def build_blueprint() -> Blueprint:
    bp = Blueprint("reflect", __name__)
    editor = csrf.exempt(assignment)  # checked inside, after the signed-out case is handled
    bp.add_url_rule(
        "/learn/<int:enrolment_id>/assignments/<slug>", view_func=editor, methods=["GET", "POST"]
    )
    bp.add_url_rule("/learn/<int:enrolment_id>/log", view_func=log, methods=["GET", "POST"])
    bp.add_url_rule(
        "/learn/<int:enrolment_id>/log/<int:entry_id>/delete",
        view_func=delete_note,
        methods=["POST"],
    )
    bp.add_url_rule("/csrf-token", view_func=fresh_csrf_token)
    return bp


def _find(enrolment_id: int, slug: str) -> tuple[Enrolment, Assignment] | None:
    enrolment = db.session.get(Enrolment, enrolment_id)
    found = current_assignments().get(slug)
    if enrolment is None or found is None:
        return None
    module = current_curriculum().module(found.module)
    if module is None or enrolment.track not in module.tracks:
        return None
    return enrolment, found


def _load(enrolment_id: int, slug: str) -> tuple[Enrolment, Assignment]:
    loaded = _find(enrolment_id, slug)
    if loaded is None:
        abort(404)
    return loaded


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _posted_fields(found: Assignment) -> dict[str, str]:
    return {f.key: request.form.get(f"field-{f.key}", "") for f in found.fields}


def _same_origin() -> bool:
    """A browser's own post carries our origin; a forged cross-site one does not."""
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return urlsplit(origin).netloc == request.host


def _signed_out_post(enrolment_id: int, slug: str) -> Response:
    """The same answer whether the editor exists or not; only a real one keeps the text."""
    editor_url = url_for(".assignment", enrolment_id=enrolment_id, slug=slug)
    if _wants_json():
        # The text is still in the page, which keeps retrying; nothing to stash.
        return _json(
            401,
            message=_(
                "You have been signed out. Your text is still here; sign "
                "in again in another window and it will be saved."
            ),
        )
    loaded = _find(enrolment_id, slug)
    fields = _posted_fields(loaded[1]) if loaded else {}
    if _same_origin() and (request.form.get("text") or any(fields.values())):
        if loaded is not None:
            token = stashes.stash(
                db.session,
                enrolment_id=enrolment_id,
                assignment_slug=slug,
                text=request.form.get("text", ""),
                fields=fields,
                base_version=_posted_version("draft_version"),
                now=utcnow(),
            )
            db.session.commit()
            _remember_stash(token)
        g.stashed_text = True  # counted by the stash rate limit
        flash(_("You were signed out, but what you wrote is kept. Sign in to continue."), "info")
    return redirect(url_for("peeredu.auth.login", next=editor_url))


# Actions whose post carries the learner's text; without it they change nothing.
TEXT_ACTIONS = frozenset(
    {"autosave", "save", "preview", "insert-note", "submit", "keep-mine", "keep-both"}
)
MAX_STASH_TOKENS = 10
MISSING_TEXT = N_(
    "Your text did not arrive with the form, so nothing was saved. Your saved draft is "
    "unchanged: reload the page."
)


def _posted_version(name: str) -> int:
    return whole_number(request.form.get(name)) or 0


def _carries_text(found: Assignment) -> bool:
    if found.guided:
        return all(f"field-{f.key}" in request.form for f in found.fields)
    return "text" in request.form


def _stash_tokens() -> list[str]:
    """The claim tokens of texts kept for this browser (one per kept text)."""
    value = session.get(STASH_SESSION_KEY)
    if isinstance(value, str):  # a session from before texts were kept per window
        return [value]
    return [token for token in value if isinstance(token, str)] if isinstance(value, list) else []


def _remember_stash(token: str) -> None:
    session[STASH_SESSION_KEY] = [*_stash_tokens(), token][-MAX_STASH_TOKENS:]


def _drop_stashes(enrolment: Enrolment, found: Assignment) -> list[str]:
    return stashes.drop_stashes(
        db.session, _stash_tokens(), enrolment_id=enrolment.id, assignment_slug=found.slug
    )


def _forget_stashes(dropped: list[str]) -> None:
    if dropped:
        session[STASH_SESSION_KEY] = [t for t in _stash_tokens() if t not in dropped]


def _json(status: int, **body: Any) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def fresh_csrf_token() -> Response:
    """A token for the current session, for the autosave script after a sign-in."""
    return jsonify(token=generate_csrf())


def _stash_limit() -> str:
    return current_app.config["STASH_RATE_LIMIT"]


def _signed_in() -> bool:
    return current_user.is_authenticated


def _stashed(_response: Response) -> bool:
    return bool(g.get("stashed_text"))


# Anyone may post here signed out (the stash); per client address, only posts that stashed
# text count, so the table cannot be filled from one address. Declared once, at import.
@limiter.limit(_stash_limit, methods=["POST"], exempt_when=_signed_in, deduct_when=_stashed)
def assignment(enrolment_id: int, slug: str) -> str | Response:
    # Signed out: decided before anything is loaded, so the answer says nothing about it.
    if request.method == "POST" and not current_user.is_authenticated:
        return _signed_out_post(enrolment_id, slug)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    enrolment, found = _load(enrolment_id, slug)
    if not permissions.can_study(current_user, enrolment):
        abort(404)
    form = EditorForm()
    if request.method == "POST":
        reflection = drafts.get_or_create(db.session, enrolment, found)
        if not form.validate_on_submit():
            if _wants_json():
                return _json(400, csrf=True, message=_("Saving again…"))
            return _render(enrolment, found, reflection, form, status=400)
        return _act(enrolment, found, reflection, form)
    # Reading the page changes nothing: a learner who has not written yet sees a blank draft,
    # and a kept text is offered again on every reload until a save takes it in.
    reflection = drafts.find_reflection(db.session, enrolment.id, found.slug) or (
        drafts.blank_reflection(enrolment, found)
    )
    stashed = stashes.find_stash(
        db.session, _stash_tokens(), enrolment=enrolment, assignment_slug=found.slug, now=utcnow()
    )
    conflict = None
    if stashed is not None and drafts.holds(reflection, stashed.text, stashed.fields):
        stashed = None  # the draft already is that text: nothing to choose
    elif stashed is not None and stashed.base_version != reflection.draft_version:
        conflict = drafts.DraftConflict(reflection)  # the draft changed since: show both
    return _render(enrolment, found, reflection, form, stash=stashed, conflict=conflict)


def _act(
    enrolment: Enrolment, found: Assignment, reflection: Reflection, form: EditorForm
) -> str | Response:
    # A practice-log note's button carries the note's id instead of an action.
    action = request.form.get("action") or ("insert-note" if request.form.get("note") else "save")
    if action in TEXT_ACTIONS and not _carries_text(found):
        error = DomainError(MISSING_TEXT)
        if action == "autosave":
            return _json(400, message=domain_message(error))
        return _render(enrolment, found, reflection, form, error=error, status=400)
    text = form.text.data or ""
    fields = _posted_fields(found)
    expected = _posted_version("draft_version")
    # The page shows a kept text (or a choice between two): the save that holds it takes it.
    claims = request.form.get("stash") == "1" or action.startswith("keep-")
    editor_url = url_for(".assignment", enrolment_id=enrolment.id, slug=found.slug)
    now = utcnow()
    try:
        if action in ("autosave", "save", "keep-mine", "keep-both"):
            saving_text, saving_fields = text, fields
            if action.startswith("keep-"):
                expected = _posted_version("other_version")
            if action == "keep-both":
                saving_text, saving_fields = drafts.keep_both(
                    found, reflection, text=text, fields=fields, other_version=expected
                )
            saved = drafts.save_draft(
                db.session,
                found,
                reflection,
                text=saving_text,
                fields=saving_fields,
                expected_version=expected,
                now=now,
            )
            dropped = _drop_stashes(enrolment, found) if claims else []
            db.commit()
            _forget_stashes(dropped)
            message = _("Saved %(time)s", time=format_time(saved.saved_at, "HH:mm"))
            if action == "autosave":
                return _json(
                    200,
                    draft_version=saved.version,
                    message=message,
                    cpr_warning=drafts.looks_like_cpr(text + " ".join(fields.values())),
                )
            flash(message, "success")
            return redirect(editor_url + ("#editor" if action.startswith("keep-") else ""))
        if action == "keep-other":
            dropped = _drop_stashes(enrolment, found)
            db.commit()
            _forget_stashes(dropped)
            flash(_("The other text is kept as your draft."), "success")
            return redirect(editor_url + "#editor")
        if action == "preview":
            composed = drafts.compose(found, text, fields)
            db.commit()  # the write lock is not held while Markdown renders
            return _render(enrolment, found, reflection, form, preview=render_markdown(composed))
        if action == "insert-note":
            note = _own_note(enrolment, request.form.get("note", ""))
            label = _("From my practice log, %(date)s:", date=format_date(note.noted_on, "long"))
            if found.guided:
                first = found.fields[0].key
                fields[first] = practice_log.with_note(fields[first], note, label)
            else:
                text = practice_log.with_note(text, note, label)
            drafts.save_draft(
                db.session,
                found,
                reflection,
                text=text,
                fields=fields,
                expected_version=expected,
                now=now,
            )
            dropped = _drop_stashes(enrolment, found) if claims else []
            db.commit()
            _forget_stashes(dropped)
            flash(_("The note is inserted into your draft."), "success")
            return redirect(editor_url + "#editor")
        if action == "submit":
            return _submit(enrolment, found, reflection, form, text, fields, expected, claims)
        if action == "revise":
            submission.start_revision(db.session, reflection, now=now)
            db.commit()
            flash(_("Your new version starts from the previous text."), "success")
            return redirect(editor_url + "#editor")
        if action == "flag":
            drafts.set_supervision_flag(db.session, reflection, request.form.get("flagged") == "1")
            db.commit()
            return redirect(editor_url)
    except drafts.DraftConflict as conflict:
        db.session.rollback()
        _keep_for_choice(enrolment, found, text, fields, _posted_version("draft_version"))
        if action == "autosave":
            return _json(
                409,
                message=domain_message(conflict),
                other_text=conflict.current_text,
                other_fields=conflict.current_fields,
                other_display=_other_display(found, conflict),
                draft_version=conflict.current_version,
            )
        return _render(enrolment, found, reflection, form, conflict=conflict, status=409)
    except DomainError as error:
        db.session.rollback()
        if action == "autosave":
            return _json(422, message=domain_message(error))
        return _render(enrolment, found, reflection, form, error=error, status=422)
    abort(400)


def _keep_for_choice(
    enrolment: Enrolment, found: Assignment, text: str, fields: dict[str, str], base: int
) -> None:
    """This window's text met a newer draft: keep it until the learner chooses, in place of
    what this browser kept for the assignment before (an earlier state of the same text)."""
    dropped = _drop_stashes(enrolment, found)
    token = stashes.stash(
        db.session,
        enrolment_id=enrolment.id,
        assignment_slug=found.slug,
        text=text,
        fields=fields,
        base_version=base,
        now=utcnow(),
    )
    db.session.commit()
    _forget_stashes(dropped)
    _remember_stash(token)


def _other_display(found: Assignment, conflict: drafts.DraftConflict) -> str:
    """The other window's text as the conflict panel shows it."""
    if not found.guided:
        return conflict.current_text
    return "\n\n".join(
        f"{f.label}:\n{conflict.current_fields.get(f.key, '')}" for f in found.fields
    )


def _submit(
    enrolment: Enrolment,
    found: Assignment,
    reflection: Reflection,
    form: EditorForm,
    text: str,
    fields: dict[str, str],
    expected: int,
    claims: bool,
) -> Response:
    editor_url = url_for(".assignment", enrolment_id=enrolment.id, slug=found.slug)
    # Render before the write transaction: on SQLite it holds the lock for every writer.
    db.commit()
    html = submission.render_composed(found, text, fields)
    try:
        version = submission.submit(
            db.session,
            current_curriculum(),
            found,
            reflection,
            text=text,
            fields=fields,
            expected_version=expected,
            checklist_confirmed=bool(form.anonymised.data and form.own_choice.data),
            extension=deadlines.extension_for(db.session, enrolment.id, found.slug),
            html=html,
            now=utcnow(),
        )
    except submission.AlreadySubmitted as repeated:
        db.session.rollback()
        flash(domain_message(repeated), "info")
        return redirect(editor_url)
    teachers = [
        t
        for t in enrolment.cohort.teachers
        if t.active and t.review_notifications.value == "immediate"
    ]
    queue_submission_notice(
        db.session,
        teachers,
        cohort_name=enrolment.cohort.name,
        assignment_title=found.title,
        version_id=version.id,
    )
    dropped = _drop_stashes(enrolment, found) if claims else []
    db.commit()
    _forget_stashes(dropped)
    flash(_("Your reflection is submitted. Your teacher will give you feedback."), "success")
    return redirect(editor_url)


def _own_note(enrolment: Enrolment, note_id: str) -> PracticeLogEntry:
    number = whole_number(note_id)
    note = db.session.get(PracticeLogEntry, number) if number else None
    if note is None or note.enrolment_id != enrolment.id:
        abort(404)
    return note


def _render(
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
) -> Any:
    """The editor page. Posted text wins over the saved draft, so nothing typed is lost.

    In a conflict the editor keeps this window's text and its old draft version, so that a
    plain save meets the conflict again; only the learner's choice (keep mine, the other or
    both, which carries ``other_version``) goes over the other text.
    """
    if request.method == "POST" and _carries_text(found):
        text, fields = form.text.data or "", _posted_fields(found)
        draft_version = str(_posted_version("draft_version"))
    elif stash is not None:
        text, fields = stash.text, dict(stash.fields)
        draft_version = str(stash.base_version if conflict else reflection.draft_version)
    else:
        text, fields = reflection.draft_text, dict(reflection.draft_fields or {})
        draft_version = str(reflection.draft_version)
    curriculum = current_curriculum()
    module = curriculum.module(found.module)
    completions = progress.completions_by_enrolment(db.session, [enrolment.id])[enrolment.id]
    extension = deadlines.extension_for(db.session, enrolment.id, found.slug)
    composed = drafts.compose(found, text, fields)
    versions = [
        (v, v.review if v.review and v.review.released_at else None) for v in reflection.versions
    ]
    page = render_template(
        "reflect/assignment.html",
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
        other_display=_other_display(found, conflict) if conflict else "",
        keeps_stash=stash is not None or conflict is not None or request.form.get("stash") == "1",
        error=domain_message(error) if error else None,
        error_field=error.field if error else None,
        stashed=stash is not None and conflict is None,
        versions=versions,
        notes=practice_log.log_entries(db.session, enrolment.id),
        statuses=ReflectionStatus,
    )
    return page, status


# -- Practice log ---------------------------------------------------------------------------


@login_required
def log(enrolment_id: int) -> Any:
    enrolment = own_enrolment_or_404(enrolment_id)
    form = LogForm()
    if request.method == "GET":
        form.noted_on.data = utcnow().date()
    if form.validate_on_submit():
        try:
            practice_log.add_log_entry(
                db.session,
                enrolment,
                noted_on=form.noted_on.data,
                text=form.text.data or "",
                today=utcnow().date(),
            )
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(domain_message(error))
        else:
            db.commit()
            flash(_("The note is saved in your practice log."), "success")
            return redirect(url_for(".log", enrolment_id=enrolment.id))
    return render_template(
        "reflect/log.html",
        enrolment=enrolment,
        form=form,
        entries=practice_log.log_entries(db.session, enrolment.id),
        delete_form=Form(),
    )


@login_required
def delete_note(enrolment_id: int, entry_id: int) -> Response:
    enrolment = own_enrolment_or_404(enrolment_id)
    note = db.session.get(PracticeLogEntry, entry_id)
    if note is None or note.enrolment_id != enrolment.id:
        abort(404)
    if not Form().validate_on_submit():
        abort(400)
    practice_log.delete_log_entry(db.session, note)
    db.commit()
    flash(_("The note is deleted."), "success")
    return redirect(url_for(".log", enrolment_id=enrolment.id))

"""The practice log: a learner's own short notes from work, to quote in a reflection later.

Nobody but the learner reads it, not even the cohort's teacher.
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import DateField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from peeredu.accounts.models import Enrolment
from peeredu.db import local_date
from peeredu.extensions import current_time, db
from peeredu.reflections import practice_log
from peeredu.reflections.models import PracticeLogEntry
from peeredu.web.forms import Form
from peeredu.web.guards import login_required
from peeredu.web.learn import own_enrolment_or_404
from peeredu.web.lifecycle import found_or_404, perform


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


def note_of(enrolment: Enrolment, note_id: int | None) -> PracticeLogEntry:
    """A note of this enrolment's own practice log, or 404."""
    return found_or_404(
        PracticeLogEntry, note_id, visible=lambda note: note.enrolment_id == enrolment.id
    )


@login_required
def log(enrolment_id: int) -> str | Response:
    enrolment = own_enrolment_or_404(enrolment_id)
    form = LogForm()
    today = local_date(current_time())
    if request.method == "GET":
        form.noted_on.data = today
    if form.validate_on_submit() and perform(
        lambda session: practice_log.add_log_entry(
            session,
            enrolment,
            noted_on=form.noted_on.data,
            text=form.text.data or "",
            today=today,
        ),
        form=form,
        done=_("The note is saved in your practice log."),
    ):
        return redirect(url_for(".log", enrolment_id=enrolment.id))
    return render_template(
        "peeredu/reflect/log.html",
        enrolment=enrolment,
        form=form,
        entries=practice_log.log_entries(db.session, enrolment.id),
    )


@login_required
def delete_note(enrolment_id: int, entry_id: int) -> str | Response:
    """Ask first: the GET is a page that says which note goes and that it cannot be undone;
    only its button (a POST) deletes, and "Cancel" goes back to the log with the note kept."""
    enrolment = own_enrolment_or_404(enrolment_id)
    note = note_of(enrolment, entry_id)
    form = Form()
    if request.method == "GET":
        return render_template(
            "peeredu/reflect/delete_note.html", enrolment=enrolment, note=note, form=form
        )
    if not form.validate_on_submit():
        abort(400)
    perform(
        lambda session: practice_log.delete_log_entry(session, note),
        done=_("The note is deleted."),
    )
    return redirect(url_for(".log", enrolment_id=enrolment.id))

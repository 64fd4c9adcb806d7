"""The forms of the teacher's review: the queue's filter, feedback, snippets, due dates."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from peeredu.accounts.models import NotificationMode, Track
from peeredu.reflections.models import ReviewDecision
from peeredu.web.forms import Form, ListSelectField, SearchForm
from peeredu.web.labels import choices

# Longer than any feedback needs; the form limit (MAX_FORM_MEMORY_SIZE) is far above it.
MAX_COMMENT = 20_000


class QueueFilterForm(SearchForm):
    cohort = ListSelectField(_l("Cohort"), validate_choice=False, default="")
    module = ListSelectField(_l("Module"), validate_choice=False, default="")
    track = SelectField(
        _l("Track"),
        choices=[SelectChoice("", _l("Both tracks")), *choices(Track)],
        validate_choice=False,
        default="",
    )
    late = BooleanField(_l("Only late"))
    flagged = BooleanField(_l("Only marked for supervision"))


class NotificationForm(Form):
    mode = RadioField(
        _l("When a learner submits a reflection"),
        choices=[
            SelectChoice(
                NotificationMode.IMMEDIATE.value, _l("Email me each time a reflection is submitted")
            ),
            SelectChoice(
                NotificationMode.DIGEST.value,
                _l("Email me once a day with a list of what was submitted"),
            ),
        ],
    )


class ReviewForm(Form):
    overall_comment = TextAreaField(
        _l("Overall comment"),
        validators=[Length(max=MAX_COMMENT)],
        description=_l("Required to release the feedback. The learner reads it first."),
    )
    # Rendered by hand as a fieldset; checked against ReviewDecision in _decision.
    decision = RadioField(_l("Decision"), choices=choices(ReviewDecision), validate_choice=False)
    # The saved feedback's lock_version when the page was opened; empty if there was none.
    lock_version = HiddenField()


class SnippetForm(Form):
    text = TextAreaField(
        _l("New snippet"),
        validators=[DataRequired(), Length(max=1000)],
        description=_l("A piece of feedback you often give. Only you see your snippets."),
    )
    next = HiddenField()


class ExtensionForm(Form):
    assignment = HiddenField(validators=[DataRequired()])
    # Labelled in templates/peeredu/teach/learner.html, with the assignment's title.
    due_on = DateField(validators=[DataRequired()])

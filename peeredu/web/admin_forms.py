"""The administrators' forms, and the select options they are filled with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from peeredu.accounts.models import EnrolmentStatus, OrganisationKind, Role, Track, WorkRole
from peeredu.web.auth_forms import LANGUAGE_CHOICES
from peeredu.web.forms import Form, ReasonForm, SearchForm
from peeredu.web.labels import choices
from peeredu.web.numbers import id_number


class MultiCheckboxField(SelectMultipleField):
    """Several choices shown as checkboxes (rendered by the forms macro)."""


def options(rows: Sequence[Any], empty_label: str | None = None) -> list[SelectChoice]:
    """Select options for named rows, optionally led by an empty choice."""
    found = [SelectChoice(str(row.id), row.name) for row in rows]
    return [SelectChoice("", empty_label), *found] if empty_label else found


def _optional_choices(options: list[SelectChoice]) -> list[SelectChoice]:
    return [SelectChoice("", _l("Choose…")), *options]


class OrganisationForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices(OrganisationKind))


class CohortForm(Form):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("For example “Peer-uddannelsen efterår 2027”."),
    )
    start_date = DateField(_l("First class day"), validators=[DataRequired()])
    end_date = DateField(_l("Last class day"), validators=[DataRequired()])
    teachers = MultiCheckboxField(
        _l("Teachers"), validators=[Optional()], coerce=id_number, validate_choice=False
    )


class UserForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    roles = MultiCheckboxField(_l("Roles"), choices=choices(Role))
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class EnrolmentFields:
    """The fields that place a learner in a cohort; shared by invitation and enrolment."""

    cohort = SelectField(_l("Cohort"), validate_choice=False, default="")
    track = SelectField(_l("Track"), choices=_optional_choices(choices(Track)), default="")
    organisation = SelectField(_l("Workplace (organisation)"), validate_choice=False, default="")
    work_role = SelectField(
        _l("Role at work"), choices=_optional_choices(choices(WorkRole)), default=""
    )


class InviteForm(UserForm, EnrolmentFields):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    roles = MultiCheckboxField(
        _l("Roles"),
        choices=choices(Role),
        description=_l("A learner also needs a cohort, a track and a workplace below."),
    )


class EnrolmentForm(Form, EnrolmentFields):
    pass


class EnrolmentStatusForm(Form):
    status = SelectField(_l("Status"), choices=choices(EnrolmentStatus))


class HrScopeForm(Form):
    organisations = MultiCheckboxField(
        _l("Organisations this HR user may follow"), coerce=id_number, validate_choice=False
    )


class UserFilterForm(SearchForm):
    q = StringField(_l("Search name or email"), validators=[Optional(), Length(max=200)])
    role = SelectField(
        _l("Role"), choices=[SelectChoice("", _l("All")), *choices(Role)], validate_choice=False
    )
    cohort = SelectField(_l("Cohort"), validate_choice=False)
    organisation = SelectField(_l("Organisation"), validate_choice=False)


class AnonymiseForm(ReasonForm):
    confirm = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class UploadForm(Form):
    people = FileField(
        _l("The file with the participants"),
        validators=[FileRequired(_l("Choose a file."))],
        description=_l(
            "An Excel workbook (.xlsx) or a CSV file, one row per person, at most 1,000 rows."
        ),
    )


class ConfirmUploadForm(Form):
    rows = HiddenField()


class TeacherForm(Form):
    email = EmailField(
        _l("The teacher's email address"),
        validators=[DataRequired(), Length(max=254)],
        description=_l(
            "A person with an account; they get the teacher role if they do not have it."
        ),
    )


class MoveForm(Form):
    cohort = SelectField(_l("Move to cohort"), validate_choice=False, default="")

"""The base form, and domain errors shown on forms."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import Select

from peeredu.audit import REASON_MAX
from peeredu.errors import N_, DomainError


class _CatalogTranslations:
    """WTForms' own messages through peeredu's catalogs (WTForms ships no Danish)."""

    def gettext(self, string: str) -> str:
        return gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # The catalogs hold both English forms as plain entries (see WTFORMS_MESSAGES); Danish
        # chooses between its forms by the same rule as English.
        return gettext(singular if n == 1 else plural)


_TRANSLATIONS = _CatalogTranslations()


class Form(FlaskForm):
    """Every peeredu form: CSRF-protected, with messages in the user's language."""

    class Meta:
        def get_translations(self, form: Any) -> _CatalogTranslations:
            return _TRANSLATIONS


class SearchForm(Form):
    """A search or filter form, sent by GET: it changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False


class _ListSelect(Select):
    """WTForms' select, with each plain option written directly.

    WTForms builds every option through html_params, which made the cohort filter (one option
    per cohort) the slowest part of the HR participant list at national scale.
    """

    @classmethod
    def render_option(cls, choice: SelectChoice, **kwargs: Any) -> Markup:
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        # Attributes in html_params' order (sorted), so the markup is the same as WTForms'.
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{escape(choice.value)}">{label}</option>')


class ListSelectField(SelectField):
    """A select for long lists of choices (cohorts, organisations, modules)."""

    widget = _ListSelect()


# Dates a person can mean in this course; 0001-01-01 or 9999-12-31 overflow a day's arithmetic.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def plausible_date(_form: Any, field: Any) -> None:
    """A validator for date fields: refuses years no course date can have."""
    if field.data is not None and not EARLIEST_DATE <= field.data <= LATEST_DATE:
        raise ValidationError(
            gettext(
                "Enter a date between the years %(first)s and %(last)s.",
                first=EARLIEST_DATE.year,
                last=LATEST_DATE.year,
            )
        )


class ReasonForm(Form):
    """Why an exception was made (an override, a certificate issued or revoked)."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=REASON_MAX)],
        description=_l("Kept in the log. For example: “Submitted on paper in class.”"),
    )


# The WTForms and Flask-WTF messages peeredu's forms can show, so that the catalogs have them.
WTFORMS_MESSAGES = (
    N_("This field is required."),
    N_("Not a valid choice."),
    N_("Invalid email address."),
    N_("Not a valid date value."),
    N_("Field must be equal to %(other_name)s."),
    N_("Field cannot be longer than %(max)d character."),
    N_("Field cannot be longer than %(max)d characters."),
    N_("Field must be at least %(min)d character long."),
    N_("Field must be at least %(min)d characters long."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Invalid Choice(s): one or more data inputs could not be coerced."),
    N_("'%(value)s' is not a valid choice for this field."),
    N_("'%(value)s' are not valid choices for this field."),
    N_("The CSRF token is missing."),
    N_("The CSRF token has expired."),
    N_("The CSRF token is invalid."),
    N_("The CSRF session token is missing."),
    N_("The CSRF tokens do not match."),
)


def domain_message(error: DomainError) -> str:
    """The error's message in the user's language."""
    return gettext(error.message, **error.params)


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a domain error on the field it names, or on the form as a whole."""
    message = domain_message(error)
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
    else:
        form.form_errors.append(message)

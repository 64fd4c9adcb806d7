"""Shared form pieces: choices that depend on the database, and domain errors shown on forms."""

from __future__ import annotations

from flask_babel import gettext
from flask_wtf import FlaskForm

from peeredu.errors import DomainError


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

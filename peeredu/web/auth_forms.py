"""The sign-in and account forms: password, two-step codes, language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from peeredu.accounts.passwords import MIN_LENGTH, TOO_SHORT
from peeredu.web.forms import Form

LANGUAGE_CHOICES = [SelectChoice("da", "Dansk"), SelectChoice("en", "English")]


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


def _new_password() -> PasswordField:
    return PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(min=MIN_LENGTH, message=_l(TOO_SHORT)),  # msgid marked in passwords
            Length(max=200),
        ],
        description=_l("At least 10 characters. A sentence you can remember works well."),
    )


def _repeated(label: str, field_name: str) -> PasswordField:
    """The same password again, which must match the field ``field_name``."""
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            EqualTo(field_name, message=_l("The passwords do not match.")),
        ],
    )


class SetPasswordForm(Form):
    password = _new_password()
    confirm = _repeated(_l("Repeat the password"), "password")


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class LanguageForm(Form):
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = _new_password()
    confirm = _repeated(_l("Repeat the new password"), "new_password")


# A six-digit code from the authenticator app, or a recovery code (letters and digits).
_CODE_MAX = 20


class TwoFactorCodeForm(Form):
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(), Length(max=_CODE_MAX)],
        description=_l("Six digits. A new code appears every 30 seconds."),
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"},
    )


class RecoveryCodeForm(Form):
    code = StringField(
        _l("Recovery code"),
        validators=[DataRequired(), Length(max=_CODE_MAX)],
        description=_l(
            "One of the codes you saved when you set up two-step sign-in, e.g. ABCD-EFGH-JKMN."
        ),
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "characters",
            "spellcheck": "false",
        },
    )


class ConfirmPasswordForm(Form):
    password = PasswordField(_l("Your password"), validators=[DataRequired()])

"""The emails peeredu sends, composed in the recipient's language and queued in the outbox.

They carry links, never learner text.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from peeredu import outbox
from peeredu.accounts.models import User


def absolute_url(endpoint: str, **values: Any) -> str:
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def _queue(session: Session, user: User, template: str, subject: str, **context: Any) -> None:
    with force_locale(user.locale):
        email = outbox.Email(
            to_address=user.email,
            subject=gettext(subject),
            body_text=render_template(f"email/{template}.txt", user=user, **context),
        )
    outbox.enqueue(session, email)


def queue_invitation(session: Session, user: User, token: str) -> None:
    _queue(
        session,
        user,
        "invitation",
        "Your invitation to the peer education at Skolen for Recovery",
        link=absolute_url("peeredu.auth.accept_invitation", token=token),
        days=current_app.config["INVITATION_MAX_AGE"].days,
    )


def queue_password_reset(session: Session, user: User, token: str) -> None:
    _queue(
        session,
        user,
        "password_reset",
        "Choose a new password for peeredu",
        link=absolute_url("peeredu.auth.reset_password", token=token),
        hours=int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 3600),
    )

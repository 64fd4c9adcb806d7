"""The emails peeredu sends, composed in the recipient's language and queued in the outbox.

They carry links, never learner text.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context, has_request_context, render_template, url_for
from flask_babel import force_locale
from sqlalchemy.orm import Session

from peeredu import outbox
from peeredu.accounts.models import User
from peeredu.certification import codes
from peeredu.certification.models import Certificate
from peeredu.certification.services import certificate_issued
from peeredu.curriculum.progress import ModuleStatus
from peeredu.errors import N_
from peeredu.web.i18n import gettext, own_domain
from peeredu.web.labels import label


def absolute_url(endpoint: str, **values: Any) -> str:
    """A link for an email, also from the command line (where there is no request)."""
    if has_request_context():
        return current_app.config["BASE_URL"] + url_for(endpoint, **values)
    with current_app.test_request_context():
        return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def _compose(user: User, template: str, subject: str, **context: Any) -> outbox.Email:
    with force_locale(user.locale), own_domain():
        return outbox.Email(
            to_address=user.email,
            subject=gettext(subject),
            body_text=render_template(f"peeredu/email/{template}.txt", user=user, **context),
            template=template,
        )


def _queue(session: Session, user: User, template: str, subject: str, **context: Any) -> None:
    outbox.enqueue(session, _compose(user, template, subject, **context))


def queue_invitation(session: Session, user: User, token: str) -> None:
    _queue(
        session,
        user,
        "invitation",
        N_("Your invitation to the peer education at Skolen for Recovery"),
        link=absolute_url("peeredu.auth.accept_invitation", token=token),
        days=current_app.config["INVITATION_MAX_AGE"].days,
    )


def queue_submission_notice(
    session: Session,
    teachers: list[User],
    *,
    cohort_name: str,
    assignment_title: str,
    version_id: int,
) -> None:
    """Tell the cohort's teachers (who want it at once) that a reflection waits for them.

    No learner text, and no learner name: the link leads to the review page behind sign-in.
    """
    for teacher in teachers:
        with force_locale(teacher.locale):
            state_words = label(ModuleStatus.SUBMITTED)
        _queue(
            session,
            teacher,
            "reflection_submitted",
            N_("A reflection is waiting for your feedback"),
            cohort_name=cohort_name,
            assignment_title=assignment_title,
            state=state_words,
            link=absolute_url("peeredu.review.review", version_id=version_id),
        )


def queue_feedback_released(
    session: Session,
    learner: User,
    *,
    assignment_title: str,
    state: ModuleStatus,
    link_values: dict[str, Any],
) -> None:
    """Tell the learner; the reflection's state in the words every page uses for it."""
    with force_locale(learner.locale):
        state_words = label(state)
    _queue(
        session,
        learner,
        "feedback_released",
        N_("You have feedback on your reflection"),
        assignment_title=assignment_title,
        state=state_words,
        link=absolute_url("peeredu.reflect.assignment", **link_values),
    )


def queue_digest(session: Session, teacher: User, *, items: list[tuple[str, str]]) -> None:
    """One email listing (cohort, assignment) pairs submitted since the last digest."""
    _queue(
        session,
        teacher,
        "review_digest",
        N_("Reflections waiting for your feedback"),
        items=items,
        link=absolute_url("peeredu.review.queue"),
    )


def queue_certificate_notice(
    session: Session, learner: User, certificate: Certificate, *, revoked: bool
) -> None:
    """The learner's certificate was issued (with a link to it) or revoked."""
    if revoked:
        _queue(session, learner, "certificate_revoked", N_("Your course certificate is revoked"))
        return
    _queue(
        session,
        learner,
        "certificate_issued",
        N_("Your course certificate is ready"),
        link=absolute_url("peeredu.certificates.pdf", certificate_id=certificate.id),
        code=codes.display(certificate.code),
    )


@certificate_issued.connect
def _on_certificate_issued(_sender: Any, *, session: Session, certificate: Certificate) -> None:
    """Every issued certificate, whichever operation issued it, is mailed to its holder.

    Outside an app (a domain unit test) there is nothing to compose the email with.
    """
    if has_app_context():
        queue_certificate_notice(session, certificate.enrolment.user, certificate, revoked=False)


def _password_reset(user: User, token: str) -> outbox.Email:
    return _compose(
        user,
        "password_reset",
        N_("Choose a new password for peeredu"),
        link=absolute_url("peeredu.auth.reset_password", token=token),
        hours=int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 3600),
    )


def queue_password_reset(session: Session, user: User | None, token: str, email: str) -> None:
    """Queue the reset link; for an address without an account, write the same mail unsent.

    Composing it anyway (and queuing it in a savepoint that is rolled back) makes an
    unknown address cost the request what a known one does, so the time to answer does not
    tell who has an account.
    """
    if user is not None:
        outbox.enqueue(session, _password_reset(user, token))
        return
    stand_in = User(email=email, name="", locale=current_app.config["DEFAULT_LOCALE"])
    with session.begin_nested() as savepoint:
        outbox.enqueue(session, _password_reset(stand_in, token))
        session.flush()
        savepoint.rollback()

"""Certificates on the web: the PDF, public verification by code, issuing and revoking.

``/verify`` is public and shows only valid / revoked / unknown, the name, course, track and
issue date: nothing else can be learned from a code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from peeredu.accounts import permissions
from peeredu.accounts.models import Enrolment
from peeredu.certification import codes, pdf, services
from peeredu.certification.models import Certificate
from peeredu.extensions import current_curriculum, current_time, db, limiter, login_manager
from peeredu.web.emails import absolute_url, queue_certificate_notice
from peeredu.web.forms import Form, ReasonForm
from peeredu.web.labels import label
from peeredu.web.lifecycle import found_or_404, perform
from peeredu.web.redirects import safe_next


class VerifyForm(Form):
    class Meta:
        csrf = False  # a lookup (GET), it changes nothing

    code = StringField(
        _l("Verification code"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("The code printed on the certificate, e.g. 7K2M-9QXR-4TZB-K."),
    )


def build_blueprint() -> Blueprint:
    bp = Blueprint("certificates", __name__)
    bp.add_url_rule("/verify", view_func=verify)
    bp.add_url_rule("/verify/<code>", view_func=verify_code)
    bp.add_url_rule(
        "/certificates/<int:certificate_id>.pdf", view_func=certificate_pdf, endpoint="pdf"
    )
    bp.add_url_rule("/enrolments/<int:enrolment_id>/certificate", view_func=issue, methods=["POST"])
    bp.add_url_rule(
        "/certificates/<int:certificate_id>/revoke", view_func=revoke, methods=["GET", "POST"]
    )
    return bp


# -- Public verification --------------------------------------------------------------------


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


# Declared once, at import: the limiter is one object shared by every app in the process, and
# a limit added per app would count each request once per app built.
@limiter.limit(_verify_limit)
def verify() -> str | BaseResponse:
    form = VerifyForm(request.args)
    if request.args and form.validate():
        return redirect(url_for(".verify_code", code=form.code.data.strip()))
    return render_template("peeredu/certificates/verify.html", form=form, result=None)


@limiter.limit(_verify_limit)
def verify_code(code: str) -> tuple[str, int]:
    normalised, certificate = services.find_by_code(db.session, code)
    if normalised is None:
        result, status = "malformed", 404
    elif certificate is None:
        result, status = "unknown", 404
    else:
        result, status = ("valid" if certificate.valid else "revoked"), 200
    form = VerifyForm(data={"code": code})
    return (
        render_template(
            "peeredu/certificates/verify.html",
            form=form,
            result=result,
            certificate=certificate,
            code=codes.display(normalised) if normalised else code,
        ),
        status,
    )


# -- The PDF --------------------------------------------------------------------------------


def certificate_pdf(certificate_id: int) -> BaseResponse:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    certificate = services.certificate_with_holder(db.session, certificate_id)
    if (
        certificate is None
        or not certificate.valid
        or not permissions.can_view_certificate(db.session, current_user, certificate.enrolment)
    ):
        abort(404)
    language = request.args.get("lang", "")
    if language not in current_app.config["LOCALES"]:
        language = certificate.enrolment.user.locale
    modules = services.completed_modules(db.session, current_curriculum(), certificate.enrolment_id)
    with force_locale(language):
        document = pdf.render(certificate_text(certificate, [m.title for m in modules], language))
    filename = f"kursusbevis-{certificate.code}.pdf"
    return Response(
        document,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


# What the certificate calls its issuer when OPERATOR_NAME is not set.
DEFAULT_OPERATOR = "Skolen for Recovery"


def _in_language(value: str | dict[str, str] | None, language: str) -> str:
    """A setting given as one text, or as texts by language (falling back to the default's)."""
    if isinstance(value, dict):
        return value.get(language) or value.get(current_app.config["DEFAULT_LOCALE"]) or ""
    return value or ""


def certificate_text(
    certificate: Certificate, modules: Sequence[str], language: str
) -> pdf.CertificateText:
    """What the PDF says, in the current locale (forced by the caller)."""
    config = current_app.config
    operator = config["OPERATOR_NAME"] or DEFAULT_OPERATOR
    period = (
        f"{format_date(certificate.cohort_start, 'long')} – "
        f"{format_date(certificate.cohort_end, 'long')}"
    )
    hours = f"{certificate.hours:g}"
    signatory = [
        line
        for line in (
            config["CERTIFICATE_SIGNATORY_NAME"] or "",
            _in_language(config["CERTIFICATE_SIGNATORY_TITLE"], language),
        )
        if line
    ]
    heading = _("Course certificate")
    return pdf.CertificateText(
        language=language,
        title=f"{heading} – {certificate.participant_name}",
        operator=operator,
        logo=Path(config["OPERATOR_LOGO"]) if config["OPERATOR_LOGO"] else None,
        logo_alt=_("Logo of %(operator)s", operator=operator),
        heading=heading,
        name=certificate.participant_name,
        statement=_("has completed %(course)s", course=certificate.course_title),
        facts=[
            (_("Track"), label(certificate.track)),
            (_("Duration"), _("%(hours)s hours", hours=hours)),
            (_("Period"), period),
            (_("Cohort"), certificate.cohort_name),
        ],
        modules_heading=_("Completed modules"),
        modules=modules,
        issued_label=_("Issued"),
        issued=format_date(certificate.issued_at, "long"),
        signatory=signatory or [operator],
        code_label=_("Verification code"),
        code=codes.display(certificate.code),
        verify_hint=_("Anyone can check this certificate at"),
        verify_url=absolute_url("peeredu.certificates.verify_code", code=certificate.code),
        qr_alt=_("QR code with the address where the certificate can be checked"),
    )


# -- Issuing by exception, revoking --------------------------------------------------------


def _with_reason(change: Callable[[Session, str], object], *, done: str) -> None:
    """Issuing and revoking need a reason: without one nothing happens and the form says so."""
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Write a short reason; it is kept in the log."), "error")
        return
    perform(lambda session: change(session, form.reason.data or ""), done=done)


def issue(enrolment_id: int) -> BaseResponse:
    """A teacher of the cohort, or an admin, issues by exception with a reason."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    enrolment = found_or_404(
        Enrolment,
        enrolment_id,
        visible=lambda e: permissions.can_issue_certificate(db.session, current_user, e),
    )
    _with_reason(
        lambda session, reason: services.issue_manually(
            session,
            current_curriculum(),
            enrolment,
            reason=reason,
            actor_id=current_user.id,
            now=current_time(),
        ),
        done=_("The certificate is issued."),
    )
    return redirect(safe_next(request.form.get("back"), url_for("peeredu.home.index")))


def _revoke_and_tell(session: Session, certificate: Certificate, reason: str) -> None:
    services.revoke(
        session, certificate, reason=reason, actor_id=current_user.id, now=current_time()
    )
    queue_certificate_notice(session, certificate.enrolment.user, certificate, revoked=True)


def revoke(certificate_id: int) -> str | BaseResponse:
    """Revoking asks first, on a page that says whose certificate goes and that it is final."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not permissions.can_revoke_certificate(current_user):
        abort(404)
    certificate = found_or_404(Certificate, certificate_id)
    back = url_for("peeredu.admin.user_detail", user_id=certificate.enrolment.user_id)
    form = ReasonForm()
    if form.validate_on_submit() and perform(
        lambda session: _revoke_and_tell(session, certificate, form.reason.data or ""),
        form=form,
        done=_("The certificate is revoked."),
    ):
        return redirect(back)
    return render_template(
        "peeredu/certificates/revoke.html", form=form, certificate=certificate, back=back
    )

"""Signing in and out, invitations, password reset, language and one's own account."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from peeredu.accounts import services
from peeredu.accounts.models import TokenPurpose, User
from peeredu.db import utcnow
from peeredu.errors import DomainError, NotFound
from peeredu.extensions import db
from peeredu.web.auth_forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    SetPasswordForm,
)
from peeredu.web.emails import queue_password_reset
from peeredu.web.forms import show_domain_error


def build_blueprint() -> Blueprint:
    bp = Blueprint("auth", __name__)
    bp.add_url_rule("/login", view_func=login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", view_func=logout, methods=["POST"])
    bp.add_url_rule("/language", view_func=set_language, methods=["POST"])
    bp.add_url_rule("/invitation/<token>", view_func=accept_invitation, methods=["GET", "POST"])
    bp.add_url_rule("/password/forgot", view_func=forgot_password, methods=["GET", "POST"])
    bp.add_url_rule("/password/reset/<token>", view_func=reset_password, methods=["GET", "POST"])
    bp.add_url_rule("/account", view_func=account, methods=["GET", "POST"])
    return bp


# Text a learner sent after their session expired waits under this key (see web.reflect).
STASH_SESSION_KEY = "stashed_text"


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths: a login link must not become a redirect to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _sign_in(user: User) -> None:
    # A fresh session at every sign-in; only the chosen language and stashed text survive.
    kept = {key: session[key] for key in ("locale", STASH_SESSION_KEY) if key in session}
    session.clear()
    session.update(kept)
    session.permanent = True
    login_user(user)


def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("peeredu.home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(
            db.session, form.email.data or "", form.password.data or "", now=utcnow()
        )
        db.commit()  # also records a failed attempt
        if user is not None:
            _sign_in(user)
            return redirect(safe_next(request.args.get("next"), url_for("peeredu.home.index")))
        form.form_errors.append(_("The email or password is not correct."))
    return render_template(
        "auth/login.html", form=form, language_form=LanguageForm(locale=session.get("locale"))
    )


def logout() -> Response:
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You are signed out."), "info")
    return redirect(url_for("peeredu.auth.login"))


def set_language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            services.set_locale(db.session, current_user, form.locale.data or "da")
            db.commit()
    return redirect(safe_next(request.form.get("next"), url_for("peeredu.auth.login")))


def _redeem(token: str, purpose: TokenPurpose, template: str) -> str | Response:
    found = services.find_token(db.session, token, purpose, now=utcnow())
    if found is None:
        return render_template("auth/link_expired.html"), 404  # type: ignore[return-value]
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.redeem_token(
                db.session, token, purpose, password=form.password.data or "", now=utcnow()
            )
        except NotFound:
            abort(404)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.commit()
            _sign_in(user)
            flash(_("Your password is set. Welcome!"), "success")
            return redirect(url_for("peeredu.home.index"))
    return render_template(template, form=form, user=found.user)


def accept_invitation(token: str) -> str | Response:
    return _redeem(token, TokenPurpose.INVITATION, "auth/accept_invitation.html")


def reset_password(token: str) -> str | Response:
    return _redeem(token, TokenPurpose.PASSWORD_RESET, "auth/reset_password.html")


def forgot_password() -> str | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        issued = services.request_password_reset(
            db.session,
            form.email.data or "",
            now=utcnow(),
            max_age=current_app.config["PASSWORD_RESET_MAX_AGE"],
        )
        if issued is not None:
            queue_password_reset(db.session, *issued)
        db.commit()
        # The same answer whether or not the address has an account.
        flash(
            _(
                "If the address belongs to an account, we have sent a link to choose a new "
                "password."
            ),
            "info",
        )
        return redirect(url_for("peeredu.auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@login_required
def account() -> str | Response:
    form = ChangePasswordForm()
    user: User = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            services.change_password(
                db.session,
                user,
                current=form.current_password.data or "",
                new=form.new_password.data or "",
            )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.commit()
            login_user(user)  # the cookie must carry the new session version
            flash(_("Your password is changed. You are signed out everywhere else."), "success")
            return redirect(url_for("peeredu.auth.account"))
    return render_template(
        "auth/account.html", form=form, language_form=LanguageForm(locale=user.locale)
    )

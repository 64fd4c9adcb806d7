"""Signing in and out, invitations, password reset, language and one's own account.

The session rules (timeouts, the two-step fence) live in web.signin, the code step and the
set-up of two-step sign-in in web.two_factor; their pages belong to this blueprint.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peeredu.accounts import authentication, calendar_feeds, invitations, twofactor
from peeredu.accounts import users as user_service
from peeredu.accounts.models import TokenPurpose, User
from peeredu.extensions import current_time, db, limiter
from peeredu.tokens import digest
from peeredu.web.auth_forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    SetPasswordForm,
    TwoFactorCodeForm,
)
from peeredu.web.emails import queue_password_reset
from peeredu.web.guards import login_required, seconds_to_wait
from peeredu.web.lifecycle import perform
from peeredu.web.oidc import login_buttons
from peeredu.web.redirects import safe_next
from peeredu.web.signin import (
    LOCALE_KEY,
    PENDING_TWO_FACTOR,
    SESSION_ENDED,
    end_session,
    lockout_policy,
    login_limit,
    remember,
    seconds,
    sign_in,
)
from peeredu.web.two_factor import two_factor_login, two_factor_setup


def build_blueprint() -> Blueprint:
    bp = Blueprint("auth", __name__)
    bp.add_url_rule("/login", view_func=login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", view_func=logout, methods=["POST"])
    bp.add_url_rule("/language", view_func=set_language, methods=["POST"])
    bp.add_url_rule("/invitation/<token>", view_func=accept_invitation, methods=["GET", "POST"])
    bp.add_url_rule("/password/forgot", view_func=forgot_password, methods=["GET", "POST"])
    bp.add_url_rule("/password/reset/<token>", view_func=reset_password, methods=["GET", "POST"])
    bp.add_url_rule("/account", view_func=account, methods=["GET", "POST"])
    bp.add_url_rule("/login/two-factor", view_func=two_factor_login, methods=["GET", "POST"])
    bp.add_url_rule("/account/two-factor", view_func=two_factor_setup, methods=["GET", "POST"])
    bp.add_url_rule("/account/sign-out-everywhere", view_func=sign_out_everywhere, methods=["POST"])
    bp.register_error_handler(429, _too_many_attempts)
    return bp


def _login_failed_messages() -> list[str]:
    # The same words for an unknown address, a wrong password and a locked account.
    return [
        _("The email or password is not correct."),
        _(
            "After %(count)s failed attempts in a row, signing in to the account is paused "
            "for %(minutes)s minutes.",
            count=current_app.config["LOGIN_MAX_FAILURES"],
            minutes=int(seconds(current_app.config["LOGIN_LOCKOUT"]) // 60),
        ),
    ]


def _render_login(form: LoginForm, ended: str | None = None) -> str:
    return render_template(
        "peeredu/auth/login.html",
        form=form,
        ended=ended,
        language_form=LanguageForm(locale=session.get(LOCALE_KEY)),
        providers=login_buttons(),
        password_login=current_app.config["PASSWORD_LOGIN"],
    )


# Declared once, at import (see web.certificates): counts every attempt from an address.
@limiter.limit(login_limit, methods=["POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("peeredu.home.index"))
    form = LoginForm()
    ended = session.pop(SESSION_ENDED, None) if request.method == "GET" else None
    if current_app.config["PASSWORD_LOGIN"] and form.validate_on_submit():
        now = current_time()

        def check(session: Session) -> tuple[User | None, bool]:
            """Who passed the password (None records a failed attempt), and whether a
            second step follows; a user without one is signed in at once."""
            user = authentication.check_password(
                session,
                form.email.data or "",
                form.password.data or "",
                now=now,
                policy=lockout_policy(),
            )
            two_step = user is not None and twofactor.is_enabled(session, user)
            if user is not None and not two_step:
                authentication.complete_login(session, user, now=now)
            return user, two_step

        user, two_step = perform(check).value or (None, False)
        next_url = safe_next(request.args.get("next"), url_for("peeredu.home.index"))
        if user is not None and two_step:
            # Half signed in: not logged in, only "this user passed the password, just now".
            session.pop(PENDING_TWO_FACTOR, None)
            session[PENDING_TWO_FACTOR] = {
                "user": user.id,
                "version": user.session_version,
                "at": now.timestamp(),
                "next": next_url,
            }
            return redirect(url_for("peeredu.auth.two_factor_login"))
        if user is not None:
            sign_in(user)
            return redirect(next_url)
        form.form_errors.extend(_login_failed_messages())
    return _render_login(form, ended)


def _too_many_attempts(error: Exception) -> tuple[str, int, dict[str, str]]:
    wait = seconds_to_wait()
    headers = {"Retry-After": str(wait)}
    message = _(
        "Too many sign-in attempts from your network. Wait a minute, then try again.",
    )
    if request.endpoint == "peeredu.auth.login":
        # The login page again, with the address as typed (never the password).
        form = LoginForm(formdata=None, data={"email": request.form.get("email", "")[:254]})
        form.form_errors.append(message)
        return _render_login(form), 429, headers
    if request.endpoint == "peeredu.auth.forgot_password":
        form = ForgotPasswordForm(formdata=None)
        form.form_errors.append(
            _("Too many requests for a new password. Wait a while, then try again.")
        )
        return render_template("peeredu/auth/forgot_password.html", form=form), 429, headers
    if request.endpoint == "peeredu.auth.two_factor_login":
        form = TwoFactorCodeForm(formdata=None)
        form.form_errors.append(message)
        return render_template("peeredu/auth/two_factor_login.html", form=form), 429, headers
    return render_template("peeredu/layout/error.html", code=429), 429, headers


def logout() -> Response:
    # Signing out ends the user's sessions in every browser, not just this cookie.
    if current_user.is_authenticated:
        perform(lambda session: authentication.end_sessions(session, current_user))
    end_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("peeredu.auth.login"))


def set_language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():
        session[LOCALE_KEY] = form.locale.data
        if current_user.is_authenticated:
            perform(
                lambda session: user_service.set_locale(
                    session, current_user, form.locale.data or "da"
                )
            )
    return redirect(safe_next(request.form.get("next"), url_for("peeredu.auth.login")))


def _redeem(token: str, purpose: TokenPurpose, template: str) -> str | Response:
    found = invitations.find_token(db.session, token, purpose, now=current_time())
    if found is None:
        return render_template("peeredu/auth/link_expired.html"), 404  # type: ignore[return-value]
    form = SetPasswordForm()
    if form.validate_on_submit() and (
        redeemed := perform(
            lambda session: invitations.redeem_token(
                session, token, purpose, password=form.password.data or "", now=current_time()
            ),
            form=form,
        )
    ):
        assert redeemed.value is not None
        sign_in(redeemed.value)
        flash(_("Your password is set. Welcome!"), "success")
        return redirect(url_for("peeredu.home.index"))
    return render_template(template, form=form, user=found.user)


def accept_invitation(token: str) -> str | Response:
    return _redeem(token, TokenPurpose.INVITATION, "peeredu/auth/accept_invitation.html")


def reset_password(token: str) -> str | Response:
    return _redeem(token, TokenPurpose.PASSWORD_RESET, "peeredu/auth/reset_password.html")


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _reset_address_limit() -> str:
    return current_app.config["PASSWORD_RESET_ADDRESS_RATE_LIMIT"]


def _reset_address_key() -> str:
    """The address asked for, whether or not it has an account (hashed: no addresses in Redis)."""
    email = request.form.get("email", "").strip().lower()
    return "password-reset:" + digest(email)


# Per client address and per address asked for (so one inbox cannot be flooded from many
# networks). Counting every address alike keeps the limit from telling which have accounts.
@limiter.limit(_reset_limit, methods=["POST"])
@limiter.limit(_reset_address_limit, methods=["POST"], key_func=_reset_address_key)
def forgot_password() -> str | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = form.email.data or ""

        def request_reset(session: Session) -> None:
            user, token = invitations.request_password_reset(
                session,
                email,
                now=current_time(),
                max_age=current_app.config["PASSWORD_RESET_MAX_AGE"],
            )
            # Only queued (the mail worker sends it), and composed for an unknown address too:
            # both answers take the same time.
            queue_password_reset(session, user, token, email)

        perform(request_reset)
        # The same answer whether or not the address has an account.
        flash(
            _(
                "If the address belongs to an account, we have sent a link to choose a new "
                "password."
            ),
            "info",
        )
        return redirect(url_for("peeredu.auth.login"))
    return render_template("peeredu/auth/forgot_password.html", form=form)


@login_required
def account() -> str | Response:
    form = ChangePasswordForm()
    user: User = current_user._get_current_object()
    if form.validate_on_submit() and perform(
        lambda session: authentication.change_password(
            session,
            user,
            current=form.current_password.data or "",
            new=form.new_password.data or "",
        ),
        form=form,
        done=_("Your password is changed. You are signed out everywhere else."),
    ):
        remember(user)  # the cookie must carry the new session version
        return redirect(url_for("peeredu.auth.account"))
    return render_template(
        "peeredu/auth/account.html",
        form=form,
        language_form=LanguageForm(locale=user.locale),
        two_factor_on=twofactor.is_enabled(db.session, user),
        calendar_feed=calendar_feeds.feed_of(db.session, user.id),
    )


@login_required
def sign_out_everywhere() -> Response:
    user: User = current_user._get_current_object()
    perform(
        lambda session: authentication.end_sessions(session, user, actor_id=user.id),
        done=_("You are signed out on all other devices."),
    )
    remember(user)  # this browser stays signed in, with the new session version
    return redirect(url_for("peeredu.auth.account"))

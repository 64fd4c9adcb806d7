"""Two-step sign-in on the web: the code step after the password, and setting it up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import segno
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peeredu.accounts import authentication, twofactor
from peeredu.accounts.models import User
from peeredu.extensions import current_time, db, limiter
from peeredu.web.auth_forms import ConfirmPasswordForm, RecoveryCodeForm, TwoFactorCodeForm
from peeredu.web.forms import Form
from peeredu.web.guards import login_required
from peeredu.web.lifecycle import perform
from peeredu.web.redirects import safe_next
from peeredu.web.signin import (
    PENDING_TWO_FACTOR,
    lockout_policy,
    login_limit,
    seconds,
    sign_in,
    two_factor_required,
)


def _pending_user() -> tuple[User, dict[str, Any]] | None:
    """The user waiting for the second step, if they passed the password only just now."""
    pending = session.get(PENDING_TWO_FACTOR)
    if not isinstance(pending, dict):
        return None
    timeout = seconds(current_app.config["TWO_FACTOR_PENDING_TIMEOUT"])
    if not 0 <= current_time().timestamp() - float(pending.get("at", 0)) <= timeout:
        return None
    user = db.session.get(User, int(pending.get("user", 0)))
    if user is None or not user.is_active or user.session_version != pending.get("version"):
        return None
    return user, pending


# Declared once, at import (see web.certificates).
@limiter.limit(login_limit, methods=["POST"])
def two_factor_login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("peeredu.home.index"))
    found = _pending_user()
    if found is None:
        session.pop(PENDING_TWO_FACTOR, None)
        flash(_("Sign in with your email and password first."), "info")
        return redirect(url_for("peeredu.auth.login"))
    user, pending = found
    recovery = request.args.get("recovery") == "1"
    form = RecoveryCodeForm() if recovery else TwoFactorCodeForm()
    if form.validate_on_submit():
        now = current_time()

        def check(session: Session) -> bool:
            """Whether the code is right (a wrong one is recorded as a failed attempt)."""
            passed = authentication.check_code(
                session, user, form.code.data or "", now=now, policy=lockout_policy()
            )
            if passed:
                authentication.complete_login(session, user, now=now)
            return passed

        if perform(check).value:
            sign_in(user)
            if twofactor.recovery_codes_left(db.session, user) <= 2:
                flash(
                    _("You have few recovery codes left. Make new ones on your account page."),
                    "info",
                )
            return redirect(safe_next(pending.get("next"), url_for("peeredu.home.index")))
        if authentication.is_locked(user, now):
            session.pop(PENDING_TWO_FACTOR, None)
            flash(
                _("Too many failed attempts. Signing in is paused for a while; try again later."),
                "error",
            )
            return redirect(url_for("peeredu.auth.login"))
        form.code.errors = [_("The code is not correct. Try the newest code.")]
    return render_template("peeredu/auth/two_factor_login.html", form=form, recovery=recovery)


def _qr_code(uri: str) -> str:
    # An SVG data URI: the page's CSP allows data: images, and no script draws it.
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _show_recovery_codes(codes: list[str]) -> str:
    return render_template("peeredu/auth/two_factor_codes.html", codes=codes)


@login_required
def two_factor_setup() -> str | Response:
    user: User = current_user._get_current_object()
    required = two_factor_required(user)
    code_form = TwoFactorCodeForm()
    # Two password forms on one page: prefixed, so that their fields have their own ids.
    regenerate_form = ConfirmPasswordForm(prefix="regenerate")
    disable_form = ConfirmPasswordForm(prefix="disable")
    action = request.form.get("action") or ""
    now = current_time()
    # Each action of the page: the form that must be valid, and its change.
    # The values differ by action (a credential, recovery codes, nothing).
    changes: dict[str, tuple[Form, Callable[[Session], Any]]] = {
        "start": (Form(), lambda session: twofactor.start_enrolment(session, user, now=now)),
        "confirm": (
            code_form,
            lambda session: twofactor.confirm_enrolment(
                session, user, code_form.code.data or "", now=now
            ),
        ),
        "regenerate": (
            regenerate_form,
            lambda session: twofactor.regenerate_recovery_codes(
                session, user, password=regenerate_form.password.data or "", now=now
            ),
        ),
        "disable": (
            disable_form,
            lambda session: twofactor.disable(
                session, user, password=disable_form.password.data or "", required=required
            ),
        ),
    }
    if request.method == "POST" and action in changes:
        form, change = changes[action]
        # A refused start or disable is told beside the disable form, as the page shows it.
        shown = {"confirm": code_form, "regenerate": regenerate_form}.get(action, disable_form)
        done = perform(change, form=shown) if form.validate_on_submit() else None
        if done and action == "start":
            return redirect(url_for("peeredu.auth.two_factor_setup"))
        if done and action == "confirm":
            flash(_("Two-step sign-in is on."), "success")
            return _show_recovery_codes(done.value or [])
        if done and action == "regenerate":
            return _show_recovery_codes(done.value or [])
        if done and action == "disable":
            flash(_("Two-step sign-in is off."), "success")
            return redirect(url_for("peeredu.auth.account"))
    credential = twofactor.find(db.session, user)
    qr_code = secret = None
    if credential is not None and credential.enabled_at is None:
        uri = twofactor.provisioning_uri(
            credential.secret, email=user.email, issuer=current_app.config["TWO_FACTOR_ISSUER"]
        )
        qr_code = _qr_code(uri)
        secret = " ".join(credential.secret[i : i + 4] for i in range(0, len(credential.secret), 4))
    return render_template(
        "peeredu/auth/two_factor_setup.html",
        credential=credential,
        enabled=credential is not None and credential.enabled_at is not None,
        required=required,
        qr_code=qr_code,
        secret=secret,
        codes_left=twofactor.recovery_codes_left(db.session, user),
        code_form=code_form,
        regenerate_form=regenerate_form,
        disable_form=disable_form,
    )

"""The signed-in session: how it starts and ends, its timeouts and the two-step fence.

Signing in is one or two steps. The password step is rate-limited per client address and
counted per account (a lock after LOGIN_MAX_FAILURES failures in a row). A user with two-step
sign-in is then only half signed in: the session remembers who passed the password, for a few
minutes, and nothing else is open until the code is given. A session ends on the server after
SESSION_IDLE_TIMEOUT without requests and SESSION_ABSOLUTE_TIMEOUT after signing in.

peeredu keeps its session data under keys of its own (``peeredu_…``), and its signed-in user
under ``SESSION_USER_KEY``, not Flask-Login's ``_user_id``: mounted in a host application,
signing in or out of peeredu leaves the host's session data and the host's own signed-in user
alone. ``resolve_user`` puts peeredu's user where ``current_user`` finds it for peeredu's
requests, without the host's LoginManager. Standalone, the whole session is peeredu's.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from peeredu.accounts import authentication, twofactor
from peeredu.accounts.authentication import load_session_user
from peeredu.accounts.models import User
from peeredu.extensions import SESSION_USER_KEY, current_time, db, login_manager

# Every session key of peeredu's starts so (Flask's flashed messages excepted).
KEY_PREFIX = "peeredu_"
# The language chosen on the login page (before signing in).
LOCALE_KEY = "peeredu_locale"
# Text a learner sent after their session expired waits under this key (see web.reflect).
STASH_SESSION_KEY = "peeredu_stashed_text"
# When the session began and when it was last used (unix time, by the app's clock), for the
# server-side timeouts.
SIGNED_IN_AT = "peeredu_signed_in_at"
SEEN_AT = "peeredu_seen_at"
# Why the last session ended ("idle" or "absolute"), told once on the login page.
SESSION_ENDED = "peeredu_session_ended"
# Who passed the password step and waits for the second step: {"user", "version", "at", "next"}.
PENDING_TWO_FACTOR = "peeredu_two_factor_pending"
# Set on ``g`` once this request's user is resolved (or given up on, in an outage).
_RESOLVED = "_peeredu_user_resolved"
# Set by an OIDC sign-in whose provider asserted more than one factor (web.oidc): such a
# session is not sent to set up two-step sign-in.
MFA_BY_PROVIDER = "peeredu_mfa_by_provider"
# What a user who must set up two-step sign-in may still reach before doing so.
ENROLMENT_ENDPOINTS = frozenset(
    {
        "peeredu.auth.two_factor_setup",
        "peeredu.auth.logout",
        "peeredu.auth.set_language",
        "peeredu.static",
    }
)


def seconds(value: timedelta | float) -> float:
    """A duration setting: a timedelta, or seconds (as PEEREDU_* variables give it)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def lockout_policy() -> authentication.LockoutPolicy:
    config = current_app.config
    return authentication.LockoutPolicy(
        max_failures=int(config["LOGIN_MAX_FAILURES"]),
        duration=timedelta(seconds=seconds(config["LOGIN_LOCKOUT"])),
    )


def two_factor_required(user: User) -> bool:
    return twofactor.required_for(user, setting=bool(current_app.config["TWO_FACTOR_REQUIRED"]))


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _forget_own(keep: tuple[str, ...] = ()) -> None:
    """Drop peeredu's session data (all of it, standalone), but for the keys in ``keep``."""
    standalone = current_app.extensions.get("peeredu.standalone", False)
    for key in [k for k in session if standalone or k.startswith(KEY_PREFIX)]:
        if key not in keep:
            del session[key]


def resolve_user() -> None:
    """Before each of peeredu's requests: its signed-in user (or an anonymous one) on ``g``.

    Flask-Login's ``current_user`` reads ``g._login_user``: set here from peeredu's own
    session key, it is peeredu's user on peeredu's pages, whatever LoginManager the app has.
    """
    if g.get(_RESOLVED):
        return
    session_id = session.get(SESSION_USER_KEY)
    user = load_session_user(db.session, session_id) if isinstance(session_id, str) else None
    g._login_user = user if user is not None else login_manager.anonymous_user()
    setattr(g, _RESOLVED, True)


def resolve_anonymous() -> None:
    """This request goes on as a signed-out one (the session cookie is untouched)."""
    g._login_user = login_manager.anonymous_user()
    setattr(g, _RESOLVED, True)


def remember(user: User) -> None:
    """Sign ``user`` in in this session, with their current session version."""
    if not user.is_active:
        return
    session[SESSION_USER_KEY] = user.get_id()
    g._login_user = user
    setattr(g, _RESOLVED, True)


def sign_in(user: User) -> None:
    # A fresh session at every sign-in; only the chosen language and stashed text survive.
    _forget_own(keep=(LOCALE_KEY, STASH_SESSION_KEY))
    session.permanent = True
    session[SIGNED_IN_AT] = session[SEEN_AT] = current_time().timestamp()
    remember(user)


def end_session() -> None:
    """Sign out of this browser; the chosen language survives."""
    _forget_own(keep=(LOCALE_KEY,))
    resolve_anonymous()


def session_rules() -> Response | None:
    """Before every request: end a session that timed out, and fence in a missing second step.

    A session that ends here ends quietly: the request goes on as a signed-out one, so a
    reflection posted by a learner who was away too long is stashed (see web.reflect) and the
    login page says why they must sign in again.
    """
    if not current_user.is_authenticated:
        return None
    config = current_app.config
    now = current_time().timestamp()
    signed_in_at = session.get(SIGNED_IN_AT)
    seen_at = session.get(SEEN_AT)
    ended = None
    # A session without timestamps was not made by sign_in: treat it as expired.
    if not isinstance(signed_in_at, int | float) or not isinstance(seen_at, int | float):
        ended = "absolute"
    elif now - signed_in_at > seconds(config["SESSION_ABSOLUTE_TIMEOUT"]):
        ended = "absolute"
    elif now - seen_at > seconds(config["SESSION_IDLE_TIMEOUT"]):
        ended = "idle"
    if ended is not None:
        end_session()
        session[SESSION_ENDED] = ended
        return None
    session[SEEN_AT] = now
    if (
        request.endpoint not in ENROLMENT_ENDPOINTS
        and two_factor_required(current_user)
        and not session.get(MFA_BY_PROVIDER)
        and not twofactor.is_enabled(db.session, current_user)
    ):
        return redirect(url_for("peeredu.auth.two_factor_setup"))
    return None

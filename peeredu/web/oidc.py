"""Signing in with an organisation's identity provider (OpenID Connect, authorization code
flow with PKCE).

``/login/oidc/<key>`` sends the browser to the provider with a fresh ``state``, ``nonce`` and
PKCE verifier, kept in peeredu's session; the provider sends it back to
``/login/oidc/<key>/callback``, where the code is exchanged for an ID token whose signature
(the provider's published keys) and claims (iss, aud, exp, iat, nonce; a minute of clock
skew) are checked before anyone is signed in. The person is found or linked by
``accounts.identities``; then the same rules as a password sign-in apply (web.signin): a fresh
session, the audit log, the login rate limit, the timeouts, and the second step for a user
with two-step sign-in, unless the provider asserts that the person used more than one factor.
Whatever goes wrong ends on one page that says what happened (templates/auth/oidc_error.html);
nothing is stored before everything is checked.
"""

from __future__ import annotations

import secrets
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peeredu import audit
from peeredu.accounts import authentication, identities, twofactor
from peeredu.accounts.identities import ProviderSettings
from peeredu.accounts.models import User
from peeredu.errors import DomainError
from peeredu.extensions import current_time, limiter
from peeredu.tokens import new_token
from peeredu.web.forms import domain_message
from peeredu.web.lifecycle import record_apart
from peeredu.web.redirects import safe_next
from peeredu.web.signin import MFA_BY_PROVIDER, PENDING_TWO_FACTOR, login_limit, sign_in

# The sign-in under way: {"key", "state", "nonce", "verifier", "next"}.
PENDING_OIDC = "peeredu_oidc_pending"
SCOPE = "openid email profile"
SIGNING_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]


class SignInFailed(Exception):
    """The sign-in cannot go on; ``message`` says why, in the user's language."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def build_blueprint() -> Blueprint:
    bp = Blueprint("oidc", __name__)
    bp.add_url_rule("/login/oidc/<key>", view_func=start)
    bp.add_url_rule("/login/oidc/<key>/callback", view_func=callback)
    return bp


def providers() -> dict[str, ProviderSettings]:
    return identities.parse_providers(current_app.config["OIDC_PROVIDERS"])


def login_buttons() -> list[ProviderSettings]:
    """The providers the login page offers, in the configured order."""
    return list(providers().values())


def _provider(key: str) -> ProviderSettings:
    provider = providers().get(key)
    if provider is None:
        abort(404)
    return provider


def _redirect_uri(key: str) -> str:
    # At BASE_URL, as registered with the provider (the host a proxy passes on may differ).
    return current_app.config["BASE_URL"] + url_for("peeredu.oidc.callback", key=key)


def _not_answering(provider: ProviderSettings) -> SignInFailed:
    return SignInFailed(
        _(
            "The sign-in service of %(organisation)s does not answer just now. Try again "
            "in a little while.",
            organisation=provider.label,
        ),
        502,
    )


def _get_json(url: str, provider: ProviderSettings) -> dict[str, Any]:
    try:
        answer = requests.get(url, timeout=current_app.config["OIDC_TIMEOUT"])
        answer.raise_for_status()
        data = answer.json()
    except (requests.RequestException, ValueError):
        current_app.logger.warning("OIDC provider %s: %s did not answer", provider.key, url)
        raise _not_answering(provider) from None
    if not isinstance(data, dict):
        raise SignInFailed(_("The answer from the sign-in service could not be verified."), 502)
    return data


def _metadata(provider: ProviderSettings) -> dict[str, Any]:
    """The provider's discovery document, which must name the configured issuer."""
    metadata = _get_json(provider.issuer + "/.well-known/openid-configuration", provider)
    endpoints = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    if metadata.get("issuer") != provider.issuer or not all(
        isinstance(metadata.get(name), str) for name in endpoints
    ):
        raise SignInFailed(_("The answer from the sign-in service could not be verified."), 502)
    return metadata


def _client(provider: ProviderSettings) -> OAuth2Session:
    return OAuth2Session(
        provider.client_id,
        provider.client_secret,
        scope=SCOPE,
        redirect_uri=_redirect_uri(provider.key),
        code_challenge_method="S256",
    )


@limiter.limit(login_limit)
def start(key: str) -> str | Response | tuple[str, int]:
    provider = _provider(key)
    if current_user.is_authenticated:
        return redirect(url_for("peeredu.home.index"))
    try:
        metadata = _metadata(provider)
    except SignInFailed as failed:
        return _failed(provider, failed)
    pending = {
        "key": key,
        "state": new_token(),
        "nonce": new_token(),
        "verifier": new_token(48),
        "next": safe_next(request.args.get("next"), url_for("peeredu.home.index")),
    }
    session[PENDING_OIDC] = pending
    url, _state = _client(provider).create_authorization_url(
        metadata["authorization_endpoint"],
        state=pending["state"],
        nonce=pending["nonce"],
        code_verifier=pending["verifier"],
    )
    return redirect(url)


@limiter.limit(login_limit)
def callback(key: str) -> str | Response | tuple[str, int]:
    provider = _provider(key)
    pending = session.pop(PENDING_OIDC, None)
    try:
        claims = _verified_claims(provider, pending)
        assert pending is not None
        mfa = provider.asserts_mfa(claims)
        user, two_step = record_apart(lambda s: _find_person(s, provider, claims, mfa))
    except SignInFailed as failed:
        return _failed(provider, failed)
    except DomainError as error:
        return _failed(provider, SignInFailed(domain_message(error), 403))
    if two_step:
        session.pop(PENDING_TWO_FACTOR, None)
        session[PENDING_TWO_FACTOR] = {
            "user": user.id,
            "version": user.session_version,
            "at": current_time().timestamp(),
            "next": pending["next"],
        }
        return redirect(url_for("peeredu.auth.two_factor_login"))
    sign_in(user)
    if mfa:
        session[MFA_BY_PROVIDER] = True
    return redirect(safe_next(pending["next"], url_for("peeredu.home.index")))


def _verified_claims(provider: ProviderSettings, pending: Any) -> dict[str, Any]:
    """The ID token's claims, after the state, the code, the signature and the claims passed."""
    if request.args.get("error"):
        raise SignInFailed(
            _("%(organisation)s did not sign you in.", organisation=provider.label), 403
        )
    if (
        not isinstance(pending, dict)
        or pending.get("key") != provider.key
        or not request.args.get("state")
        or not secrets.compare_digest(str(pending.get("state")), request.args["state"])
    ):
        raise SignInFailed(
            _(
                "The sign-in was not started here, or it was started in another window or too "
                "long ago. Start again."
            )
        )
    metadata = _metadata(provider)
    if request.args.get("iss", provider.issuer) != provider.issuer:
        raise SignInFailed(_("The answer from the sign-in service could not be verified."))
    try:
        token = _client(provider).fetch_token(
            metadata["token_endpoint"],
            code=request.args.get("code", ""),
            code_verifier=pending["verifier"],
            timeout=current_app.config["OIDC_TIMEOUT"],
        )
    except requests.RequestException:
        raise _not_answering(provider) from None
    except AuthlibBaseError:
        raise SignInFailed(
            _("The sign-in has expired or was already used. Start again."),
        ) from None
    published = _get_json(metadata["jwks_uri"], provider)
    try:
        keys = KeySet.import_key_set(published)  # type: ignore[arg-type]
        decoded = jwt.decode(token.get("id_token", ""), keys, algorithms=SIGNING_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=int(current_app.config["OIDC_LEEWAY"]),
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": pending["nonce"]},
        ).validate(decoded.claims)
    except (JoseError, ValueError, KeyError, TypeError):
        raise SignInFailed(
            _("The answer from the sign-in service could not be verified.")
        ) from None
    claims = decoded.claims
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise SignInFailed(_("The answer from the sign-in service could not be verified."))
    return claims


def _find_person(
    session: Session, provider: ProviderSettings, claims: dict[str, Any], mfa: bool
) -> tuple[User, bool]:
    """The user the claims name (linked the first time), and whether a second step follows."""
    now = current_time()
    user = identities.link_or_find(
        session,
        issuer=provider.issuer,
        subject=str(claims["sub"]),
        email=claims.get("email"),
        email_verified=claims.get(provider.email_verified_claim) is True,
        name=claims.get("name"),
        provider=provider,
        now=now,
    )
    two_step = not mfa and twofactor.is_enabled(session, user)
    if not two_step:
        authentication.complete_login(session, user, now=now)
    audit.record(
        session,
        user.id,
        "login.oidc",
        "user",
        user.id,
        detail=f"{provider.key} mfa={'yes' if mfa else 'no'}",
    )
    session.flush()
    return user, two_step


def _failed(provider: ProviderSettings, failed: SignInFailed) -> tuple[str, int]:
    password = current_app.config["PASSWORD_LOGIN"] and provider.password_login
    page = render_template(
        "peeredu/auth/oidc_error.html", provider=provider, message=failed.message, password=password
    )
    return page, failed.status

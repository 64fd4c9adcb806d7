"""Configuration: defaults here, then ``instance/config.py``, then ``PEEREDU_*`` variables.

The environment is named by ``ENVIRONMENT`` (``production`` unless told otherwise), so that a
forgotten setting fails safe: production cookies, a required secret key.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from peeredu.accounts.identities import parse_providers
from peeredu.accounts.passwords import (
    PRODUCTION_PARAMETERS,
    TESTING_PARAMETERS,
    weaker_than_production,
)
from peeredu.certification.pdf import LogoError, check_logo

ENVIRONMENTS = ("production", "development", "testing")
DEV_SECRET_KEY = "peeredu-development-only-not-secret"


class ConfigError(RuntimeError):
    """The app cannot start with this configuration; the message says what to change."""


PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "ENVIRONMENT": "production",
    # The course content, validated when the app starts (see curriculum/README.md).
    "CURRICULUM_DIR": str(PROJECT_ROOT / "curriculum"),
    # The reflective assignments, one per module (see assessments/README.md).
    "ASSESSMENTS_DIR": str(PROJECT_ROOT / "assessments"),
    "SECRET_KEY": None,
    # None means SQLite in the instance folder.
    "DATABASE_URL": None,
    "BASE_URL": "http://127.0.0.1:5000",
    "DEFAULT_LOCALE": "da",
    # Times are stored in UTC and shown in Danish time.
    "BABEL_DEFAULT_TIMEZONE": "Europe/Copenhagen",
    "LOCALES": ("da", "en"),
    # Mail (Flask-Mail settings keep their own names).
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "Skolen for Recovery <noreply@localhost>",
    # Seconds the mail worker waits for a mail server that does not answer; the message stays
    # in the outbox and is tried again (requests never talk to the mail server).
    "MAIL_TIMEOUT": 10,
    # "smtp" delivers, "console" prints messages to the log (development).
    "MAIL_TRANSPORT": "smtp",
    # Seconds between the mail worker's passes over the outbox.
    "MAIL_WORKER_INTERVAL": 5,
    # `peeredu retention run` deletes sent and cancelled messages (their bodies are deleted on
    # delivery) this many days after they were queued, and audit events after this many months.
    "OUTBOX_KEEP_DAYS": 30,
    "AUDIT_KEEP_MONTHS": 24,
    # Flask-Mail silently drops mail when TESTING; the tests deliver to a real SMTP server.
    "MAIL_SUPPRESS_SEND": False,
    # argon2id's cost for new password hashes (time_cost, memory_cost in KiB, parallelism):
    # OWASP's minimum, which production may raise but not lower. The tests use the cheapest.
    "PASSWORD_HASH_PARAMETERS": PRODUCTION_PARAMETERS,
    "INVITATION_MAX_AGE": timedelta(days=7),
    "PASSWORD_RESET_MAX_AGE": timedelta(hours=2),
    # Password-reset requests per client address, and per email address asked for (counted
    # whether or not it has an account, so the limit tells nothing about that).
    "PASSWORD_RESET_RATE_LIMIT": "10 per hour",
    "PASSWORD_RESET_ADDRESS_RATE_LIMIT": "3 per hour",
    # Sessions: short-lived, SameSite=Lax, Secure unless developing on plain http.
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_NAME": "peeredu_session",
    "REMEMBER_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": timedelta(days=14),
    # CSRF tokens live as long as the session: an hour-long limit would refuse the submit of
    # a learner who spent the afternoon on a reflection.
    "WTF_CSRF_TIME_LIMIT": None,
    "SQLITE_BUSY_TIMEOUT_MS": 5000,
    # Rate limits (Flask-Limiter). REDIS_URL, when set, makes the counts shared by workers.
    "REDIS_URL": None,
    # Seconds to connect to and to wait for Redis before counting in memory instead.
    "REDIS_TIMEOUT": 0.5,
    "VERIFY_RATE_LIMIT": "30 per minute",
    # Per API token (per client address for requests without one).
    "API_RATE_LIMIT": "120 per minute",
    # `peeredu retention run` deletes reflection, feedback and practice-log texts this many
    # months after a cohort's end date (completions and certificates are kept).
    "RETENTION_MONTHS": 12,
    # -- Sign-in security (durations: a timedelta, or seconds from PEEREDU_* variables) --------
    # Login posts per client address (counted in Redis when REDIS_URL is set).
    "LOGIN_RATE_LIMIT": "10 per minute",
    # Text stashed by signed-out posts (a session that ended mid-reflection), per address.
    "STASH_RATE_LIMIT": "20 per hour",
    # Failed attempts in a row (passwords and second-step codes) before an account is locked,
    # and for how long; counted in the database, so whichever address the attempts come from.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCKOUT": timedelta(minutes=15),
    # Signed out after this long without a request (autosave counts: learners write long
    # texts), and this long after signing in whatever happens. Checked on the server.
    "SESSION_IDLE_TIMEOUT": timedelta(minutes=60),
    "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=12),
    # Two-step sign-in (TOTP) required for admins, teachers and HR; anyone may turn it on.
    # Off in development and tests unless set: PEEREDU_TWO_FACTOR_REQUIRED=true.
    "TWO_FACTOR_REQUIRED": True,
    # The name authenticator apps show next to the code.
    "TWO_FACTOR_ISSUER": "Skolen for Recovery",
    # How long the second step waits for its code after the password was accepted.
    "TWO_FACTOR_PENDING_TIMEOUT": timedelta(minutes=5),
    # Sign-in with an organisation's identity provider (OpenID Connect), a JSON list of
    # {"key", "label" (the organisation's name on the button), "issuer", "client_id",
    # "client_secret", "password_login" (default true), "jit" (default false: no account is
    # made from a sign-in alone), "mfa_acr" (optional), "email_verified_claim" (default
    # "email_verified"; "xms_edov" for Entra ID)}. See README.md, "Sign-in with Entra ID".
    "OIDC_PROVIDERS": [],
    # The password form on the login page; off when every organisation signs in with its
    # identity provider (then a provider's error page offers no password sign-in either).
    "PASSWORD_LOGIN": True,
    # Seconds to wait for a provider's discovery, keys and token endpoints, and the clock skew
    # tolerated in its ID tokens' times.
    "OIDC_TIMEOUT": 10,
    "OIDC_LEEWAY": 60,
    # -- end of sign-in security ----------------------------------------------------------------
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed
    # (werkzeug's ProxyFix); 0 trusts none, so a client cannot claim HTTPS with a header.
    "TRUSTED_PROXY_COUNT": 0,
    # Request bodies: Flask 3.1 caps a multipart form field at 500 kB (MAX_FORM_MEMORY_SIZE)
    # but puts no cap on an url-encoded form; a reflection (at most 100,000 characters, up to
    # 12 bytes each when url-encoded) fits well under this.
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    # The operator named on the privacy and accessibility pages; unset values show a
    # visible "to be filled in" marker.
    "OPERATOR_NAME": None,
    "OPERATOR_ADDRESS": None,
    "PRIVACY_CONTACT_EMAIL": None,
    "DPO_CONTACT": None,
    "PRIVACY_LEGAL_BASIS": None,
    "ACCESSIBILITY_CONTACT_EMAIL": None,
    # The law asks for a written and a telephone contact.
    "ACCESSIBILITY_CONTACT_PHONE": None,
    # The official statement in Digitaliseringsstyrelsen's WAS-Tool (was.digst.dk/...).
    "ACCESSIBILITY_STATEMENT_URL": None,
    "ACCESSIBILITY_STATEMENT_DATE": None,
    # "full", "partial" or "none": compliance with WCAG 2.1 AA, as last assessed.
    "ACCESSIBILITY_STATUS": "partial",
    "ACCESSIBILITY_KNOWN_ISSUES": None,
    # -- The certificate PDF (also named: OPERATOR_NAME, or "Skolen for Recovery" unset) -------
    # The operator's logo at the top: a PNG or SVG file, absolute or relative to the instance
    # folder; checked when the app starts. Unset, the certificate shows the name only.
    "OPERATOR_LOGO": None,
    # Under the signature line: who signs, and their title, either one text or one per
    # language ({"da": "Forstander", "en": "Head of school"}). Unset, the operator's name.
    "CERTIFICATE_SIGNATORY_NAME": None,
    "CERTIFICATE_SIGNATORY_TITLE": None,
}

OVERRIDES_BY_ENVIRONMENT: dict[str, dict[str, Any]] = {
    "development": {
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "MAIL_TRANSPORT": "console",
        "TWO_FACTOR_REQUIRED": False,
    },
    "testing": {
        "TESTING": True,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "TWO_FACTOR_REQUIRED": False,
        "PASSWORD_HASH_PARAMETERS": TESTING_PARAMETERS,
    },
}


# The operator's details on the privacy page and the accessibility statement (web.pages).
OPERATOR_KEYS = (
    "OPERATOR_NAME",
    "OPERATOR_ADDRESS",
    "PRIVACY_CONTACT_EMAIL",
    "DPO_CONTACT",
    "PRIVACY_LEGAL_BASIS",
    "ACCESSIBILITY_CONTACT_EMAIL",
    "ACCESSIBILITY_CONTACT_PHONE",
    "ACCESSIBILITY_STATEMENT_URL",
    "ACCESSIBILITY_STATEMENT_DATE",
    "ACCESSIBILITY_KNOWN_ISSUES",
)

# PEEREDU_* values are parsed as JSON so that numbers and booleans work; these are text
# whatever they look like (a numeric secret key would break session signing, a password
# "null" would become None).
TEXT_SETTINGS = frozenset(
    {key for key, value in DEFAULTS.items() if isinstance(value, str)}
    | {"SECRET_KEY", "DATABASE_URL", "MAIL_USERNAME", "MAIL_PASSWORD"}
    | set(OPERATOR_KEYS)
    | {"OPERATOR_LOGO", "CERTIFICATE_SIGNATORY_NAME"}
)


def load_config(app: Flask, test_config: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` in order: defaults, environment defaults, instance file, env vars."""
    app.config.from_mapping(DEFAULTS)
    _load_explicit_sources(app, test_config)
    environment = app.config["ENVIRONMENT"]
    if environment not in ENVIRONMENTS:
        raise ConfigError(
            f"PEEREDU_ENVIRONMENT is {environment!r}; use one of {', '.join(ENVIRONMENTS)}."
        )
    # The environment's defaults go under whatever was set explicitly, so apply them and
    # then the explicit sources once more.
    app.config.from_mapping(OVERRIDES_BY_ENVIRONMENT.get(environment, {}))
    _load_explicit_sources(app, test_config)

    if not app.config["SECRET_KEY"]:
        if environment == "production":
            raise ConfigError(
                "No secret key: set PEEREDU_SECRET_KEY (or SECRET_KEY in instance/config.py) "
                "to a long random value, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        app.config["SECRET_KEY"] = DEV_SECRET_KEY

    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{app.instance_path}/peeredu.sqlite3"
    if app.config["DEFAULT_LOCALE"] not in app.config["LOCALES"]:
        raise ConfigError(
            f"PEEREDU_DEFAULT_LOCALE is {app.config['DEFAULT_LOCALE']!r}; "
            f"use one of {', '.join(app.config['LOCALES'])}."
        )
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    providers = app.config["OIDC_PROVIDERS"]
    try:
        if not isinstance(providers, list) or not all(isinstance(p, dict) for p in providers):
            raise ValueError("PEEREDU_OIDC_PROVIDERS must be a JSON list of objects")
        parse_providers(providers)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    _check_certificate_settings(app)
    if environment == "production" and weaker_than_production(
        app.config["PASSWORD_HASH_PARAMETERS"]
    ):
        raise ConfigError(
            "PEEREDU_PASSWORD_HASH_PARAMETERS is below OWASP's minimum for argon2id "
            f"({PRODUCTION_PARAMETERS}); raise it or leave it unset."
        )


def _check_certificate_settings(app: Flask) -> None:
    """The logo must be there and drawable now, not fail the first certificate downloaded."""
    logo = app.config["OPERATOR_LOGO"]
    if logo:
        path = Path(app.instance_path, logo)  # an absolute path stays as it is
        try:
            check_logo(path)
        except LogoError as error:
            raise ConfigError(
                f"PEEREDU_OPERATOR_LOGO: {error}; give the path of a PNG or SVG file "
                "(absolute, or relative to the instance folder), or leave it unset."
            ) from None
        app.config["OPERATOR_LOGO"] = str(path)
    title = app.config["CERTIFICATE_SIGNATORY_TITLE"]
    if not (
        title is None
        or isinstance(title, str)
        or (isinstance(title, dict) and all(isinstance(v, str) for v in title.values()))
    ):
        raise ConfigError(
            "PEEREDU_CERTIFICATE_SIGNATORY_TITLE must be a text or a JSON object of texts by "
            'language, e.g. {"da": "Forstander", "en": "Head of school"}.'
        )


def _load_explicit_sources(app: Flask, test_config: dict[str, Any] | None) -> None:
    # An absolute path: a relative one is read from app.root_path, the package (where it found
    # this very module), not from the instance folder.
    app.config.from_pyfile(os.path.join(app.instance_path, "config.py"), silent=True)
    app.config.from_prefixed_env("PEEREDU")
    for key in TEXT_SETTINGS:
        raw = os.environ.get(f"PEEREDU_{key}")
        if raw is not None:
            app.config[key] = raw
    if test_config:
        app.config.from_mapping(test_config)

"""peeredu: the online peer-support education course of Skolen for Recovery.

``create_app()`` builds the standalone application. ``PeerEdu`` is the same set of features as
an extension, to be mounted in an existing Flask application under a URL prefix::

    peeredu = PeerEdu()
    peeredu.init_app(host_app, url_prefix="/kursus")
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from peeredu.accounts import passwords
from peeredu.cli import register_commands
from peeredu.config import DEFAULTS, load_config
from peeredu.course_content import load_content
from peeredu.extensions import (
    TRANSLATIONS_DIR,
    babel,
    db,
    init_csrf,
    init_limiter,
    login_manager,
    mailer,
)
from peeredu.web import answer_unrouted, build_blueprint
from peeredu.web.compiled_templates import COMPILED_TEMPLATES
from peeredu.web.i18n import choose_on_own_pages, select_locale

__all__ = ["PeerEdu", "create_app"]


class PeerEdu:
    """The peeredu features as a Flask extension.

    A good guest: the host's own routes get no CSRF check of peeredu's, the host's
    LoginManager and Babel stay the host's (peeredu resolves its own user, catalog and
    language on its own pages), peeredu's template globals are on its blueprint only, and
    its session data is under keys of its own. Mount it after the host's own LoginManager
    and Babel are set up: peeredu sets up its own only where the host has none.
    """

    def __init__(self, app: Flask | None = None, **options: Any) -> None:
        if app is not None:
            self.init_app(app, **options)

    def init_app(self, app: Flask, url_prefix: str = "") -> None:
        for key, value in DEFAULTS.items():
            app.config.setdefault(key, value)
        if not app.config.get("DATABASE_URL"):
            app.config["DATABASE_URL"] = f"sqlite:///{app.instance_path}/peeredu.sqlite3"

        passwords.use_parameters(app.config["PASSWORD_HASH_PARAMETERS"])
        # Invalid content stops the start with every problem listed (ContentError).
        curriculum, assignments = load_content(
            Path(app.config["CURRICULUM_DIR"]), Path(app.config["ASSESSMENTS_DIR"])
        )
        # A host leaves Flask's MAX_CONTENT_LENGTH at None (no limit); peeredu's own routes
        # never read an unlimited body, so they keep peeredu's default then (web._limit_body).
        app.extensions["peeredu.body_limit"] = (
            app.config.get("MAX_CONTENT_LENGTH") or DEFAULTS["MAX_CONTENT_LENGTH"]
        )
        app.extensions["peeredu.curriculum"] = curriculum
        app.extensions["peeredu.assignments"] = assignments
        db.init_app(app)
        init_limiter(app)
        mailer.init_app(app)
        init_csrf(app)
        if "babel" in app.extensions:
            choose_on_own_pages(app.extensions["babel"])
        else:
            app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
            app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["DEFAULT_LOCALE"])
            babel.init_app(app, locale_selector=select_locale)
        if getattr(app, "login_manager", None) is None:
            login_manager.init_app(app)
        login_manager.login_view = "peeredu.auth.login"
        login_manager.login_message = None  # the login page says why on its own
        app.register_blueprint(build_blueprint(), url_prefix=url_prefix or None)
        # A URL under the prefix that matches no route gets peeredu's page, not the host's.
        app.before_request(answer_unrouted(url_prefix))
        register_commands(app)
        app.extensions["peeredu"] = self


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The standalone peeredu application."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("PEEREDU_INSTANCE_PATH") or None,
        static_folder=None,
        template_folder=None,
    )
    app.jinja_options = {**app.jinja_options, "bytecode_cache": COMPILED_TEMPLATES}
    load_config(app, test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies:
        # Believe X-Forwarded-For/-Proto/-Host only from that many proxies in front of us;
        # without it a client could claim HTTPS (or any address) with a header.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    # Standalone, the whole session is peeredu's: signing in starts an empty one.
    app.extensions["peeredu.standalone"] = True
    PeerEdu(app)
    return app

"""A small host application with its own CSRF-free POST route, sign-in, template, session
data and Flask-Babel, with peeredu mounted under /kursus: the good-guest checks use it.

The host is set up before peeredu is mounted, as an application that adds peeredu later
would be: its LoginManager and Babel exist when ``PeerEdu.init_app`` runs.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template, request, session
from flask_babel import Babel, get_locale
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from peeredu import PeerEdu
from peeredu.config import OVERRIDES_BY_ENVIRONMENT
from peeredu.extensions import Database
from peeredu.models import metadata
from tests.conftest import Client, Mailbox, _sqlite_file, app_config
from tests.host.mounting import PREFIX

HOST_USER_ID = "host-42"
HOST_TEMPLATES = Path(__file__).parent / "templates"


class HostUser(UserMixin):
    """The host's own kind of user, which peeredu knows nothing about."""

    def __init__(self, user_id: str) -> None:
        self.id = user_id


def build_host(settings: dict[str, Any]) -> Flask:
    host = Flask("host", template_folder=str(HOST_TEMPLATES))
    host.config.update(settings)
    host.config["SECRET_KEY"] = "host-secret"

    logins = LoginManager(host)
    logins.user_loader(lambda user_id: HostUser(user_id) if user_id == HOST_USER_ID else None)
    host.extensions["host.login_manager"] = logins
    # The host's own Babel: English, by a selector of its own.
    host.config["BABEL_DEFAULT_LOCALE"] = "en"
    Babel(host, locale_selector=lambda: "en")

    @host.post("/host/note")
    def host_note() -> str:  # a plain form of the host's, with no CSRF token
        session["host_note"] = request.form["note"]
        return "noted"

    @host.get("/host/note")
    def host_note_read() -> str:
        return str(session.get("host_note", "-"))

    @host.post("/host/login")
    def host_login() -> str:
        login_user(HostUser(HOST_USER_ID))
        return "signed in to the host"

    @host.post("/host/logout")
    def host_logout() -> str:
        logout_user()
        return "signed out of the host"

    @host.get("/host/whoami")
    def whoami() -> str:
        return current_user.get_id() if current_user.is_authenticated else "anonymous"

    @host.get("/host/locale")
    def host_locale() -> str:
        return str(get_locale())

    @host.get("/host/page")
    def host_page() -> str:
        return render_template("host_page.html")

    PeerEdu().init_app(host, url_prefix=PREFIX)
    return host


@pytest.fixture
def host_app(
    database_url: str,
    smtp_server: Any,
    mailbox: Mailbox,
    sqlite_template: Path | None,
    tmp_path: Path,
) -> Iterator[Flask]:
    settings = {
        **app_config(database_url, smtp_server[0].port),
        **OVERRIDES_BY_ENVIRONMENT["testing"],
    }
    file = _sqlite_file(database_url)
    fresh = file is not None and sqlite_template is not None and not file.exists()
    if fresh:
        shutil.copyfile(sqlite_template, file)  # type: ignore[arg-type]
    host = build_host(settings)
    host.test_client_class = Client
    engine = Database.state(host).engine
    if engine.dialect.name == "sqlite" and not fresh:
        metadata.create_all(engine)
    yield host
    engine.dispose()


@pytest.fixture
def host_client(host_app: Flask) -> Client:
    return host_app.test_client()  # type: ignore[return-value]

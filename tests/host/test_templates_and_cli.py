"""peeredu as a guest in a host app: its templates, its commands and its links are its own.

The host has its own ``templates/layout/base.html`` and, in a blueprint of its own registered
after peeredu, ``auth/login.html`` (the names peeredu's templates had before they moved under
``peeredu/``). The app's folder is searched first, then the blueprints' in the order they were
registered: without the ``peeredu/`` folder the host's layout replaced peeredu's and peeredu's
login page replaced the host blueprint's. Its commands are one group in the host's ``flask``
command, and every link it prints or mails carries the prefix it is mounted at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Blueprint, Flask, render_template, template_rendered
from flask.cli import FlaskGroup
from sqlalchemy import inspect

from peeredu.accounts.models import Role
from peeredu.cli import peeredu
from peeredu.extensions import Database
from tests.conftest import Client, Mailbox, deliver_outbox
from tests.factories import PASSWORD, Factory
from tests.host.mounting import PREFIX, mounted_app
from tests.web.test_invitations import invitation_form

HOST_LOGIN = "<p>The host's own login page</p>"
HOST_BASE = "<p>The host's own layout</p>{% block content %}{% endblock %}"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def host(app: Flask, app_settings: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    """The host on the test's database (made ready by the suite's ``app``)."""
    root = tmp_path / "host"
    write(root / "templates" / "layout" / "base.html", HOST_BASE)
    write(root / "auth" / "templates" / "auth" / "login.html", HOST_LOGIN)
    host = mounted_app(app_settings, root)
    auth = Blueprint("auth", __name__, template_folder=str(root / "auth" / "templates"))

    @auth.route("/login")
    def host_login() -> str:
        return render_template("auth/login.html")

    host.register_blueprint(auth)
    host.test_client_class = Client
    yield host
    Database.state(host).engine.dispose()


@pytest.fixture
def rendered(host: Flask) -> Iterator[list[str]]:
    """The names of the templates the host renders, in order."""
    names: list[str] = []

    def seen(_sender: Flask, template: Any, **_extra: Any) -> None:
        names.append(template.name)

    with template_rendered.connected_to(seen, host):
        yield names


# -- Templates ------------------------------------------------------------------------------


def test_peeredus_login_page_is_its_own_beside_a_host_template_of_the_same_name(
    host: Flask, rendered: list[str]
) -> None:
    page = host.test_client().get(f"{PREFIX}/login").get_data(as_text=True)

    assert 'id="email"' in page and 'name="csrf_token"' in page
    assert "The host's own" not in page
    assert rendered == ["peeredu/auth/login.html"]


def test_the_hosts_own_login_page_is_the_hosts(host: Flask, rendered: list[str]) -> None:
    page = host.test_client().get("/login").get_data(as_text=True)

    assert page == HOST_LOGIN
    assert rendered == ["auth/login.html"]


def test_every_page_of_a_signed_in_journey_renders_peeredus_templates(
    host: Flask, rendered: list[str]
) -> None:
    make = Factory(host)
    teacher = make.user(Role.TEACHER, email="tove@example.org")
    cohort = make.cohort(teachers=(teacher,))
    make.enrolment(make.user(email="maria@example.org"), cohort, make.organisation())
    client = host.test_client()
    assert isinstance(client, Client)
    login = f"{PREFIX}/login"
    credentials = {"email": "maria@example.org", "password": PASSWORD}
    assert client.submit(login, credentials, token_page=login).status_code == 302
    for path in ("/", "/account", "/my-data/", "/privatliv", "/verify", "/teach/cohorts/999"):
        page = client.get(PREFIX + path)
        assert page.status_code in (200, 404), path
        assert "The host's own" not in page.get_data(as_text=True), path

    assert rendered[-1] == "peeredu/layout/error.html"  # the learner may not see a cohort
    assert len(rendered) == 7
    assert [name for name in rendered if not name.startswith("peeredu/")] == []


# -- Commands -------------------------------------------------------------------------------


def test_the_host_cli_gains_the_peeredu_group_and_none_of_its_commands(host: Flask) -> None:
    assert host.cli.commands["peeredu"] is peeredu
    assert not {"db", "users", "mail", "backup"} & set(host.cli.commands)
    assert not set(peeredu.commands) & set(host.cli.commands)


def test_flask_peeredu_db_upgrade_runs_through_the_hosts_command_line(
    app_settings: dict[str, Any], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/new.sqlite3"
    host = mounted_app({**app_settings, "DATABASE_URL": url}, tmp_path)
    flask = FlaskGroup(create_app=lambda: host)
    try:
        upgraded = CliRunner().invoke(flask, ["peeredu", "db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        current = CliRunner().invoke(flask, ["peeredu", "db", "current"])
        assert current.exit_code == 0, current.output
        assert "(head)" in current.output
        assert {"users", "alembic_version"} <= set(
            inspect(Database.state(host).engine).get_table_names()
        )
        assert CliRunner().invoke(flask, ["db", "upgrade"]).exit_code == 2  # no such command
    finally:
        Database.state(host).engine.dispose()


# -- Links ----------------------------------------------------------------------------------


def test_demo_seed_prints_the_verify_link_under_the_prefix(host: Flask) -> None:
    result = host.test_cli_runner().invoke(args=["peeredu", "demo", "seed"])

    assert result.exit_code == 0, result.output
    base = host.config["BASE_URL"]
    assert re.search(rf"verified at {re.escape(base + PREFIX)}/verify/[0-9A-Z-]+\n", result.output)


def test_an_invitation_email_links_under_the_prefix(host: Flask, mailbox: Mailbox) -> None:
    make = Factory(host)
    make.user(Role.ADMIN, email="admin@example.org")
    cohort = make.cohort()
    organisation = make.organisation()
    client = host.test_client()
    assert isinstance(client, Client)
    login = f"{PREFIX}/login"
    client.submit(login, {"email": "admin@example.org", "password": PASSWORD}, token_page=login)
    invite = f"{PREFIX}/admin/users/invite"
    form = invitation_form("ny@example.org", cohort, organisation)
    invited = client.submit(invite, form, token_page=invite)
    assert invited.status_code == 302, invited.get_data(as_text=True)

    deliver_outbox(host)
    link = mailbox.link_to("ny@example.org", "/invitation/")
    assert link.startswith(f"{PREFIX}/invitation/")
    [mail] = mailbox.to("ny@example.org")
    assert f"{host.config['BASE_URL']}{link}" in Mailbox.body(mail)
    assert host.test_client().get(link).status_code == 200


def test_the_api_description_names_its_server_under_the_prefix(host: Flask) -> None:
    document = host.test_client().get(f"{PREFIX}/api/v1/openapi.json")

    assert document.status_code == 200
    assert document.json is not None
    assert document.json["servers"] == [{"url": f"{host.config['BASE_URL']}{PREFIX}/api/v1"}]

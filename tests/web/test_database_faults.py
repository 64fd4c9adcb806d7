"""A database that restarts or goes away: no 500, a Danish 503 while it is away, and recovery.

Real parts only: PostgreSQL connections are killed with ``pg_terminate_backend``; an outage is
an app whose database cannot be reached (a SQLite file in a folder that does not exist yet, or
a PostgreSQL port where nothing listens), with a session cookie made by a working app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from peeredu import create_app
from peeredu.extensions import Database
from peeredu.models import metadata
from tests.conftest import Client, app_config, free_port
from tests.factories import PASSWORD, Factory


def _client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


def _signed_in(app: Flask, make: Factory) -> tuple[Client, str]:
    user = make.user(email="l1@example.org")
    enrolment = make.enrolment(user, make.cohort("Hold 1"), make.organisation("Org A"))
    client = _client(app)
    assert client.login("l1@example.org", PASSWORD).status_code == 302
    return client, f"/learn/{enrolment.id}/log"


def _with_cookie_of(source: Client, app: Flask) -> Client:
    """A browser of ``app`` that carries the session cookie ``source`` was given."""
    client = _client(app)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = source.get_cookie(name)
    assert cookie is not None
    client.set_cookie(name, cookie.value)
    return client


def _assert_danish_503(client: Client, path: str, token: str) -> None:
    page = client.get(path)
    assert page.status_code == 503, page.get_data(as_text=True)[:300]
    assert page.headers["Retry-After"].isdigit()
    text = page.get_data(as_text=True)
    assert "Kurset kan ikke nås lige nu" in text and "Intet af det, du har gemt, er tabt" in text
    autosave = client.post(
        path,
        data={"action": "autosave", "csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert autosave.status_code == 503
    assert "Intet af det, du har gemt, er tabt" in autosave.json["message"]


def test_killed_postgresql_connections_cost_no_request(
    app: Flask, make: Factory, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server to lose")
    client, path = _signed_in(app, make)
    other = _signed_in_again(app)
    for browser in (client, other, client, other):
        assert browser.get(path).status_code == 200
    pool = Database.state(app).engine.pool
    assert pool.checkedin() >= 1  # idle pooled connections that are about to die
    url = make_url(database_url)
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname="postgres", autocommit=True
    ) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (url.database,),
        ).fetchone()
    assert killed is not None and killed[0] >= 1
    codes = [browser.get(path).status_code for browser in (client, other) * 5]
    assert codes == [200] * 10


def _signed_in_again(app: Flask) -> Client:
    client = _client(app)
    assert client.login("l1@example.org", PASSWORD).status_code == 302
    return client


def test_a_database_that_is_away_answers_503_in_danish_and_json(
    app: Flask, make: Factory, database_url: str, smtp_server: Any
) -> None:
    client, path = _signed_in(app, make)
    if database_url.startswith("postgresql"):
        away = make_url(database_url).set(port=free_port())
        down_url = away.render_as_string(hide_password=False)
    else:
        down_url = f"sqlite:///{Path(database_url.removeprefix('sqlite:///')).parent}/gone/x.db"
    down = create_app({**app_config(down_url, smtp_server[0].port), "DEFAULT_LOCALE": "da"})
    try:
        token = client.get("/csrf-token").json["token"]
        browser = _with_cookie_of(client, down)
        _assert_danish_503(browser, path, token)
        # A form posted with a stale token: the 400 page does not need the database either.
        assert browser.post(path, data={"text": "x"}).status_code == 400
        # The API answers JSON in its own format.
        api = _client(down).get(
            "/api/v1/participants", headers={"Authorization": "Bearer pe_not-a-real-token"}
        )
        assert api.status_code == 503 and api.json["error"] == "service_unavailable"
    finally:
        Database.state(down).engine.dispose()


def test_the_app_recovers_by_itself_when_the_database_comes_back(
    tmp_path: Path, smtp_server: Any, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite file appears; PostgreSQL recovery is the killed-connection test")
    working, later = tmp_path / "working", tmp_path / "later"
    working.mkdir()
    config = app_config(f"sqlite:///{working}/peeredu.sqlite3", smtp_server[0].port)
    app = create_app(config)
    metadata.create_all(Database.state(app).engine)
    client, path = _signed_in(app, Factory(app))
    token = client.get("/csrf-token").json["token"]
    Database.state(app).engine.dispose()
    # Started while its database is not there (the folder appears later, as after a mount).
    waiting = create_app({**config, "DATABASE_URL": f"sqlite:///{later}/peeredu.sqlite3"})
    try:
        browser = _with_cookie_of(client, waiting)
        _assert_danish_503(browser, path, token)
        working.rename(later)
        assert browser.get(path).status_code == 200
    finally:
        Database.state(waiting).engine.dispose()

"""peeredu mounted in somebody else's Flask application, under a URL prefix."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from peeredu import PeerEdu
from peeredu.extensions import Database
from peeredu.models import metadata
from tests.conftest import Client
from tests.factories import PASSWORD, Factory


@contextmanager
def mounted_host(database_url, smtp_server) -> Iterator[Flask]:
    """A host application with a page of its own and peeredu under /kursus."""
    host = Flask("host")
    host.config.update(
        SECRET_KEY="host-secret",
        DATABASE_URL=database_url,
        SESSION_COOKIE_SECURE=False,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server[0].port,
    )

    @host.route("/")
    def host_home() -> str:
        return "the host's own page"

    PeerEdu().init_app(host, url_prefix="/kursus")
    engine = Database.state(host).engine
    if engine.dialect.name == "sqlite":
        metadata.create_all(engine)
    try:
        yield host
    finally:
        engine.dispose()


def test_mount_in_a_host_app_and_sign_in_through_it(database_url, smtp_server):
    with mounted_host(database_url, smtp_server) as host:
        Factory(host).user(email="maria@example.org", name="Maria")
        host.test_client_class = Client
        client = host.test_client()

        assert client.get("/").get_data(as_text=True) == "the host's own page"
        login = client.get("/kursus/login")
        assert login.status_code == 200
        assert "/kursus/static/style.css" in login.get_data(as_text=True)

        response = client.submit(
            "/kursus/login",
            {"email": "maria@example.org", "password": PASSWORD},
            token_page="/kursus/login",
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/kursus/"
        assert "Velkommen, Maria" in client.get("/kursus/").get_data(as_text=True)
        # Unauthenticated visitors are sent to the mounted login page.
        assert "/kursus/login" in host.test_client().get("/kursus/").headers["Location"]

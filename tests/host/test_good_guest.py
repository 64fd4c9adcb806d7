"""peeredu mounted in a host application touches only what is its own.

One check per point of a good guest: the host's POST routes need no token of peeredu's, the
host's LoginManager and signed-in user stay the host's, the host's templates see none of
peeredu's globals, the host's session data survives peeredu's sign-in and sign-out, and
peeredu's pages stay Danish under a host Babel that says English.
"""

from __future__ import annotations

from peeredu.accounts.models import User
from peeredu.extensions import db
from peeredu.web.emails import queue_invitation
from tests.conftest import Client, Mailbox, deliver_outbox
from tests.factories import PASSWORD, Factory
from tests.host.conftest import HOST_USER_ID, PREFIX


def sign_in_to_peeredu(client: Client, email: str = "maria@example.org") -> None:
    response = client.submit(
        f"{PREFIX}/login", {"email": email, "password": PASSWORD}, token_page=f"{PREFIX}/login"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == f"{PREFIX}/"


def sign_out_of_peeredu(client: Client) -> None:
    response = client.submit(f"{PREFIX}/logout", token_page=f"{PREFIX}/account")
    assert response.status_code == 302
    assert client.get(f"{PREFIX}/").status_code == 302


def test_the_hosts_post_routes_need_no_token_but_peeredus_still_do(host_app, host_client):
    Factory(host_app).user(email="maria@example.org")
    assert host_client.post("/host/note", data={"note": "mine"}).status_code == 200
    # peeredu's own forms are protected as standalone, with the same error page.
    refused = host_client.post(
        f"{PREFIX}/login", data={"email": "maria@example.org", "password": PASSWORD}
    )
    assert refused.status_code == 400
    assert "Formularen har måske været åben længe" in refused.get_data(as_text=True)
    assert host_client.get(f"{PREFIX}/").status_code == 302  # not signed in
    # Its exemptions hold too: the API (exempt) says it only reads, not that a token is missing.
    assert host_client.post(f"{PREFIX}/api/v1/participants").status_code == 405


def test_the_host_keeps_its_login_manager_and_its_signed_in_user(host_app, host_client):
    Factory(host_app).user(email="maria@example.org", name="Maria")
    assert host_app.login_manager is host_app.extensions["host.login_manager"]
    host_client.post("/host/login")
    # Signed in to the host only: peeredu does not take the host's user for one of its own.
    assert host_client.get(f"{PREFIX}/").headers["Location"].startswith(f"{PREFIX}/login")

    sign_in_to_peeredu(host_client)
    assert "Velkommen, Maria" in host_client.get(f"{PREFIX}/").get_data(as_text=True)
    assert host_client.get("/host/whoami").get_data(as_text=True) == HOST_USER_ID

    sign_out_of_peeredu(host_client)
    assert host_client.get("/host/whoami").get_data(as_text=True) == HOST_USER_ID
    host_client.post("/host/logout")
    assert host_client.get("/host/whoami").get_data(as_text=True) == "anonymous"
    assert host_app.login_manager is host_app.extensions["host.login_manager"]


def test_signing_out_of_the_host_leaves_peeredus_sign_in(host_app, host_client):
    Factory(host_app).user(email="maria@example.org", name="Maria")
    host_client.post("/host/login")
    sign_in_to_peeredu(host_client)
    host_client.post("/host/logout")
    assert "Velkommen, Maria" in host_client.get(f"{PREFIX}/").get_data(as_text=True)


def test_a_host_template_sees_none_of_peeredus_globals(host_app, host_client):
    Factory(host_app).user(email="maria@example.org")
    sign_in_to_peeredu(host_client)
    page = host_client.get("/host/page").get_data(as_text=True)
    assert "label: no" in page
    assert "permissions: no" in page
    assert "status_icons: no" in page


def test_the_hosts_session_data_survives_peeredus_sign_in_and_out(host_app, host_client):
    Factory(host_app).user(email="maria@example.org")
    host_client.post("/host/note", data={"note": "the host's own"})
    with host_client.session_transaction() as session:
        session["peeredu_planted"] = "by someone else"

    sign_in_to_peeredu(host_client)
    assert host_client.get("/host/note").get_data(as_text=True) == "the host's own"
    with host_client.session_transaction() as session:
        # What is peeredu's is rotated at sign-in (session fixation protection).
        assert "peeredu_planted" not in session
        assert "_user_id" not in session  # Flask-Login's key is the host's

    sign_out_of_peeredu(host_client)
    assert host_client.get("/host/note").get_data(as_text=True) == "the host's own"


def test_peeredu_stays_danish_under_a_host_babel_that_says_english(host_app, host_client):
    make = Factory(host_app)
    make.user(email="john@example.org", name="John", locale="en")
    make.user(email="maria@example.org", name="Maria", locale="da")
    page = host_client.get(f"{PREFIX}/login").get_data(as_text=True)
    assert 'lang="da"' in page
    assert "Log ind" in page
    assert host_client.get("/host/locale").get_data(as_text=True) == "en"

    # The language chosen on peeredu's login page, and a signed-in user's own, are peeredu's.
    host_client.submit(
        f"{PREFIX}/language",
        {"locale": "en", "next": f"{PREFIX}/login"},
        token_page=f"{PREFIX}/login",
    )
    assert "Sign in" in host_client.get(f"{PREFIX}/login").get_data(as_text=True)
    sign_in_to_peeredu(host_client, "maria@example.org")
    assert "Velkommen, Maria" in host_client.get(f"{PREFIX}/").get_data(as_text=True)
    assert host_client.get("/host/locale").get_data(as_text=True) == "en"


def test_mail_composed_outside_a_request_is_in_peeredus_danish(host_app, mailbox):
    """A command or worker of the host composes peeredu's mail: still peeredu's catalog."""
    maria = Factory(host_app).user(email="maria@example.org", locale="da")
    with host_app.app_context():
        user = db.session.get(User, maria.id)
        queue_invitation(db.session, user, "a-token")
        db.session.commit()
    deliver_outbox(host_app)
    [message] = mailbox.to("maria@example.org")
    assert message["Subject"] == "Din invitation til Peer-uddannelsen på Skolen for Recovery"
    assert "Du er inviteret til Peer-uddannelsen" in Mailbox.body(message)
    assert f"{PREFIX}/invitation/a-token" in Mailbox.body(message)

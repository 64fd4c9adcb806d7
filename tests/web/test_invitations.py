"""The foundation's journey: an admin invites a learner, who follows the emailed link."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from peeredu import create_app, outbox
from peeredu.accounts.models import Role
from peeredu.extensions import Database, db
from peeredu.outbox import OutboxMessage
from tests.conftest import Client, app_config, deliver_outbox, free_port
from tests.factories import PASSWORD


def invitation_form(email, cohort, organisation):
    """The admin's invitation form for a learner in ``cohort``, working at ``organisation``."""
    return {
        "name": "Ny Deltager",
        "email": email,
        "roles": ["learner"],
        "locale": "da",
        "cohort": str(cohort.id),
        "track": "peer",
        "organisation": str(organisation.id),
        "work_role": "volunteer_peer",
    }


def _invite_learner(client, make, email="ny.deltager@example.org"):
    cohort = make.cohort("Hold efterår 2027")
    organisation = make.organisation("Rudersdal Kommune")
    return client.submit("/admin/users/invite", invitation_form(email, cohort, organisation))


def test_admin_invites_learner_who_sets_password_and_lands_on_start_page(
    client, make, make_client, mailbox, deliver
):
    make.user(Role.ADMIN, email="admin@example.org")
    client.login("admin@example.org", PASSWORD)

    response = _invite_learner(client, make)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invitationen til ny.deltager@example.org er sendt." in page

    deliver()
    [mail] = mailbox.to("ny.deltager@example.org")
    assert mail["Subject"] == "Din invitation til Peer-uddannelsen på Skolen for Recovery"
    link = mailbox.link_to("ny.deltager@example.org", "/invitation/")

    learner = make_client()
    form = learner.get(link)
    assert form.status_code == 200
    assert "Velkommen, Ny Deltager" in form.get_data(as_text=True)
    done = learner.submit(
        link, {"password": "min egen lange kode", "confirm": "min egen lange kode"}, token_page=link
    )
    assert done.status_code == 302
    start = learner.get("/").get_data(as_text=True)
    assert "Hold efterår 2027" in start
    assert "Rudersdal Kommune" in start

    # The link works once.
    assert make_client().get(link).status_code == 404
    # And the new password signs in from another browser.
    other = make_client()
    assert other.login("ny.deltager@example.org", "min egen lange kode").status_code == 302


def test_invitation_link_rejects_weak_password_and_keeps_working(
    client, make, make_client, mailbox, deliver
):
    make.user(Role.ADMIN, email="admin@example.org")
    client.login("admin@example.org", PASSWORD)
    _invite_learner(client, make)
    deliver()
    link = mailbox.link_to("ny.deltager@example.org", "/invitation/")

    learner = make_client()
    response = learner.submit(
        link, {"password": "1234567890", "confirm": "1234567890"}, token_page=link
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Adgangskoden er for let at gætte" in page
    assert "Prøv en sætning på fire eller flere ord." in page  # what to do instead
    assert learner.get(link).status_code == 200


def test_resend_replaces_the_old_link_and_revoke_kills_it(
    client, make, make_client, mailbox, deliver
):
    make.user(Role.ADMIN, email="admin@example.org")
    client.login("admin@example.org", PASSWORD)
    created = _invite_learner(client, make)
    user_page = created.headers["Location"]
    deliver()
    first = mailbox.link_to("ny.deltager@example.org", "/invitation/")

    client.submit(user_page + "/invitation/resend")
    deliver()
    second = mailbox.link_to("ny.deltager@example.org", "/invitation/")
    assert second != first
    assert make_client().get(first).status_code == 404
    assert make_client().get(second).status_code == 200

    client.submit(user_page + "/invitation/revoke")
    assert make_client().get(second).status_code == 404


def test_expired_invitation_says_so(app, client, make, make_client, mailbox, deliver):
    app.config["INVITATION_MAX_AGE"] = timedelta(seconds=-1)
    make.user(Role.ADMIN, email="admin@example.org")
    client.login("admin@example.org", PASSWORD)
    _invite_learner(client, make)
    deliver()
    link = mailbox.link_to("ny.deltager@example.org", "/invitation/")
    response = make_client().get(link)
    assert response.status_code == 404
    assert "Linket er udløbet" in response.get_data(as_text=True) or "udløbet" in response.get_data(
        as_text=True
    )


def test_invitation_email_is_in_the_recipients_language(client, make, mailbox, deliver):
    make.user(Role.ADMIN, email="admin@example.org")
    client.login("admin@example.org", PASSWORD)
    client.submit(
        "/admin/users/invite",
        {"name": "Teacher Person", "email": "t@example.org", "roles": ["teacher"], "locale": "en"},
    )
    deliver()
    [mail] = mailbox.to("t@example.org")
    assert mail["Subject"] == "Your invitation to the peer education at Skolen for Recovery"
    assert "Hello Teacher Person" in mailbox.body(mail)


def test_invitation_is_kept_when_the_mail_server_is_down(database_url, app, make, mailbox):
    """The same database served by an app whose mail server refuses connections."""
    down = create_app(app_config(database_url, free_port()))
    down.test_client_class = Client
    client = down.test_client()
    make.user(Role.ADMIN, email="admin@example.org")
    client.login("admin@example.org", PASSWORD)
    response = _invite_learner(client, make)
    assert response.status_code == 302  # the admin's action succeeded
    # The worker's pass fails: the message stays, with the error, for a later try.
    assert deliver_outbox(down) == outbox.DeliveryReport(sent=0, failed=1)
    assert mailbox.to("ny.deltager@example.org") == []
    Database.state(down).engine.dispose()

    # The server is back. The message waits for its backoff, then goes out exactly once.
    runner = app.test_cli_runner()
    assert "Sent 0" in runner.invoke(args=["peeredu", "mail", "send"]).output
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(next_attempt_at=OutboxMessage.created_at))
        db.session.commit()
    assert "Sent 1" in runner.invoke(args=["peeredu", "mail", "send"]).output
    assert "Sent 0" in runner.invoke(args=["peeredu", "mail", "send"]).output
    assert len(mailbox.to("ny.deltager@example.org")) == 1


def test_learner_invitation_needs_cohort_track_and_workplace(client, make):
    make.user(Role.ADMIN, email="admin@example.org")
    client.login("admin@example.org", PASSWORD)
    response = client.submit(
        "/admin/users/invite",
        {"name": "Uden Hold", "email": "u@example.org", "roles": ["learner"], "locale": "da"},
    )
    assert response.status_code == 200
    assert "En deltager skal have et hold" in response.get_data(as_text=True)
    assert "Uden Hold" in response.get_data(as_text=True)  # what was typed is kept

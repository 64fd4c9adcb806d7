"""An admin anonymises a person on request from the admin user page."""

from __future__ import annotations

from typing import Any

from flask import Flask

from peeredu.accounts.models import User
from peeredu.certification import codes
from peeredu.extensions import db
from tests.factories import PASSWORD, Factory
from tests.unit.test_privacy_erase import approved_world, database_text, markers_in_database
from tests.web.test_access_table import EMAILS, visitor_client


def test_an_admin_anonymises_with_a_reason_and_the_certificate_still_verifies(
    app: Flask, make: Factory, make_client: Any
) -> None:
    world = approved_world(app, make)
    owner_id = world.users["owner"]
    page = f"/admin/users/{owner_id}"
    action = f"/admin/users/{owner_id}/anonymise"
    admin = visitor_client(make_client, world, "admin")
    assert f'action="{action}"' in admin.get(page).get_data(as_text=True)
    learner = visitor_client(make_client, world, "owner")  # signed in before the anonymisation

    # Without a reason, or without the tick: nothing happens.
    before = database_text(app)
    for data in ({"confirm": "y"}, {"reason": "Anmodning pr. mail"}):
        response = admin.submit(action, data, token_page=page)
        assert response.status_code == 302 and response.location.endswith(page)
    assert database_text(app) == before

    response = admin.submit(
        action, {"reason": "Anmodning pr. mail", "confirm": "y"}, token_page=page
    )
    assert response.status_code == 302
    html = admin.get(page).get_data(as_text=True)
    assert f"Anonymiseret bruger #{owner_id}" in html
    assert f'action="{action}"' not in html  # done once; no button to do it again
    assert markers_in_database(app) == set()

    # The person can no longer sign in, and the open session is over.
    stranger = make_client()
    assert stranger.login(EMAILS["owner"], PASSWORD).status_code != 302
    assert stranger.get("/").status_code == 302
    assert learner.get("/").status_code == 302
    # The certificate's code still verifies, with the name printed on it.
    verify = make_client().get(f"/verify/{codes.display(world.certificate_code)}")
    assert verify.status_code == 200
    text = verify.get_data(as_text=True)
    assert "verify-valid" in text and "Lise Et" in text
    with app.app_context():
        assert db.session.get(User, owner_id).anonymised_at is not None


def test_the_admin_page_does_not_offer_to_anonymise_yourself(
    app: Flask, make: Factory, make_client: Any
) -> None:
    world = approved_world(app, make)
    admin_id = world.users["admin"]
    admin = visitor_client(make_client, world, "admin")
    html = admin.get(f"/admin/users/{admin_id}").get_data(as_text=True)
    assert f"/admin/users/{admin_id}/anonymise" not in html
    response = admin.submit(
        f"/admin/users/{admin_id}/anonymise",
        {"reason": "Prøve", "confirm": "y"},
        token_page=f"/admin/users/{admin_id}",
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, admin_id).anonymised_at is None

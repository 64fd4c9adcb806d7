"""My data: the download, and deleting the practice log and the reflections from the web."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import select

from peeredu.audit import AuditEvent
from peeredu.extensions import db
from peeredu.privacy.retention import run_retention
from peeredu.reflections.models import ReflectionVersion
from tests.factories import Factory
from tests.unit.test_privacy_erase import (
    MARKERS,
    approved_world,
    database_text,
    markers_in_database,
)
from tests.web.test_access_table import (
    World,
    filler,
    seed_world,
    visitor_client,
    write_reflection,
)

MY_DATA = "/my-data/"
EXPORT = "/my-data/export.zip"
DELETE_LOG = "/my-data/practice-log/delete"
DELETE_REFLECTIONS = "/my-data/reflections/delete"


def test_the_account_page_leads_to_my_data(app: Flask, make: Factory, make_client: Any) -> None:
    world = approved_world(app, make)
    owner = visitor_client(make_client, world, "owner")
    assert 'href="/my-data/"' in owner.get("/account").get_data(as_text=True)
    page = owner.get(MY_DATA)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'href="{EXPORT}"' in html
    assert f'href="{DELETE_LOG}"' in html and f'href="{DELETE_REFLECTIONS}"' in html


def test_the_download_is_the_signed_in_persons_data_and_never_cached(
    app: Flask, make: Factory, make_client: Any
) -> None:
    world = approved_world(app, make)
    response = visitor_client(make_client, world, "owner").get(EXPORT)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    everything = "\n".join(archive.read(n).decode() for n in archive.namelist())
    for marker in MARKERS.values():
        assert marker in everything, marker
    assert json.loads(archive.read("data.json"))["profile"]["email"] == "l1@example.org"
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "privacy.export")
        ).one()
        assert (event.object_type, event.object_id) == ("user", str(world.users["owner"]))
        assert event.detail == ""

    # Anyone else gets their own (empty) data, never the learner's.
    for visitor in ("peer", "teacher", "admin"):
        other = visitor_client(make_client, world, visitor).get(EXPORT)
        assert other.status_code == 200
        text = other.get_data().decode("latin-1")
        assert not [m for m in MARKERS.values() if m in text], visitor
    anonymous = make_client().get(EXPORT)
    assert anonymous.status_code == 302 and "/login" in anonymous.location


def test_deleting_the_practice_log_asks_first(app: Flask, make: Factory, make_client: Any) -> None:
    world = approved_world(app, make)
    owner = visitor_client(make_client, world, "owner")
    page = owner.get(DELETE_LOG).get_data(as_text=True)
    assert 'name="confirm"' in page

    before = database_text(app)
    # Without the tick: the page again, with an error, and nothing deleted.
    refused = owner.submit(DELETE_LOG, {}, token_page=DELETE_LOG)
    assert refused.status_code == 200
    assert "field-invalid" in refused.get_data(as_text=True)
    # Without the CSRF token: refused too.
    assert owner.post(DELETE_LOG, data={"confirm": "y"}).status_code == 400
    assert database_text(app) == before

    done = owner.submit(DELETE_LOG, {"confirm": "y"}, token_page=DELETE_LOG)
    assert done.status_code == 302 and done.location.endswith(MY_DATA)
    assert markers_in_database(app) == set(MARKERS) - {"log"}
    log = owner.get(f"/learn/{world.l1}/log").get_data(as_text=True)
    assert MARKERS["log"] not in log


def deleted_placeholder(html: str) -> bool:
    return 'class="notice text-deleted"' in html


def test_after_deleting_reflections_the_pages_show_the_text_was_deleted(
    app: Flask, make: Factory, make_client: Any
) -> None:
    world = approved_world(app, make)
    owner = visitor_client(make_client, world, "owner")
    teacher = visitor_client(make_client, world, "teacher")
    review = f"/teach/reviews/{world.version_id}"
    assignment = f"/learn/{world.l1}/assignments/{world.submitted_slug}"
    assert MARKERS["version"] in teacher.get(review).get_data(as_text=True)

    page = owner.get(DELETE_REFLECTIONS).get_data(as_text=True)
    assert 'name="confirm"' in page
    before = database_text(app)
    assert owner.submit(DELETE_REFLECTIONS, {}, token_page=DELETE_REFLECTIONS).status_code == 200
    assert database_text(app) == before

    done = owner.submit(DELETE_REFLECTIONS, {"confirm": "y"}, token_page=DELETE_REFLECTIONS)
    assert done.status_code == 302
    assert markers_in_database(app) == {"log"}

    for client, path in (
        (teacher, review),
        (owner, assignment),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert deleted_placeholder(html), path
        assert not [m for m in MARKERS.values() if m in html], path
    for client, path in (
        (teacher, f"/teach/cohorts/{world.cohort_1}/learners/{world.l1}"),
        (teacher, "/teach/reviews"),
        (owner, "/"),
        (owner, f"/learn/{world.l1}/assignments/{world.draft_slug}"),
    ):
        assert client.get(path).status_code == 200, path


def submitted_world(app: Flask, make: Factory) -> tuple[World, int]:
    world = seed_world(app, make, submit_and_review=False)
    version_id = write_reflection(
        app, world.l1, world.submitted_module, filler(MARKERS["version"]), submit=True
    )
    assert version_id
    return world, version_id


def test_a_deleted_submission_leaves_the_review_queue(
    app: Flask, make: Factory, make_client: Any
) -> None:
    world, version_id = submitted_world(app, make)
    teacher = visitor_client(make_client, world, "teacher")
    assert f"/teach/reviews/{version_id}" in teacher.get("/teach/reviews").get_data(as_text=True)
    owner = visitor_client(make_client, world, "owner")
    owner.submit(DELETE_REFLECTIONS, {"confirm": "y"}, token_page=DELETE_REFLECTIONS)
    assert f"/teach/reviews/{version_id}" not in teacher.get("/teach/reviews").get_data(
        as_text=True
    )
    assert teacher.get(f"/teach/reviews/{version_id}").status_code == 404
    with app.app_context():
        assert db.session.scalars(select(ReflectionVersion)).all() == []


def test_after_retention_a_waiting_submission_shows_the_text_was_deleted(
    app: Flask, make: Factory, make_client: Any
) -> None:
    world, version_id = submitted_world(app, make)
    with app.app_context():
        run_retention(db.session, now=datetime(2030, 1, 1, tzinfo=UTC), months=12)
        db.session.commit()
    teacher = visitor_client(make_client, world, "teacher")
    response = teacher.get(f"/teach/reviews/{version_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert deleted_placeholder(html) and MARKERS["version"] not in html
    assert 'value="release"' not in html  # no feedback on a text that is gone

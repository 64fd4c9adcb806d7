"""The data export (peeredu.privacy.export): everything about one person, nothing about others."""

from __future__ import annotations

import io
import json
import zipfile

from flask import Flask

from peeredu.accounts.models import User
from peeredu.db import utcnow
from peeredu.extensions import current_assignments, current_curriculum, db
from peeredu.privacy import erase, export
from tests.factories import Factory
from tests.unit.test_privacy_erase import MARKERS, approved_world
from tests.web.test_access_table import World, filler, write_reflection


def export_of(app: Flask, world: World, who: str = "owner") -> zipfile.ZipFile:
    with app.app_context():
        user = db.session.get(User, world.users[who])
        archive = export.export_user(
            db.session,
            user,
            current_curriculum(),
            current_assignments(),
            translate=lambda text: text,
            now=utcnow(),
        )
    return zipfile.ZipFile(io.BytesIO(archive))


def test_the_export_holds_everything_about_the_learner(app: Flask, make: Factory) -> None:
    world = approved_world(app, make)
    archive = export_of(app, world)
    names = archive.namelist()
    assert {"data.json", "README.md"} <= set(names)
    folder = next(n.split("/")[0] for n in names if n.endswith("/practice-log.md"))
    assert f"{folder}/reflections/{world.submitted_slug}.md" in names
    assert f"{folder}/reflections/{world.draft_slug}.md" in names

    data = json.loads(archive.read("data.json"))
    assert data["format"] == "peeredu-export/1"
    assert data["profile"]["email"] == "l1@example.org"
    [enrolment] = data["enrolments"]
    assert enrolment["cohort"]["name"] == "Hold 1"
    assert [n["text"] for n in enrolment["practice_log"]] == [MARKERS["log"]]
    assert world.submitted_module in {c["module_slug"] for c in enrolment["completed_modules"]}
    assert enrolment["certificate"]["code"] == world.certificate_code
    assert enrolment["certificate"]["valid"] is True
    by_slug = {r["assignment_slug"]: r for r in enrolment["reflections"]}
    approved = by_slug[world.submitted_slug]
    [version] = approved["versions"]
    assert MARKERS["version"] in version["text"]
    assert version["feedback"]["decision"] == "approved"
    assert version["feedback"]["overall_comment"] == MARKERS["feedback"]
    assert all(MARKERS["criterion"] in c["comment"] for c in version["feedback"]["criteria"])
    draft = by_slug[world.draft_slug]["draft"]
    assert MARKERS["draft"] in draft["text"] + json.dumps(draft["fields"])

    # The Markdown files hold the same, to read.
    text = "\n".join(archive.read(n).decode() for n in names if n.endswith(".md"))
    for marker in MARKERS.values():
        assert marker in text, marker
    # Other people's texts are not in it.
    everything = "\n".join(archive.read(n).decode() for n in names)
    assert "Lars To" not in everything


def test_another_learners_export_holds_none_of_it(app: Flask, make: Factory) -> None:
    world = approved_world(app, make)
    write_reflection(app, world.l2, world.draft_module, filler("PEER-EXPORT-v3"), submit=False)
    archive = export_of(app, world, who="peer")
    everything = "\n".join(archive.read(n).decode() for n in archive.namelist())
    assert "PEER-EXPORT-v3" in everything
    assert not [m for m in MARKERS.values() if m in everything]
    assert "l1@example.org" not in everything


def test_after_deletion_the_export_says_the_text_was_deleted(app: Flask, make: Factory) -> None:
    world = approved_world(app, make)
    with app.app_context():
        user = db.session.get(User, world.users["owner"])
        erase.delete_reflections(db.session, user, actor_id=user.id, now=utcnow())
        db.session.commit()
    archive = export_of(app, world)
    data = json.loads(archive.read("data.json"))
    [reflection] = data["enrolments"][0]["reflections"]
    assert reflection["texts_deleted_at"] is not None
    assert reflection["versions"][0]["text"] == ""
    assert reflection["versions"][0]["feedback"]["decision"] == "approved"
    markdown = next(n for n in archive.namelist() if n.endswith(f"{world.submitted_slug}.md"))
    assert "The text has been deleted." in archive.read(markdown).decode()

"""Deleting a learner's texts and anonymising a person (peeredu.privacy.erase).

The checks read every row of every table: a deleted text must be gone from the whole database
(drafts, versions, their stored HTML, feedback, stash), while completions, attendance and the
certificate stay.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from peeredu import outbox
from peeredu.accounts import api_tokens, authentication, invitations
from peeredu.accounts.models import Enrolment, TokenPurpose, User
from peeredu.audit import AuditEvent
from peeredu.certification import services as certificate_services
from peeredu.certification.models import Certificate
from peeredu.curriculum import progress
from peeredu.db import utcnow
from peeredu.errors import DomainError
from peeredu.extensions import current_assignments, db
from peeredu.models import metadata
from peeredu.privacy import erase
from peeredu.reflections import drafts, stashes
from peeredu.reflections.models import (
    Reflection,
    ReflectionStatus,
    ReflectionVersion,
    ReviewDecision,
    StashedText,
)
from tests.factories import PASSWORD, Factory
from tests.web.test_access_table import (
    World,
    filler,
    issue_certificate,
    release_review,
    seed_world,
    write_reflection,
)

MARKERS = {
    "log": "PRIVACY-LOG-h3k8",
    "draft": "PRIVACY-DRAFT-w2p5",
    "version": "PRIVACY-VERSION-b7c1",
    "feedback": "PRIVACY-FEEDBACK-n4s9",
    "criterion": "PRIVACY-CRITERION-f6d2",
}


def approve(app: Flask, version_id: int, teacher_id: int, *, overall: str, comment: str) -> None:
    release_review(
        app,
        version_id,
        teacher_id,
        overall=overall,
        comment=comment,
        decision=ReviewDecision.APPROVED,
    )


def approved_world(app: Flask, make: Factory) -> World:
    """L1: a practice-log note, a draft, an approved reflection with feedback, a certificate."""
    world = seed_world(
        app, make, note=MARKERS["log"], draft=MARKERS["draft"], submit_and_review=False
    )
    version_id = write_reflection(
        app, world.l1, world.submitted_module, filler(MARKERS["version"]), submit=True
    )
    assert version_id
    approve(
        app,
        version_id,
        world.users["teacher"],
        overall=MARKERS["feedback"],
        comment=MARKERS["criterion"],
    )
    world.version_id = version_id
    issue_certificate(app, world)
    with app.app_context():
        # Text posted after a session expired waits in the stash until claimed.
        stashes.stash(
            db.session,
            enrolment_id=world.l1,
            assignment_slug=world.draft_slug,
            text=filler(MARKERS["draft"]),
            fields={},
            now=utcnow(),
        )
        db.session.commit()
    return world


def database_text(app: Flask) -> str:
    """Every value of every row of every table, as one text."""
    with app.app_context():
        return "\n".join(
            repr(tuple(row))
            for table in metadata.sorted_tables
            for row in db.session.execute(select(table))
        )


def markers_in_database(app: Flask) -> set[str]:
    text = database_text(app)
    return {name for name, marker in MARKERS.items() if marker in text}


def act(app: Flask, world: World, action: Any, user: str = "owner") -> Any:
    with app.app_context():
        person = db.session.get(User, world.users[user])
        result = action(db.session, person)
        db.session.commit()
        return result


def completed_modules(app: Flask, enrolment_id: int) -> set[str]:
    with app.app_context():
        return set(progress.completions_by_enrolment(db.session, [enrolment_id])[enrolment_id])


def audit_actions(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [
            (e.action, e.object_id, e.detail)
            for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def test_deleting_the_practice_log_removes_every_note_and_nothing_else(
    app: Flask, make: Factory
) -> None:
    world = approved_world(app, make)
    assert markers_in_database(app) == set(MARKERS)
    count = act(
        app,
        world,
        lambda s, u: erase.delete_practice_log(s, u, actor_id=u.id, now=utcnow()),
    )
    assert count == 1
    assert markers_in_database(app) == set(MARKERS) - {"log"}
    action, object_id, detail = audit_actions(app)[-1]
    assert (action, object_id, detail) == (
        "privacy.delete_practice_log",
        str(world.users["owner"]),
        "entries=1",
    )


def test_deleting_reflections_keeps_approved_modules_completed_and_the_certificate(
    app: Flask, make: Factory
) -> None:
    world = approved_world(app, make)
    completed_before = completed_modules(app, world.l1)
    assert world.submitted_module in completed_before

    result = act(
        app,
        world,
        lambda s, u: erase.delete_reflections(s, u, actor_id=u.id, now=utcnow()),
    )

    assert (result.removed, result.emptied) == (1, 1)
    # Every reflection text is gone from the whole database: drafts, versions, stored HTML,
    # feedback, criterion comments, the stash. The practice log was not asked for.
    assert markers_in_database(app) == {"log"}
    assert completed_modules(app, world.l1) == completed_before
    with app.app_context():
        session = db.session
        left = session.scalars(select(Reflection)).all()
        assert [(r.module_slug, r.status) for r in left] == [
            (world.submitted_module, ReflectionStatus.APPROVED)
        ]
        assert left[0].texts_deleted_at is not None
        version = left[0].versions[0]
        assert (version.text, version.html, version.fields) == ("", "", {})
        assert version.word_count > 400  # the facts about the text stay
        review = version.review
        assert review.decision is ReviewDecision.APPROVED and review.overall_comment == ""
        assert all(c["met"] is True and c["comment"] == "" for c in review.criteria.values())
        assert session.scalars(select(StashedText)).all() == []
        certificate = session.get(Certificate, world.certificate_id)
        assert certificate.valid
    action, _object_id, detail = audit_actions(app)[-1]
    assert action == "privacy.delete_reflections"
    assert "removed=1 emptied=1" in detail


def test_a_not_yet_approved_reflection_is_removed_with_its_versions_and_feedback(
    app: Flask, make: Factory
) -> None:
    world = seed_world(
        app,
        make,
        version=MARKERS["version"],
        feedback=MARKERS["feedback"],
        criterion=MARKERS["criterion"],
    )
    result = act(
        app, world, lambda s, u: erase.delete_reflections(s, u, actor_id=u.id, now=utcnow())
    )
    assert (result.removed, result.emptied, result.versions, result.reviews) == (2, 0, 1, 1)
    assert markers_in_database(app) == set()
    with app.app_context():
        assert db.session.scalars(select(ReflectionVersion)).all() == []
        # The learner can start the assignment again from the beginning.
        enrolment = db.session.get(Enrolment, world.l1)
        assignment = current_assignments().get(world.submitted_slug)
        fresh = drafts.get_or_create(db.session, enrolment, assignment)
        assert fresh.status is ReflectionStatus.DRAFT and fresh.versions == []


def test_deleting_twice_changes_nothing_more(app: Flask, make: Factory) -> None:
    world = approved_world(app, make)
    act(app, world, lambda s, u: erase.delete_reflections(s, u, actor_id=u.id, now=utcnow()))
    before = database_text(app)
    again = act(
        app, world, lambda s, u: erase.delete_reflections(s, u, actor_id=u.id, now=utcnow())
    )
    assert (again.removed, again.emptied) == (0, 0)
    # Only the new audit event differs.
    assert database_text(app).count("\n") == before.count("\n") + 1


def test_other_learners_texts_are_untouched(app: Flask, make: Factory) -> None:
    world = approved_world(app, make)
    write_reflection(app, world.l2, world.draft_module, filler("PEER-TEXT-k1"), submit=False)
    act(app, world, lambda s, u: erase.delete_reflections(s, u, actor_id=u.id, now=utcnow()))
    assert "PEER-TEXT-k1" in database_text(app)


# -- Anonymisation --------------------------------------------------------------------------


def anonymise(app: Flask, world: World, user: str = "owner", reason: str = "Anmodning 3/3") -> None:
    with app.app_context():
        person = db.session.get(User, world.users[user])
        erase.anonymise_user(
            db.session, person, reason=reason, actor_id=world.users["admin"], now=utcnow()
        )
        db.session.commit()


def test_anonymising_removes_the_person_and_keeps_the_certificate_verifiable(
    app: Flask, make: Factory
) -> None:
    world = approved_world(app, make)
    with app.app_context():
        session = db.session
        owner = session.get(User, world.users["owner"])
        invitations.issue_token(
            session,
            owner,
            TokenPurpose.PASSWORD_RESET,
            now=utcnow(),
            max_age=timedelta(hours=1),
            created_by_id=None,
        )
        outbox.enqueue(session, outbox.Email(owner.email, "Hej Lise Et", "Kære Lise Et"))
        session.commit()
    assert "Lise Et" in database_text(app) and "l1@example.org" in database_text(app)

    anonymise(app, world)

    text = database_text(app)
    assert markers_in_database(app) == set()
    # Neither name nor address is left anywhere, except the name printed on the certificate.
    with app.app_context():
        session = db.session
        certificate = session.get(Certificate, world.certificate_id)
        assert certificate.participant_name == "Lise Et"
        assert text.count("Lise Et") == 1
        assert "l1@example.org" not in text
        owner = session.get(User, world.users["owner"])
        assert owner.name == f"Anonymiseret bruger #{owner.id}"
        assert owner.email.endswith(".invalid")
        assert owner.password_hash is None and not owner.active and not owner.is_active
        assert owner.anonymised_at is not None
        assert (
            authentication.authenticate(session, "l1@example.org", PASSWORD, now=utcnow()) is None
        )
        # The code on the paper certificate still verifies.
        code, found = certificate_services.find_by_code(session, certificate.code)
        assert found is not None and found.valid
        # The audit log keeps who did what, with the reason, and no text.
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.object_id == str(owner.id))
        ).all()
        assert [e.action for e in events][-3:] == [
            "privacy.delete_practice_log",
            "privacy.delete_reflections",
            "user.anonymise",
        ]
        assert events[-1].actor_id == world.users["admin"]
        assert events[-1].detail == "reason=Anmodning 3/3"
    # Completed modules stay (the course's record); the enrolment still belongs to the row.
    assert world.submitted_module in completed_modules(app, world.l1)


def test_anonymising_revokes_api_tokens(app: Flask, make: Factory) -> None:
    world = seed_world(app, make)
    with app.app_context():
        raw = world.api_tokens["hr"]
        assert api_tokens.authenticate_token(db.session, raw, utcnow()) is not None
    anonymise(app, world, user="hr")
    with app.app_context():
        assert api_tokens.authenticate_token(db.session, raw, utcnow()) is None


@pytest.mark.parametrize("who", ["admin", "twice"])
def test_anonymising_refuses_yourself_and_a_second_time(
    app: Flask, make: Factory, who: str
) -> None:
    world = seed_world(app, make)
    if who == "twice":
        anonymise(app, world)
    target = "admin" if who == "admin" else "owner"
    with app.app_context(), pytest.raises(DomainError):
        person = db.session.get(User, world.users[target])
        erase.anonymise_user(
            db.session, person, reason="Igen", actor_id=world.users["admin"], now=utcnow()
        )


def test_anonymising_needs_a_reason(app: Flask, make: Factory) -> None:
    world = seed_world(app, make)
    with app.app_context(), pytest.raises(DomainError) as raised:
        person = db.session.get(User, world.users["owner"])
        erase.anonymise_user(
            db.session, person, reason="  ", actor_id=world.users["admin"], now=utcnow()
        )
    assert raised.value.field == "reason"

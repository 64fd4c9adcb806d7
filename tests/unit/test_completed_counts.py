"""Required modules completed per enrolment (curriculum.records.required_completed_counts).

HR's participant list, its exports and the API show "modules completed of required"; the
database counts them in one statement, and only the modules the enrolment's own track requires.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event

from peeredu.accounts.models import Track
from peeredu.curriculum.records import CompletionKind, ModuleCompletion, required_completed_counts
from peeredu.db import utcnow
from peeredu.extensions import current_curriculum, db


def test_counts_only_the_tracks_required_modules_in_one_statement(app: Flask, make: Any) -> None:
    org, cohort = make.organisation(), make.cohort()
    peer = make.enrolment(make.user(email="p@example.org"), cohort, org)
    colleague = make.enrolment(
        make.user(email="c@example.org"), cohort, org, track="colleague", work_role="colleague"
    )
    idle = make.enrolment(make.user(email="i@example.org"), cohort, org)
    with app.app_context():
        shipped = current_curriculum()
        modules = shipped.course.tracks[Track.PEER].modules
        # The colleague track requires only the first three modules here.
        tracks = dict(shipped.course.tracks)
        tracks[Track.COLLEAGUE] = replace(tracks[Track.COLLEAGUE], modules=modules[:3])
        curriculum = replace(shipped, course=replace(shipped.course, tracks=tracks))
        done = {
            peer.id: [*modules[:4], "a-module-since-removed"],
            colleague.id: [modules[0], modules[5], modules[6]],  # two are off its track
        }
        now = utcnow()
        for enrolment_id, slugs in done.items():
            for n, slug in enumerate(slugs):
                db.session.add(
                    ModuleCompletion(
                        enrolment_id=enrolment_id,
                        module_slug=slug,
                        completed_at=now - timedelta(minutes=n),
                        kind=CompletionKind.TEACHER,
                    )
                )
        db.session.commit()

        statements: list[str] = []
        engine = db.session.get_bind()

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            counts = required_completed_counts(
                db.session,
                curriculum,
                {peer.id: Track.PEER, colleague.id: Track.COLLEAGUE, idle.id: Track.PEER},
            )
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert counts == {peer.id: 4, colleague.id: 1, idle.id: 0}
    assert len([s for s in statements if not s.startswith("BEGIN")]) == 1

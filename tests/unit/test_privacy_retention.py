"""Retention (peeredu.privacy.retention): texts go a set time after the cohort ended."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from peeredu.accounts.models import Cohort
from peeredu.audit import AuditEvent
from peeredu.certification.models import Certificate
from peeredu.curriculum.attendance import Attendance
from peeredu.curriculum.progress import ModuleCompletion
from peeredu.errors import DomainError
from peeredu.extensions import db
from peeredu.privacy.retention import months_before, run_retention
from peeredu.reflections.models import Reflection
from tests.factories import Factory
from tests.unit.test_privacy_erase import (
    MARKERS,
    approve,
    approved_world,
    database_text,
    markers_in_database,
)
from tests.web.test_access_table import filler, seed_world, write_reflection

# The factory's cohorts run 2027-02-01 to 2027-05-24.
ENDED = date(2027, 5, 24)
A_YEAR_LATER = datetime(2028, 6, 1, 3, 0, tzinfo=UTC)
TOO_EARLY = datetime(2028, 5, 1, 3, 0, tzinfo=UTC)
OTHER = "RETENTION-OTHER-COHORT-j5"


def run(app: Flask, now: datetime, *, months: int = 12, dry_run: bool = False):  # noqa: ANN201
    with app.app_context():
        report = run_retention(db.session, now=now, months=months, dry_run=dry_run)
        db.session.commit()
        return report


def kept_records(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        session = db.session
        return (
            session.scalar(select(func.count()).select_from(ModuleCompletion)),
            session.scalar(select(func.count()).select_from(Attendance)),
            session.scalar(select(func.count()).select_from(Certificate)),
        )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2028, 6, 1), 12, date(2027, 6, 1)),
        (date(2028, 3, 31), 1, date(2028, 2, 29)),
        (date(2028, 1, 15), 1, date(2027, 12, 15)),
        (date(2028, 2, 29), 12, date(2027, 2, 28)),
        (date(2028, 6, 1), 30, date(2025, 12, 1)),
    ],
)
def test_months_before(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


def test_a_cohort_that_ended_more_than_the_months_ago_loses_its_texts_and_keeps_records(
    app: Flask, make: Factory
) -> None:
    world = approved_world(app, make)
    with app.app_context():
        # Cohort 2 ended later: not due yet.
        cohort = db.session.get(Cohort, world.cohort_2)
        cohort.end_date = date(2027, 12, 31)
        db.session.commit()
    write_reflection(app, world.l3, world.draft_module, filler(OTHER), submit=False)
    records = kept_records(app)

    report = run(app, A_YEAR_LATER)

    assert [c.cohort_id for c in report.cohorts] == [world.cohort_1]
    assert (report.reflections, report.versions, report.reviews, report.log_entries) == (2, 1, 1, 1)
    assert markers_in_database(app) == set()
    assert OTHER in database_text(app)
    assert kept_records(app) == records
    with app.app_context():
        statuses = {r.module_slug: r.status.value for r in db.session.scalars(select(Reflection))}
        assert statuses[world.submitted_module] == "approved"
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "retention.delete")
        ).one()
        assert (event.object_type, event.object_id) == ("cohort", str(world.cohort_1))
        assert "reflections=2" in event.detail and "practice_log=1" in event.detail


def test_nothing_is_due_before_the_months_have_passed(app: Flask, make: Factory) -> None:
    approved_world(app, make)
    before = database_text(app)
    report = run(app, TOO_EARLY)
    assert report.cohorts == [] and report.cutoff == date(2027, 5, 1)
    assert database_text(app) == before
    # Fewer months make it due.
    assert run(app, TOO_EARLY, months=6).reflections == 2


def test_a_dry_run_reports_and_changes_nothing(app: Flask, make: Factory) -> None:
    approved_world(app, make)
    before = database_text(app)
    report = run(app, A_YEAR_LATER, dry_run=True)
    assert report.dry_run
    assert (report.reflections, report.versions, report.reviews, report.log_entries) == (2, 1, 1, 1)
    assert database_text(app) == before
    assert markers_in_database(app) == set(MARKERS)


def test_a_second_run_finds_nothing_to_do(app: Flask, make: Factory) -> None:
    approved_world(app, make)
    assert run(app, A_YEAR_LATER).reflections == 2
    before = database_text(app)
    again = run(app, A_YEAR_LATER)
    assert again.cohorts == []
    assert database_text(app) == before


@pytest.mark.parametrize("months", [0, -1, 1201])
def test_a_bad_number_of_months_is_refused(app: Flask, months: int) -> None:
    with app.app_context(), pytest.raises(DomainError) as raised:
        run_retention(db.session, now=A_YEAR_LATER, months=months)
    assert raised.value.field == "months"


def test_no_feedback_can_be_given_on_a_submission_whose_text_retention_deleted(
    app: Flask, make: Factory
) -> None:
    world = seed_world(app, make, note="note", draft="draft", submit_and_review=False)
    waiting = write_reflection(app, world.l1, world.submitted_module, filler(OTHER), submit=True)
    run(app, A_YEAR_LATER)
    with pytest.raises(DomainError, match="deleted"):
        approve(app, waiting, world.users["teacher"], overall="Fint", comment="Ja")

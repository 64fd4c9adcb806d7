"""``peeredu retention run``: deletes texts of long-ended cohorts, or says what it would."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from peeredu import audit, outbox
from peeredu.accounts.models import Cohort
from peeredu.audit import AuditEvent
from peeredu.db import utcnow
from peeredu.extensions import db
from peeredu.outbox import OutboxMessage, OutboxStatus
from tests.cli.test_commands import assert_refused, row_counts, run
from tests.factories import Factory
from tests.unit.test_privacy_erase import (
    MARKERS,
    approved_world,
    database_text,
    markers_in_database,
)


def end_cohort_on(app: Flask, cohort_id: int, day: date) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        cohort.start_date, cohort.end_date = date(day.year, 1, 1), day
        db.session.commit()


@pytest.fixture
def ended_long_ago(app: Flask, make: Factory) -> int:
    """L1's cohort (with every kind of text) ended in 2020."""
    world = approved_world(app, make)
    end_cohort_on(app, world.cohort_1, date(2020, 6, 30))
    return world.cohort_1


def test_a_dry_run_reports_and_changes_nothing(app: Flask, ended_long_ago: int) -> None:
    before = database_text(app)
    result = run(app, "retention", "run", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run, nothing was changed" in result.output
    assert "Hold 1 (ended 2020-06-30): 2 reflections (1 version, 1 feedback text)" in result.output
    assert "Would delete the texts of 2 reflections" in result.output
    assert database_text(app) == before


def test_the_run_deletes_the_texts_and_a_second_run_finds_nothing(
    app: Flask, ended_long_ago: int
) -> None:
    result = run(app, "retention", "run")
    assert result.exit_code == 0, result.output
    assert "Deleted the texts of 2 reflections" in result.output
    assert "1 practice-log note in 1 cohort" in result.output
    assert markers_in_database(app) == set()

    again = run(app, "retention", "run")
    assert again.exit_code == 0, again.output
    assert "Deleted the texts of 0 reflections" in again.output


def test_the_default_comes_from_the_configuration(app: Flask, make: Factory) -> None:
    world = approved_world(app, make)
    # Ended about 3 years before any date these tests run on: due at 12 months, not at 600.
    end_cohort_on(app, world.cohort_1, date(2023, 6, 30))
    app.config["RETENTION_MONTHS"] = 600
    assert "0 reflections" in run(app, "retention", "run").output
    assert markers_in_database(app) == set(MARKERS)
    assert "2 reflections" in run(app, "retention", "run", "--months", "12").output


@pytest.mark.parametrize("months", ["0", "-3", "twelve", "99999"])
def test_a_bad_number_of_months_is_one_line_and_changes_nothing(
    app: Flask, ended_long_ago: int, months: str
) -> None:
    before = row_counts(app)
    line = assert_refused(app, ["retention", "run", "--months", months], "--months")
    assert line.startswith("Error:")
    assert row_counts(app) == before
    assert markers_in_database(app) == set(MARKERS)


def test_old_sent_mail_and_old_audit_events_are_purged_by_their_settings(app: Flask) -> None:
    now = utcnow()
    with app.app_context():
        for status, days in [
            (OutboxStatus.SENT, 31),  # due
            (OutboxStatus.CANCELLED, 31),  # due
            (OutboxStatus.SENT, 29),  # kept: too recent
            (OutboxStatus.PENDING, 400),  # kept: not sent yet
        ]:
            message = outbox.enqueue(db.session, outbox.Email("kim@example.org", "Hej", ""))
            message.status, message.created_at = status, now - timedelta(days=days)
        for days in (365 * 2 + 40, 365 * 2 - 40):
            audit.record(
                db.session,
                actor_id=None,
                action="user.create",
                object_type="user",
                object_id=1,
                now=now - timedelta(days=days),
            )
        db.session.commit()
    before = row_counts(app)

    dry = run(app, "retention", "run", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert (
        "Would delete 2 sent or cancelled emails (OUTBOX_KEEP_DAYS=30) and "
        "1 audit event (AUDIT_KEEP_MONTHS=24)." in dry.output
    )
    assert row_counts(app) == before

    done = run(app, "retention", "run")
    assert "Deleted 2 sent or cancelled emails" in done.output
    with app.app_context():
        kept = db.session.execute(select(OutboxMessage.status, OutboxMessage.created_at)).all()
        assert sorted(status.value for status, _ in kept) == ["pending", "sent"]
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1
    assert "Deleted 0 sent or cancelled emails" in run(app, "retention", "run").output

    app.config["OUTBOX_KEEP_DAYS"] = 7
    assert "Deleted 1 sent or cancelled email " in run(app, "retention", "run").output

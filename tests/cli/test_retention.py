"""``peeredu retention run``: deletes texts of long-ended cohorts, or says what it would."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from peeredu.accounts.models import Cohort
from peeredu.extensions import db
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

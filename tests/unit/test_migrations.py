"""The migrations build exactly the schema the models describe, on the backend of this run.

A fresh SQLite file, or (when PEEREDU_TEST_DATABASE_URL is set) a fresh PostgreSQL database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from peeredu import create_app
from peeredu.cli.db import alembic_config
from peeredu.db import make_engine
from peeredu.extensions import Database
from peeredu.models import metadata

# The comparison options of migrations/env.py (its context.configure): what
# `peeredu db revision` would see as a difference must be what this test sees.
COMPARE_OPTIONS = {"compare_type": True}


@pytest.fixture
def fresh_url(scratch_postgres: Callable[[], str] | None, tmp_path: Path) -> Callable[[], str]:
    """A factory of empty databases on this run's backend."""
    count = 0

    def make() -> str:
        nonlocal count
        if scratch_postgres is not None:
            return scratch_postgres()
        count += 1
        return f"sqlite:///{tmp_path}/fresh{count}.sqlite3"

    return make


@pytest.fixture
def engines() -> Iterator[Callable[[str], Engine]]:
    made: list[Engine] = []

    def make(url: str) -> Engine:
        made.append(make_engine(url))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


def schema_differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=COMPARE_OPTIONS)
        return compare_metadata(context, metadata)


def check_constraints(engine: Engine) -> dict[str, dict[str, set[str]]]:
    """Each table's CHECK constraints by name, with the quoted values in them.

    Autogenerate does not compare CHECK constraints, and the enums are VARCHAR plus a CHECK:
    a member added to a model but not to a migration would be refused by the database.
    """
    inspector = inspect(engine)
    return {
        table: {
            check["name"]: set(re.findall(r"'([^']*)'", check["sqltext"]))
            for check in inspector.get_check_constraints(table)
        }
        for table in metadata.tables
    }


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_upgrade_builds_exactly_the_models_schema(
    fresh_url: Callable[[], str], engines: Callable[[str], Engine]
) -> None:
    url = fresh_url()

    command.upgrade(alembic_config(url), "head")

    engine = engines(url)
    assert schema_differences(engine) == []
    assert set(inspect(engine).get_table_names()) == set(metadata.tables) | {"alembic_version"}
    # The same models through create_all, on the same backend, as the reference for CHECKs.
    reference = engines(fresh_url())
    metadata.create_all(reference)
    assert check_constraints(engine) == check_constraints(reference)
    assert check_constraints(engine)["organisations"]  # the comparison is not of nothing


def test_downgrade_to_base_and_upgrade_again(
    fresh_url: Callable[[], str], engines: Callable[[str], Engine]
) -> None:
    url = fresh_url()
    config = alembic_config(url)
    command.upgrade(config, "head")

    command.downgrade(config, "base")

    engine = engines(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

    command.upgrade(config, "head")

    assert schema_differences(engine) == []


def test_db_upgrade_command_on_a_new_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new.sqlite3"
    app = create_app({"ENVIRONMENT": "testing", "DATABASE_URL": url, "SECRET_KEY": "t"})
    runner = app.test_cli_runner()

    result = runner.invoke(args=["peeredu", "db", "upgrade"])

    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    try:
        assert schema_differences(engine) == []
    finally:
        engine.dispose()
    current = runner.invoke(args=["peeredu", "db", "current"])
    assert current.exit_code == 0, current.output
    assert f"{head_revision()} (head)" in current.output


def test_downgrade_and_upgrade_a_database_with_data(
    fresh_url: Callable[[], str], engines: Callable[[str], Engine]
) -> None:
    """Batch mode on SQLite recreates tables that other rows refer to (the demo data's)."""
    url = fresh_url()
    config = alembic_config(url)
    command.upgrade(config, "head")
    app = create_app({"ENVIRONMENT": "testing", "DATABASE_URL": url, "SECRET_KEY": "t"})
    runner = app.test_cli_runner()
    seeded = runner.invoke(args=["peeredu", "demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    engine = engines(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM reflections").scalar()
    Database.state(app).engine.dispose()

    for step in ScriptDirectory.from_config(config).walk_revisions():
        command.downgrade(config, step.down_revision or "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

    command.upgrade(config, "head")
    assert schema_differences(engine) == []

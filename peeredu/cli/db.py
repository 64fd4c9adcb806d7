"""``peeredu db``: the database schema, migrated with Alembic."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from alembic.util import CommandError as AlembicCommandError
from flask import current_app

from peeredu.cli.conventions import Group, refusal

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    # Alembic's default stdout is the sys.stdout of when alembic was imported, so `db current`
    # and `db history` would write past any redirection in place when the command runs.
    config = AlembicConfig(stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an option: ConfigParser would choke on % in passwords.
    config.attributes["database_url"] = url
    return config


def _app_config() -> AlembicConfig:
    return alembic_config(current_app.config["DATABASE_URL"])


@contextmanager
def _alembic_errors() -> Iterator[None]:
    """An unknown revision is found before any migration runs: one line, exit status 1."""
    try:
        yield
    except AlembicCommandError as error:
        raise refusal(str(error)) from None


db_group = Group("db", help="Database schema migrations (Alembic).")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Bring the database schema up to REVISION (default: the newest)."""
    with _alembic_errors():
        alembic_command.upgrade(_app_config(), revision)


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take the database schema back to REVISION."""
    with _alembic_errors():
        alembic_command.downgrade(_app_config(), revision)


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the schema change is for.")
@click.option("--autogenerate/--empty", default=True, help="Compare models with the database.")
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration; review it before committing it."""
    alembic_command.revision(_app_config(), message=message, autogenerate=autogenerate)


@db_group.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    alembic_command.current(_app_config())

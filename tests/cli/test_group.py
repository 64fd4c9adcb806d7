"""The commands are one ``peeredu`` group: whole on the app's command line, and the console
script's own top level (``peeredu db upgrade``, as ever)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from flask import Flask
from flask.cli import ScriptInfo

from peeredu.__main__ import main
from peeredu.accounts.models import Organisation
from peeredu.cli import peeredu
from tests.cli.test_commands import count

# What `peeredu --help` listed before the commands became one group.
CONSOLE_COMMANDS = {
    "backup",
    "certificates",
    "cohorts",
    "content",
    "db",
    "demo",
    "enrol",
    "limiter",
    "mail",
    "orgs",
    "retention",
    "routes",
    "run",
    "shell",
    "users",
}


def test_the_app_has_the_group_and_none_of_its_commands_beside_it(app: Flask) -> None:
    assert set(peeredu.commands) >= {"db", "users", "demo", "mail", "certificates", "backup"}
    assert app.cli.commands["peeredu"] is peeredu
    assert not set(peeredu.commands) & set(app.cli.commands)


def test_the_console_script_keeps_its_commands_at_the_top(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEEREDU_ENVIRONMENT", "development")
    monkeypatch.setenv("PEEREDU_DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    # The app the console script builds, as `peeredu --help` builds it.
    # (Closing the context pops the app context that looking up a command pushes.)
    with click.Context(main, obj=ScriptInfo(create_app=main.create_app)) as context:
        assert set(main.list_commands(context)) == CONSOLE_COMMANDS
        assert main.get_command(context, "db") is peeredu.commands["db"]
        assert main.get_command(context, "peeredu") is None


def test_the_group_runs_its_commands_in_the_app(app: Flask) -> None:
    # As a host app's `flask peeredu orgs create ...` does.
    runner = app.test_cli_runner()
    created = ["peeredu", "orgs", "create", "--name", "Region Øst", "--kind", "region"]
    result = runner.invoke(args=created)
    assert result.exit_code == 0, result.output
    assert result.output == "Created organisation Region Øst.\n"
    assert count(app, Organisation) == 1

    refused = runner.invoke(args=["peeredu", "enrol", "--email", "nobody@example.org"])
    assert refused.exit_code == 1
    assert len(refused.output.strip().splitlines()) == 1 and "--cohort" in refused.output

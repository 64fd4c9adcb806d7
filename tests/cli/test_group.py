"""The commands are one ``peeredu`` group: on the app's own command line each, or taken whole."""

from __future__ import annotations

from flask import Flask

from peeredu.accounts.models import Organisation
from peeredu.cli import peeredu
from tests.cli.test_commands import count


def test_the_app_has_every_command_of_the_group(app: Flask) -> None:
    assert set(peeredu.commands) >= {"db", "users", "demo", "mail", "certificates", "backup"}
    for name, command in peeredu.commands.items():
        assert app.cli.commands[name] is command


def test_the_group_taken_whole_runs_its_commands_in_the_app(app: Flask) -> None:
    # As a host app's `flask peeredu orgs create ...` would, once the group is registered there.
    runner = app.test_cli_runner()
    result = runner.invoke(peeredu, ["orgs", "create", "--name", "Region Øst", "--kind", "region"])
    assert result.exit_code == 0, result.output
    assert result.output == "Created organisation Region Øst.\n"
    assert count(app, Organisation) == 1

    refused = runner.invoke(peeredu, ["enrol", "--email", "nobody@example.org"])
    assert refused.exit_code == 1
    assert len(refused.output.strip().splitlines()) == 1 and "--cohort" in refused.output

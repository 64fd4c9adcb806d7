"""Arguments are checked before a command does anything: one line on stderr, exit status 1."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.cli.test_commands import assert_refused


@pytest.mark.parametrize("interval", ["-1", "0", "nan", "1e30", "²"])
def test_the_mail_worker_refuses_an_impossible_interval(app: Flask, interval: str) -> None:
    line = assert_refused(app, ["mail", "worker", "--interval", interval], "--interval")
    assert "Traceback" not in line


@pytest.mark.parametrize("command", ["upgrade", "downgrade"])
def test_an_unknown_revision_is_one_line(app: Flask, command: str) -> None:
    line = assert_refused(app, ["db", command, "nosuchrev"], "nosuchrev")
    assert "Traceback" not in line

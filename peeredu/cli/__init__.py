"""The ``peeredu`` commands. They call the same services as the web.

Every command belongs to the one ``peeredu`` group below, a module per command group.
``register_commands`` puts the group, whole, on the app's command line: a host app that mounts
peeredu gains one command, ``flask peeredu db upgrade``, and none of its generic names (``db``,
``users``, ``mail`` ...) beside its own. The console script (``peeredu/__main__.py``) is the
group itself, so there the commands keep their short form: ``peeredu db upgrade``.

A command either does all it was asked or nothing: it commits once, at the end, and a bad
argument is reported on one line naming the option, with exit status 1 (``conventions``).
"""

from __future__ import annotations

from flask import Flask

from peeredu.cli.accounts import cohorts_group, enrol_command, orgs_group, users_group
from peeredu.cli.backup import backup_command
from peeredu.cli.certificates import certificates_group
from peeredu.cli.content import content_group
from peeredu.cli.conventions import Group
from peeredu.cli.db import db_group
from peeredu.cli.demo import demo_group
from peeredu.cli.mail import mail_group
from peeredu.cli.retention import retention_group

__all__ = ["peeredu", "register_commands"]

peeredu = Group(
    "peeredu",
    help="peeredu: run and manage the course platform.",
    commands=[
        db_group,
        users_group,
        orgs_group,
        cohorts_group,
        enrol_command,
        demo_group,
        mail_group,
        content_group,
        retention_group,
        certificates_group,
        backup_command,
    ],
)


def register_commands(app: Flask) -> None:
    """The ``peeredu`` group on ``app``'s command line (``flask peeredu db upgrade``)."""
    app.cli.add_command(peeredu)

"""A host Flask application with peeredu mounted under a prefix, as the README shows it.

The host has a page and a POST route of its own and, when given a folder, its own templates
there. Its peeredu settings are the suite's (the testing environment's, as ``create_app`` would
apply them); the database is the test's, which the suite's ``app`` fixture has made ready.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, url_for

from peeredu import PeerEdu
from peeredu.config import OVERRIDES_BY_ENVIRONMENT

PREFIX = "/kursus"


def mounted_app(settings: dict[str, Any], root: Path, prefix: str = PREFIX) -> Flask:
    """The host app at ``root`` (its templates/ folder there), peeredu under ``prefix``."""
    host = Flask("host", root_path=str(root))
    host.config.update({**OVERRIDES_BY_ENVIRONMENT["testing"], **settings})

    @host.route("/")
    def host_home() -> str:
        return "the host's own page"

    PeerEdu().init_app(host, url_prefix=prefix)
    return host


def mount_point(app: Flask) -> str:
    """Where peeredu is in ``app``: "" standalone, "/kursus" mounted there."""
    with app.test_request_context():
        return url_for("peeredu.home.index").rstrip("/")

"""The app as the benchmark serves it: ``create_app()`` plus two ceilings and a query counter.

Nothing here is part of the production app. The two ceilings are measured in the same run
and server set-up as the pages, so each page's throughput can be given as a ratio of what
this machine does for a 50-row page with one SQLAlchemy Core query and a Jinja template.

Every response carries ``X-Bench-Queries``: statements executed while the request was
handled (BEGIN not counted; a streamed body's statements after the headers are not either).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from flask import Blueprint, Flask, Response, render_template
from sqlalchemy import event, select

from peeredu import create_app
from peeredu.accounts.models import User
from peeredu.extensions import Database, db

HEADER = "X-Bench-Queries"
_count = threading.local()

# Production settings, but plain http on loopback, no second step (the benchmark signs in
# with a password) and rate limits out of the way: they would measure the limiter.
BENCH_CONFIG: dict[str, Any] = {
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_SECURE": False,
    "TWO_FACTOR_REQUIRED": False,
    "VERIFY_RATE_LIMIT": "1000000 per minute",
    "API_RATE_LIMIT": "1000000 per minute",
    "LOGIN_RATE_LIMIT": "1000000 per minute",
    "MAIL_TRANSPORT": "console",
}


def create_bench_app() -> Flask:
    app = create_app({**BENCH_CONFIG, "BASE_URL": os.environ.get("BENCH_BASE_URL", "")})
    engine = Database.state(app).engine

    @event.listens_for(engine, "before_cursor_execute")
    def _counted(*args: Any) -> None:
        if not args[2].startswith("BEGIN"):
            _count.value = getattr(_count, "value", 0) + 1

    @app.before_request
    def _reset() -> None:
        _count.value = 0

    @app.after_request
    def _header(response: Response) -> Response:
        response.headers[HEADER] = str(getattr(_count, "value", 0))
        return response

    ceilings = Blueprint("bench", __name__, template_folder="templates")

    @ceilings.get("/_bench/constant")
    def constant() -> str:
        return "ok"

    @ceilings.get("/_bench/rows")
    def rows() -> str:
        found = db.session.execute(
            select(User.__table__.c.id, User.__table__.c.name, User.__table__.c.email)
            .order_by(User.__table__.c.id)
            .limit(50)
        ).all()
        return render_template("bench_rows.html", rows=found)

    app.register_blueprint(ceilings)
    return app

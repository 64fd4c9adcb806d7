"""How long "forgot password" takes for an address with an account and for one without.

    .venv/bin/python -m bench.password_reset_timing [--rounds 200] [--database-url URL]

Both answers must take about the same time, or the page tells who has an account. Runs the
real app in process (a fresh SQLite file unless --database-url names an empty database),
alternating the two kinds of request, and prints the median and 90th percentile of each.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from peeredu import create_app
from peeredu.accounts import users
from peeredu.accounts.models import Role
from peeredu.extensions import Database, db
from peeredu.models import metadata


def measure(rounds: int, database_url: str) -> dict[str, list[float]]:
    app = create_app(
        {
            "ENVIRONMENT": "testing",
            "SECRET_KEY": "timing",
            "DATABASE_URL": database_url,
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_RESET_RATE_LIMIT": "1000000 per hour",
            "PASSWORD_RESET_ADDRESS_RATE_LIMIT": "1000000 per hour",
            # Nothing listens on port 9: a request that talked SMTP would show it at once.
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": 9,
        }
    )
    metadata.create_all(Database.state(app).engine)
    with app.app_context():
        users.create_user(
            db.session,
            email="known@example.org",
            name="Known",
            roles=(Role.LEARNER,),
            password="a long enough password 1",
            locale="da",
            actor_id=None,
        )
        db.session.commit()
    client = app.test_client()
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(rounds + 10):
        for kind, email in (("known", "known@example.org"), ("unknown", f"u{n}@example.org")):
            started = time.perf_counter()
            response = client.post("/password/forgot", data={"email": email})
            elapsed = time.perf_counter() - started
            assert response.status_code == 302, response.status_code
            if n >= 10:  # the first requests warm caches
                times[kind].append(elapsed * 1000)
    Database.state(app).engine.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'timing.sqlite3'}"
        times = measure(args.rounds, url)
    for kind, values in times.items():
        ordered = sorted(values)
        p90 = ordered[int(len(ordered) * 0.9)]
        print(f"{kind:>8}: median {statistics.median(values):6.2f} ms, p90 {p90:6.2f} ms")


if __name__ == "__main__":
    main()

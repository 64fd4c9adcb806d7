"""A cohort enrolled from one file: 500 rows parsed, validated and applied, timed.

What the admin's confirmation costs, measured as the request does it: the CSV parsed, every
row validated, then in one transaction validated again and applied (an account, enrolment and
invitation token per new person, an enrolment per existing one), every invitation mail
composed into the outbox, committed. On a fresh SQLite file and a fresh PostgreSQL database,
each with 40 organisations and 100 of the 500 people already holding an account.

    .venv/bin/python -m bench.bulk_enrolment [--rows 500] [--limit-s 5]
                                             [--databases sqlite,postgresql]

Exits 1 when a run takes longer than ``--limit-s`` (the issue's "500 rows in under 5 s").
Run by ``make bench-bulk`` (and standalone); PostgreSQL is reached at BENCH_POSTGRES_URL.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from alembic import command as alembic_command
from flask import Flask
from sqlalchemy import func, select

from bench.run import POSTGRES_ADMIN_URL, SECRET, _admin
from peeredu import create_app, outbox
from peeredu.accounts import bulk_enrolment, bulk_files, organisations, users
from peeredu.accounts.models import Cohort, Enrolment, Role
from peeredu.cli.db import alembic_config
from peeredu.db import utcnow
from peeredu.extensions import db
from peeredu.web.emails import queue_invitation

DATABASE = "peeredu_bench_bulk"
EXISTING = 100


def _file(rows: int) -> bytes:
    lines = ["navn;e-mail;spor;organisation"]
    for n in range(rows):
        track = "kollega" if n % 4 == 0 else "peer"
        lines.append(f"Deltager {n};deltager{n}@example.org;{track};Organisation {n % 40}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def _seed(app: Flask) -> tuple[int, int]:
    with app.app_context():
        session = db.session
        for n in range(40):
            organisations.create_organisation(
                session, name=f"Organisation {n}", kind="municipality", actor_id=None
            )
        for n in range(0, 500, 500 // EXISTING):
            users.create_user(
                session,
                email=f"deltager{n}@example.org",
                name=f"Deltager {n}",
                roles=[Role.LEARNER],
                actor_id=None,
            )
        admin = users.create_user(
            session, email="admin@example.org", name="Admin", roles=[Role.ADMIN], actor_id=None
        )
        cohort = organisations.create_cohort(
            session,
            name="Hold 2027",
            start_date=date(2027, 2, 1),
            end_date=date(2027, 6, 1),
            actor_id=None,
        )
        session.commit()
        return cohort.id, admin.id


def run_once(url: str, rows: int) -> dict[str, float]:
    alembic_command.upgrade(alembic_config(url), "head")
    app = create_app(
        {
            "ENVIRONMENT": "development",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": url,
            "BASE_URL": "http://127.0.0.1",
        }
    )
    cohort_id, admin_id = _seed(app)
    content = _file(rows)
    times: dict[str, float] = {}
    with app.test_request_context():
        session = db.session
        cohort = session.get_one(Cohort, cohort_id)
        started, cpu = time.perf_counter(), time.process_time()
        parsed = bulk_files.parse(content, "hold.csv")
        times["parse"] = time.perf_counter() - started
        preview = bulk_enrolment.validate(session, cohort, parsed)
        assert not preview.invalid_rows
        times["validate"] = time.perf_counter() - started - times["parse"]
        session.rollback()  # the preview and the confirmation are two requests
        applying = time.perf_counter()
        applied = bulk_enrolment.apply(
            session,
            session.get_one(Cohort, cohort_id),
            parsed,
            locale="da",
            actor_id=admin_id,
            now=utcnow(),
            max_age=timedelta(days=14),
        )
        for user, token in applied.invited:
            queue_invitation(session, user, token)
        session.commit()
        times["apply"] = time.perf_counter() - applying
        times["total"] = time.perf_counter() - started
        # This process's CPU time (the database's own work not counted): on a shared machine,
        # closer to what the run costs than the wall clock.
        times["cpu"] = time.process_time() - cpu
        assert session.scalar(select(func.count()).select_from(Enrolment)) == rows
        assert session.scalar(select(func.count()).select_from(outbox.OutboxMessage)) == len(
            applied.invited
        )
    db.state(app).engine.dispose()
    return times


def sqlite_run(rows: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        return run_once(f"sqlite:///{Path(folder) / 'bulk.sqlite3'}", rows)


def postgres_run(rows: int) -> dict[str, float]:
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}" TEMPLATE template0')
    try:
        return run_once(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + DATABASE, rows)
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--limit-s", type=float, default=5.0)
    parser.add_argument("--databases", default="sqlite,postgresql")
    arguments = parser.parse_args()
    runs = {"sqlite": sqlite_run, "postgresql": postgres_run}
    slow = False
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print("| database | rows | parse s | validate s | apply + mail + commit s | total s | CPU s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in arguments.databases.split(","):
        times = runs[name](arguments.rows)
        slow = slow or times["total"] > arguments.limit_s
        print(
            f"| {name} | {arguments.rows} | {times['parse']:.3f} | {times['validate']:.3f}"
            f" | {times['apply']:.3f} | {times['total']:.3f} | {times['cpu']:.3f} |"
        )
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())

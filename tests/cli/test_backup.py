"""``peeredu backup PATH``: a consistent copy of the SQLite database while the app writes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from peeredu import audit
from peeredu.audit import AuditEvent
from peeredu.backup import pg_dump_command
from peeredu.extensions import Database, db

# Another process, as a second app worker would be: commits audit rows until told to stop
# (a line on its stdin), then says how many it wrote. It stops with a traceback, and exit
# status 1, if a commit ever finds the database locked for longer than its busy timeout.
WRITER = """
import select, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
connection.execute("PRAGMA busy_timeout=10000")
n = 0
while not (n > 20 and select.select([sys.stdin], [], [], 0)[0]):
    connection.execute("BEGIN IMMEDIATE")
    connection.execute(
        "INSERT INTO audit_events (at, action, object_type, object_id, detail)"
        " VALUES ('2027-01-01 00:00:00.000000', 'writer.row', 'test', ?, '')", (str(n),)
    )
    connection.execute("COMMIT")
    n += 1
    if n == 20:
        print("writing", flush=True)
print("wrote", n, flush=True)
"""


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["peeredu", *args])


def is_sqlite(app: Flask) -> bool:
    return Database.state(app).engine.dialect.name == "sqlite"


def database_file(app: Flask) -> str:
    database = Database.state(app).engine.url.database
    assert database
    return database


def add_events(app: Flask, count: int, action: str = "before.backup") -> None:
    with app.app_context():
        for n in range(count):
            audit.record(db.session, actor_id=None, action=action, object_type="test", object_id=n)
        db.session.commit()


def count_in_app(app: Flask, action: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )


@pytest.fixture
def sqlite_app(app: Flask) -> Flask:
    if not is_sqlite(app):
        pytest.skip("the SQLite backup; PostgreSQL is backed up with pg_dump")
    return app


def test_backup_while_another_process_keeps_writing(sqlite_app: Flask, tmp_path: Path) -> None:
    app = sqlite_app
    add_events(app, 500)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, database_file(app)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdin is not None and writer.stdout is not None
        assert writer.stdout.readline().strip() == "writing"
        target = tmp_path / "copy.sqlite3"
        result = run(app, "backup", str(target))
        # Told to stop only now: a writer held up past its busy timeout would have failed.
        writer.stdin.write("stop\n")
        writer.stdin.close()
        report = writer.stdout.readline().split()
        assert writer.wait() == 0, "the writer failed while the backup ran"
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
        writer.stdout.close()
    assert report[0] == "wrote"
    written = int(report[1])
    assert result.exit_code == 0, result.output
    assert str(target) in result.output and "MB" in result.output
    assert "audit_events" in result.output

    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        (before,) = copy.execute(
            "SELECT count(*) FROM audit_events WHERE action = 'before.backup'"
        ).fetchone()
        (during,) = copy.execute(
            "SELECT count(*) FROM audit_events WHERE action = 'writer.row'"
        ).fetchone()
        numbers = [
            int(n)
            for (n,) in copy.execute(
                "SELECT object_id FROM audit_events WHERE action = 'writer.row'"
            )
        ]
    finally:
        copy.close()
    assert before == 500
    # A snapshot: the writer's rows up to some moment, with no gap.
    assert during >= 20 and sorted(numbers) == list(range(during))
    # The copy is a moment of the writer's work, which went on to the end and all landed.
    assert during <= written
    assert count_in_app(app, "writer.row") == written


def test_an_existing_file_is_not_overwritten_without_force(
    sqlite_app: Flask, tmp_path: Path
) -> None:
    target = tmp_path / "copy.sqlite3"
    target.write_text("an older backup")
    result = run(sqlite_app, "backup", str(target))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "exists" in lines[0] and "--force" in lines[0]
    assert target.read_text() == "an older backup"
    assert not list(tmp_path.glob(".copy.sqlite3.*"))  # no temporary file left

    add_events(sqlite_app, 3)
    forced = run(sqlite_app, "backup", "--force", str(target))
    assert forced.exit_code == 0, forced.output
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("SELECT count(*) FROM audit_events").fetchone()[0] >= 3
    finally:
        copy.close()


def test_a_missing_folder_is_named(sqlite_app: Flask, tmp_path: Path) -> None:
    result = run(sqlite_app, "backup", str(tmp_path / "nowhere" / "copy.sqlite3"))
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "nowhere" in result.output and "does not exist" in result.output
    assert not (tmp_path / "nowhere").exists()


def test_postgresql_is_pointed_to_pg_dump(app: Flask, tmp_path: Path) -> None:
    if is_sqlite(app):
        pytest.skip("only for PostgreSQL")
    result = run(app, "backup", str(tmp_path / "copy.dump"))
    assert result.exit_code == 1
    line = result.output.strip()
    assert "pg_dump --format=custom" in line and "postgresql://" in line
    assert "+psycopg" not in line
    assert not (tmp_path / "copy.dump").exists()


def test_pg_dump_command_leaves_the_password_out() -> None:
    command = pg_dump_command(
        make_url("postgresql+psycopg://peeredu:s3cret@db.example.org:5432/peeredu"),
        Path("/var/backups/peeredu.dump"),
    )
    assert "s3cret" not in command
    assert command == (
        "pg_dump --format=custom --file=/var/backups/peeredu.dump "
        "'postgresql://peeredu@db.example.org:5432/peeredu'"
    )

"""A consistent copy of a running SQLite database, through SQLite's online backup API.

The copy is taken in one step inside a read transaction, so it is the database as it was at
one moment, even while the app keeps writing (WAL lets writers go on meanwhile). It is written
to a temporary file beside the target and renamed into place only when complete and checked,
so a failed backup leaves nothing behind.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, MetaData
from sqlalchemy.engine import URL


class BackupError(Exception):
    """The backup was not made; the message says why, on one line."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int  # bytes
    rows: dict[str, int]


def pg_dump_command(url: URL, path: Path) -> str:
    """The pg_dump command line for ``url`` (the password left to PGPASSWORD or ~/.pgpass)."""
    target = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    rendered = target.render_as_string(hide_password=False)
    return f"pg_dump --format=custom --file={path} '{rendered}'"


def backup_sqlite(engine: Engine, metadata: MetaData, path: Path, *, force: bool) -> BackupReport:
    if engine.dialect.name != "sqlite":
        raise BackupError(f"not a SQLite database ({engine.dialect.name})")
    path = path.expanduser()
    if path.is_dir():
        raise BackupError(f"{path} is a folder; give a file name")
    if path.exists() and not force:
        raise BackupError(f"{path} exists already; use --force to overwrite it")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        source = engine.raw_connection()
        try:
            target = sqlite3.connect(temporary)
            try:
                # One step (pages=-1): the whole database as of one read transaction.
                source.driver_connection.backup(target)  # type: ignore[union-attr]
            finally:
                target.close()
        finally:
            source.close()
        rows = _check(Path(temporary), metadata)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return BackupReport(path=path, size=path.stat().st_size, rows=rows)


def _check(copy: Path, metadata: MetaData) -> dict[str, int]:
    connection = sqlite3.connect(copy)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()
        if result is None or result[0] != "ok":
            raise BackupError(f"the copy failed its integrity check: {result}")
        present = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        return {
            table.name: connection.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
            for table in metadata.sorted_tables
            if table.name in present
        }
    finally:
        connection.close()

"""``peeredu backup PATH``: a consistent copy of the running SQLite database."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from peeredu import backup
from peeredu.cli.conventions import Command, refusal
from peeredu.extensions import Database
from peeredu.models import metadata


# Not in a group: see ``enrol`` (cli/accounts.py) for why it asks for the app context itself.
@click.command("backup", cls=Command)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Copy the running SQLite database to PATH, consistently (SQLite's online backup).

    For PostgreSQL, use pg_dump; the command says how.
    """
    engine = Database.state().engine
    if engine.dialect.name != "sqlite":
        raise refusal(
            "The database is PostgreSQL: back it up with pg_dump, e.g. "
            + backup.pg_dump_command(engine.url, path)
        )
    try:
        report = backup.backup_sqlite(engine, metadata, path, force=force)
    except backup.BackupError as error:
        raise refusal(str(error), option="PATH") from None
    click.echo(f"Backup written to {report.path} ({report.size / 1_000_000:.1f} MB).")
    for table, rows in sorted(report.rows.items()):
        click.echo(f"  {table:<28} {rows:>9,}")

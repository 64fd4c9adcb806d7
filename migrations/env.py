"""Alembic environment for peeredu. Run through ``peeredu db ...``, which passes the URL."""

from __future__ import annotations

from typing import Any

from alembic import context

from peeredu.db import UTCDateTime, make_engine
from peeredu.models import metadata

config = context.config


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations stay readable and independent of the app's helper types.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection: Any) -> None:
    if connection.dialect.name == "sqlite" and not connection.in_transaction():
        _run_without_foreign_keys(connection)
    else:
        _migrate(connection)


def _run_without_foreign_keys(connection: Any) -> None:
    """SQLite's batch mode copies a table, drops it and renames the copy: with rows that refer
    to it, ``foreign_keys=ON`` refuses the drop. Alembic's advice is to turn the check off
    around the migration; the pragma only acts outside a transaction, so on the driver's own
    connection (in autocommit mode, see peeredu.db). The keys are checked again afterwards.
    """
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        _migrate(connection)
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left rows with broken foreign keys: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _migrate(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("peeredu migrations run online only: use `peeredu db upgrade`.")
run_migrations()

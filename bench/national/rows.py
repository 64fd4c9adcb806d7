"""Rows planned in Python with their ids and written with executemany, in batches.

Ids are handed out before insertion so that rows can refer to each other; the writer writes a
table's batch only after every parent table's buffered rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from peeredu.accounts.models import Cohort, Enrolment, Organisation, User
from peeredu.certification.models import Certificate
from peeredu.curriculum.attendance import Attendance, ClassDay
from peeredu.curriculum.progress import ModuleCompletion
from peeredu.reflections.models import Reflection, ReflectionVersion, Review

BATCH = 2000

ID_TABLES: dict[str, Table] = {
    model.__tablename__: model.__table__  # type: ignore[misc]
    for model in (
        Organisation,
        User,
        Cohort,
        Enrolment,
        ClassDay,
        Attendance,
        Reflection,
        ReflectionVersion,
        Review,
        ModuleCompletion,
        Certificate,
    )
}


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


@dataclass
class Ids:
    """The next free id of each table, so rows can refer to each other before insertion."""

    next: dict[str, int]

    @classmethod
    def after_existing(cls, session: Session) -> Ids:
        return cls(
            {
                name: (session.scalar(select(func.max(table.c.id))) or 0) + 1
                for name, table in ID_TABLES.items()
            }
        )

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


class Writer:
    """Buffers rows per table and writes them with executemany in batches."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.buffers: dict[Table, list[dict[str, Any]]] = {}
        self.counts: dict[str, int] = {}

    def add(self, table: Any, row: dict[str, Any]) -> None:
        """Buffer ``row`` for ``table`` (a ``Table``, or a model's ``__table__``)."""
        rows = self.buffers.setdefault(table, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush(table)

    def flush(self, table: Table | None = None) -> None:
        # Parents first: tables in the metadata's dependency order.
        tables = [table] if table is not None else _dependency_order(self.buffers)
        if table is not None:
            # A child batch may refer to parents still buffered.
            for parent in _dependency_order(self.buffers):
                if parent is table:
                    break
                self._write(parent)
        for each in tables:
            self._write(each)

    def _write(self, table: Table) -> None:
        rows = self.buffers.get(table)
        if rows:
            self.session.execute(table.insert(), rows)
            self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
            self.buffers[table] = []


def _dependency_order(buffers: dict[Table, Any]) -> list[Table]:
    metadata = next(iter(buffers)).metadata if buffers else None
    if metadata is None:
        return []
    return [t for t in metadata.sorted_tables if t in buffers]

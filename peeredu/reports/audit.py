"""Reading the audit log: filtered, newest first, a page at a time, in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from peeredu.accounts.models import User
from peeredu.audit import AuditEvent
from peeredu.paging import Page, clamp, offset

PAGE_SIZE = 50
# Offset paging stays cheap only so far; narrow the filters to look further back.
MAX_PAGE = 200


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # part of the actor's name or email
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    at_from: datetime | None = None  # inclusive
    at_until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    action: str
    object_type: str
    object_id: str
    detail: str
    actor_id: int | None
    actor_name: str | None
    actor_email: str | None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(filters: AuditFilter) -> Select[*tuple[Any, ...]]:
    query = select(
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.action,
        AuditEvent.object_type,
        AuditEvent.object_id,
        AuditEvent.detail,
        AuditEvent.actor_id,
        User.name,
        User.email,
    ).outerjoin(User, User.id == AuditEvent.actor_id)
    actor = filters.actor.strip().lower()
    if actor:
        pattern = _like(actor)
        query = query.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.object_type.strip():
        query = query.where(AuditEvent.object_type == filters.object_type.strip())
    if filters.object_id.strip():
        query = query.where(AuditEvent.object_id == filters.object_id.strip())
    if filters.at_from is not None:
        query = query.where(AuditEvent.at >= filters.at_from)
    if filters.at_until is not None:
        query = query.where(AuditEvent.at < filters.at_until)
    return query


def audit_page(session: Session, filters: AuditFilter, page: int = 1) -> Page[AuditRow]:
    """One page of matching events, newest first; pages past MAX_PAGE are not served."""
    page = clamp(page, MAX_PAGE)
    query = (
        _filtered(filters)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset(offset(page, PAGE_SIZE))
        .limit(PAGE_SIZE + 1)
    )
    rows = [AuditRow(*row) for row in session.execute(query)]
    return Page(
        rows=rows[:PAGE_SIZE],
        page=page,
        has_next=len(rows) > PAGE_SIZE and page < MAX_PAGE,
        size=PAGE_SIZE,
    )

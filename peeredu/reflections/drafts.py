"""The learner's draft: found or made, saved against its version, merged after a conflict.

Nothing a learner writes may be lost: a draft is saved with a version number so that a save
from a stale tab is refused (and the caller keeps both texts), and every refusal leaves the
draft as it was.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peeredu.accounts.models import Enrolment
from peeredu.db import changed_rows, clean_text
from peeredu.errors import N_, DomainError
from peeredu.reflections.definitions import Assignment
from peeredu.reflections.models import (
    Reflection,
    ReflectionStatus,
    ReflectionVersion,
)

MAX_TEXT = 100_000  # characters; the form limit is larger, so this message is ours


EDITABLE = frozenset({ReflectionStatus.DRAFT, ReflectionStatus.REVISION})

# Day, month, two-digit year, optional dash or space, four digits (a Danish CPR number).
CPR_PATTERN = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}[- ]?\d{4}(?!\d)")


def looks_like_cpr(text: str) -> bool:
    """A warning sign only: the learner is asked to check, nothing is refused."""
    return CPR_PATTERN.search(text) is not None


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


def compose(assignment: Assignment, text: str, fields: Mapping[str, str]) -> str:
    """The reflection as one Markdown text: guided fields become sections."""
    if not assignment.guided:
        return text.strip()
    parts = []
    for field in assignment.fields:
        value = (fields.get(field.key) or "").strip()
        if value:
            parts.append(f"### {field.label}\n\n{value}")
    return "\n\n".join(parts)


def clean_fields(assignment: Assignment, fields: Mapping[str, Any]) -> dict[str, str]:
    """Only the assignment's own fields, as text."""
    return {f.key: str(fields.get(f.key) or "") for f in assignment.fields}


def check_length(text: str, fields: Mapping[str, str]) -> None:
    length = len(text) + sum(len(v) for v in fields.values())
    if length > MAX_TEXT:
        raise DomainError(
            N_(
                "The text is %(length)s characters long; at most %(count)s fit. Shorten it: your "
                "text is still here, and the last saved draft is kept."
            ),
            field="text",
            count=MAX_TEXT,
            length=length,
        )


# -- Reflections and drafts -----------------------------------------------------------------


def find_reflection(session: Session, enrolment_id: int, assignment_slug: str) -> Reflection | None:
    return session.scalar(
        select(Reflection).where(
            Reflection.enrolment_id == enrolment_id,
            Reflection.assignment_slug == assignment_slug,
        )
    )


def blank_reflection(enrolment: Enrolment, assignment: Assignment) -> Reflection:
    """An unsaved reflection, for showing the editor before the learner has written."""
    return Reflection(
        enrolment_id=enrolment.id,
        assignment_slug=assignment.slug,
        module_slug=assignment.module,
        status=ReflectionStatus.DRAFT,
        draft_text="",
        draft_fields={},
        draft_version=0,
        supervision_flag=False,
    )


def get_or_create(session: Session, enrolment: Enrolment, assignment: Assignment) -> Reflection:
    """The reflection, made on the first save.

    Two first saves at once (a double press) both find none on PostgreSQL; the unique
    constraint lets one insert through and the other, inside a savepoint, takes that row.
    """
    found = find_reflection(session, enrolment.id, assignment.slug)
    if found is not None:
        return found
    reflection = Reflection(
        enrolment_id=enrolment.id,
        assignment_slug=assignment.slug,
        module_slug=assignment.module,
        draft_fields={},
    )
    try:
        with session.begin_nested():
            session.add(reflection)
            session.flush()
    except IntegrityError:
        found = find_reflection(session, enrolment.id, assignment.slug)
        if found is None:
            raise
        return found
    return reflection


@dataclass(frozen=True)
class DraftSaved:
    version: int
    saved_at: datetime


class DraftConflict(DomainError):
    """The draft was saved elsewhere (another tab) since this copy was loaded."""

    def __init__(self, reflection: Reflection) -> None:
        super().__init__(
            N_(
                "This draft was changed in another window. Both texts are kept: yours is "
                "still in the editor, the other is shown below."
            )
        )
        self.current_text = reflection.draft_text
        self.current_fields = dict(reflection.draft_fields or {})
        self.current_version = reflection.draft_version
        self.saved_at = reflection.draft_saved_at


def require_editable(reflection: Reflection) -> None:
    if reflection.status not in EDITABLE:
        raise DomainError(
            N_(
                "The reflection has been submitted; you can write again if feedback asks for a "
                "revision."
            )
        )


def save_draft(
    session: Session,
    assignment: Assignment,
    reflection: Reflection,
    *,
    text: str,
    fields: Mapping[str, Any],
    expected_version: int,
    now: datetime,
) -> DraftSaved:
    """Save the draft if nobody saved it since ``expected_version``; else DraftConflict."""
    require_editable(reflection)
    cleaned = clean_fields(assignment, fields)
    check_length(text, cleaned)
    # One conditional UPDATE: two tabs saving at once cannot both win.
    saved = changed_rows(
        session,
        update(Reflection)
        .where(Reflection.id == reflection.id, Reflection.draft_version == expected_version)
        .values(
            draft_text=text,
            draft_fields=cleaned,
            draft_version=Reflection.draft_version + 1,
            draft_saved_at=now,
        ),
    )
    session.refresh(reflection)
    if saved != 1:
        if holds(reflection, text, cleaned):
            # A resent save (a lost response, a double press): what it asks for is there.
            return DraftSaved(
                version=reflection.draft_version, saved_at=reflection.draft_saved_at or now
            )
        raise DraftConflict(reflection)
    return DraftSaved(version=reflection.draft_version, saved_at=now)


def holds(reflection: Reflection, text: str, fields: Mapping[str, str]) -> bool:
    """Whether the saved draft is this text (as the database keeps it)."""
    saved = dict(reflection.draft_fields or {})
    return clean_text(text) == reflection.draft_text and all(
        clean_text(value) == saved.get(key, "") for key, value in fields.items()
    )


def _joined(mine: str, other: str) -> str:
    if not other.strip() or other.strip() == mine.strip():
        return mine
    if not mine.strip():
        return other
    return f"{mine.rstrip()}\n\n{other.strip()}\n"


def keep_both(
    assignment: Assignment,
    reflection: Reflection,
    *,
    text: str,
    fields: Mapping[str, Any],
    other_version: int,
) -> tuple[str, dict[str, str]]:
    """This window's text followed by the saved one (the learner chose "keep both").

    DraftConflict if the saved draft is no longer the one the learner saw.
    """
    if reflection.draft_version != other_version:
        raise DraftConflict(reflection)
    saved = dict(reflection.draft_fields or {})
    mine = clean_fields(assignment, fields)
    return (
        _joined(text, reflection.draft_text or ""),
        {key: _joined(value, str(saved.get(key) or "")) for key, value in mine.items()},
    )


def set_supervision_flag(session: Session, reflection: Reflection, flagged: bool) -> None:
    reflection.supervision_flag = flagged
    session.flush()


def latest_version(reflection: Reflection) -> ReflectionVersion | None:
    return reflection.versions[-1] if reflection.versions else None


def statuses_by_module(
    session: Session, enrolment_ids: Collection[int]
) -> dict[int, dict[str, ReflectionStatus]]:
    """Each enrolment's reflection status per module slug (one query)."""
    found: dict[int, dict[str, ReflectionStatus]] = {eid: {} for eid in enrolment_ids}
    if enrolment_ids:
        rows = session.execute(
            select(Reflection.enrolment_id, Reflection.module_slug, Reflection.status).where(
                Reflection.enrolment_id.in_(enrolment_ids)
            )
        )
        for enrolment_id, module_slug, status in rows:
            found[enrolment_id][module_slug] = status
    return found

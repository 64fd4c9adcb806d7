"""The learner's practice log: notes to write reflections from."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from peeredu.accounts.models import Enrolment
from peeredu.errors import N_, DomainError
from peeredu.reflections.models import PracticeLogEntry

MAX_NOTE = 2_000


def log_entries(session: Session, enrolment_id: int) -> list[PracticeLogEntry]:
    return list(
        session.scalars(
            select(PracticeLogEntry)
            .where(PracticeLogEntry.enrolment_id == enrolment_id)
            .order_by(PracticeLogEntry.noted_on.desc(), PracticeLogEntry.id.desc())
        )
    )


def add_log_entry(
    session: Session, enrolment: Enrolment, *, noted_on: date, text: str, today: date
) -> PracticeLogEntry:
    text = text.strip()
    if not text:
        raise DomainError(N_("This field is required."), field="text")
    if len(text) > MAX_NOTE:
        raise DomainError(N_("At most %(count)s characters, please."), field="text", count=MAX_NOTE)
    if noted_on > today:
        raise DomainError(N_("The date cannot be in the future."), field="noted_on")
    entry = PracticeLogEntry(enrolment_id=enrolment.id, noted_on=noted_on, text=text)
    session.add(entry)
    session.flush()
    return entry


def delete_log_entry(session: Session, entry: PracticeLogEntry) -> None:
    session.delete(entry)
    session.flush()


def with_note(text: str, note: PracticeLogEntry, label: str) -> str:
    """The text with a practice-log note appended as a quotation to work from."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in note.text.splitlines())
    block = f"{label}\n\n{quoted}"
    return f"{text.rstrip()}\n\n{block}\n" if text.strip() else f"{block}\n"

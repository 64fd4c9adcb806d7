"""Text posted after the session expired (or saved over from another window), kept until the
learner saves it or chooses.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from peeredu.accounts.models import Enrolment
from peeredu.reflections.drafts import MAX_TEXT
from peeredu.reflections.models import StashedText
from peeredu.tokens import digest, new_token

STASH_LIFETIME = timedelta(days=1)


def stash(
    session: Session,
    *,
    enrolment_id: int,
    assignment_slug: str,
    text: str,
    fields: Mapping[str, Any],
    now: datetime,
    base_version: int = 0,
) -> str:
    """Keep text that could not become the draft (signed out, or saved over from another
    window) until the learner saves it or chooses; returns the claim token.

    ``base_version`` is the draft version the text was written on: if the draft is still at
    that version, the text simply continues it; otherwise the learner chooses between both.
    """
    session.execute(delete(StashedText).where(StashedText.created_at < now - STASH_LIFETIME))
    token = new_token(24)
    session.add(
        StashedText(
            token_hash=digest(token),
            enrolment_id=enrolment_id,
            assignment_slug=assignment_slug,
            text=text[:MAX_TEXT],
            fields={k: str(v)[:MAX_TEXT] for k, v in fields.items()},
            base_version=base_version,
            created_at=now,
        )
    )
    session.flush()
    return token


def _stashes(
    session: Session, tokens: Collection[str], *, enrolment_id: int, assignment_slug: str
) -> list[tuple[str, StashedText]]:
    found = []
    for token in tokens:
        row = session.get(StashedText, digest(token))
        if row is not None and (row.enrolment_id, row.assignment_slug) == (
            enrolment_id,
            assignment_slug,
        ):
            found.append((token, row))
    return found


def find_stash(
    session: Session,
    tokens: Collection[str],
    *,
    enrolment: Enrolment,
    assignment_slug: str,
    now: datetime,
) -> StashedText | None:
    """The newest text kept for this enrolment and assignment under one of ``tokens``.

    Reading changes nothing: the text stays kept until a draft save that contains it
    commits (see drop_stashes), so a reload offers it again.
    """
    live = [
        row
        for _token, row in _stashes(
            session, tokens, enrolment_id=enrolment.id, assignment_slug=assignment_slug
        )
        if row.created_at >= now - STASH_LIFETIME
    ]
    return max(live, key=lambda row: row.created_at, default=None)


def drop_stashes(
    session: Session, tokens: Collection[str], *, enrolment_id: int, assignment_slug: str
) -> list[str]:
    """Delete the kept texts for this assignment (their text is now saved, or the learner
    chose the other); returns their tokens. Call in the transaction of that save."""
    dropped = []
    for token, row in _stashes(
        session, tokens, enrolment_id=enrolment_id, assignment_slug=assignment_slug
    ):
        session.delete(row)
        dropped.append(token)
    session.flush()
    return dropped

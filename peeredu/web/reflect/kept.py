"""Texts kept for this browser: what a learner sent signed out, or wrote in a window whose
draft another window had saved over, waits under a claim token in the browser's session until
a save takes it in or the learner chooses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask import session
from sqlalchemy.orm import Session

from peeredu.reflections import stashes
from peeredu.web.signin import STASH_SESSION_KEY

MAX_STASH_TOKENS = 10


def stash_tokens() -> list[str]:
    """The claim tokens of texts kept for this browser (one per kept text)."""
    value = session.get(STASH_SESSION_KEY)
    if isinstance(value, str):  # a session from before texts were kept per window
        return [value]
    return [token for token in value if isinstance(token, str)] if isinstance(value, list) else []


def remember(token: str) -> None:
    session[STASH_SESSION_KEY] = [*stash_tokens(), token][-MAX_STASH_TOKENS:]


def forget(dropped: list[str]) -> None:
    if dropped:
        session[STASH_SESSION_KEY] = [t for t in stash_tokens() if t not in dropped]


def drop(db_session: Session, enrolment_id: int, slug: str) -> list[str]:
    """Delete this browser's kept texts for the assignment, in the transaction of the save
    that holds them; :func:`forget` their tokens after it committed."""
    return stashes.drop_stashes(
        db_session, stash_tokens(), enrolment_id=enrolment_id, assignment_slug=slug
    )


def keep(
    db_session: Session,
    *,
    enrolment_id: int,
    slug: str,
    text: str,
    fields: Mapping[str, str],
    base: int,
    now: datetime,
    replacing: bool,
) -> tuple[str, list[str]]:
    """Keep a text under a new token (in place of what this browser kept for the assignment
    before, when ``replacing``); returns the token and the tokens dropped."""
    dropped = drop(db_session, enrolment_id, slug) if replacing else []
    token = stashes.stash(
        db_session,
        enrolment_id=enrolment_id,
        assignment_slug=slug,
        text=text,
        fields=fields,
        base_version=base,
        now=now,
    )
    return token, dropped


def remember_instead(kept: tuple[str, list[str]] | None) -> None:
    """After the commit: this browser holds the new token instead of the dropped ones."""
    if kept is not None:
        token, dropped = kept
        forget(dropped)
        remember(token)

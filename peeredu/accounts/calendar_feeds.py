"""A person's calendar subscription: a secret URL a calendar app reads without a session.

One feed per user (``CalendarFeed``). Like every token here only its digest is stored, so the
URL is shown once, right after it is made; renewing gives a new URL and the old one stops
working at once, revoking deletes the feed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from peeredu import audit
from peeredu.accounts.models import CalendarFeed, User
from peeredu.errors import N_, DomainError
from peeredu.tokens import digest, new_token

# Longer than any token made here; anything longer is refused before it is hashed.
RAW_MAX_LENGTH = 100


def feed_of(session: Session, user_id: int) -> CalendarFeed | None:
    return session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user_id))


def open_feed(session: Session, user: User, *, now: datetime) -> str:
    """A new secret for ``user``'s feed (made, or renewed in place), returned raw: show it once."""
    raw = new_token()
    feed = feed_of(session, user.id)
    action = "calendar_feed.renew"
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        session.add(feed)
        action = "calendar_feed.create"
    feed.token_hash, feed.created_at, feed.last_used_at = digest(raw), now, None
    session.flush()
    audit.record(session, user.id, action, "user", user.id, now=now)
    return raw


def revoke_feed(session: Session, user: User, *, now: datetime) -> None:
    feed = feed_of(session, user.id)
    if feed is None:
        raise DomainError(N_("You have no calendar subscription."))
    session.delete(feed)
    session.flush()
    audit.record(session, user.id, "calendar_feed.revoke", "user", user.id, now=now)


def owner_of(session: Session, raw: str) -> User | None:
    """The active user whose feed ``raw`` opens, or None: unknown, renewed or revoked."""
    if not raw or len(raw) > RAW_MAX_LENGTH:
        return None
    feed = session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.token_hash == digest(raw))
        .options(joinedload(CalendarFeed.user))
    )
    if feed is None or not feed.user.is_active:
        return None
    return feed.user

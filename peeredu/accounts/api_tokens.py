"""API tokens: how an HR system reads the JSON API on behalf of one HR user.

A token reads exactly what its owner may read, no more, and only while the owner is active and
holds the HR role. Like AccountToken, only a sha256 hash of the token is stored: the raw token
is shown once when it is made, and a copy of the database cannot be used to call the API. The
short ``prefix`` is not secret; it lets the owner tell their tokens apart in the list.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, or_, select, update
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship

from peeredu import audit
from peeredu.accounts.models import Role, User
from peeredu.accounts.validation import required_text
from peeredu.db import Base, utcnow
from peeredu.errors import N_, DomainError, NotFound
from peeredu.tokens import digest, new_token

RAW_PREFIX = "pe_"
PREFIX_LENGTH = 8
NAME_MAX_LENGTH = 100
# Longer than any token made here; anything longer is refused before it is hashed.
RAW_MAX_LENGTH = 100
# last_used_at is a hint for the owner ("is this token still in use?"), not a log: writing it
# on every request would turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The owner's own label, e.g. the name of the HR system that uses the token.
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(PREFIX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def may_hold_tokens(user: User) -> bool:
    """Tokens read what HR users read; nobody else has a use for them."""
    return user.is_active and user.has_role(Role.HR)


def _record(session: Session, user: User, action: str, token: ApiToken, *, now: datetime) -> None:
    # The prefix names the token in the log; the rest of it is never kept.
    detail = f"prefix={token.prefix}"
    audit.record(
        session, user.id, f"api_token.{action}", "api_token", token.id, detail=detail, now=now
    )


def create_token(session: Session, user: User, name: str, now: datetime) -> tuple[ApiToken, str]:
    """A new token for ``user`` and the raw token, which is not kept anywhere: show it once."""
    if not user.has_role(Role.HR):
        raise DomainError(N_("Only users with the HR role can create API tokens."))
    name = required_text(name, "name", NAME_MAX_LENGTH)
    raw = RAW_PREFIX + new_token()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=digest(raw),
        prefix=raw[:PREFIX_LENGTH],
        created_at=now,
    )
    session.add(token)
    session.flush()
    _record(session, user, "create", token, now=now)
    return token, raw


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included (they say when they stopped)."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(session: Session, user: User, token_id: int, now: datetime) -> ApiToken:
    """Stop one of the user's own tokens from working; another user's token is NotFound."""
    # Locked: of two revocations at once, the second sees the first (and logs nothing).
    token = session.get(ApiToken, token_id, with_for_update=True, populate_existing=True)
    if token is None or token.user_id != user.id:
        raise NotFound(N_("No such API token."))
    if token.revoked_at is not None:
        raise DomainError(N_("The API token is already revoked."))
    token.revoked_at = now
    session.flush()
    _record(session, user, "revoke", token, now=now)
    return token


def authenticate_token(session: Session, raw: str, now: datetime) -> User | None:
    """The owner of a working token, or None: unknown, revoked, or the owner may not use it.

    Notes the time of use at most once per LAST_USED_RESOLUTION (not committed): of many
    requests at once only one writes, and none waits for another's lock to write the same.
    """
    if not raw.startswith(RAW_PREFIX) or len(raw) > RAW_MAX_LENGTH:
        return None
    token = session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == digest(raw))
        .options(joinedload(ApiToken.user))
    )
    if token is None or token.revoked_at is not None or not may_hold_tokens(token.user):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # Conditional: another request may have written it since this one read it.
        session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token.id,
                or_(
                    ApiToken.last_used_at.is_(None),
                    ApiToken.last_used_at <= now - LAST_USED_RESOLUTION,
                ),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        session.expire(token, ["last_used_at"])
    return token.user

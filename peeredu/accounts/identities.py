"""Accounts at an organisation's identity provider (OpenID Connect), linked to peeredu users.

A person is found by the provider's stored subject (``iss`` + ``sub``) once linked; the first
time only by a *verified* email claim that names an existing, active (invited) account. Anyone
else is refused, unless the provider's organisation allows just-in-time accounts: then a
learner in no cohort. The pair (issuer, subject) is unique, so two first sign-ins at once make
one link (the second finds the first's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from peeredu import audit
from peeredu.accounts import users
from peeredu.accounts.models import Role, User
from peeredu.accounts.passwords import hash_password
from peeredu.db import Base, utcnow
from peeredu.errors import N_, DomainError
from peeredu.tokens import new_token


class ExternalIdentity(Base):
    """The provider's subject ``subject`` at ``issuer`` is the peeredu user ``user_id``."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class ProviderSettings:
    """One organisation's identity provider, as PEEREDU_OIDC_PROVIDERS lists it."""

    key: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    password_login: bool = True
    jit: bool = False
    mfa_acr: str | None = None
    # The boolean claim that says the email is the person's: Entra ID sends no
    # "email_verified", but "xms_edov" (the email's domain is the tenant's) when asked for.
    email_verified_claim: str = "email_verified"

    def asserts_mfa(self, claims: dict[str, Any]) -> bool:
        """Whether the ID token says the person signed in with more than one factor."""
        amr = claims.get("amr")
        if isinstance(amr, list) and "mfa" in amr:
            return True
        return self.mfa_acr is not None and claims.get("acr") == self.mfa_acr


def parse_providers(entries: list[dict[str, Any]]) -> dict[str, ProviderSettings]:
    """The providers by key; a missing field or a repeated key is a ValueError."""
    providers: dict[str, ProviderSettings] = {}
    for entry in entries:
        try:
            provider = ProviderSettings(
                key=str(entry["key"]),
                label=str(entry["label"]),
                issuer=str(entry["issuer"]).rstrip("/"),
                client_id=str(entry["client_id"]),
                client_secret=str(entry["client_secret"]),
                password_login=bool(entry.get("password_login", True)),
                jit=bool(entry.get("jit", False)),
                mfa_acr=entry.get("mfa_acr"),
                email_verified_claim=str(entry.get("email_verified_claim", "email_verified")),
            )
        except KeyError as missing:
            raise ValueError(f"PEEREDU_OIDC_PROVIDERS: an entry lacks {missing}") from None
        if provider.key in providers:
            raise ValueError(f"PEEREDU_OIDC_PROVIDERS: the key {provider.key!r} is repeated")
        providers[provider.key] = provider
    return providers


def find(session: Session, issuer: str, subject: str) -> ExternalIdentity | None:
    return session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject
        )
    )


def link_or_find(
    session: Session,
    *,
    issuer: str,
    subject: str,
    email: str | None,
    email_verified: bool,
    name: str | None,
    provider: ProviderSettings,
    now: datetime,
) -> User:
    """The active user this provider account signs in as, linking it the first time."""
    linked = find(session, issuer, subject)
    if linked is not None:
        user = session.get(User, linked.user_id)
        if user is None or not user.is_active:
            raise DomainError(N_("This account is closed. Ask the course administration."))
        return user
    if not email:
        raise DomainError(
            N_("The identity provider did not tell your email address, so we cannot find you.")
        )
    if not email_verified:
        raise DomainError(
            N_(
                "The identity provider has not verified your email address, so we cannot "
                "link it to an account."
            )
        )
    user = users.get_user_by_email(session, email)
    if user is None and provider.jit:
        user = _new_learner(session, email, name or email)
    if user is None or not user.active:
        raise DomainError(
            N_(
                "No account in the course has the address %(email)s. Ask the course "
                "administration for an invitation.",
            ),
            email=email,
        )
    other = session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == issuer, ExternalIdentity.user_id == user.id
        )
    )
    if other is not None and other.subject == subject:
        return user  # linked meanwhile by another first sign-in
    if other is not None:
        raise DomainError(
            N_("The account is already linked to another person at this identity provider.")
        )
    if user.password_hash is None:
        # An invited account signed in by its provider is taken up (a user without a password
        # cannot sign in at all): an unguessable password, which "forgot password" replaces.
        user.password_hash = hash_password(new_token())
    return _link(session, user, issuer=issuer, subject=subject, now=now)


def _new_learner(session: Session, email: str, name: str) -> User | None:
    """A learner in no cohort; made meanwhile by another first sign-in, that one."""
    try:
        with session.begin_nested():
            return users.create_user(
                session, email=email, name=name, roles=[Role.LEARNER], actor_id=None
            )
    except (IntegrityError, DomainError):
        existing = users.get_user_by_email(session, email)
        if existing is None:
            raise
        return existing


def _link(session: Session, user: User, *, issuer: str, subject: str, now: datetime) -> User:
    """Store the link; a link made meanwhile by another sign-in (the unique pair) is kept."""
    try:
        with session.begin_nested():
            identity = ExternalIdentity(
                issuer=issuer, subject=subject, user_id=user.id, created_at=now
            )
            session.add(identity)
            session.flush()
    except IntegrityError:
        existing = find(session, issuer, subject)
        if existing is None or existing.user_id != user.id:
            raise DomainError(
                N_("The account is already linked to another person at this identity provider.")
            ) from None
        return user
    audit.record(
        session, None, "identity.link", "user", user.id, detail=f"{issuer} {subject}", now=now
    )
    session.flush()
    return user

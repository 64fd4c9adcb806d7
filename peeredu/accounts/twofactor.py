"""Two-step sign-in: a time-based one-time code (TOTP, RFC 6238) from an authenticator app.

A user turns it on by scanning a secret (as a QR code) and typing one code from it; only then
is it on. A code is accepted one 30-second step early or late (clocks drift), and never twice:
the last step used is remembered, so a code seen over someone's shoulder is worthless. Ten
single-use recovery codes are shown once; only their sha256 hashes are stored (they carry 60
random bits, so a fast hash is enough, as for AccountToken).

The TOTP secret itself must be kept in the clear (the server computes the same codes).

Everything that uses or changes a user's second factor first takes the user's row lock
(``db.lock``) and then reads it: one code sent twice at once is accepted once, and two set-ups
or new sets of recovery codes at once do not leave codes nobody was shown.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from peeredu import audit
from peeredu.accounts.models import Role, User
from peeredu.accounts.passwords import verify_password
from peeredu.db import Base, lock
from peeredu.errors import N_, DomainError
from peeredu.tokens import digest

STEP_SECONDS = 30
DIGITS = 6
# One step either side of now: a phone clock a little off still works.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# 12 characters from a 32-letter alphabet without look-alikes (0/O, 1/I/L): 60 bits.
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_RECOVERY_LENGTH = 12
# The roles that must use two-step sign-in when the setting TWO_FACTOR_REQUIRED is on: they
# can see other people's data.
REQUIRED_FOR_ROLES = frozenset({Role.ADMIN, Role.TEACHER, Role.HR})


class TwoFactor(Base):
    """A user's authenticator secret; ``enabled_at`` is None until a first code confirmed it."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    enabled_at: Mapped[datetime | None]
    # The time step (unix time // 30) of the last accepted code: no code is accepted twice.
    last_step: Mapped[int | None]


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


def required_for(user: User, *, setting: bool) -> bool:
    """Whether ``user`` must use two-step sign-in, given the TWO_FACTOR_REQUIRED setting."""
    return setting and bool(user.roles & REQUIRED_FOR_ROLES)


def find(session: Session, user: User) -> TwoFactor | None:
    return session.get(TwoFactor, user.id)


def _find_locked(session: Session, user: User) -> TwoFactor | None:
    """The second factor, read under the user's row lock (the user's row: there may be none)."""
    lock(session, user)
    return session.get(TwoFactor, user.id, populate_existing=True)


def is_enabled(session: Session, user: User) -> bool:
    found = find(session, user)
    return found is not None and found.enabled_at is not None


def provisioning_uri(secret: str, *, email: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def start_enrolment(session: Session, user: User, *, now: datetime) -> TwoFactor:
    """A fresh, not yet confirmed secret (replacing an unconfirmed one)."""
    found = _find_locked(session, user)
    if found is not None and found.enabled_at is not None:
        raise DomainError(N_("Two-step sign-in is already on."))
    if found is None:
        found = TwoFactor(user_id=user.id, secret="", created_at=now)
        session.add(found)
    found.secret = pyotp.random_base32()
    found.created_at = now
    found.last_step = None
    session.flush()
    return found


def enable_with_secret(session: Session, user: User, secret: str, *, now: datetime) -> None:
    """Two-step sign-in on with a known secret, without a first code (demo data only)."""
    pyotp.TOTP(secret).now()  # fails on a secret that is not base32
    found = _find_locked(session, user)
    if found is None:
        found = TwoFactor(user_id=user.id, secret=secret, created_at=now)
        session.add(found)
    found.secret, found.enabled_at, found.last_step = secret, now, None
    session.flush()


def _normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def _matching_step(secret: str, code: str, *, now: datetime, after: int | None) -> int | None:
    code = _normalise_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if after is not None and step <= after:
            continue  # already used (or older than one used): a replay
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _hash_recovery(code: str) -> str:
    return digest(_normalise_code(code))


def _new_recovery_codes(session: Session, user: User, *, now: datetime) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(raw), created_at=now))
    session.flush()
    return codes


def confirm_enrolment(session: Session, user: User, code: str, *, now: datetime) -> list[str]:
    """Turn two-step sign-in on with a first code; returns the recovery codes (shown once)."""
    found = _find_locked(session, user)
    if found is None or found.enabled_at is not None:
        raise DomainError(N_("Start the set-up again."))
    step = _matching_step(found.secret, code, now=now, after=found.last_step)
    if step is None:
        raise DomainError(
            N_("The code is not correct. Check the time on your phone and try a new code."),
            field="code",
        )
    found.enabled_at = now
    found.last_step = step
    audit.record(session, user.id, "twofactor.enable", "user", user.id)
    return _new_recovery_codes(session, user, now=now)


def verify(session: Session, user: User, code: str, *, now: datetime) -> bool:
    """Whether ``code`` (an authenticator code or an unused recovery code) proves the user.

    A used code is spent: the same authenticator code, or recovery code, fails the next time.
    """
    found = _find_locked(session, user)
    if found is None or found.enabled_at is None:
        return False
    step = _matching_step(found.secret, code, now=now, after=found.last_step)
    if step is not None:
        found.last_step = step
        session.flush()
        return True
    if len(_normalise_code(code)) != _RECOVERY_LENGTH:
        return False
    recovery = session.scalars(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_recovery(code),
            RecoveryCode.used_at.is_(None),
        )
    ).first()
    if recovery is None:
        return False
    recovery.used_at = now
    audit.record(session, user.id, "twofactor.recovery_used", "user", user.id)
    session.flush()
    return True


def recovery_codes_left(session: Session, user: User) -> int:
    return len(
        session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def _require_password(user: User, password: str) -> None:
    # Changing the second factor asks for the password again: a session left open on a shared
    # computer must not be enough.
    if not verify_password(user.password_hash, password):
        raise DomainError(N_("The password is not correct."), field="password")


def regenerate_recovery_codes(
    session: Session, user: User, *, password: str, now: datetime
) -> list[str]:
    """New recovery codes; the old ones stop working."""
    _require_password(user, password)
    found = _find_locked(session, user)
    if found is None or found.enabled_at is None:
        raise DomainError(N_("Two-step sign-in is not on."))
    audit.record(session, user.id, "twofactor.recovery_regenerate", "user", user.id)
    return _new_recovery_codes(session, user, now=now)


def disable(session: Session, user: User, *, password: str, required: bool) -> None:
    """Turn two-step sign-in off (the secret and recovery codes are deleted)."""
    _require_password(user, password)
    if required:
        raise DomainError(N_("Your role requires two-step sign-in; it cannot be turned off."))
    found = _find_locked(session, user)
    if found is None:
        return
    was_enabled = found.enabled_at is not None
    session.delete(found)
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if was_enabled:
        audit.record(session, user.id, "twofactor.disable", "user", user.id)
    session.flush()


def reset(session: Session, user: User, *, actor_id: int) -> None:
    """An administrator removes a user's second factor (lost phone and recovery codes).

    The user's sessions end; if their role requires two-step sign-in they set it up again at
    their next sign-in.
    """
    lock(session, user)
    session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.bump_session_version()
    audit.record(session, actor_id, "twofactor.reset", "user", user.id)
    session.flush()

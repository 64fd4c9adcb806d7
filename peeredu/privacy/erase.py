"""Deleting what a learner wrote, and anonymising a person on request.

Reflections may hold health information (GDPR art. 9). What is deleted here is the *text*: the
practice log, every draft and submitted version of a reflection, and the feedback on them. What
stays is what the course and the certificate rest on: completed modules, attendance and the
certificate (whose holder's name was copied onto it when it was issued, so that verification by
code keeps answering for the certificate that was handed out).

A reflection that was approved keeps its row, versions and decisions with the texts emptied and
``texts_deleted_at`` set, so that teachers see "the text has been deleted" where it was. A
reflection not (yet) approved is removed altogether: there is no decision worth keeping, and it
must not wait in a teacher's review queue without a text.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from peeredu import audit
from peeredu.accounts.api_tokens import ApiToken
from peeredu.accounts.models import AccountToken, Enrolment, User
from peeredu.accounts.twofactor import RecoveryCode, TwoFactor
from peeredu.db import changed_rows, lock
from peeredu.errors import N_, DomainError
from peeredu.outbox import OutboxMessage
from peeredu.reflections.models import (
    PracticeLogEntry,
    Reflection,
    ReflectionStatus,
    ReflectionVersion,
    Review,
    StashedText,
)

# Stored as data, so in the course's language; the id keeps anonymised people apart.
ANONYMISED_NAME = "Anonymiseret bruger #{id}"
# RFC 2606 reserves .invalid: mail to it can never reach anyone, and the id keeps it unique.
ANONYMISED_EMAIL = "anonymiseret-{id}@anonymiseret.invalid"


@dataclass(frozen=True)
class TextsBlanked:
    reflections: int
    versions: int
    reviews: int


@dataclass(frozen=True)
class ReflectionsDeleted:
    removed: int  # not approved: gone altogether
    emptied: int  # approved: decisions kept, texts emptied
    versions: int  # submitted versions whose text is gone, in both kinds
    reviews: int  # feedback whose text is gone, in both kinds

    @property
    def total(self) -> int:
        return self.removed + self.emptied


def enrolment_ids_of(session: Session, user_id: int) -> list[int]:
    return list(session.scalars(select(Enrolment.id).where(Enrolment.user_id == user_id)))


def _count(session: Session, statement: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(statement.subquery())) or 0)


# -- Building blocks (also used by retention) ----------------------------------------------


def delete_log_entries(session: Session, enrolment_ids: Collection[int]) -> int:
    if not enrolment_ids:
        return 0
    return changed_rows(
        session, delete(PracticeLogEntry).where(PracticeLogEntry.enrolment_id.in_(enrolment_ids))
    )


def delete_stashes(session: Session, enrolment_ids: Collection[int]) -> int:
    if not enrolment_ids:
        return 0
    return changed_rows(
        session, delete(StashedText).where(StashedText.enrolment_id.in_(enrolment_ids))
    )


def blank_texts(
    session: Session, reflection_ids: Collection[int], *, now: datetime
) -> TextsBlanked:
    """Empty the draft, every version (source, fields and stored HTML) and the feedback texts.

    The rows, statuses, dates, word counts and "met / not yet" marks stay. Reflections already
    emptied are skipped, so running it twice changes nothing the second time.
    """
    ids = list(
        session.scalars(
            select(Reflection.id).where(
                Reflection.id.in_(reflection_ids), Reflection.texts_deleted_at.is_(None)
            )
        )
    )
    if not ids:
        return TextsBlanked(0, 0, 0)
    reviews = 0
    for review in session.scalars(
        select(Review).join(ReflectionVersion).where(ReflectionVersion.reflection_id.in_(ids))
    ):
        review.overall_comment = ""
        review.criteria = {
            key: {"met": (value or {}).get("met"), "comment": ""}
            for key, value in (review.criteria or {}).items()
        }
        review.updated_at = now
        reviews += 1
    session.flush()
    versions = changed_rows(
        session,
        update(ReflectionVersion)
        .where(ReflectionVersion.reflection_id.in_(ids))
        .values(text="", fields={}, html=""),
    )
    session.execute(
        update(Reflection)
        .where(Reflection.id.in_(ids))
        .values(
            draft_text="",
            draft_fields={},
            # Raised, so that an editor still open in a tab cannot save the old text back.
            draft_version=Reflection.draft_version + 1,
            texts_deleted_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    # The bulk updates went past the identity map: make loaded objects read the new values.
    session.expire_all()
    return TextsBlanked(reflections=len(ids), versions=int(versions or 0), reviews=reviews)


def _remove_reflections(session: Session, reflection_ids: Collection[int]) -> tuple[int, int]:
    """Delete reflections with their versions and reviews: (versions, reviews) removed."""
    if not reflection_ids:
        return 0, 0
    version_ids = select(ReflectionVersion.id).where(
        ReflectionVersion.reflection_id.in_(reflection_ids)
    )
    reviews = changed_rows(session, delete(Review).where(Review.version_id.in_(version_ids)))
    versions = changed_rows(
        session,
        delete(ReflectionVersion).where(ReflectionVersion.reflection_id.in_(reflection_ids)),
    )
    session.execute(
        delete(Reflection)
        .where(Reflection.id.in_(reflection_ids))
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return int(versions or 0), int(reviews or 0)


# -- What the learner can do --------------------------------------------------------------


@dataclass(frozen=True)
class Holdings:
    """What a person has written, for the confirmation pages: what would be deleted."""

    log_entries: int
    reflections_removed: int  # not approved
    reflections_emptied: int  # approved, texts not yet deleted
    versions: int


def holdings(session: Session, user: User) -> Holdings:
    enrolment_ids = enrolment_ids_of(session, user.id)
    if not enrolment_ids:
        return Holdings(0, 0, 0, 0)
    live = select(Reflection.id, Reflection.status).where(
        Reflection.enrolment_id.in_(enrolment_ids), Reflection.texts_deleted_at.is_(None)
    )
    statuses = [status for _id, status in session.execute(live)]
    approved = sum(1 for s in statuses if s is ReflectionStatus.APPROVED)
    return Holdings(
        log_entries=_count(
            session,
            select(PracticeLogEntry.id).where(PracticeLogEntry.enrolment_id.in_(enrolment_ids)),
        ),
        reflections_removed=len(statuses) - approved,
        reflections_emptied=approved,
        versions=_count(
            session,
            select(ReflectionVersion.id)
            .join(Reflection)
            .where(
                Reflection.enrolment_id.in_(enrolment_ids),
                Reflection.texts_deleted_at.is_(None),
            ),
        ),
    )


def delete_practice_log(session: Session, user: User, *, actor_id: int, now: datetime) -> int:
    """Delete every note in the user's practice logs; the number deleted."""
    count = delete_log_entries(session, enrolment_ids_of(session, user.id))
    session.flush()
    audit.record(
        session,
        actor_id,
        "privacy.delete_practice_log",
        "user",
        user.id,
        detail=f"entries={count}",
        now=now,
    )
    return count


def delete_reflections(
    session: Session, user: User, *, actor_id: int, now: datetime
) -> ReflectionsDeleted:
    """Delete the texts of all the user's reflections, drafts and the feedback on them.

    Approved reflections keep their decisions (the module stays completed); the others are
    removed and can be written again from the start.
    """
    enrolment_ids = enrolment_ids_of(session, user.id)
    rows = (
        session.execute(
            select(Reflection.id, Reflection.status).where(
                Reflection.enrolment_id.in_(enrolment_ids)
            )
        ).all()
        if enrolment_ids
        else []
    )
    approved = [rid for rid, status in rows if status is ReflectionStatus.APPROVED]
    others = [rid for rid, status in rows if status is not ReflectionStatus.APPROVED]
    blanked = blank_texts(session, approved, now=now)
    removed_versions, removed_reviews = _remove_reflections(session, others)
    delete_stashes(session, enrolment_ids)
    session.flush()
    result = ReflectionsDeleted(
        removed=len(others),
        emptied=blanked.reflections,
        versions=removed_versions + blanked.versions,
        reviews=removed_reviews + blanked.reviews,
    )
    audit.record(
        session,
        actor_id,
        "privacy.delete_reflections",
        "user",
        user.id,
        detail=f"removed={result.removed} emptied={result.emptied} "
        f"versions={result.versions} reviews={result.reviews}",
        now=now,
    )
    return result


# -- What an admin can do -----------------------------------------------------------------


def anonymise_user(
    session: Session, user: User, *, reason: str, actor_id: int, now: datetime
) -> None:
    """Anonymise a person on request (GDPR art. 17).

    The name and email are replaced by placeholders; the password, sign-in links, API tokens and
    sessions stop working; the account is deactivated; the practice log and reflection texts
    are deleted as in ``delete_reflections``; mail to the old address is dropped from the
    outbox. Enrolments, completions, attendance, certificates and the audit log stay, linked to
    the anonymised row. The certificate keeps the name printed on it, so its code still
    verifies (see README, "Privacy").
    """
    reason = audit.require_reason(reason)
    # The account's row first, as sign-in does before its codes and links: two admins at once
    # anonymise once, and nothing waits in a circle.
    lock(session, user)
    if user.anonymised_at is not None:
        raise DomainError(N_("This account has already been anonymised."))
    if user.id == actor_id:
        raise DomainError(N_("You cannot anonymise your own account."))
    delete_practice_log(session, user, actor_id=actor_id, now=now)
    delete_reflections(session, user, actor_id=actor_id, now=now)
    old_email = user.email
    session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.to_address == old_email)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(AccountToken)
        .where(AccountToken.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    for model in (TwoFactor, RecoveryCode):
        session.execute(
            delete(model)
            .where(model.user_id == user.id)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    user.name = ANONYMISED_NAME.format(id=user.id)
    user.email = ANONYMISED_EMAIL.format(id=user.id)
    user.password_hash = None
    user.active = False
    user.last_login_at = None
    user.last_digest_at = None
    user.bump_session_version()
    user.anonymised_at = now
    session.flush()
    audit.record(
        session, actor_id, "user.anonymise", "user", user.id, detail=f"reason={reason}", now=now
    )

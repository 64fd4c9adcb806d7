"""Issuing, revoking and looking up certificates.

``settle`` is the one place that decides and issues. Every domain operation that can complete
the last condition (an approval, attendance registered, a module completed or overridden, an
attendance exception, a class day cancelled or moved, a module reopened) calls it inside its
own transaction, so no view can forget it. It locks the enrolment rows first and reads the
conditions after the lock: of two concurrent final events, the second waits for the first and
then sees its change, so exactly one certificate is issued and neither event misses it.

Issuing sends ``certificate_issued``; the web layer queues the learner's email on it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from blinker import Namespace
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from peeredu import audit
from peeredu.accounts.models import Enrolment, EnrolmentStatus
from peeredu.certification import codes
from peeredu.certification.eligibility import Eligibility, eligibility
from peeredu.certification.models import Certificate
from peeredu.curriculum import records
from peeredu.curriculum.content import Curriculum, LearningModule
from peeredu.db import local_date
from peeredu.errors import N_, DomainError

_signals = Namespace()
# Sent with session= and certificate= when a certificate is issued, inside the transaction.
certificate_issued = _signals.signal("certificate-issued")


def eligibilities(
    session: Session, curriculum: Curriculum, enrolments: Collection[Enrolment], *, now: datetime
) -> dict[int, Eligibility]:
    """The rule for each enrolment, in a fixed number of queries."""
    ids = [e.id for e in enrolments]
    completed = records.completions_by_enrolment(session, ids)
    attended = records.summaries(session, ids, today=local_date(now))
    return {
        e.id: eligibility(curriculum, e.track, completed[e.id], attended[e.id]) for e in enrolments
    }


def eligibility_of(
    session: Session, curriculum: Curriculum, enrolment: Enrolment, *, now: datetime
) -> Eligibility:
    return eligibilities(session, curriculum, [enrolment], now=now)[enrolment.id]


def certificate_of(session: Session, enrolment_id: int) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment_id))


def certificate_with_holder(session: Session, certificate_id: int) -> Certificate | None:
    """A certificate with its enrolment and the person, in one query (PDF, revoking)."""
    return session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(joinedload(Certificate.enrolment).joinedload(Enrolment.user))
    )


def completed_modules(
    session: Session, curriculum: Curriculum, enrolment_id: int
) -> list[LearningModule]:
    """The modules the enrolment completed, in course order (one query; for the PDF).

    Read at the time of printing, not copied at issue: completions are kept when an account
    is anonymised, and a module no longer in the course is left out."""
    completed = records.completions_by_enrolment(session, [enrolment_id])[enrolment_id]
    found = [m for slug in completed if (m := curriculum.module(slug)) is not None]
    return sorted(found, key=lambda m: m.order)


def certificates_by_enrolment(
    session: Session, enrolment_ids: Collection[int]
) -> dict[int, Certificate]:
    if not enrolment_ids:
        return {}
    return {
        c.enrolment_id: c
        for c in session.scalars(
            select(Certificate).where(Certificate.enrolment_id.in_(enrolment_ids))
        )
    }


def _unused_code(session: Session) -> str:
    while True:
        code = codes.new_code()
        if session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


def _issue(
    session: Session,
    curriculum: Curriculum,
    enrolment: Enrolment,
    *,
    actor_id: int | None,
    reason: str,
    now: datetime,
) -> Certificate:
    cohort = enrolment.cohort
    certificate = Certificate(
        enrolment_id=enrolment.id,
        code=_unused_code(session),
        participant_name=enrolment.user.name,
        course_title=curriculum.course.title,
        track=enrolment.track,
        hours=curriculum.course.hours,
        cohort_name=cohort.name,
        cohort_start=cohort.start_date,
        cohort_end=cohort.end_date,
        issued_at=now,
        issued_by_id=actor_id,
        issue_reason=reason,
        updated_at=now,
    )
    session.add(certificate)
    enrolment.status = EnrolmentStatus.COMPLETED
    session.flush()
    audit.record(
        session,
        actor_id,
        "certificate.issue" if actor_id is None else "certificate.issue.manual",
        "certificate",
        certificate.id,
        detail=f"enrolment={enrolment.id}" + (f" reason={reason}" if reason else ""),
        now=now,
    )
    certificate_issued.send(session, session=session, certificate=certificate)
    return certificate


ISSUABLE = (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)


def settle(
    session: Session, curriculum: Curriculum, enrolment_ids: Iterable[int], *, now: datetime
) -> list[Certificate]:
    """Issue the certificate of every one of these enrolments that now meets the rule.

    The enrolment rows are locked (in id order) before anything is read, so two settlements
    of one learner run one after the other and the second sees what the first committed; on
    SQLite the write transaction already holds the database lock.
    """
    ids = sorted(set(enrolment_ids))
    if not ids:
        return []
    session.flush()
    enrolments = session.scalars(
        select(Enrolment)
        .where(Enrolment.id.in_(ids))
        .order_by(Enrolment.id)
        # NO KEY UPDATE, not UPDATE: the operation's own inserts (a completion, an attendance
        # row) hold KEY SHARE on the enrolment through their foreign key, and two of them each
        # asking for FOR UPDATE over the other's KEY SHARE was a deadlock (tests/races).
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).all()
    candidates = [e for e in enrolments if e.status in ISSUABLE]
    held = certificates_by_enrolment(session, [e.id for e in candidates])
    candidates = [e for e in candidates if e.id not in held]
    rule = eligibilities(session, curriculum, candidates, now=now)
    return [
        _issue(session, curriculum, e, actor_id=None, reason="", now=now)
        for e in candidates
        if rule[e.id].eligible
    ]


def issue_manually(
    session: Session,
    curriculum: Curriculum,
    enrolment: Enrolment,
    *,
    reason: str,
    actor_id: int,
    now: datetime,
) -> Certificate:
    """A teacher or admin issues by exception (e.g. attendance approved), with a reason."""
    reason = audit.require_reason(reason)
    existing = certificate_of(session, enrolment.id)
    if existing is not None and existing.valid:
        raise DomainError(N_("%(name)s already has a certificate."), name=enrolment.user.name)
    if existing is not None:
        raise DomainError(
            N_("The certificate was revoked. A revoked certificate is not issued again.")
        )
    return _issue(session, curriculum, enrolment, actor_id=actor_id, reason=reason, now=now)


def revoke(
    session: Session, certificate: Certificate, *, reason: str, actor_id: int, now: datetime
) -> None:
    reason = audit.require_reason(reason)
    if not certificate.valid:
        raise DomainError(N_("The certificate is already revoked."))
    certificate.revoked_at = now
    certificate.revoked_by_id = actor_id
    certificate.revoke_reason = reason
    certificate.updated_at = now
    session.flush()
    audit.record(
        session,
        actor_id,
        "certificate.revoke",
        "certificate",
        certificate.id,
        detail=f"reason={reason}",
        now=now,
    )


def find_by_code(session: Session, typed: str) -> tuple[str | None, Certificate | None]:
    """(normalised code, certificate): a None code means the input cannot be a valid code."""
    code = codes.normalise(typed)
    if code is None:
        return None, None
    return code, session.scalar(select(Certificate).where(Certificate.code == code))


# -- Reconciling ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unearned:
    """A valid certificate whose holder no longer meets the rule, and why."""

    certificate: Certificate
    eligibility: Eligibility


@dataclass(frozen=True)
class Reconciliation:
    due: list[Enrolment]  # meet the rule without a certificate (issued unless a dry run)
    issued: list[Certificate]
    unearned: list[Unearned]  # listed for an admin to decide; never revoked here


def reconcile(
    session: Session, curriculum: Curriculum, *, now: datetime, dry_run: bool
) -> Reconciliation:
    """Compare every enrolment with the rule: issue what is due, list what no longer holds."""
    enrolments = session.scalars(
        select(Enrolment).where(Enrolment.status.in_(ISSUABLE)).order_by(Enrolment.id)
    ).all()
    held = certificates_by_enrolment(session, [e.id for e in enrolments])
    rule = eligibilities(session, curriculum, enrolments, now=now)
    due = [e for e in enrolments if e.id not in held and rule[e.id].eligible]
    unearned = [
        Unearned(certificate=held[e.id], eligibility=rule[e.id])
        for e in enrolments
        if e.id in held
        and held[e.id].valid
        and held[e.id].issued_by_id is None
        and not rule[e.id].eligible
    ]
    issued = [] if dry_run else settle(session, curriculum, [e.id for e in due], now=now)
    return Reconciliation(due=due, issued=issued, unearned=unearned)

"""Issuing, revoking and looking up certificates.

``issue_if_eligible`` is called wherever a condition can become true (a module completed, an
approval, attendance registered) so the certificate is issued in the same transaction as the
last condition. The callers queue the email after it (web.emails) and commit.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from peeredu import audit
from peeredu.accounts.models import Enrolment, EnrolmentStatus
from peeredu.certification import codes
from peeredu.certification.eligibility import Eligibility, eligibility
from peeredu.certification.models import Certificate
from peeredu.curriculum import attendance, progress
from peeredu.curriculum.content import Curriculum
from peeredu.errors import N_, DomainError


def eligibility_of(session: Session, curriculum: Curriculum, enrolment: Enrolment) -> Eligibility:
    completed = progress.completions_by_enrolment(session, [enrolment.id])[enrolment.id]
    summary = attendance.summaries(session, [enrolment.id])[enrolment.id]
    return eligibility(curriculum, enrolment.track, completed, summary)


def certificate_of(session: Session, enrolment_id: int) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment_id))


def certificate_with_holder(session: Session, certificate_id: int) -> Certificate | None:
    """A certificate with its enrolment and the person, in one query (PDF, revoking)."""
    return session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(joinedload(Certificate.enrolment).joinedload(Enrolment.user))
    )


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
        actor_id=actor_id,
        action="certificate.issue" if actor_id is None else "certificate.issue.manual",
        object_type="certificate",
        object_id=certificate.id,
        detail=f"enrolment={enrolment.id}" + (f" reason={reason}" if reason else ""),
        now=now,
    )
    return certificate


def issue_if_eligible(
    session: Session, curriculum: Curriculum, enrolment: Enrolment, *, now: datetime
) -> Certificate | None:
    """The certificate, if this enrolment has just met every condition; else None."""
    if enrolment.status not in (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED):
        return None
    if certificate_of(session, enrolment.id) is not None:
        return None
    if not eligibility_of(session, curriculum, enrolment).eligible:
        return None
    return _issue(session, curriculum, enrolment, actor_id=None, reason="", now=now)


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
        actor_id=actor_id,
        action="certificate.revoke",
        object_type="certificate",
        object_id=certificate.id,
        detail=f"reason={reason}",
        now=now,
    )


def find_by_code(session: Session, typed: str) -> tuple[str | None, Certificate | None]:
    """(normalised code, certificate): a None code means the input cannot be a valid code."""
    code = codes.normalise(typed)
    if code is None:
        return None, None
    return code, session.scalar(select(Certificate).where(Certificate.code == code))

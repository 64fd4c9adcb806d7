"""Enrolling a user in a cohort for an organisation, and the enrolment's status."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from peeredu import audit
from peeredu.accounts.models import (
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Organisation,
    Role,
    Track,
    User,
    WorkRole,
)
from peeredu.accounts.validation import parse_choice
from peeredu.errors import N_, DomainError


@dataclass(frozen=True)
class EnrolmentSpec:
    cohort_id: int
    organisation_id: int
    track: Track | str
    work_role: WorkRole | str


def default_work_role(track: Track | str) -> WorkRole:
    """The role at work when none is given: a peer is a paid peer, a colleague a colleague."""
    return WorkRole.PAID_PEER if Track(track) is Track.PEER else WorkRole.COLLEAGUE


def enrol(session: Session, user: User, spec: EnrolmentSpec, *, actor_id: int | None) -> Enrolment:
    track = parse_choice(
        Track, spec.track, N_("Unknown track. Use peer or colleague."), field="track"
    )
    work_role = parse_choice(
        WorkRole,
        spec.work_role,
        N_("Unknown role at work. Use one of: %(choices)s."),
        field="work_role",
        choices=", ".join(w.value for w in WorkRole),
    )
    cohort = session.get(Cohort, spec.cohort_id)
    if cohort is None:
        raise DomainError(N_("Unknown cohort."), field="cohort")
    if session.get(Organisation, spec.organisation_id) is None:
        raise DomainError(N_("Unknown organisation."), field="organisation")
    existing = session.scalar(
        select(Enrolment.id).where(Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id)
    )
    if existing is not None:
        raise DomainError(
            N_("%(name)s is already enrolled in %(cohort)s."),
            field="cohort",
            name=user.name,
            cohort=cohort.name,
        )
    user.grant_role(Role.LEARNER)
    enrolment = Enrolment(
        user=user,
        cohort_id=cohort.id,
        organisation_id=spec.organisation_id,
        track=track,
        work_role=work_role,
    )
    session.add(enrolment)
    session.flush()
    record_enrolled(session, enrolment, actor_id=actor_id)
    return enrolment


def record_enrolled(session: Session, enrolment: Enrolment, *, actor_id: int | None) -> None:
    audit.record(
        session,
        actor_id,
        "enrolment.create",
        "enrolment",
        enrolment.id,
        detail=(
            f"user={enrolment.user_id} cohort={enrolment.cohort_id} track={enrolment.track.value}"
        ),
    )


def set_enrolment_status(
    session: Session, enrolment: Enrolment, status: EnrolmentStatus | str, *, actor_id: int
) -> None:
    status = parse_choice(EnrolmentStatus, status, N_("Unknown enrolment status."), field="status")
    if enrolment.status == status:
        return
    audit.record(
        session,
        actor_id,
        "enrolment.status",
        "enrolment",
        enrolment.id,
        detail=f"{enrolment.status.value}->{status.value}",
    )
    enrolment.status = status
    session.flush()

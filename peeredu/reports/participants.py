"""HR's view of participants: the facts about the people of the organisations they follow.

Only what DOMAIN.md gives HR: track, cohort, enrolment status, modules completed of
required, attendance percentage and the certificate. No reflection, feedback or practice-log
table is read here at all, so no such text can reach a page or an export through this module.

The scope is applied in SQL on every query: the ``hr_scopes`` rows of an active user who holds
the HR role. A filter can narrow it, never widen it. A page or a batch takes a fixed number of
queries whatever its size (rows, completions, attendance), and ``iter_participants`` walks the
list in keyset batches, so an export's memory does not grow with its length.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal, NamedTuple, TypeVarTuple

from sqlalchemy import Row, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from peeredu.accounts.models import (
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Organisation,
    Track,
    User,
    WorkRole,
)
from peeredu.accounts.permissions import hr_organisation_ids
from peeredu.certification.models import Certificate
from peeredu.curriculum.content import Curriculum
from peeredu.curriculum.records import AttendanceSummary, required_completed_counts
from peeredu.curriculum.records import summaries as attendance_summaries

CertificateStatus = Literal["none", "valid", "revoked"]
NO_CERTIFICATE: Final = "none"
VALID: Final = "valid"
REVOKED: Final = "revoked"

Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class ParticipantFilter:
    organisation_ids: Collection[int] | None = None  # narrows the HR user's scope; never widens it
    cohort_id: int | None = None
    track: Track | None = None
    status: EnrolmentStatus | None = None  # enrolment status
    certified: bool | None = None  # True: has a valid certificate; False: has none (or revoked)
    search: str = ""  # name or email, case-insensitive substring
    updated_since: datetime | None = None  # enrolment or certificate changed at/after


class ParticipantRow(NamedTuple):
    """One participant as HR sees them (a named tuple: exports build ten thousand of them)."""

    enrolment_id: int
    user_id: int
    name: str
    email: str
    organisation_id: int
    organisation_name: str
    cohort_id: int
    cohort_name: str
    cohort_start: date
    cohort_end: date
    track: Track
    work_role: WorkRole
    status: EnrolmentStatus
    modules_completed: int  # required modules of the track only
    modules_required: int
    attendance_percent: int | None  # of the planned class days, rounded down; None: none planned
    certificate_id: int | None
    certificate_status: CertificateStatus
    certificate_code: str | None  # as stored; codes.display() formats it
    certified_at: datetime | None  # when the certificate was issued (also if later revoked)
    updated_at: datetime  # the later of the enrolment's and the certificate's change
    # Added beyond the shared interface, for the participant page.
    attendance: AttendanceSummary = AttendanceSummary()
    certificate_revoked_at: datetime | None = None


@dataclass(frozen=True)
class Choice:
    """An organisation or cohort to filter by."""

    id: int
    name: str


# Case-insensitive order by name; the enrolment id settles ties and makes keyset batches exact.
_SORT_NAME = func.lower(User.name)


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(hr_user_id: int, filters: ParticipantFilter) -> list[Any]:
    conditions: list[Any] = [Enrolment.organisation_id.in_(hr_organisation_ids(hr_user_id))]
    if filters.organisation_ids is not None:
        conditions.append(Enrolment.organisation_id.in_(sorted(filters.organisation_ids)))
    if filters.cohort_id is not None:
        conditions.append(Enrolment.cohort_id == filters.cohort_id)
    if filters.track is not None:
        conditions.append(Enrolment.track == filters.track)
    if filters.status is not None:
        conditions.append(Enrolment.status == filters.status)
    if filters.certified is True:
        conditions.append(and_(Certificate.id.is_not(None), Certificate.revoked_at.is_(None)))
    elif filters.certified is False:
        conditions.append(or_(Certificate.id.is_(None), Certificate.revoked_at.is_not(None)))
    search = " ".join(filters.search.split())
    if search:
        # Emails are stored lower-cased, so a plain LIKE on the lowered text is case-insensitive
        # on both databases. Both run only on the rows the scope (an indexed organisation_id)
        # already narrowed to, so no index on the text is needed.
        conditions.append(
            or_(
                User.name.ilike(_contains(search), escape="\\"),
                User.email.like(_contains(search.lower()), escape="\\"),
            )
        )
    if filters.updated_since is not None:
        conditions.append(
            or_(
                Enrolment.updated_at >= filters.updated_since,
                Certificate.updated_at >= filters.updated_since,
            )
        )
    return conditions


def _filtered(statement: Select[*Ts], hr_user_id: int, filters: ParticipantFilter) -> Select[*Ts]:
    # At most one certificate per enrolment (unique enrolment_id): the outer join adds no rows.
    return (
        statement.join(User, User.id == Enrolment.user_id)
        .outerjoin(Certificate, Certificate.enrolment_id == Enrolment.id)
        .where(*_conditions(hr_user_id, filters))
    )


def _rows_statement(hr_user_id: int, filters: ParticipantFilter) -> Select[*tuple[Any, ...]]:
    columns = select(
        Enrolment.id.label("enrolment_id"),
        Enrolment.user_id,
        User.name,
        User.email,
        Enrolment.organisation_id,
        Organisation.name.label("organisation_name"),
        Enrolment.cohort_id,
        Cohort.name.label("cohort_name"),
        Cohort.start_date.label("cohort_start"),
        Cohort.end_date.label("cohort_end"),
        Enrolment.track,
        Enrolment.work_role,
        Enrolment.status,
        Enrolment.updated_at,
        Certificate.id.label("certificate_id"),
        Certificate.code.label("certificate_code"),
        Certificate.issued_at.label("certified_at"),
        Certificate.revoked_at.label("certificate_revoked_at"),
        Certificate.updated_at.label("certificate_updated_at"),
        _SORT_NAME.label("sort_name"),
    ).select_from(Enrolment)
    return (
        _filtered(columns, hr_user_id, filters)
        .join(Organisation, Organisation.id == Enrolment.organisation_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
    )


def _certificate_status(row: Row[Any]) -> CertificateStatus:
    if row.certificate_id is None:
        return NO_CERTIFICATE
    return REVOKED if row.certificate_revoked_at is not None else VALID


def _build(
    session: Session, curriculum: Curriculum, rows: Sequence[Row[Any]], *, today: date
) -> list[ParticipantRow]:
    tracks = {row.enrolment_id: row.track for row in rows}
    completed = required_completed_counts(session, curriculum, tracks)
    summaries = attendance_summaries(session, list(tracks), today=today)
    required = {track: len(curriculum.course.tracks[track].modules) for track in Track}
    built: list[ParticipantRow] = []
    for row in rows:
        summary = summaries[row.enrolment_id]
        updated = row.updated_at
        if row.certificate_updated_at is not None and row.certificate_updated_at > updated:
            updated = row.certificate_updated_at
        built.append(
            ParticipantRow(
                enrolment_id=row.enrolment_id,
                user_id=row.user_id,
                name=row.name,
                email=row.email,
                organisation_id=row.organisation_id,
                organisation_name=row.organisation_name,
                cohort_id=row.cohort_id,
                cohort_name=row.cohort_name,
                cohort_start=row.cohort_start,
                cohort_end=row.cohort_end,
                track=row.track,
                work_role=row.work_role,
                status=row.status,
                modules_completed=completed[row.enrolment_id],
                modules_required=required[row.track],
                attendance_percent=summary.percent,
                certificate_id=row.certificate_id,
                certificate_status=_certificate_status(row),
                certificate_code=row.certificate_code,
                certified_at=row.certified_at,
                updated_at=updated,
                attendance=summary,
                certificate_revoked_at=row.certificate_revoked_at,
            )
        )
    return built


def scoped_organisation_ids(session: Session, hr_user_id: int) -> set[int]:
    return set(session.scalars(hr_organisation_ids(hr_user_id)))


def scoped_organisations(session: Session, hr_user_id: int) -> list[Choice]:
    """The organisations the user follows, by name (the organisation filter's choices)."""
    rows = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(hr_organisation_ids(hr_user_id)))
        .order_by(func.lower(Organisation.name), Organisation.id)
    )
    return [Choice(id=row.id, name=row.name) for row in rows]


def scoped_cohorts(session: Session, hr_user_id: int) -> list[Choice]:
    """Cohorts with at least one participant in scope, newest first (the cohort filter's)."""
    in_scope = (
        select(Enrolment.id)
        .where(
            Enrolment.cohort_id == Cohort.id,
            Enrolment.organisation_id.in_(hr_organisation_ids(hr_user_id)),
        )
        .exists()
    )
    rows = session.execute(
        select(Cohort.id, Cohort.name)
        .where(in_scope)
        .order_by(Cohort.start_date.desc(), Cohort.name, Cohort.id)
    )
    return [Choice(id=row.id, name=row.name) for row in rows]


def participant_count(session: Session, hr_user_id: int, filters: ParticipantFilter) -> int:
    statement = _filtered(select(func.count()).select_from(Enrolment), hr_user_id, filters)
    return session.scalar(statement) or 0


def participants(
    session: Session,
    curriculum: Curriculum,
    hr_user_id: int,
    filters: ParticipantFilter,
    *,
    limit: int,
    offset: int,
    today: date,
) -> tuple[list[ParticipantRow], int]:
    """One page of participants by name, and how many match in all (four queries)."""
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must not be negative")
    total = participant_count(session, hr_user_id, filters)
    if not limit or offset >= total:
        return [], total
    rows = session.execute(
        _rows_statement(hr_user_id, filters)
        .order_by(_SORT_NAME, Enrolment.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return _build(session, curriculum, rows, today=today), total


def iter_participants(
    session: Session,
    curriculum: Curriculum,
    hr_user_id: int,
    filters: ParticipantFilter,
    *,
    today: date,
    batch_size: int = 2000,
) -> Iterator[ParticipantRow]:
    """Every matching participant, in the order of ``participants``, three queries a batch.

    Keyset batches (after the last name and id seen), not OFFSET: each batch costs the same
    however deep into the list it is, and only one batch is held in memory. Each batch sorts
    every matching row by lower(name) (no index on it), so batches are large: 2,000 rows (a
    few MB) made a 10,000-row export 0.9 s faster than 500 on the national data set.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    statement = _rows_statement(hr_user_id, filters)
    after: tuple[str, int] | None = None
    while True:
        batch = statement
        if after is not None:
            batch = batch.where(
                or_(
                    _SORT_NAME > after[0],
                    and_(_SORT_NAME == after[0], Enrolment.id > after[1]),
                )
            )
        rows = session.execute(batch.order_by(_SORT_NAME, Enrolment.id).limit(batch_size)).all()
        yield from _build(session, curriculum, rows, today=today)
        if len(rows) < batch_size:
            return
        after = (rows[-1].sort_name, rows[-1].enrolment_id)


def participant(
    session: Session, curriculum: Curriculum, hr_user_id: int, enrolment_id: int, *, today: date
) -> ParticipantRow | None:
    """One participant, or None if there is none in the user's scope (the view answers 404)."""
    rows = session.execute(
        _rows_statement(hr_user_id, ParticipantFilter()).where(Enrolment.id == enrolment_id)
    ).all()
    found = _build(session, curriculum, rows, today=today)
    return found[0] if found else None

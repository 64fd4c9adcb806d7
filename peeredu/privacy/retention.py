"""Retention: texts are kept for a limited time after a cohort has ended.

``run_retention`` deletes reflection texts (drafts, versions, their stored HTML), feedback texts
and practice-log notes of every cohort that ended more than ``months`` months ago. Completions,
attendance, decisions and certificates stay. It also deletes sent and cancelled outbox messages
after ``outbox_keep_days`` days and audit events after ``audit_keep_months`` months. Running it
again finds nothing more to do.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from peeredu import audit, outbox
from peeredu.accounts.models import Cohort, Enrolment
from peeredu.errors import N_, DomainError
from peeredu.privacy import erase
from peeredu.reflections.models import (
    PracticeLogEntry,
    Reflection,
    ReflectionVersion,
    Review,
    StashedText,
)

DEFAULT_MONTHS = 12
DEFAULT_OUTBOX_KEEP_DAYS = 30
DEFAULT_AUDIT_KEEP_MONTHS = 24
MAX_MONTHS = 1200


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day if it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class CohortDone:
    cohort_id: int
    name: str
    end_date: date
    reflections: int
    versions: int
    reviews: int
    log_entries: int


@dataclass(frozen=True)
class RetentionReport:
    months: int
    cutoff: date  # cohorts that ended before this day were due
    dry_run: bool
    cohorts: list[CohortDone] = field(default_factory=list)
    outbox_messages: int = 0  # sent or cancelled, queued before outbox_cutoff
    outbox_cutoff: datetime | None = None
    audit_events: int = 0  # recorded before audit_cutoff
    audit_cutoff: datetime | None = None

    @property
    def reflections(self) -> int:
        return sum(c.reflections for c in self.cohorts)

    @property
    def versions(self) -> int:
        return sum(c.versions for c in self.cohorts)

    @property
    def reviews(self) -> int:
        return sum(c.reviews for c in self.cohorts)

    @property
    def log_entries(self) -> int:
        return sum(c.log_entries for c in self.cohorts)


def check_months(months: int) -> int:
    if not 1 <= months <= MAX_MONTHS:
        raise DomainError(
            N_("Give a number of months from 1 to %(max)s."), field="months", max=MAX_MONTHS
        )
    return months


def _count(session: Session, statement: Select[*tuple[Any, ...]]) -> int:
    return int(session.scalar(select(func.count()).select_from(statement.subquery())) or 0)


def run_retention(
    session: Session,
    *,
    now: datetime,
    months: int = DEFAULT_MONTHS,
    outbox_keep_days: int = DEFAULT_OUTBOX_KEEP_DAYS,
    audit_keep_months: int = DEFAULT_AUDIT_KEEP_MONTHS,
    dry_run: bool = False,
) -> RetentionReport:
    """Delete the texts of cohorts that ended more than ``months`` months before ``now``.

    Also sent and cancelled mail queued more than ``outbox_keep_days`` days ago, and audit
    events older than ``audit_keep_months`` months. With ``dry_run`` nothing is changed and the
    report says what would be deleted. Each cohort that had something deleted gets an audit
    event with the counts (never any text).
    """
    months = check_months(months)
    audit_months = check_months(audit_keep_months)
    cutoff = months_before(now.date(), months)
    outbox_cutoff = now - timedelta(days=max(int(outbox_keep_days), 1))
    audit_cutoff = datetime.combine(
        months_before(now.date(), audit_months), time(), tzinfo=now.tzinfo
    )
    report = RetentionReport(
        months=months,
        cutoff=cutoff,
        dry_run=dry_run,
        outbox_messages=outbox.purge(session, before=outbox_cutoff, dry_run=dry_run),
        outbox_cutoff=outbox_cutoff,
        # Before this run's own events are recorded: those are never older than the cutoff.
        audit_events=audit.purge(session, before=audit_cutoff, dry_run=dry_run),
        audit_cutoff=audit_cutoff,
    )
    due = session.scalars(select(Cohort).where(Cohort.end_date < cutoff).order_by(Cohort.end_date))
    for cohort in list(due):
        enrolment_ids = list(
            session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == cohort.id))
        )
        if not enrolment_ids:
            continue
        live = select(Reflection.id).where(
            Reflection.enrolment_id.in_(enrolment_ids), Reflection.texts_deleted_at.is_(None)
        )
        reflection_ids = list(session.scalars(live))
        log_entries = _count(
            session,
            select(PracticeLogEntry.id).where(PracticeLogEntry.enrolment_id.in_(enrolment_ids)),
        )
        stashes = _count(
            session,
            select(StashedText.token_hash).where(StashedText.enrolment_id.in_(enrolment_ids)),
        )
        if not reflection_ids and not log_entries and not stashes:
            continue
        if dry_run:
            versions = _count(
                session,
                select(ReflectionVersion.id).where(
                    ReflectionVersion.reflection_id.in_(reflection_ids)
                ),
            )
            reviews = _count(
                session,
                select(Review.id)
                .join(ReflectionVersion)
                .where(ReflectionVersion.reflection_id.in_(reflection_ids)),
            )
            done = CohortDone(
                cohort.id,
                cohort.name,
                cohort.end_date,
                len(reflection_ids),
                versions,
                reviews,
                log_entries,
            )
        else:
            blanked = erase.blank_texts(session, reflection_ids, now=now)
            erase.delete_log_entries(session, enrolment_ids)
            erase.delete_stashes(session, enrolment_ids)
            session.flush()
            done = CohortDone(
                cohort.id,
                cohort.name,
                cohort.end_date,
                blanked.reflections,
                blanked.versions,
                blanked.reviews,
                log_entries,
            )
            audit.record(
                session,
                None,
                "retention.delete",
                "cohort",
                cohort.id,
                detail=f"months={months} reflections={done.reflections} versions={done.versions} "
                f"reviews={done.reviews} practice_log={done.log_entries}",
                now=now,
            )
        report.cohorts.append(done)
    return report

"""A person's data as a ZIP file (GDPR art. 15 and 20): JSON for machines, Markdown to read.

The archive holds:

- ``data.json``: everything, in the structure described in ``README.md`` of the archive
  (``format`` names the version of that structure);
- ``README.md``: what the archive holds, and the profile;
- per enrolment, a folder ``<enrolment id>-<cohort>/`` with ``practice-log.md`` and one
  ``reflections/<assignment>.md`` per reflection: the draft, every submitted version and the
  feedback released on it.

Only the person's own data is in it, and only what they can already read in the app: feedback
a teacher has saved but not released is the teacher's work in progress and is left out.

The archive's Markdown files and the ZIP itself are made in export_archive.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from peeredu import audit
from peeredu.accounts.models import Enrolment, User
from peeredu.certification.models import Certificate
from peeredu.curriculum.content import Curriculum
from peeredu.curriculum.records import Attendance, ClassDay, ModuleCompletion
from peeredu.privacy.export_archive import Translate, build_zip
from peeredu.reflections.definitions import AssignmentSet
from peeredu.reflections.models import (
    Extension,
    PracticeLogEntry,
    Reflection,
    ReflectionVersion,
    Review,
)

FORMAT = "peeredu-export/1"


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _enrolments(session: Session, user_id: int) -> list[Enrolment]:
    return list(
        session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == user_id)
            .options(selectinload(Enrolment.cohort), selectinload(Enrolment.organisation))
            .order_by(Enrolment.created_at, Enrolment.id)
        )
    )


def _by_enrolment(rows: Iterable[Any], key: str = "enrolment_id") -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {}
    for row in rows:
        found.setdefault(getattr(row, key), []).append(row)
    return found


def collect(
    session: Session,
    user: User,
    curriculum: Curriculum,
    assignments: AssignmentSet,
    *,
    now: datetime,
) -> dict[str, Any]:
    """Everything kept about ``user``, as plain JSON-ready values."""
    enrolments = _enrolments(session, user.id)
    ids = [e.id for e in enrolments]
    completions = _by_enrolment(
        session.scalars(
            select(ModuleCompletion)
            .where(ModuleCompletion.enrolment_id.in_(ids))
            .order_by(ModuleCompletion.completed_at)
        )
    )
    attendance = _by_enrolment(
        session.scalars(
            select(Attendance)
            .where(Attendance.enrolment_id.in_(ids))
            .join(ClassDay)
            .order_by(ClassDay.date)
        )
    )
    days = {
        d.id: d
        for d in session.scalars(
            select(ClassDay).where(ClassDay.cohort_id.in_({e.cohort_id for e in enrolments}))
        )
    }
    extensions = _by_enrolment(
        session.scalars(select(Extension).where(Extension.enrolment_id.in_(ids)))
    )
    notes = _by_enrolment(
        session.scalars(
            select(PracticeLogEntry)
            .where(PracticeLogEntry.enrolment_id.in_(ids))
            .order_by(PracticeLogEntry.noted_on, PracticeLogEntry.id)
        )
    )
    reflections = _by_enrolment(
        session.scalars(
            select(Reflection)
            .where(Reflection.enrolment_id.in_(ids))
            .options(
                selectinload(Reflection.versions)
                .selectinload(ReflectionVersion.review)
                .selectinload(Review.teacher)
            )
            .order_by(Reflection.module_slug, Reflection.id)
        )
    )
    certificates = {
        c.enrolment_id: c
        for c in session.scalars(select(Certificate).where(Certificate.enrolment_id.in_(ids)))
    }

    def module_title(slug: str) -> str:
        module = curriculum.module(slug)
        return module.title if module else slug

    def reflection_data(reflection: Reflection) -> dict[str, Any]:
        assignment = assignments.get(reflection.assignment_slug)
        titles = {c.key: c.title for c in assignment.criteria} if assignment else {}
        versions = []
        for version in reflection.versions:
            review = version.review
            feedback = None
            if review is not None and review.released_at is not None:
                feedback = {
                    "decision": review.decision.value if review.decision else None,
                    "released_at": _iso(review.released_at),
                    "teacher": review.teacher.name if review.teacher else None,
                    "overall_comment": review.overall_comment,
                    "criteria": [
                        {
                            "key": key,
                            "title": titles.get(key, key),
                            "met": (value or {}).get("met"),
                            "comment": (value or {}).get("comment") or "",
                        }
                        for key, value in sorted((review.criteria or {}).items())
                    ],
                }
            versions.append(
                {
                    "number": version.number,
                    "submitted_at": _iso(version.submitted_at),
                    "late": version.late,
                    "word_count": version.word_count,
                    "text": version.text,
                    "fields": dict(version.fields or {}),
                    "feedback": feedback,
                }
            )
        return {
            "assignment_slug": reflection.assignment_slug,
            "assignment_title": assignment.title if assignment else reflection.assignment_slug,
            "module_slug": reflection.module_slug,
            "status": reflection.status.value,
            "supervision_flag": reflection.supervision_flag,
            "texts_deleted_at": _iso(reflection.texts_deleted_at),
            "draft": {
                "text": reflection.draft_text,
                "fields": dict(reflection.draft_fields or {}),
                "saved_at": _iso(reflection.draft_saved_at),
            },
            "versions": versions,
        }

    def certificate_data(certificate: Certificate | None) -> dict[str, Any] | None:
        if certificate is None:
            return None
        return {
            "code": certificate.code,
            "participant_name": certificate.participant_name,
            "course_title": certificate.course_title,
            "track": certificate.track.value,
            "hours": certificate.hours,
            "cohort_name": certificate.cohort_name,
            "cohort_start": _iso(certificate.cohort_start),
            "cohort_end": _iso(certificate.cohort_end),
            "issued_at": _iso(certificate.issued_at),
            "valid": certificate.valid,
            "revoked_at": _iso(certificate.revoked_at),
        }

    return {
        "format": FORMAT,
        "exported_at": _iso(now),
        "profile": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "locale": user.locale,
            "roles": sorted(role.value for role in user.roles),
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "enrolments": [
            {
                "id": e.id,
                "cohort": {
                    "name": e.cohort.name,
                    "start_date": _iso(e.cohort.start_date),
                    "end_date": _iso(e.cohort.end_date),
                },
                "organisation": e.organisation.name,
                "track": e.track.value,
                "work_role": e.work_role.value,
                "status": e.status.value,
                "created_at": _iso(e.created_at),
                "completed_modules": [
                    {
                        "module_slug": c.module_slug,
                        "module_title": module_title(c.module_slug),
                        "completed_at": _iso(c.completed_at),
                        "kind": c.kind.value,
                    }
                    for c in completions.get(e.id, [])
                ],
                "attendance": [
                    {
                        "date": _iso(days[a.class_day_id].date),
                        "topic": days[a.class_day_id].topic,
                        "status": a.status.value,
                    }
                    for a in attendance.get(e.id, [])
                ],
                "extensions": [
                    {"assignment_slug": x.assignment_slug, "due_on": _iso(x.due_on)}
                    for x in extensions.get(e.id, [])
                ],
                "practice_log": [
                    {
                        "noted_on": _iso(n.noted_on),
                        "text": n.text,
                        "created_at": _iso(n.created_at),
                    }
                    for n in notes.get(e.id, [])
                ],
                "reflections": [reflection_data(r) for r in reflections.get(e.id, [])],
                "certificate": certificate_data(certificates.get(e.id)),
            }
            for e in enrolments
        ],
    }


def export_user(
    session: Session,
    user: User,
    curriculum: Curriculum,
    assignments: AssignmentSet,
    *,
    translate: Translate,
    now: datetime,
) -> bytes:
    """The user's data as a ZIP (reads only; see ``record_export``)."""
    return build_zip(collect(session, user, curriculum, assignments, now=now), translate)


def record_export(session: Session, user_id: int, *, actor_id: int, now: datetime) -> None:
    """Log that the data was exported (who, whose, when: no content)."""
    audit.record(session, actor_id, "privacy.export", "user", user_id, now=now)

"""The teacher's overview of a cohort: learners × modules, with attendance."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from peeredu.accounts.models import Cohort, Enrolment, Track, User
from peeredu.curriculum import attendance, progress, records
from peeredu.curriculum.content import Curriculum, LearningModule
from peeredu.curriculum.progress import ModuleStatus
from peeredu.reflections.models import Reflection, ReflectionStatus, ReflectionVersion
from peeredu.reports.exports import safe_cell


@dataclass(frozen=True)
class MatrixRow:
    enrolment: Enrolment
    statuses: dict[str, ModuleStatus]
    completed: int
    required: int
    attendance: records.AttendanceSummary
    # The newest submitted version of each module's reflection, for the cell's link.
    versions: dict[str, int]


@dataclass(frozen=True)
class CohortMatrix:
    modules: tuple[LearningModule, ...]
    # Slugs some learner here has progress on, that the content no longer has.
    retired: tuple[str, ...]
    rows: tuple[MatrixRow, ...]
    threshold: int
    # The cohort's class day today, if it has one that is not cancelled.
    class_day_today: records.ClassDay | None = None


def cohort_enrolments(
    session: Session, cohort_id: int, *, track: Track | None = None
) -> Sequence[Enrolment]:
    """The cohort's learners by name, with user and organisation loaded."""
    query = (
        select(Enrolment)
        .join(Enrolment.user)
        .where(Enrolment.cohort_id == cohort_id)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.organisation))
        .order_by(func.lower(User.name), Enrolment.id)
    )
    if track is not None:
        query = query.where(Enrolment.track == track)
    return session.scalars(query).all()


def reflections_by_module(
    session: Session, enrolment_ids: Collection[int]
) -> dict[int, dict[str, tuple[ReflectionStatus, int | None]]]:
    """Each enrolment's reflection status per module slug, with its newest submitted version
    (None for a draft never submitted), in one query."""
    newest = (
        select(ReflectionVersion.id)
        .where(ReflectionVersion.reflection_id == Reflection.id)
        .order_by(ReflectionVersion.number.desc())
        .limit(1)
        .correlate(Reflection)
        .scalar_subquery()
    )
    found: dict[int, dict[str, tuple[ReflectionStatus, int | None]]] = {
        eid: {} for eid in enrolment_ids
    }
    if enrolment_ids:
        rows = session.execute(
            select(
                Reflection.enrolment_id, Reflection.module_slug, Reflection.status, newest
            ).where(Reflection.enrolment_id.in_(enrolment_ids))
        )
        for enrolment_id, module_slug, status, version_id in rows:
            found[enrolment_id][module_slug] = (status, version_id)
    return found


def cohort_matrix(
    session: Session,
    curriculum: Curriculum,
    cohort: Cohort,
    *,
    track: Track | None,
    today: date,
) -> CohortMatrix:
    """Everything the overview shows, in a fixed number of queries whatever the cohort size."""
    enrolments = cohort_enrolments(session, cohort.id, track=track)
    ids = [e.id for e in enrolments]
    completions = records.completions_by_enrolment(session, ids)
    summaries = records.summaries(session, ids, today=today)
    reflections = reflections_by_module(session, ids)
    tracks = [track] if track is not None else [Track.PEER, Track.COLLEAGUE]
    modules: list[LearningModule] = []
    for each in tracks:
        for module in curriculum.modules_for(each):
            if module not in modules:
                modules.append(module)
    modules.sort(key=lambda m: m.order)
    rows = []
    for enrolment in enrolments:
        done = completions[enrolment.id]
        required = curriculum.course.tracks[enrolment.track].modules
        states = {module: status for module, (status, _) in reflections[enrolment.id].items()}
        statuses = {slug: progress.module_status(slug, done, states) for slug in [*required, *done]}
        rows.append(
            MatrixRow(
                enrolment=enrolment,
                statuses=statuses,
                # Counted from the completions loaded for the statuses: no query of its own.
                completed=sum(1 for slug in required if slug in done),
                required=len(required),
                attendance=summaries[enrolment.id],
                versions={
                    module: version
                    for module, (_, version) in reflections[enrolment.id].items()
                    if version is not None
                },
            )
        )
    return CohortMatrix(
        modules=tuple(modules),
        retired=tuple(progress.retired_slugs(curriculum, completions.values())),
        rows=tuple(rows),
        threshold=curriculum.course.attendance_threshold,
        class_day_today=attendance.day_on(session, cohort.id, today),
    )


def matrix_csv(
    matrix: CohortMatrix,
    *,
    headers: Sequence[str],
    status_text: dict[ModuleStatus, str],
    track_text: dict[Track, str],
) -> Iterator[str]:
    """The overview as CSV lines: UTF-8 with BOM and ';', as Excel in Danish expects."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow([*headers, *(m.title for m in matrix.modules), *matrix.retired])
    yield "\ufeff" + flush()
    for row in matrix.rows:
        percent = row.attendance.percent
        writer.writerow(
            [
                safe_cell(row.enrolment.user.name),
                safe_cell(row.enrolment.user.email),
                track_text[row.enrolment.track],
                safe_cell(row.enrolment.organisation.name),
                # Two numbers, not "1/10": Excel in Danish would read that as a date.
                str(row.completed),
                str(row.required),
                "" if percent is None else f"{percent} %",
                *(
                    status_text[row.statuses[m.slug]] if m.slug in row.statuses else "–"
                    for m in matrix.modules
                ),
                *(
                    status_text[row.statuses[slug]] if slug in row.statuses else "–"
                    for slug in matrix.retired
                ),
            ]
        )
        yield flush()

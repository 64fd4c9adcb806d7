"""The whole data set, written in the caller's transaction."""

from __future__ import annotations

import random
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.national.journeys import (
    CohortPlan,
    Journey,
    Learner,
    Seeding,
    plan_journey,
    tune_revisions,
    write_journey,
)
from bench.national.people import People, already_seeded
from bench.national.rows import ID_TABLES, Ids, Writer, at
from bench.national.scale import DOMAIN, NATIONAL, Scale, cohort_sizes
from bench.national.text import TextPool
from peeredu.accounts.models import (
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Role,
    Track,
    WorkRole,
    cohort_teachers,
)
from peeredu.curriculum.attendance import ClassDay
from peeredu.curriculum.content import Curriculum
from peeredu.curriculum.planning import plan_dates
from peeredu.extensions import current_assignments, current_curriculum, db
from peeredu.reflections.definitions import AssignmentSet


def seed_app(app: Flask, scale: Scale, *, today: date) -> dict[str, int] | None:
    """``seed`` into ``app``'s database, committed."""
    with app.app_context():
        counts = seed(
            db.session, current_curriculum(), current_assignments(), today=today, scale=scale
        )
        db.session.commit()
    return counts


def seed(
    session: Session,
    curriculum: Curriculum,
    assignments: AssignmentSet,
    *,
    today: date,
    scale: Scale = NATIONAL,
) -> dict[str, int] | None:
    """Write the data set; None if it is already there. Returns rows written per table."""
    if already_seeded(session):
        return None
    rng = random.Random(20261123)
    pool = TextPool(rng)
    ids = Ids.after_existing(session)
    # One transaction (the caller's), so SQLite syncs once: PRAGMA synchronous=OFF would gain
    # nothing (and SQLite refuses to change it inside a transaction).
    out = Writer(session)

    people = People(out, ids, created=at(today - timedelta(days=365 * scale.years + 60), 9))
    org_ids = people.organisations(scale)
    teachers = people.staff(scale, org_ids)

    # Cohorts: the focus cohort is under way (half its class days held); the rest spread over
    # the years before, most of them finished.
    plan = curriculum.course.class_days
    span_days = 365 * scale.years
    sizes = cohort_sizes(scale)
    modules = {t: [m.slug for m in curriculum.modules_for(t)] for t in Track}
    learner_number = 0
    graduate = sum(sizes[:-1])
    journeys: list[tuple[CohortPlan, Learner, Journey, list[str]]] = []
    for c in range(scale.cohorts):
        if c == 0:
            start = today - timedelta(weeks=4)
        else:
            start = today - timedelta(days=21 + (c * span_days) // scale.cohorts)
        # The focus teacher has the first cohorts; everyone else is spread over the rest.
        if c < scale.focus_teacher_cohorts:
            teacher = teachers[0]
        else:
            teacher = teachers[1 + c % (len(teachers) - 1)] if len(teachers) > 1 else teachers[0]
        days = [
            (ids.take("class_days"), day, item)
            for day, item in zip(plan_dates(start, len(plan)), plan, strict=True)
        ]
        cohort = CohortPlan(
            id=ids.take("cohorts"),
            name=f"Hold {start.isoformat()} nr. {c:03d}",
            start=start,
            held=[(day_id, day, item.module) for day_id, day, item in days if day <= today],
            teacher=teacher,
        )
        # The cohort's row first: a full batch of class days is written with its parents.
        out.add(
            Cohort.__table__,
            {
                "id": cohort.id,
                "name": cohort.name,
                "course": curriculum.course.slug,
                "start_date": start,
                "end_date": cohort.end,
                "created_at": at(start - timedelta(days=30)),
            },
        )
        out.add(cohort_teachers, {"cohort_id": cohort.id, "user_id": teacher})
        for day_id, day, item in days:
            out.add(
                ClassDay.__table__,
                {
                    "id": day_id,
                    "cohort_id": cohort.id,
                    "date": day,
                    "topic": item.topic,
                    "module_slug": item.module,
                },
            )
        finished = len(cohort.held) == len(days)
        for _ in range(sizes[c]):
            n = learner_number
            learner_number += 1
            track = Track.COLLEAGUE if n % 3 == 2 else Track.PEER
            user_id = people.user(f"learner{n:05d}@{DOMAIN}", f"Deltager {n:05d}", Role.LEARNER)
            enrolment_id = ids.take("enrolments")
            journey = plan_journey(rng, enrolment_id, modules[track], cohort.held, finished)
            if n == 0 and journey.stages:  # the focus learner is writing: a draft to autosave
                journey.stages[-1] = "draft"
            if n == graduate:  # certified whatever the dice said
                journey = Journey(enrolment_id, ["approved"] * len(modules[track]), 0, True)
            status = EnrolmentStatus.COMPLETED if journey.certified else EnrolmentStatus.ACTIVE
            out.add(
                Enrolment.__table__,
                {
                    "id": enrolment_id,
                    "user_id": user_id,
                    "cohort_id": cohort.id,
                    "organisation_id": org_ids[n % len(org_ids)],
                    "track": track,
                    "work_role": (
                        WorkRole.COLLEAGUE
                        if track is Track.COLLEAGUE
                        else (WorkRole.VOLUNTEER_PEER if n % 7 == 0 else WorkRole.PAID_PEER)
                    ),
                    "status": status,
                    "created_at": at(start - timedelta(days=14)),
                    "updated_at": at(start - timedelta(days=14)),
                },
            )
            learner = Learner(user_id, f"Deltager {n:05d}", track)
            journeys.append((cohort, learner, journey, modules[track]))

    tune_revisions(rng, [j for _, _, j, _ in journeys], scale.versions)
    seeding = Seeding(out, ids, rng, pool, curriculum, assignments, today)
    for cohort, learner, journey, slugs in journeys:
        write_journey(seeding, journey, slugs, learner, cohort)
    out.flush()
    if session.get_bind().dialect.name == "postgresql":
        # Ids were given explicitly: move the sequences past them.
        for name in ID_TABLES:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {name}))"
                )
            )
    return dict(out.counts)

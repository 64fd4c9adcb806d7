"""How big the data set is, and the people and objects the benchmark signs in as and asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peeredu.accounts.api_tokens import create_token
from peeredu.accounts.models import Enrolment, User
from peeredu.certification.models import Certificate
from peeredu.reflections.models import Reflection, ReflectionStatus, ReflectionVersion

# Raise when the data this package writes changes: the benchmark caches seeded databases by it.
SEEDER_VERSION = 2  # 2: an administrator (the admin start page)
PASSWORD = "national-bench-2026"
DOMAIN = "national.peeredu.dk"


@dataclass(frozen=True)
class Scale:
    organisations: int
    cohorts: int
    learners: int
    teachers: int
    hr_users: int
    # The benchmark's focus people: a teacher of this many cohorts, an HR user over this many
    # organisations, a cohort of this many learners.
    focus_teacher_cohorts: int
    focus_hr_organisations: int
    focus_cohort_learners: int
    # Reached by turning approvals into "approved after a revision"; certificates follow from
    # the journeys (about 64 % of the learners of finished cohorts).
    versions: int
    years: int


# TINY and SMALL are for tests: the same shapes, small; TINY x10 (in rows per page) is SMALL.
#       organisations, cohorts, learners, teachers, hr_users,
#       focus: teacher_cohorts, hr_organisations, cohort_learners; versions, years
NATIONAL = Scale(100, 300, 10_000, 40, 100, 10, 10, 30, 100_000, 4)
SMALL = Scale(20, 12, 120, 4, 4, 6, 10, 30, 600, 1)
TINY = Scale(4, 4, 12, 2, 2, 2, 2, 3, 60, 1)
SCALES = {"national": NATIONAL, "small": SMALL, "tiny": TINY}


def cohort_sizes(scale: Scale) -> list[int]:
    """Learners per cohort: the focus cohort first, the rest spread evenly."""
    rest = scale.learners - scale.focus_cohort_learners
    others = scale.cohorts - 1
    base, extra = divmod(rest, others)
    return [scale.focus_cohort_learners] + [base + (1 if i < extra else 0) for i in range(others)]


@dataclass(frozen=True)
class FocusLogins:
    """Who the benchmark signs in as (password ``PASSWORD`` for all)."""

    learner: str  # in the focus cohort, course under way
    teacher: str  # teaches ``focus_teacher_cohorts`` cohorts, incl. the focus cohort
    hr: str  # over ``focus_hr_organisations`` organisations
    hr_national: str  # over every organisation (the big export)
    graduate: str  # a learner with a certificate, in the oldest (finished) cohort
    admin: str


def focus_logins(scale: Scale) -> FocusLogins:
    graduate = sum(cohort_sizes(scale)[:-1])  # first learner of the oldest cohort
    return FocusLogins(
        learner=f"learner00000@{DOMAIN}",
        teacher=f"teacher000@{DOMAIN}",
        hr=f"hr000@{DOMAIN}",
        hr_national=f"hr001@{DOMAIN}",
        graduate=f"learner{graduate:05d}@{DOMAIN}",
        admin=f"admin000@{DOMAIN}",
    )


@dataclass(frozen=True)
class FocusObjects:
    """The objects behind the benchmarked pages, found in a seeded database."""

    enrolment_id: int  # the focus learner's
    cohort_id: int
    module_slug: str  # of a reflection the learner can still edit, if any
    assignment_slug: str
    version_id: int  # a version waiting for feedback in the focus cohort
    certificate_id: int  # the graduate's
    code: str
    api_token: str  # a fresh token of the focus HR user


def focus_objects(
    session: Session, scale: Scale, *, token_name: str, now: datetime
) -> FocusObjects:
    """Find the focus people's objects (and make an API token; the caller commits)."""
    logins = focus_logins(scale)
    enrolment = session.scalars(
        select(Enrolment).join(User).where(User.email == logins.learner)
    ).one()
    editable = [ReflectionStatus.DRAFT, ReflectionStatus.NOT_YET_APPROVED]
    mine = select(Reflection).where(Reflection.enrolment_id == enrolment.id).limit(1)
    reflection = session.scalar(mine.where(Reflection.status.in_(editable))) or session.scalar(mine)
    version_id = session.scalar(
        select(ReflectionVersion.id)
        .join(Reflection)
        .join(Enrolment)
        .where(
            Enrolment.cohort_id == enrolment.cohort_id,
            Reflection.status == ReflectionStatus.SUBMITTED,
        )
        .limit(1)
    )
    certificate = session.scalars(
        select(Certificate).join(Enrolment).join(User).where(User.email == logins.graduate)
    ).one()
    if reflection is None or version_id is None:
        raise LookupError("the seeded data lacks the focus learner's reflections")
    hr = session.scalars(select(User).where(User.email == logins.hr)).one()
    _, token = create_token(session, hr, token_name, now)
    return FocusObjects(
        enrolment_id=enrolment.id,
        cohort_id=enrolment.cohort_id,
        module_slug=reflection.module_slug,
        assignment_slug=reflection.assignment_slug,
        version_id=version_id,
        certificate_id=certificate.id,
        code=certificate.code,
        api_token=token,
    )

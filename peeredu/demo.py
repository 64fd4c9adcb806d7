"""Demo data: two organisations, one cohort, a teacher, HR per organisation, learners, an admin.

``seed`` is idempotent: what exists (matched by email or name) is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peeredu.accounts import services
from peeredu.accounts.models import Cohort, Organisation, OrganisationKind, Role, Track, User

DEMO_PASSWORD = "recovery-demo-2026"
DEMO_DOMAIN = "demo.peeredu.dk"
COHORT_NAME = "Demohold forår"

ORGANISATIONS = (
    ("Region Hovedstadens Psykiatri", OrganisationKind.REGION),
    ("Københavns Kommune, Socialpsykiatrien", OrganisationKind.MUNICIPALITY),
)


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    roles: tuple[Role, ...]
    description: str
    # For learners: (organisation index, track, work role); for HR: organisation index.
    enrolment: tuple[int, Track, str] | None = None
    hr_organisation: int | None = None


PEOPLE = (
    DemoPerson(f"admin@{DEMO_DOMAIN}", "Anne Administrator", (Role.ADMIN,), "admin"),
    DemoPerson(f"underviser@{DEMO_DOMAIN}", "Thomas Underviser", (Role.TEACHER,), "teacher"),
    DemoPerson(
        f"hr.region@{DEMO_DOMAIN}", "Hanne HR (region)", (Role.HR,), "HR, region",
        hr_organisation=0,
    ),
    DemoPerson(
        f"hr.kommune@{DEMO_DOMAIN}", "Henrik HR (kommune)", (Role.HR,), "HR, municipality",
        hr_organisation=1,
    ),
    DemoPerson(
        f"peer@{DEMO_DOMAIN}", "Maria Peer", (Role.LEARNER,), "learner, peer track",
        enrolment=(0, Track.PEER, "paid_peer"),
    ),
    DemoPerson(
        f"frivillig@{DEMO_DOMAIN}", "Jonas Frivillig", (Role.LEARNER,), "learner, peer track",
        enrolment=(1, Track.PEER, "volunteer_peer"),
    ),
    DemoPerson(
        f"kollega@{DEMO_DOMAIN}", "Sofie Kollega", (Role.LEARNER,), "learner, colleague track",
        enrolment=(1, Track.COLLEAGUE, "colleague"),
    ),
)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str


def _organisation(session: Session, name: str, kind: OrganisationKind) -> Organisation:
    existing = session.scalar(select(Organisation).where(func.lower(Organisation.name) == name.lower()))
    return existing or services.create_organisation(session, name=name, kind=kind, actor_id=None)


def _user(session: Session, person: DemoPerson) -> tuple[User, bool]:
    existing = services.get_user_by_email(session, person.email)
    if existing is not None:
        return existing, False
    user = services.create_user(
        session,
        email=person.email,
        name=person.name,
        roles=person.roles,
        password=DEMO_PASSWORD,
        actor_id=None,
    )
    return user, True


def seed(session: Session, *, today: date) -> list[DemoLogin]:
    organisations = [_organisation(session, name, kind) for name, kind in ORGANISATIONS]
    users = {person.email: _user(session, person) for person in PEOPLE}

    cohort = session.scalar(select(Cohort).where(Cohort.name == COHORT_NAME))
    if cohort is None:
        # A cohort that started recently, so the demo shows a course under way.
        start = today - timedelta(days=14)
        teacher, _ = users[f"underviser@{DEMO_DOMAIN}"]
        cohort = services.create_cohort(
            session,
            name=COHORT_NAME,
            start_date=start,
            end_date=start + timedelta(weeks=16),
            teacher_ids=[teacher.id],
            actor_id=None,
        )

    for person in PEOPLE:
        user, created = users[person.email]
        if not created:
            continue
        if person.enrolment is not None:
            org_index, track, work_role = person.enrolment
            services.enrol(
                session,
                user,
                services.EnrolmentSpec(
                    cohort_id=cohort.id,
                    organisation_id=organisations[org_index].id,
                    track=track,
                    work_role=work_role,
                ),
                actor_id=None,
            )
        if person.hr_organisation is not None:
            services.set_hr_scope(
                session, user, [organisations[person.hr_organisation].id], actor_id=None
            )
    return [DemoLogin(person.description, person.email) for person in PEOPLE]

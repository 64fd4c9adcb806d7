"""Demo data: two organisations, two cohorts, a teacher, HR per organisation, learners, an admin.

The story is true to the rules: the cohort under way has held a few of its class days and
nobody in it has a certificate; the finished cohort has held all of them, and its learner who
attended at least the threshold and had every reflection approved has her certificate, issued
by the approval that completed the last condition (no shortcut).

``seed`` is idempotent: what exists (matched by email or name) is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peeredu.accounts import enrolments as enrolment_service
from peeredu.accounts import organisations as organisation_service
from peeredu.accounts import twofactor
from peeredu.accounts import users as user_service
from peeredu.accounts.models import (
    Cohort,
    Enrolment,
    Organisation,
    OrganisationKind,
    Role,
    Track,
    User,
)
from peeredu.certification import services as certification
from peeredu.curriculum import attendance
from peeredu.curriculum.content import Curriculum
from peeredu.curriculum.records import AttendanceStatus
from peeredu.db import utcnow
from peeredu.reflections import drafts, feedback, submission
from peeredu.reflections.definitions import Assignment, AssignmentSet

DEMO_PASSWORD = "recovery-demo-2026"
DEMO_DOMAIN = "demo.peeredu.dk"
# The demo account with two-step sign-in uses this published (so: not secret) TOTP key.
DEMO_TWO_FACTOR_EMAIL = f"tofaktor@{DEMO_DOMAIN}"
DEMO_TWO_FACTOR_SECRET = "PEEREDUDEMOTWOSTEPSECRETKEY23456"
TWO_FACTOR_HELP = (
    f"{DEMO_TWO_FACTOR_EMAIL} has two-step sign-in. Get the current code with\n"
    f"  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{DEMO_TWO_FACTOR_SECRET}').now())\"\n"
    f"or add the key {DEMO_TWO_FACTOR_SECRET} to an authenticator app.\n"
    "With PEEREDU_TWO_FACTOR_REQUIRED=true make run, the admin, teacher and HR accounts must "
    "set up two-step sign-in at their first sign-in."
)
COHORT_NAME = "Demohold forår"  # under way
COMPLETED_COHORT_NAME = "Demohold efterår"  # finished four weeks ago

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
    cohort: str = COHORT_NAME


PEOPLE = (
    DemoPerson(f"admin@{DEMO_DOMAIN}", "Anne Administrator", (Role.ADMIN,), "admin"),
    DemoPerson(f"underviser@{DEMO_DOMAIN}", "Thomas Underviser", (Role.TEACHER,), "teacher"),
    DemoPerson(
        DEMO_TWO_FACTOR_EMAIL,
        "Tove Tofaktor",
        (Role.ADMIN,),
        f"admin with two-step sign-in, TOTP key {DEMO_TWO_FACTOR_SECRET}",
    ),
    DemoPerson(
        f"hr.region@{DEMO_DOMAIN}",
        "Hanne HR (region)",
        (Role.HR,),
        "HR, region",
        hr_organisation=0,
    ),
    DemoPerson(
        f"hr.kommune@{DEMO_DOMAIN}",
        "Henrik HR (kommune)",
        (Role.HR,),
        "HR, municipality",
        hr_organisation=1,
    ),
    DemoPerson(
        f"peer@{DEMO_DOMAIN}",
        "Maria Peer",
        (Role.LEARNER,),
        "learner with a draft in progress",
        enrolment=(0, Track.PEER, "paid_peer"),
    ),
    DemoPerson(
        f"frivillig@{DEMO_DOMAIN}",
        "Jonas Frivillig",
        (Role.LEARNER,),
        "learner waiting for feedback",
        enrolment=(1, Track.PEER, "volunteer_peer"),
    ),
    DemoPerson(
        f"kollega@{DEMO_DOMAIN}",
        "Sofie Kollega",
        (Role.LEARNER,),
        "learner with new feedback to revise",
        enrolment=(1, Track.COLLEAGUE, "colleague"),
    ),
    DemoPerson(
        f"faerdig@{DEMO_DOMAIN}",
        "Karen Færdig",
        (Role.LEARNER,),
        "learner, completed (certificate)",
        enrolment=(0, Track.PEER, "paid_peer"),
        cohort=COMPLETED_COHORT_NAME,
    ),
)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str


def _organisation(session: Session, name: str, kind: OrganisationKind) -> Organisation:
    existing = session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.lower())
    )
    return existing or organisation_service.create_organisation(
        session, name=name, kind=kind, actor_id=None
    )


def _user(session: Session, person: DemoPerson) -> tuple[User, bool]:
    existing = user_service.get_user_by_email(session, person.email)
    if existing is not None:
        return existing, False
    user = user_service.create_user(
        session,
        email=person.email,
        name=person.name,
        roles=person.roles,
        password=DEMO_PASSWORD,
        actor_id=None,
    )
    return user, True


# Where each demo learner is, module by module in their track's order: approved, a version
# waiting for review, feedback asking for a revision, or a draft under way. Together they show
# every state and every kind of next step on the start page: Maria goes on with her draft
# (module 4; module 3 waits for the teacher), Jonas waits for feedback and can start module 4
# meanwhile, Sofie has new feedback to revise, Karen is done.
JOURNEYS: dict[str, tuple[str, ...]] = {
    f"peer@{DEMO_DOMAIN}": ("approved", "approved", "submitted", "draft"),
    f"frivillig@{DEMO_DOMAIN}": ("approved", "submitted"),
    f"kollega@{DEMO_DOMAIN}": ("approved", "not_yet"),
    # Every reflection approved: with her attendance (15 of 16 days), the last approval
    # issues the certificate.
    f"faerdig@{DEMO_DOMAIN}": ("approved",) * 10,
}

DEMO_REFLECTION = (
    "På en vagt for nylig talte jeg med en borger, der var usikker på, om det gav mening at "
    "komme til gruppen. Jeg mærkede, at jeg selv blev ivrig efter at overtale, og stoppede "
    "op. I stedet fortalte jeg kort om, hvordan jeg selv havde haft det før mine første møder, "
    "og spurgte, hvad der ville gøre det lettere. Bagefter tænkte jeg over gensidighed: "
    "samtalen blev mere lige, da jeg holdt op med at have en plan for den anden. Næste gang "
    "vil jeg spørge tidligere og tale med min kollega om, hvor grænsen går for, hvad jeg "
    "deler. "
)


def _demo_text(words: int) -> str:
    text = ""
    while len(text.split()) < words:
        text += DEMO_REFLECTION
    return text.strip()


def _reflection(
    session: Session,
    curriculum: Curriculum,
    assignment: Assignment,
    enrolment: Enrolment,
    teacher: User,
    stage: str,
    now: datetime,
) -> None:
    reflection = drafts.get_or_create(session, enrolment, assignment)
    fields = {
        f.key: _demo_text(assignment.min_words // len(assignment.fields) + 5)
        for f in assignment.fields
    }
    text = "" if assignment.guided else _demo_text(assignment.min_words + 10)
    if stage == "draft":
        # A draft under way: the first sentences, as if the learner had just begun.
        start = ". ".join(DEMO_REFLECTION.split(". ")[:2]) + "."
        drafts.save_draft(
            session,
            assignment,
            reflection,
            text="" if assignment.guided else start,
            fields={key: start for key in fields} if assignment.guided else {},
            expected_version=reflection.draft_version,
            now=now,
        )
        return
    version = submission.submit(
        session,
        curriculum,
        assignment,
        reflection,
        text=text,
        fields=fields,
        expected_version=reflection.draft_version,
        checklist_confirmed=True,
        extension=None,
        now=now,
    )
    if stage == "submitted":
        return
    approved = stage == "approved"
    feedback.save_review(
        session,
        curriculum,
        assignment,
        version,
        teacher_id=teacher.id,
        criteria={
            c.key: {"met": approved or index < 2, "comment": ""}
            for index, c in enumerate(assignment.criteria)
        },
        overall_comment=(
            "Tak for en ærlig og konkret refleksion. Du kobler situationen fint til "
            "modulets begreber."
            if approved
            else "Et godt udgangspunkt. Uddyb gerne, hvad du gjorde anderledes, og hvilke "
            "grænser der var i spil."
        ),
        decision="approved" if approved else "not_yet",
        expected_lock=None,
        release=True,
        now=now,
    )
    if approved:
        # Read long ago: only the feedback that asks for a revision is new on the start page.
        feedback.record_seen(session, reflection.id, now=now)


# A class day's local hours (5 hours of teaching and a break), shown on the start page.
CLASS_HOURS = (time(9, 0), time(14, 30))

# Who was away on which held class day (by its number from 0), and whether they said so.
ABSENCES: dict[str, dict[int, AttendanceStatus]] = {
    f"kollega@{DEMO_DOMAIN}": {1: AttendanceStatus.ABSENT_WITH_NOTICE},
    f"faerdig@{DEMO_DOMAIN}": {6: AttendanceStatus.ABSENT_WITH_NOTICE},
}


def _course(
    session: Session,
    curriculum: Curriculum,
    assignments: AssignmentSet,
    cohort: Cohort,
    teacher: User,
    today: date,
) -> None:
    """Class days from the course plan, attendance for those held, then the reflections.

    Certificates are not issued here: the operations issue them when the rule is met.
    """
    days = attendance.plan_class_days(session, curriculum, cohort, actor_id=teacher.id)
    for day in days:
        day.starts_at, day.ends_at = CLASS_HOURS
    enrolments = list(session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id)))
    now = utcnow()
    for number, day in enumerate(d for d in days if d.date <= today):
        statuses = {
            e.id: ABSENCES.get(e.user.email, {}).get(number, AttendanceStatus.PRESENT)
            for e in enrolments
        }
        attendance.register(session, curriculum, day, statuses, actor_id=teacher.id, now=now)
    for enrolment in enrolments:
        stages = JOURNEYS.get(enrolment.user.email, ())
        for module, stage in zip(curriculum.modules_for(enrolment.track), stages, strict=False):
            assignment = assignments.for_module(module.slug)
            if assignment is not None:
                _reflection(session, curriculum, assignment, enrolment, teacher, stage, now)


def _cohort(session: Session, name: str, start: date, teacher: User) -> tuple[Cohort, bool]:
    existing = session.scalar(select(Cohort).where(Cohort.name == name))
    if existing is not None:
        return existing, False
    created = organisation_service.create_cohort(
        session,
        name=name,
        start_date=start,
        end_date=start + timedelta(weeks=16),
        teacher_ids=[teacher.id],
        actor_id=None,
    )
    return created, True


def seed(
    session: Session, curriculum: Curriculum, assignments: AssignmentSet, *, today: date
) -> list[DemoLogin]:
    organisations = [_organisation(session, name, kind) for name, kind in ORGANISATIONS]
    users = {person.email: _user(session, person) for person in PEOPLE}
    teacher, _ = users[f"underviser@{DEMO_DOMAIN}"]
    cohorts = {
        # Started recently, so the demo shows a course under way.
        COHORT_NAME: _cohort(session, COHORT_NAME, today - timedelta(days=14), teacher),
        # Ended four weeks ago: every class day is held.
        COMPLETED_COHORT_NAME: _cohort(
            session, COMPLETED_COHORT_NAME, today - timedelta(weeks=20), teacher
        ),
    }

    for person in PEOPLE:
        user, created = users[person.email]
        if not created:
            continue
        if person.enrolment is not None:
            org_index, track, work_role = person.enrolment
            enrolment_service.enrol(
                session,
                user,
                enrolment_service.EnrolmentSpec(
                    cohort_id=cohorts[person.cohort][0].id,
                    organisation_id=organisations[org_index].id,
                    track=track,
                    work_role=work_role,
                ),
                actor_id=None,
            )
        if person.hr_organisation is not None:
            user_service.set_hr_scope(
                session, user, [organisations[person.hr_organisation].id], actor_id=None
            )
        if person.email == DEMO_TWO_FACTOR_EMAIL:
            twofactor.enable_with_secret(session, user, DEMO_TWO_FACTOR_SECRET, now=utcnow())
    for cohort, new in cohorts.values():
        if new:
            _course(session, curriculum, assignments, cohort, teacher, today)
    return [DemoLogin(person.description, person.email) for person in PEOPLE]


def demo_certificate_code(session: Session) -> str | None:
    """The code of the demo's certificate, to try the public verification page with."""
    user = user_service.get_user_by_email(session, f"faerdig@{DEMO_DOMAIN}")
    if user is None or not user.enrolments:
        return None
    found = certification.certificate_of(session, user.enrolments[0].id)
    return found.code if found else None

"""National-scale data for the benchmark and the query-budget tests.

``seed(..., scale=NATIONAL)`` builds what the course would hold with every region and
municipality on board: 100 organisations, 300 cohorts over four years, 10,000 learners in both
tracks, 40 teachers, 100 HR users, progress, attendance for every class day held, about 100,000
reflection versions of 200-800 words with released feedback, and about 6,000 certificates.

It is deterministic (a fixed random seed; dates relative to ``today``) and fast: rows are
planned in Python with their ids and written with SQLAlchemy Core ``insert()`` executemany in
batches, in the caller's transaction. Reflection text is composed from a pool of paragraphs
rendered once through ``markup.render_markdown``: Markdown renders paragraphs separated by a
blank line one by one, joined by a newline, so the stored HTML is what ``render_markdown``
would give for the whole text (``tests/web/test_query_budgets.py`` checks a sample).

Some people are named so the benchmark can sign in as them (see ``FocusLogins``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session
from stdnum import luhn

from peeredu.accounts.api_tokens import create_token
from peeredu.accounts.models import (
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Organisation,
    OrganisationKind,
    Role,
    Track,
    User,
    UserRole,
    WorkRole,
    cohort_teachers,
    hr_scopes,
)
from peeredu.accounts.passwords import hash_password
from peeredu.certification.codes import ALPHABET, RANDOM_LENGTH
from peeredu.certification.models import Certificate
from peeredu.curriculum.attendance import Attendance, AttendanceStatus, ClassDay, plan_dates
from peeredu.curriculum.content import Curriculum
from peeredu.curriculum.progress import CompletionKind, ModuleCompletion
from peeredu.markup import render_markdown
from peeredu.reflections.definitions import Assignment, AssignmentSet
from peeredu.reflections.drafts import word_count
from peeredu.reflections.models import (
    Reflection,
    ReflectionStatus,
    ReflectionVersion,
    Review,
    ReviewDecision,
)

# Raise when the data this module writes changes: the benchmark caches seeded databases by it.
SEEDER_VERSION = 1
PASSWORD = "national-bench-2026"
DOMAIN = "national.peeredu.dk"
MARKER_ORGANISATION = "Region Nordjylland"  # the first organisation: present = already seeded
BATCH = 2000
COURSE_WEEKS = 16


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
    years: int = 4


NATIONAL = Scale(
    organisations=100,
    cohorts=300,
    learners=10_000,
    teachers=40,
    hr_users=100,
    focus_teacher_cohorts=10,
    focus_hr_organisations=10,
    focus_cohort_learners=30,
    versions=100_000,
)
# For tests: the same shapes, small. TINY x10 (in rows per page) is SMALL.
TINY = Scale(
    organisations=4,
    cohorts=4,
    learners=12,
    teachers=2,
    hr_users=2,
    focus_teacher_cohorts=2,
    focus_hr_organisations=2,
    focus_cohort_learners=3,
    versions=60,
    years=1,
)
SMALL = Scale(
    organisations=20,
    cohorts=12,
    learners=120,
    teachers=4,
    hr_users=4,
    focus_teacher_cohorts=6,
    focus_hr_organisations=10,
    focus_cohort_learners=30,
    versions=600,
    years=1,
)
SCALES = {"national": NATIONAL, "small": SMALL, "tiny": TINY}


@dataclass(frozen=True)
class FocusLogins:
    """Who the benchmark signs in as (password ``PASSWORD`` for all)."""

    learner: str  # in the focus cohort, course under way
    teacher: str  # teaches ``focus_teacher_cohorts`` cohorts, incl. the focus cohort
    hr: str  # over ``focus_hr_organisations`` organisations
    hr_national: str  # over every organisation (the big export)
    graduate: str  # a learner with a certificate, in the oldest (finished) cohort


def focus_logins(scale: Scale) -> FocusLogins:
    graduate = sum(_cohort_sizes(scale)[:-1])  # first learner of the oldest cohort
    return FocusLogins(
        learner=f"learner00000@{DOMAIN}",
        teacher=f"teacher000@{DOMAIN}",
        hr=f"hr000@{DOMAIN}",
        hr_national=f"hr001@{DOMAIN}",
        graduate=f"learner{graduate:05d}@{DOMAIN}",
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


# -- Text ------------------------------------------------------------------------------------

WORDS = (
    "jeg du vi de hun han borgeren kollegaen lederen gruppen teamet afdelingen samtalen mødet "
    "vagten hverdagen erfaringen historien relationen grænsen håbet modet ansvaret tilliden "
    "fællesskabet netværket arbejdspladsen recovery peer-støtte støtte lytte fortælle mærke "
    "tænke spørge dele vente forstå hjælpe undre bruge vælge finde tale skrive huske lære "
    "prøve give tage sige se mødes blive have være gøre kunne ville skulle måtte turde "
    "og men for at der som når hvis fordi selv om efter før under med uden mellem over "
    "ikke også altid aldrig ofte sommetider igen stadig lidt meget mere mindre godt svært "
    "stille roligt ærligt konkret nyt gammelt egen egne andres næste første sidste hele "
    "dag uge måned år morgen aften pause kaffe telefon dør bord stol vindue plan aftale "
    "tanke følelse ro uro glæde sorg vrede frygt lettelse stolthed skam nysgerrighed "
    "mening retning skridt vej rolle plads stemme valg mulighed grund forskel balance"
).split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(7, 16))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))


@dataclass(frozen=True)
class Fragment:
    source: str
    html: str
    words: int


class TextPool:
    """Paragraphs rendered once; texts composed from them render to the joined fragments."""

    def __init__(self, rng: random.Random, size: int = 300) -> None:
        self.paragraphs = [self._fragment(_paragraph(rng)) for _ in range(size)]
        self._headings: dict[str, Fragment] = {}

    @staticmethod
    def _fragment(source: str) -> Fragment:
        return Fragment(source, render_markdown(source), word_count(source))

    def heading(self, label: str) -> Fragment:
        if label not in self._headings:
            self._headings[label] = self._fragment(f"### {label}")
        return self._headings[label]

    def pick(self, rng: random.Random, words: int) -> list[Fragment]:
        picked: list[Fragment] = []
        total = 0
        while total < words:
            fragment = rng.choice(self.paragraphs)
            picked.append(fragment)
            total += fragment.words
        return picked


@dataclass(frozen=True)
class Composed:
    text: str  # as reflections.drafts.compose makes it
    fields: dict[str, str]
    html: str
    words: int


def compose_text(pool: TextPool, rng: random.Random, assignment: Assignment) -> Composed:
    """A reflection of realistic length for ``assignment``, source and sanitised HTML."""
    target = max(200, min(800, assignment.min_words + rng.randint(10, 250)))
    if not assignment.guided:
        parts = pool.pick(rng, target)
        return Composed(
            text="\n\n".join(p.source for p in parts),
            fields={},
            html="\n".join(p.html for p in parts),
            words=sum(p.words for p in parts),
        )
    per_field = target // len(assignment.fields) + 1
    sources, htmls, fields, words = [], [], {}, 0
    for field in assignment.fields:
        parts = pool.pick(rng, per_field)
        value = "\n\n".join(p.source for p in parts)
        heading = pool.heading(field.label)
        fields[field.key] = value
        sources.append(f"### {field.label}\n\n{value}")
        htmls.append(heading.html)
        htmls.extend(p.html for p in parts)
        words += heading.words + sum(p.words for p in parts)
    return Composed("\n\n".join(sources), fields, "\n".join(htmls), words)


# -- Plan ------------------------------------------------------------------------------------


@dataclass
class Ids:
    """The next free id of each table, so rows can refer to each other before insertion."""

    next: dict[str, int]

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


ID_TABLES: dict[str, Table] = {
    model.__tablename__: model.__table__  # type: ignore[misc]
    for model in (
        Organisation,
        User,
        Cohort,
        Enrolment,
        ClassDay,
        Attendance,
        Reflection,
        ReflectionVersion,
        Review,
        ModuleCompletion,
        Certificate,
    )
}


class Writer:
    """Buffers rows per table and writes them with executemany in batches."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.buffers: dict[Table, list[dict[str, Any]]] = {}
        self.counts: dict[str, int] = {}

    def add(self, table: Table, row: dict[str, Any]) -> None:
        rows = self.buffers.setdefault(table, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush(table)

    def flush(self, table: Table | None = None) -> None:
        # Parents first: tables in the metadata's dependency order.
        tables = [table] if table is not None else _dependency_order(self.buffers)
        if table is not None:
            # A child batch may refer to parents still buffered.
            for parent in _dependency_order(self.buffers):
                if parent is table:
                    break
                self._write(parent)
        for each in tables:
            self._write(each)

    def _write(self, table: Table) -> None:
        rows = self.buffers.get(table)
        if rows:
            self.session.execute(table.insert(), rows)
            self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
            self.buffers[table] = []


def _dependency_order(buffers: dict[Table, Any]) -> list[Table]:
    metadata = next(iter(buffers)).metadata if buffers else None
    if metadata is None:
        return []
    return [t for t in metadata.sorted_tables if t in buffers]


ORG_NAMES = (
    "Region Nordjylland",
    "Region Midtjylland",
    "Region Syddanmark",
    "Region Sjælland",
    "Region Hovedstaden",
)


def _organisation_rows(scale: Scale) -> Iterator[tuple[str, OrganisationKind]]:
    for index in range(scale.organisations):
        if index < len(ORG_NAMES):
            yield ORG_NAMES[index], OrganisationKind.REGION
        elif index % 10 == 9:
            yield f"Peer-foreningen {index:03d}", OrganisationKind.NGO
        else:
            yield f"Kommune {index:03d}, Socialpsykiatrien", OrganisationKind.MUNICIPALITY


def _cohort_sizes(scale: Scale) -> list[int]:
    rest = scale.learners - scale.focus_cohort_learners
    others = scale.cohorts - 1
    base, extra = divmod(rest, others)
    return [scale.focus_cohort_learners] + [base + (1 if i < extra else 0) for i in range(others)]


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


@dataclass(frozen=True)
class Learner:
    user_id: int
    name: str
    track: Track


@dataclass
class Journey:
    """One learner's planned work: a stage per module reached, in track order."""

    enrolment_id: int
    stages: list[str]  # approved | revised | not_yet | submitted | draft
    absences: int
    certified: bool


def seed(
    session: Session,
    curriculum: Curriculum,
    assignments: AssignmentSet,
    *,
    today: date,
    scale: Scale = NATIONAL,
) -> dict[str, int] | None:
    """Write the data set; None if it is already there. Returns rows written per table."""
    if session.scalar(select(Organisation.id).where(Organisation.name == MARKER_ORGANISATION)):
        return None
    rng = random.Random(20261123)
    pool = TextPool(rng)
    ids = Ids(
        {
            name: (session.scalar(select(func.max(table.c.id))) or 0) + 1
            for name, table in ID_TABLES.items()
        }
    )
    # One transaction (the caller's), so SQLite syncs once: PRAGMA synchronous=OFF would gain
    # nothing (and SQLite refuses to change it inside a transaction).
    postgres = session.get_bind().dialect.name == "postgresql"
    out = Writer(session)
    created = _at(today - timedelta(days=365 * scale.years + 60), 9)
    password_hash = hash_password(PASSWORD)

    org_ids = []
    for name, kind in _organisation_rows(scale):
        org_ids.append(ids.take("organisations"))
        out.add(
            Organisation.__table__,  # type: ignore[arg-type]
            {"id": org_ids[-1], "name": name, "kind": kind, "created_at": created},
        )

    def user(email: str, name: str, role: Role) -> int:
        user_id = ids.take("users")
        out.add(
            User.__table__,  # type: ignore[arg-type]
            {
                "id": user_id,
                "email": email,
                "name": name,
                "password_hash": password_hash,
                "active": True,
                "locale": "da",
                "session_version": 1,
                "created_at": created,
            },
        )
        out.add(UserRole.__table__, {"user_id": user_id, "role": role})  # type: ignore[arg-type]
        return user_id

    teachers = [
        user(f"teacher{i:03d}@{DOMAIN}", f"Underviser {i:03d}", Role.TEACHER)
        for i in range(scale.teachers)
    ]
    for index in range(scale.hr_users):
        hr_id = user(f"hr{index:03d}@{DOMAIN}", f"HR {index:03d}", Role.HR)
        if index == 0:
            scope = org_ids[: scale.focus_hr_organisations]
        elif index == 1:
            scope = org_ids
        else:
            scope = [org_ids[index % len(org_ids)]]
        for org_id in scope:
            out.add(hr_scopes, {"user_id": hr_id, "organisation_id": org_id})

    # Cohorts: the focus cohort is under way (half its class days held); the rest spread over
    # the years before, most of them finished.
    plan = curriculum.course.class_days
    span_days = 365 * scale.years
    sizes = _cohort_sizes(scale)
    modules = {t: [m.slug for m in curriculum.modules_for(t)] for t in Track}
    capstone = curriculum.course.capstone
    learner_number = 0
    graduate = sum(sizes[:-1])
    journeys: list[tuple[int, Learner, Journey, list[str]]] = []
    cohort_rows = []
    for c in range(scale.cohorts):
        if c == 0:
            start = today - timedelta(weeks=4)
        else:
            start = today - timedelta(days=21 + (c * span_days) // scale.cohorts)
        cohort_id = ids.take("cohorts")
        out.add(
            Cohort.__table__,  # type: ignore[arg-type]
            {
                "id": cohort_id,
                "name": f"Hold {start.isoformat()} nr. {c:03d}",  # as in cohort_rows
                "course": curriculum.course.slug,
                "start_date": start,
                "end_date": start + timedelta(weeks=COURSE_WEEKS),
                "created_at": _at(start - timedelta(days=30)),
            },
        )
        # The focus teacher has the first cohorts; everyone else is spread over the rest.
        if c < scale.focus_teacher_cohorts:
            teacher = teachers[0]
        else:
            teacher = teachers[1 + c % (len(teachers) - 1)] if len(teachers) > 1 else teachers[0]
        out.add(cohort_teachers, {"cohort_id": cohort_id, "user_id": teacher})
        days = []
        for day, item in zip(plan_dates(start, len(plan)), plan, strict=True):
            day_id = ids.take("class_days")
            days.append((day_id, day, item.module))
            out.add(
                ClassDay.__table__,  # type: ignore[arg-type]
                {
                    "id": day_id,
                    "cohort_id": cohort_id,
                    "date": day,
                    "topic": item.topic,
                    "module_slug": item.module,
                },
            )
        held = [d for d in days if d[1] <= today]
        finished = len(held) == len(days)
        cohort_rows.append(
            (cohort_id, start, held, teacher, f"Hold {start.isoformat()} nr. {c:03d}")
        )
        for _ in range(sizes[c]):
            n = learner_number
            learner_number += 1
            track = Track.COLLEAGUE if n % 3 == 2 else Track.PEER
            user_id = user(f"learner{n:05d}@{DOMAIN}", f"Deltager {n:05d}", Role.LEARNER)
            enrolment_id = ids.take("enrolments")
            journey = _journey(rng, enrolment_id, modules[track], held, finished, capstone)
            if n == 0 and journey.stages:  # the focus learner is writing: a draft to autosave
                journey.stages[-1] = "draft"
            if n == graduate:  # certified whatever the dice said
                journey = Journey(enrolment_id, ["approved"] * len(modules[track]), 0, True)
            status = EnrolmentStatus.COMPLETED if journey.certified else EnrolmentStatus.ACTIVE
            out.add(
                Enrolment.__table__,  # type: ignore[arg-type]
                {
                    "id": enrolment_id,
                    "user_id": user_id,
                    "cohort_id": cohort_id,
                    "organisation_id": org_ids[n % len(org_ids)],
                    "track": track,
                    "work_role": (
                        WorkRole.COLLEAGUE
                        if track is Track.COLLEAGUE
                        else (WorkRole.VOLUNTEER_PEER if n % 7 == 0 else WorkRole.PAID_PEER)
                    ),
                    "status": status,
                    "created_at": _at(start - timedelta(days=14)),
                    "updated_at": _at(start - timedelta(days=14)),
                },
            )
            learner = Learner(user_id, f"Deltager {n:05d}", track)
            journeys.append((c, learner, journey, modules[track]))

    _tune_revisions(rng, [j for _, _, j, _ in journeys], scale.versions)
    for c, learner, journey, slugs in journeys:
        _cohort_id, start, held, teacher, cohort_name = cohort_rows[c]
        _write_journey(
            out,
            ids,
            rng,
            pool,
            curriculum,
            assignments,
            journey,
            slugs,
            held,
            teacher,
            learner,
            cohort=(cohort_name, start),
            today=today,
        )
    out.flush()
    if postgres:
        # Ids were given explicitly: move the sequences past them.
        for name in ID_TABLES:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {name}))"
                )
            )
    return dict(out.counts)


def _journey(
    rng: random.Random,
    enrolment_id: int,
    slugs: Sequence[str],
    held: list[tuple[int, date, str | None]],
    finished: bool,
    capstone: str | None,
) -> Journey:
    reached = {module for _, _, module in held}
    if finished:
        # About 6 in 10 finished learners earn the certificate; the others miss attendance or
        # still wait for the capstone's approval.
        roll = rng.random()
        if roll < 0.64:
            return Journey(enrolment_id, ["approved"] * len(slugs), rng.choice((0, 0, 1)), True)
        if roll < 0.82:
            return Journey(enrolment_id, ["approved"] * len(slugs), 3, False)
        stages = ["approved"] * (len(slugs) - 1) + [rng.choice(("not_yet", "submitted"))]
        return Journey(enrolment_id, stages, rng.choice((0, 1)), False)
    open_slugs = [s for s in slugs if s in reached]
    stages = []
    for index, _slug in enumerate(open_slugs):
        last = index == len(open_slugs) - 1
        if last:
            stages.append(rng.choice(("submitted", "submitted", "draft", "not_yet")))
        else:
            stages.append("approved" if rng.random() < 0.9 else "submitted")
    return Journey(enrolment_id, stages, rng.choice((0, 0, 1)), False)


def _tune_revisions(rng: random.Random, journeys: list[Journey], target: int) -> None:
    """Turn approvals into "approved after a revision" until the versions reach ``target``."""
    versions = sum(1 for j in journeys for s in j.stages if s != "draft")
    approved = [(j, i) for j in journeys for i, s in enumerate(j.stages) if s == "approved"]
    rng.shuffle(approved)
    for journey, index in approved[: max(0, target - versions)]:
        journey.stages[index] = "revised"


def _criteria(assignment: Assignment, met: bool) -> dict[str, Any]:
    return {
        c.key: {"met": met or index < 2, "comment": ""}
        for index, c in enumerate(assignment.criteria)
    }


APPROVED_COMMENT = (
    "Tak for en ærlig og konkret refleksion. Du kobler situationen fint til modulets begreber."
)
NOT_YET_COMMENT = (
    "Et godt udgangspunkt. Uddyb gerne, hvad du gjorde anderledes, og hvilke grænser der var "
    "i spil."
)


def _write_journey(
    out: Writer,
    ids: Ids,
    rng: random.Random,
    pool: TextPool,
    curriculum: Curriculum,
    assignments: AssignmentSet,
    journey: Journey,
    slugs: Sequence[str],
    held: list[tuple[int, date, str | None]],
    teacher: int,
    learner: Learner,
    *,
    cohort: tuple[str, date],
    today: date,
) -> None:
    cohort_name, start = cohort
    absent = set(rng.sample(range(len(held)), min(journey.absences, len(held))))
    for index, (day_id, day, _) in enumerate(held):
        out.add(
            Attendance.__table__,  # type: ignore[arg-type]
            {
                "id": ids.take("attendance"),
                "class_day_id": day_id,
                "enrolment_id": journey.enrolment_id,
                "status": AttendanceStatus.ABSENT if index in absent else AttendanceStatus.PRESENT,
                "recorded_at": _at(day, 16),
                "recorded_by_id": teacher,
            },
        )
    last_day = {module: day for _, day, module in held}
    finished_on = start
    for slug, stage in zip(slugs, journey.stages, strict=False):
        assignment = assignments.for_module(slug)
        if assignment is None:
            continue
        day = min(last_day.get(slug, start) + timedelta(days=3), today)
        submitted = _at(day, 20)
        reflection_id = ids.take("reflections")
        first = compose_text(pool, rng, assignment)
        status = {
            "approved": ReflectionStatus.APPROVED,
            "revised": ReflectionStatus.APPROVED,
            "not_yet": ReflectionStatus.NOT_YET_APPROVED,
            "submitted": ReflectionStatus.SUBMITTED,
            "draft": ReflectionStatus.DRAFT,
        }[stage]
        texts = [first]
        if stage == "revised":
            addition = pool.pick(rng, 40)
            texts.append(
                Composed(
                    text=first.text + "\n\n" + "\n\n".join(p.source for p in addition),
                    fields=(
                        {
                            **first.fields,
                            assignment.fields[-1].key: first.fields[assignment.fields[-1].key]
                            + "\n\n"
                            + "\n\n".join(p.source for p in addition),
                        }
                        if assignment.guided
                        else {}
                    ),
                    html=first.html + "\n" + "\n".join(p.html for p in addition),
                    words=first.words + sum(p.words for p in addition),
                )
            )
        final = texts[-1]
        draft = stage == "draft"
        out.add(
            Reflection.__table__,  # type: ignore[arg-type]
            {
                "id": reflection_id,
                "enrolment_id": journey.enrolment_id,
                "assignment_slug": assignment.slug,
                "module_slug": slug,
                "status": status,
                "draft_text": "" if assignment.guided else final.text,
                "draft_fields": final.fields,
                "draft_version": len(texts) + (0 if draft else 1),
                "draft_saved_at": submitted,
                "supervision_flag": False,
                "created_at": _at(day - timedelta(days=2)),
            },
        )
        if draft:
            continue
        for number, version in enumerate(texts, start=1):
            version_id = ids.take("reflection_versions")
            at = submitted + timedelta(days=4 * (number - 1))
            out.add(
                ReflectionVersion.__table__,  # type: ignore[arg-type]
                {
                    "id": version_id,
                    "reflection_id": reflection_id,
                    "number": number,
                    "text": version.text,
                    "fields": version.fields,
                    "html": version.html,
                    "word_count": version.words,
                    "submitted_at": at,
                    "late": False,
                },
            )
            if stage == "submitted":
                continue
            met = not (stage == "not_yet" or (stage == "revised" and number == 1))
            reviewed = at + timedelta(days=2)
            out.add(
                Review.__table__,  # type: ignore[arg-type]
                {
                    "id": ids.take("reviews"),
                    "version_id": version_id,
                    "teacher_id": teacher,
                    "decision": ReviewDecision.APPROVED if met else ReviewDecision.NOT_YET,
                    "overall_comment": APPROVED_COMMENT if met else NOT_YET_COMMENT,
                    "criteria": _criteria(assignment, met),
                    "released_at": reviewed,
                    "updated_at": reviewed,
                    "lock_version": 1,
                },
            )
            if met:
                finished_on = max(finished_on, reviewed.date())
                out.add(
                    ModuleCompletion.__table__,  # type: ignore[arg-type]
                    {
                        "id": ids.take("module_completions"),
                        "enrolment_id": journey.enrolment_id,
                        "module_slug": slug,
                        "completed_at": reviewed,
                        "completed_by_id": teacher,
                        "kind": CompletionKind.APPROVAL,
                        "reason": "",
                    },
                )
    if journey.certified:
        body = "".join(rng.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
        issued = _at(min(finished_on, today), 21)
        out.add(
            Certificate.__table__,  # type: ignore[arg-type]
            {
                "id": ids.take("certificates"),
                "enrolment_id": journey.enrolment_id,
                "code": body + _check_character(body),
                "participant_name": learner.name,
                "course_title": curriculum.course.title,
                "track": learner.track,
                "hours": curriculum.course.hours,
                "cohort_name": cohort_name,
                "cohort_start": start,
                "cohort_end": start + timedelta(weeks=COURSE_WEEKS),
                "issued_at": issued,
                "issued_by_id": None,
                "issue_reason": "",
                "revoke_reason": "",
                "updated_at": issued,
            },
        )


def _check_character(body: str) -> str:
    # The same Luhn mod 32 check character as certification.codes.new_code.
    return luhn.calc_check_digit(body, alphabet=ALPHABET)

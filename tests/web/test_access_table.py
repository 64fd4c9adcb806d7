"""Access control, proven: one table with every route of the app and every kind of visitor.

The table is checked against Flask's URL map, so a route added without an entry here fails the
suite. For each route it says how to fill the URL from a seeded world and what each visitor
gets. GET is tried for every route that has it; POST for every route that has it, by each
visitor who may not act there, with a valid CSRF token (so that the refusal is the permission's,
not the CSRF check's), and the whole database must be unchanged afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from peeredu import outbox
from peeredu.accounts import api_tokens, invitations
from peeredu.accounts.models import Enrolment, Role, TokenPurpose, User
from peeredu.certification import services as certificate_services
from peeredu.curriculum import attendance
from peeredu.db import utcnow
from peeredu.extensions import current_assignments, current_curriculum, db
from peeredu.models import metadata
from peeredu.reflections import deadlines, drafts, feedback, practice_log, submission
from peeredu.reflections.models import ReflectionVersion, ReviewDecision
from tests.factories import PASSWORD, Factory

# -- The seeded world ----------------------------------------------------------------------

VISITORS = (
    "anonymous",
    "owner",  # L1: learner of cohort 1, organisation A; owns everything seeded
    "peer",  # L2: learner of cohort 1, organisation A
    "other_cohort",  # L3: learner of cohort 2, organisation B
    "teacher",  # T1: teaches cohort 1
    "other_teacher",  # T2: teaches cohort 2
    "hr",  # HR_A: HR of organisation A
    "other_hr",  # HR_B: HR of organisation B
    "admin",
)
SIGNED_IN = VISITORS[1:]
EMAILS = {
    "owner": "l1@example.org",
    "peer": "l2@example.org",
    "other_cohort": "l3@example.org",
    "teacher": "t1@example.org",
    "other_teacher": "t2@example.org",
    "hr": "hr-a@example.org",
    "other_hr": "hr-b@example.org",
    "admin": "admin@example.org",
}


@dataclass
class World:
    org_a: int
    org_b: int
    cohort_1: int
    cohort_2: int
    users: dict[str, int]
    l1: int  # enrolments
    l2: int
    l3: int
    draft_module: str
    draft_slug: str
    submitted_module: str
    submitted_slug: str
    version_id: int
    note_id: int
    certificate_id: int
    certificate_code: str
    class_day_id: int
    pending_user_id: int
    invitation_token: str
    reset_token: str
    outbox_message_id: int
    snippet_id: int  # T1's
    api_token_ids: dict[str, int] = field(default_factory=dict)
    api_tokens: dict[str, str] = field(default_factory=dict)


def two_modules(app: Flask) -> tuple[str, str]:
    """A module with an assignment and no prerequisites, and one that needs only the first."""
    with app.app_context():
        curriculum, assignments = current_curriculum(), current_assignments()
        ordered = sorted(curriculum.modules.values(), key=lambda m: m.order)
        with_assignment = [m for m in ordered if assignments.for_module(m.slug)]
        first = next(m for m in with_assignment if not m.prerequisites)
        second = next(
            m for m in with_assignment if m.prerequisites and set(m.prerequisites) <= {first.slug}
        )
        return first.slug, second.slug


def filler(marker: str, words: int = 420) -> str:
    return f"{marker} " + " ".join(["refleksion"] * words)


def write_reflection(
    app: Flask, enrolment_id: int, module: str, text: str, *, submit: bool
) -> int | None:
    """Save a draft (and submit it) through the domain services; the version's id."""
    with app.app_context():
        session = db.session
        enrolment = session.get(Enrolment, enrolment_id)
        assignment = current_assignments().for_module(module)
        due = deadlines.due_on(assignment, enrolment, None)
        at = datetime.combine(due - timedelta(days=3), time(9), tzinfo=UTC)
        reflection = drafts.get_or_create(session, enrolment, assignment)
        fields = {f.key: text for f in assignment.fields}
        drafts.save_draft(
            session,
            assignment,
            reflection,
            text=text,
            fields=fields,
            expected_version=reflection.draft_version,
            now=at,
        )
        version_id = None
        if submit:
            version = submission.submit(
                session,
                current_curriculum(),
                assignment,
                reflection,
                text=text,
                fields=fields,
                expected_version=reflection.draft_version,
                checklist_confirmed=True,
                extension=None,
                now=at,
            )
            version_id = version.id
        session.commit()
        return version_id


def release_review(
    app: Flask,
    version_id: int,
    teacher_id: int,
    *,
    overall: str,
    comment: str,
    decision: ReviewDecision = ReviewDecision.NOT_YET,
) -> None:
    """Release feedback (every criterion met only when approving)."""
    with app.app_context():
        version = db.session.get(ReflectionVersion, version_id)
        assignment = current_assignments().get(version.reflection.assignment_slug)
        feedback.save_review(
            db.session,
            current_curriculum(),
            assignment,
            version,
            teacher_id=teacher_id,
            criteria={
                c.key: {"met": decision is ReviewDecision.APPROVED, "comment": f"{comment} {c.key}"}
                for c in assignment.criteria
            },
            overall_comment=overall,
            decision=decision,
            expected_lock=None,
            release=True,
            now=utcnow(),
        )
        db.session.commit()


def seed_people(make: Factory) -> dict[str, Any]:
    """The people of the world: two organisations, two cohorts, every kind of visitor."""
    org_a = make.organisation("Organisation A")
    org_b = make.organisation("Organisation B")
    t1 = make.user(Role.TEACHER, email=EMAILS["teacher"], name="Tove Et")
    t2 = make.user(Role.TEACHER, email=EMAILS["other_teacher"], name="Tage To")
    cohort_1 = make.cohort("Hold 1", teachers=(t1,))
    cohort_2 = make.cohort("Hold 2", teachers=(t2,))
    l1 = make.user(email=EMAILS["owner"], name="Lise Et")
    l2 = make.user(email=EMAILS["peer"], name="Lars To")
    l3 = make.user(email=EMAILS["other_cohort"], name="Lene Tre")
    hr_a = make.hr_scope(make.user(Role.HR, email=EMAILS["hr"], name="Hanne A"), org_a)
    hr_b = make.hr_scope(make.user(Role.HR, email=EMAILS["other_hr"], name="Henrik B"), org_b)
    admin = make.user(Role.ADMIN, email=EMAILS["admin"], name="Ada Admin")
    return {
        "org_a": org_a,
        "org_b": org_b,
        "cohort_1": cohort_1,
        "cohort_2": cohort_2,
        "users": {
            "owner": l1,
            "peer": l2,
            "other_cohort": l3,
            "teacher": t1,
            "other_teacher": t2,
            "hr": hr_a,
            "other_hr": hr_b,
            "admin": admin,
        },
        "l1": make.enrolment(l1, cohort_1, org_a),
        "l2": make.enrolment(l2, cohort_1, org_a),
        "l3": make.enrolment(l3, cohort_2, org_b),
    }


def seed_extras(app: Flask, people: dict[str, Any]) -> dict[str, Any]:
    """What every route needs besides the people: a class day, tokens, a pending invitation."""
    users = people["users"]
    now = utcnow()
    extras: dict[str, Any] = {"api_token_ids": {}, "api_tokens": {}}
    with app.app_context():
        session = db.session
        cohort = session.get(type(people["cohort_1"]), people["cohort_1"].id)
        day = attendance.add_class_day(
            session,
            current_curriculum(),
            cohort,
            day=cohort.start_date,
            topic="Første dag",
            module_slug=None,
            actor_id=users["teacher"].id,
        )
        extras["snippet_id"] = feedback.add_snippet(session, users["teacher"].id, "T1s tekst").id
        for visitor in ("hr", "other_hr"):
            token, raw = api_tokens.create_token(
                session, session.get(User, users[visitor].id), f"HR system {visitor}", now
            )
            session.flush()
            extras["api_token_ids"][visitor] = token.id
            extras["api_tokens"][visitor] = raw
        pending, invitation = invitations.invite(
            session,
            email="pending@example.org",
            name="Pia Pending",
            roles=[Role.HR],
            locale="da",
            enrolment=None,
            actor_id=users["admin"].id,
            now=now,
            max_age=timedelta(days=7),
        )
        reset = invitations.issue_token(
            session,
            session.get(User, users["owner"].id),
            TokenPurpose.PASSWORD_RESET,
            now=now,
            max_age=timedelta(hours=1),
            created_by_id=None,
        )
        message = outbox.enqueue(
            session, outbox.Email("pending@example.org", "Invitation", "Et link", "invitation")
        )
        session.commit()
        extras.update(
            class_day_id=day.id,
            pending_user_id=pending.id,
            invitation_token=invitation,
            reset_token=reset,
            outbox_message_id=message.id,
        )
    return extras


def seed_world(
    app: Flask,
    make: Factory,
    *,
    note: str = "En kort note fra arbejdet",
    draft: str = "Et udkast",
    version: str = "En indsendt refleksion",
    feedback: str = "Tak for refleksionen",
    criterion: str = "Kommentar",
    submit_and_review: bool = True,
) -> World:
    """The world; without ``submit_and_review`` the caller submits, reviews and certifies.

    (A certificate completes the enrolment, after which nothing can be submitted.)
    """
    people = seed_people(make)
    users = people["users"]
    submitted_module, draft_module = two_modules(app)
    l1 = people["l1"].id
    with app.app_context():
        enrolment = db.session.get(Enrolment, l1)
        entry = practice_log.add_log_entry(
            db.session, enrolment, noted_on=utcnow().date(), text=note, today=utcnow().date()
        )
        db.session.commit()
        note_id = entry.id
    write_reflection(app, l1, draft_module, filler(draft), submit=False)
    version_id = 0
    if submit_and_review:
        version_id = write_reflection(app, l1, submitted_module, filler(version), submit=True) or 0
        release_review(app, version_id, users["teacher"].id, overall=feedback, comment=criterion)
    with app.app_context():
        assignments = current_assignments()
        draft_slug = assignments.for_module(draft_module).slug
        submitted_slug = assignments.for_module(submitted_module).slug
    world = World(
        org_a=people["org_a"].id,
        org_b=people["org_b"].id,
        cohort_1=people["cohort_1"].id,
        cohort_2=people["cohort_2"].id,
        users={name: user.id for name, user in users.items()},
        l1=l1,
        l2=people["l2"].id,
        l3=people["l3"].id,
        draft_module=draft_module,
        draft_slug=draft_slug,
        submitted_module=submitted_module,
        submitted_slug=submitted_slug,
        version_id=version_id,
        note_id=note_id,
        certificate_id=0,
        certificate_code="",
        **seed_extras(app, people),
    )
    if submit_and_review:
        issue_certificate(app, world)
    return world


def issue_certificate(app: Flask, world: World) -> None:
    """T1 issues L1's certificate by exception (L1 has not completed the course)."""
    with app.app_context():
        certificate = certificate_services.issue_manually(
            db.session,
            current_curriculum(),
            db.session.get(Enrolment, world.l1),
            reason="Godkendt ved undtagelse",
            actor_id=world.users["teacher"],
            now=utcnow(),
        )
        db.session.commit()
        world.certificate_id, world.certificate_code = certificate.id, certificate.code


@pytest.fixture
def world(app: Flask, make: Factory) -> World:
    return seed_world(app, make)


def visitor_client(make_client: Any, world: World, visitor: str) -> Any:
    """A browser of ``visitor``, signed in; it sends its API token (if any) to the API."""
    client = make_client()
    if visitor != "anonymous":
        response = client.login(EMAILS[visitor], PASSWORD)
        assert response.status_code == 302 and urlsplit(response.location).path == "/", visitor
    return client


# -- Outcomes --------------------------------------------------------------------------------

OK = "OK"  # 2xx
LOGIN = "LOGIN"  # 302 to the login page
HOME = "HOME"  # 302 to the start page (the login page, for someone signed in)
NOT_FOUND = "NOT_FOUND"  # 404
UNAUTHORIZED = "UNAUTHORIZED"  # 401: the API without (a valid) bearer token
NOT_ALLOWED = "NOT_ALLOWED"  # 405: the API only reads
ALLOWED = "ALLOWED"  # POST: this visitor may act; not exercised here (see the area's tests)


def redirect_to(path: str) -> str:
    return f"REDIRECT {path}"


def outcome(response: TestResponse) -> str:
    code = response.status_code
    if 200 <= code < 300:
        return OK
    if code in (301, 302, 303, 307, 308):
        path = urlsplit(response.location).path
        return {"/login": LOGIN, "/": HOME}.get(path, redirect_to(path))
    return {401: UNAUTHORIZED, 404: NOT_FOUND, 405: NOT_ALLOWED}.get(code, str(code))


def everyone(result: str) -> dict[str, str]:
    return dict.fromkeys(VISITORS, result)


def only(*allowed: str, ok: str = OK, anonymous: str = LOGIN) -> dict[str, str]:
    """``allowed`` get ``ok``; anonymous visitors ``anonymous``; everyone else a 404."""
    result = {v: (ok if v in allowed else NOT_FOUND) for v in VISITORS}
    if "anonymous" not in allowed:
        result["anonymous"] = anonymous
    return result


def api(**outcomes: str) -> dict[str, str]:
    """The API answers 401 to anyone without a token; the HR visitors send theirs."""
    return {**everyone(UNAUTHORIZED), **outcomes}


# -- The table -------------------------------------------------------------------------------

Fill = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    rule: str
    endpoint: str
    fill: Fill = lambda w: {}
    get: dict[str, str] | None = None  # None: the route has no GET
    post: dict[str, str] | None = None  # None: the route has no POST
    form: Fill = lambda w: {}  # what a refused visitor posts: what would act if allowed

    def path(self, world: World) -> str:
        values = self.fill(world)
        path = self.rule
        for key, value in values.items():
            path = re.sub(rf"<(?:[a-z]+(?:\([^)]*\))?:)?{key}>", str(value), path)
        assert "<" not in path, f"{self.rule}: fill every URL parameter"
        return path


ADMIN_GET = only("admin")
ADMIN_POST = only("admin", ok=ALLOWED)
TEACHER = only("teacher")
TEACHER_POST = only("teacher", ok=ALLOWED)
OWNER = only("owner")
OWNER_POST = only("owner", ok=ALLOWED)
BOTH_HR = only("hr", "other_hr")
BOTH_TEACHERS = only("teacher", "other_teacher")
EVERYONE_SIGNED_IN = only(*SIGNED_IN)


def _overwriting(**more: str) -> Fill:
    return lambda w: {"draft_version": "1", "text": "Overskrevet", **more}


EDITOR_BUTTONS: dict[str, Fill] = {
    "autosave": _overwriting(),
    "save": _overwriting(),
    "preview": _overwriting(),
    "insert-note": lambda w: {"draft_version": "1", "text": "Overskrevet", "note": str(w.note_id)},
    "submit": _overwriting(anonymised="y", own_choice="y"),
    "keep-mine": _overwriting(other_version="1", stash="1"),
    "keep-both": _overwriting(other_version="1", stash="1"),
    "keep-other": lambda w: {"stash": "1"},
    "revise": lambda w: {},
    "flag": lambda w: {"flagged": "1"},
}


def c1(w: World) -> dict[str, Any]:
    return {"cohort_id": w.cohort_1}


def c1_l1(w: World) -> dict[str, Any]:
    return {"cohort_id": w.cohort_1, "enrolment_id": w.l1}


def _reason(w: World) -> dict[str, Any]:
    return {"reason": "Fordi jeg kan"}


TABLE: tuple[Route, ...] = (
    # -- Start, account, sign-in ----------------------------------------------------------------
    Route("/", "peeredu.home.index", get=EVERYONE_SIGNED_IN),
    Route(
        "/account",
        "peeredu.auth.account",
        get=EVERYONE_SIGNED_IN,
        post=only(*SIGNED_IN, ok=ALLOWED),
    ),
    Route(
        "/login",
        "peeredu.auth.login",
        get={**everyone(HOME), "anonymous": OK},
        post=everyone(ALLOWED),
    ),
    Route("/logout", "peeredu.auth.logout", post=everyone(ALLOWED)),
    Route(
        "/login/two-factor",
        "peeredu.auth.two_factor_login",
        # Only after the password step (see test_two_factor); otherwise back to the login.
        get={**everyone(HOME), "anonymous": LOGIN},
        post=everyone(ALLOWED),
    ),
    Route(
        "/account/two-factor",
        "peeredu.auth.two_factor_setup",
        get=EVERYONE_SIGNED_IN,
        post=only(*SIGNED_IN, ok=ALLOWED),
    ),
    Route(
        "/account/sign-out-everywhere",
        "peeredu.auth.sign_out_everywhere",
        post=only(*SIGNED_IN, ok=ALLOWED),
    ),
    # No identity provider is configured here: an unknown key is not found (see tests/oidc).
    Route(
        "/login/oidc/<key>",
        "peeredu.oidc.start",
        fill=lambda w: {"key": "none"},
        get=everyone(NOT_FOUND),
    ),
    Route(
        "/login/oidc/<key>/callback",
        "peeredu.oidc.callback",
        fill=lambda w: {"key": "none"},
        get=everyone(NOT_FOUND),
    ),
    Route("/language", "peeredu.auth.set_language", post=everyone(ALLOWED)),
    Route(
        "/password/forgot", "peeredu.auth.forgot_password", get=everyone(OK), post=everyone(ALLOWED)
    ),
    Route(
        "/password/reset/<token>",
        "peeredu.auth.reset_password",
        fill=lambda w: {"token": w.reset_token},
        get=everyone(OK),  # whoever holds the link
        post=everyone(ALLOWED),
    ),
    Route(
        "/invitation/<token>",
        "peeredu.auth.accept_invitation",
        fill=lambda w: {"token": w.invitation_token},
        get=everyone(OK),
        post=everyone(ALLOWED),
    ),
    Route("/csrf-token", "peeredu.reflect.fresh_csrf_token", get=everyone(OK)),
    # -- Learning, reflections, the practice log ------------------------------------------------
    Route(
        "/learn/<int:enrolment_id>/modules/<slug>",
        "peeredu.learn.module",
        fill=lambda w: {"enrolment_id": w.l1, "slug": w.draft_module},
        get=OWNER,
    ),
    Route(
        "/learn/<int:enrolment_id>/modules/<slug>/done",
        "peeredu.learn.mark_done",
        fill=lambda w: {"enrolment_id": w.l1, "slug": w.draft_module},
        post=OWNER_POST,
    ),
    Route(
        "/learn/<int:enrolment_id>/assignments/<slug>",
        "peeredu.reflect.assignment",
        fill=lambda w: {"enrolment_id": w.l1, "slug": w.draft_slug},
        get=OWNER,
        post=OWNER_POST,
        form=lambda w: {"action": "save", "draft_version": "1", "text": "Overskrevet"},
    ),
    # The editor's buttons, each at a URL of its own; the form is what would act if allowed.
    *(
        Route(
            f"/learn/<int:enrolment_id>/assignments/<slug>/{button}",
            f"peeredu.reflect.{button.replace('-', '_')}",
            fill=lambda w: {"enrolment_id": w.l1, "slug": w.draft_slug},
            post=OWNER_POST,
            form=form,
        )
        for button, form in EDITOR_BUTTONS.items()
    ),
    Route(
        "/learn/<int:enrolment_id>/log",
        "peeredu.reflect.log",
        fill=lambda w: {"enrolment_id": w.l1},
        get=OWNER,
        post=OWNER_POST,
        form=lambda w: {"noted_on": utcnow().date().isoformat(), "text": "Fremmed note"},
    ),
    Route(
        "/learn/<int:enrolment_id>/log/<int:entry_id>/delete",
        "peeredu.reflect.delete_note",
        fill=lambda w: {"enrolment_id": w.l1, "entry_id": w.note_id},
        get=OWNER,
        post=OWNER_POST,
    ),
    Route(
        "/learn/<int:enrolment_id>/calendar",
        "peeredu.calendar.page",
        fill=lambda w: {"enrolment_id": w.l1},
        get=OWNER,
    ),
    # The feed's secret is the only key (no session); a made-up one is not found for anyone.
    Route(
        "/calendar/<token>.ics",
        "peeredu.calendar.feed",
        fill=lambda w: {"token": "no-such-feed"},
        get=everyone(NOT_FOUND),
    ),
    Route("/account/calendar", "peeredu.calendar.subscribe", post=only(*SIGNED_IN, ok=ALLOWED)),
    Route("/account/calendar/revoke", "peeredu.calendar.revoke", post=only(*SIGNED_IN, ok=ALLOWED)),
    # -- My data: acts on the signed-in person only; no URL names anyone -----------------------
    Route("/my-data/", "peeredu.my_data.index", get=EVERYONE_SIGNED_IN),
    Route("/my-data/export.zip", "peeredu.my_data.download", get=EVERYONE_SIGNED_IN),
    Route(
        "/my-data/practice-log/delete",
        "peeredu.my_data.delete_log",
        get=EVERYONE_SIGNED_IN,
        post=only(*SIGNED_IN, ok=ALLOWED),
        form=lambda w: {"confirm": "y"},
    ),
    Route(
        "/my-data/reflections/delete",
        "peeredu.my_data.delete_reflections",
        get=EVERYONE_SIGNED_IN,
        post=only(*SIGNED_IN, ok=ALLOWED),
        form=lambda w: {"confirm": "y"},
    ),
    # -- Certificates ----------------------------------------------------------------------
    Route("/verify", "peeredu.certificates.verify", get=everyone(OK)),
    Route(
        "/verify/<code>",
        "peeredu.certificates.verify_code",
        fill=lambda w: {"code": w.certificate_code},
        get=everyone(OK),
    ),
    Route(
        "/certificates/<int:certificate_id>.pdf",
        "peeredu.certificates.pdf",
        fill=lambda w: {"certificate_id": w.certificate_id},
        get=only("owner", "teacher", "hr", "admin"),
    ),
    Route(
        "/certificates/<int:certificate_id>/revoke",
        "peeredu.certificates.revoke",
        fill=lambda w: {"certificate_id": w.certificate_id},
        get=ADMIN_GET,
        post=ADMIN_POST,
        form=_reason,
    ),
    Route(
        "/enrolments/<int:enrolment_id>/certificate",
        "peeredu.certificates.issue",
        fill=lambda w: {"enrolment_id": w.l2},  # L2 has none yet
        post=only("teacher", "admin", ok=ALLOWED),
        form=_reason,
    ),
    # -- Teaching ------------------------------------------------------------------------------
    Route("/teach/cohorts/<int:cohort_id>", "peeredu.teach.cohort", fill=c1, get=TEACHER),
    Route(
        "/teach/cohorts/<int:cohort_id>/overview.csv",
        "peeredu.teach.cohort_csv",
        fill=c1,
        get=TEACHER,
    ),
    Route(
        "/teach/cohorts/<int:cohort_id>/days",
        "peeredu.teach.days",
        fill=c1,
        get=TEACHER,
        post=TEACHER_POST,
        form=lambda w: {"date": "2027-02-03", "topic": "Fremmed dag", "module": ""},
    ),
    Route(
        "/teach/cohorts/<int:cohort_id>/days/plan",
        "peeredu.teach.plan_days",
        fill=c1,
        post=TEACHER_POST,
    ),
    Route(
        "/teach/cohorts/<int:cohort_id>/days/<int:day_id>",
        "peeredu.teach.register_attendance",
        fill=lambda w: {"cohort_id": w.cohort_1, "day_id": w.class_day_id},
        get=TEACHER,
        post=TEACHER_POST,
        form=lambda w: {f"status-{w.l1}": "absent", f"status-{w.l2}": "absent"},
    ),
    Route(
        "/teach/cohorts/<int:cohort_id>/days/<int:day_id>/<any(move,cancel):action>",
        "peeredu.teach.change_day",
        fill=lambda w: {"cohort_id": w.cohort_1, "day_id": w.class_day_id, "action": "cancel"},
        post=TEACHER_POST,
        form=lambda w: {"reason": "Underviseren er syg"},
    ),
    Route(
        "/teach/cohorts/<int:cohort_id>/learners/<int:enrolment_id>/attendance-exception"
        "/<any(grant,withdraw):action>",
        "peeredu.teach.change_exception",
        fill=lambda w: {**c1_l1(w), "action": "grant"},
        post=TEACHER_POST,
        form=lambda w: {"reason": "Sygdom, aftalt med lederen"},
    ),
    Route(
        "/teach/cohorts/<int:cohort_id>/learners/<int:enrolment_id>",
        "peeredu.teach.learner",
        fill=c1_l1,
        get=TEACHER,
    ),
    Route(
        "/teach/cohorts/<int:cohort_id>/learners/<int:enrolment_id>/extensions",
        "peeredu.review.grant_extension",
        fill=c1_l1,
        post=TEACHER_POST,
        form=lambda w: {"assignment": w.draft_slug, "due_on": "2027-12-01"},
    ),
    Route(
        "/teach/cohorts/<int:cohort_id>/learners/<int:enrolment_id>/modules/<slug>"
        "/<any(complete,reopen):action>",
        "peeredu.teach.change_completion",
        fill=lambda w: {**c1_l1(w), "slug": w.draft_module, "action": "complete"},
        post=TEACHER_POST,
        form=_reason,
    ),
    Route("/teach/reviews", "peeredu.review.queue", get=BOTH_TEACHERS),
    Route(
        "/teach/reviews/<int:version_id>",
        "peeredu.review.review",
        fill=lambda w: {"version_id": w.version_id},
        get=TEACHER,
        post=TEACHER_POST,
        form=lambda w: {"action": "draft", "overall_comment": "Fremmed feedback"},
    ),
    Route(
        "/teach/reviews/notifications",
        "peeredu.review.notifications",
        post=only("teacher", "other_teacher", ok=ALLOWED),
        form=lambda w: {"mode": "digest"},
    ),
    Route(
        "/teach/reviews/snippets",
        "peeredu.review.add_snippet",
        post=only("teacher", "other_teacher", ok=ALLOWED),
        form=lambda w: {"text": "Fremmed tekststump", "next": "/teach/reviews"},
    ),
    Route(
        "/teach/reviews/snippets/<int:snippet_id>",
        "peeredu.review.edit_snippet",
        fill=lambda w: {"snippet_id": w.snippet_id},
        post=TEACHER_POST,
        form=lambda w: {"text": "Fremmed rettelse", "next": "/teach/reviews"},
    ),
    Route(
        "/teach/reviews/snippets/<int:snippet_id>/delete",
        "peeredu.review.delete_snippet",
        fill=lambda w: {"snippet_id": w.snippet_id},
        post=TEACHER_POST,
        form=lambda w: {"next": "/teach/reviews"},
    ),
    # -- HR --------------------------------------------------------------------------------------
    Route("/hr/", "peeredu.hr.index", get=BOTH_HR),
    Route(
        "/hr/participants/<int:enrolment_id>",
        "peeredu.hr.participant",
        fill=lambda w: {"enrolment_id": w.l1},
        get=only("hr"),
    ),
    Route("/hr/participants.csv", "peeredu.hr.participants_csv", get=BOTH_HR),
    Route("/hr/participants.xlsx", "peeredu.hr.participants_xlsx", get=BOTH_HR),
    Route(
        "/hr/api-tokens",
        "peeredu.api_tokens.index",
        get=BOTH_HR,
        post=only("hr", "other_hr", ok=ALLOWED),
        form=lambda w: {"name": "Fremmed token"},
    ),
    Route(
        "/hr/api-tokens/<int:token_id>/revoke",
        "peeredu.api_tokens.revoke",
        fill=lambda w: {"token_id": w.api_token_ids["hr"]},
        post=only("hr", ok=ALLOWED),
    ),
    # -- The API (bearer tokens only; the HR visitors send theirs) ----------------------------
    Route("/api/v1/openapi.json", "peeredu.api.openapi", get=everyone(OK)),
    Route(
        "/api/v1/participants",
        "peeredu.api.participants",
        get=api(hr=OK, other_hr=OK),
    ),
    Route(
        "/api/v1/participants/<int:enrolment_id>",
        "peeredu.api.participant",
        fill=lambda w: {"enrolment_id": w.l1},
        get=api(hr=OK, other_hr=NOT_FOUND),
    ),
    Route("/api/v1/certificates", "peeredu.api.certificates", get=api(hr=OK, other_hr=OK)),
    # Unknown API paths answer JSON 404 to anyone; the API never writes.
    Route("/api/v1/", "peeredu.api.unknown", get=everyone(NOT_FOUND), post=everyone(NOT_ALLOWED)),
    Route(
        "/api/v1/<path:path>",
        "peeredu.api.unknown",
        fill=lambda w: {"path": f"participants/{w.l1}/reflections"},
        get=everyone(NOT_FOUND),
        post=everyone(NOT_ALLOWED),
    ),
    # -- Administration --------------------------------------------------------------------------
    Route("/admin/", "peeredu.admin.index", get=only("admin", ok=redirect_to("/admin/users"))),
    Route("/admin/users", "peeredu.admin.users", get=ADMIN_GET),
    Route(
        "/admin/users/invite",
        "peeredu.admin.invite",
        get=ADMIN_GET,
        post=ADMIN_POST,
        form=lambda w: {
            "email": "fremmed@example.org",
            "name": "Fremmed",
            "roles": "admin",
            "locale": "da",
        },
    ),
    Route(
        "/admin/users/<int:user_id>",
        "peeredu.admin.user_detail",
        fill=lambda w: {"user_id": w.users["owner"]},
        get=ADMIN_GET,
        post=ADMIN_POST,
        form=lambda w: {
            "email": "overtaget@example.org",
            "name": "Overtaget",
            "roles": "admin",
            "locale": "da",
        },
    ),
    Route(
        "/admin/users/<int:user_id>/active",
        "peeredu.admin.set_active",
        fill=lambda w: {"user_id": w.users["owner"]},
        post=ADMIN_POST,
        form=lambda w: {"active": "0"},
    ),
    Route(
        "/admin/users/<int:user_id>/deactivate",
        "peeredu.admin.deactivate",
        fill=lambda w: {"user_id": w.users["owner"]},
        get=ADMIN_GET,
        post=ADMIN_POST,
    ),
    Route(
        "/admin/users/<int:user_id>/anonymise",
        "peeredu.admin.anonymise",
        fill=lambda w: {"user_id": w.users["owner"]},
        post=ADMIN_POST,
        form=lambda w: {"reason": "Fordi jeg kan", "confirm": "y"},
    ),
    Route(
        "/admin/users/<int:user_id>/two-factor/reset",
        "peeredu.admin.reset_two_factor",
        fill=lambda w: {"user_id": w.users["owner"]},
        post=ADMIN_POST,
    ),
    Route(
        "/admin/users/<int:user_id>/invitation/resend",
        "peeredu.admin.resend_invitation",
        fill=lambda w: {"user_id": w.pending_user_id},
        post=ADMIN_POST,
    ),
    Route(
        "/admin/users/<int:user_id>/invitation/revoke",
        "peeredu.admin.revoke_invitation",
        fill=lambda w: {"user_id": w.pending_user_id},
        post=ADMIN_POST,
    ),
    Route(
        "/admin/users/<int:user_id>/hr-scope",
        "peeredu.admin.set_hr_scope",
        fill=lambda w: {"user_id": w.users["other_hr"]},
        post=ADMIN_POST,
        form=lambda w: {"organisations": [str(w.org_a), str(w.org_b)]},
    ),
    Route(
        "/admin/users/<int:user_id>/enrolments/new",
        "peeredu.admin.new_enrolment",
        fill=lambda w: {"user_id": w.users["other_cohort"]},
        get=ADMIN_GET,
        post=ADMIN_POST,
        form=lambda w: {
            "cohort": str(w.cohort_1),
            "organisation": str(w.org_b),
            "track": "peer",
            "work_role": "paid_peer",
        },
    ),
    Route(
        "/admin/enrolments/<int:enrolment_id>/status",
        "peeredu.admin.set_enrolment_status",
        fill=lambda w: {"enrolment_id": w.l1},
        post=ADMIN_POST,
        form=lambda w: {"status": "withdrawn"},
    ),
    Route("/admin/organisations", "peeredu.admin.organisations", get=ADMIN_GET),
    Route(
        "/admin/organisations/new",
        "peeredu.admin.edit_organisation",
        get=ADMIN_GET,
        post=ADMIN_POST,
        form=lambda w: {"name": "Fremmed organisation", "kind": "municipality"},
    ),
    Route(
        "/admin/organisations/<int:organisation_id>",
        "peeredu.admin.edit_organisation",
        fill=lambda w: {"organisation_id": w.org_a},
        get=ADMIN_GET,
        post=ADMIN_POST,
        form=lambda w: {"name": "Omdøbt", "kind": "municipality"},
    ),
    Route("/admin/cohorts", "peeredu.admin.cohorts", get=ADMIN_GET),
    Route(
        "/admin/cohorts/new",
        "peeredu.admin.edit_cohort",
        get=ADMIN_GET,
        post=ADMIN_POST,
        form=lambda w: {
            "name": "Fremmed hold",
            "start_date": "2027-03-01",
            "end_date": "2027-06-01",
        },
    ),
    Route(
        "/admin/cohorts/<int:cohort_id>",
        "peeredu.admin.edit_cohort",
        fill=c1,
        get=ADMIN_GET,
        post=ADMIN_POST,
        form=lambda w: {
            "name": "Omdøbt hold",
            "start_date": "2027-03-01",
            "end_date": "2027-06-01",
        },
    ),
    Route(
        "/admin/cohorts/<int:cohort_id>/enrol",
        "peeredu.admin.enrol_from_file",
        fill=c1,
        get=ADMIN_GET,
        post=ADMIN_POST,
    ),
    Route(
        "/admin/cohorts/<int:cohort_id>/enrol/confirm",
        "peeredu.admin.confirm_enrolment",
        fill=c1,
        post=ADMIN_POST,
        form=lambda w: {"rows": "x"},
    ),
    Route(
        "/admin/cohorts/<int:cohort_id>/teachers",
        "peeredu.admin.add_teacher",
        fill=c1,
        post=ADMIN_POST,
        form=lambda w: {"email": EMAILS["other_teacher"]},
    ),
    Route(
        "/admin/cohorts/participants.xlsx", "peeredu.admin.enrolment_template_xlsx", get=ADMIN_GET
    ),
    Route("/admin/cohorts/participants.csv", "peeredu.admin.enrolment_template_csv", get=ADMIN_GET),
    Route(
        "/admin/enrolments/<int:enrolment_id>/move",
        "peeredu.admin.move_enrolment",
        fill=lambda w: {"enrolment_id": w.l1},
        get=ADMIN_GET,
        post=ADMIN_POST,
        form=lambda w: {"cohort": str(w.cohort_2), "confirm": "1"},
    ),
    Route("/admin/outbox", "peeredu.admin.outbox_view", get=ADMIN_GET),
    Route(
        "/admin/outbox/<int:message_id>/send",
        "peeredu.admin.outbox_send_now",
        fill=lambda w: {"message_id": w.outbox_message_id},
        post=ADMIN_POST,
    ),
    Route(
        "/admin/outbox/<int:message_id>/cancel",
        "peeredu.admin.outbox_cancel",
        fill=lambda w: {"message_id": w.outbox_message_id},
        post=ADMIN_POST,
    ),
    Route("/admin/audit/", "peeredu.audit_log.index", get=ADMIN_GET),
    # -- Public information pages ------------------------------------------------------------
    Route("/privatliv", "peeredu.pages.privacy", get=everyone(OK)),
    Route("/tilgaengelighed", "peeredu.pages.accessibility", get=everyone(OK)),
)

BY_RULE = {route.rule: route for route in TABLE}

# Known bugs: (rule, method, visitor) -> reason. Each is xfailed on its own (see _check).
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}


def app_rules(app: Flask) -> dict[str, tuple[str, frozenset[str]]]:
    return {
        rule.rule: (rule.endpoint, frozenset(rule.methods or ()) - {"HEAD", "OPTIONS"})
        for rule in app.url_map.iter_rules()
        if rule.endpoint.rsplit(".", 1)[-1] != "static"
    }


def test_the_table_lists_every_route_of_the_app(app: Flask) -> None:
    rules = app_rules(app)
    assert len(BY_RULE) == len(TABLE), "a rule is listed twice"
    assert set(BY_RULE) == set(rules), "add the new route to TABLE (and remove gone ones)"
    assert {r.endpoint for r in TABLE} == {endpoint for endpoint, _ in rules.values()}
    for route in TABLE:
        endpoint, methods = rules[route.rule]
        assert route.endpoint == endpoint, route.rule
        assert (route.get is not None) == ("GET" in methods), f"GET of {route.rule}"
        assert (route.post is not None) == ("POST" in methods), f"POST of {route.rule}"
        for expected in (route.get, route.post):
            assert expected is None or set(expected) == set(VISITORS), route.rule


# -- Running the table -------------------------------------------------------------------------


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: a refused POST must not change any of it.

    Except that the refusal itself is logged (an ``access.denied`` audit event).
    """
    audit_events = metadata.tables["audit_events"]
    with app.app_context():
        return {
            table.name: sorted(
                (
                    tuple(row)
                    for row in db.session.execute(
                        select(table).where(audit_events.c.action != "access.denied")
                        if table is audit_events
                        else select(table)
                    )
                ),
                key=repr,
            )
            for table in metadata.sorted_tables
        }


def changes(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def headers_for(world: World, visitor: str, path: str) -> dict[str, str]:
    token = world.api_tokens.get(visitor)
    if token and path.startswith("/api/"):
        return {"Authorization": f"Bearer {token}"}
    return {}


def _check(failures: list[str], known: list[str], key: tuple[str, str, str], message: str) -> None:
    if key in KNOWN_BUGS:
        known.append(f"{message} [{KNOWN_BUGS[key]}]")
    else:
        failures.append(message)


def _finish(failures: list[str], known: list[str]) -> None:
    assert not failures, "\n".join(failures)
    if known:
        pytest.xfail("; ".join(known))


@pytest.mark.parametrize("visitor", VISITORS)
def test_get(app: Flask, make_client: Any, world: World, visitor: str) -> None:
    client = visitor_client(make_client, world, visitor)
    failures: list[str] = []
    known: list[str] = []
    checked = 0
    for route in TABLE:
        if route.get is None:
            continue
        path = route.path(world)
        got = outcome(client.get(path, headers=headers_for(world, visitor, path)))
        checked += 1
        if got != route.get[visitor]:
            _check(
                failures,
                known,
                (route.rule, "GET", visitor),
                f"GET {path} as {visitor}: expected {route.get[visitor]}, got {got}",
            )
    assert checked == sum(1 for r in TABLE if r.get is not None)
    _finish(failures, known)


@pytest.mark.parametrize("visitor", VISITORS)
def test_refused_post_changes_nothing(
    app: Flask, make_client: Any, world: World, visitor: str
) -> None:
    client = visitor_client(make_client, world, visitor)
    token = client.get("/csrf-token").json["token"]
    failures: list[str] = []
    known: list[str] = []
    for route in TABLE:
        if route.post is None or route.post[visitor] == ALLOWED:
            continue
        path = route.path(world)
        before = snapshot(app)
        response = client.post(
            path,
            data={"csrf_token": token, **route.form(world)},
            headers=headers_for(world, visitor, path),
        )
        got, changed = outcome(response), changes(before, snapshot(app))
        expected = route.post[visitor]
        if got != expected or changed:
            _check(
                failures,
                known,
                (route.rule, "POST", visitor),
                f"POST {path} as {visitor}: expected {expected}, got {got}"
                + (f"; changed {changed}" if changed else ""),
            )
    _finish(failures, known)


def test_the_api_ignores_the_session_cookie(app: Flask, make_client: Any, world: World) -> None:
    """HR signed in to the site, but no bearer token: the API does not take the cookie."""
    client = visitor_client(make_client, world, "hr")
    for path in ("/api/v1/participants", f"/api/v1/participants/{world.l1}"):
        assert client.get(path).status_code == 401, path

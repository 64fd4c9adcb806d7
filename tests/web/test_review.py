"""A teacher reviews reflections: queue, review page, feedback, snippets, extensions, digest.

Reflections are written and submitted through peeredu.reflections (drafts, submission), as the
learner's pages would; everything the teacher does goes through the test client with CSRF. The
teachers read English (locale "en") so that messages not yet in the Danish catalog can be
asserted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from peeredu.accounts.models import Enrolment, NotificationMode, Role, User
from peeredu.audit import AuditEvent
from peeredu.curriculum import progress
from peeredu.curriculum.progress import CompletionKind, ModuleCompletion
from peeredu.db import utcnow
from peeredu.extensions import Database, current_assignments, current_curriculum, db
from peeredu.reflections import deadlines, drafts, feedback, practice_log, submission
from peeredu.reflections.models import (
    Extension,
    Reflection,
    ReflectionStatus,
    ReflectionVersion,
    Review,
    ReviewDecision,
)
from tests.conftest import Mailbox
from tests.factories import PASSWORD

QUEUE = "/teach/reviews"
NOT_MARKED = object()


# -- Course content the tests need, found in the shipped content ---------------------------


@dataclass(frozen=True)
class Modules:
    first: str  # a module with an assignment and no prerequisites
    second: str  # a module with an assignment that needs only ``first``


@pytest.fixture
def modules(app: Flask) -> Modules:
    with app.app_context():
        curriculum, assignments = current_curriculum(), current_assignments()
        ordered = sorted(curriculum.modules.values(), key=lambda m: m.order)
        with_assignment = [m for m in ordered if assignments.for_module(m.slug)]
        first = next(m for m in with_assignment if not m.prerequisites)
        second = next(
            m for m in with_assignment if m.prerequisites and set(m.prerequisites) <= {first.slug}
        )
        return Modules(first=first.slug, second=second.slug)


# -- People --------------------------------------------------------------------------------


@pytest.fixture
def school(make: Any) -> SimpleNamespace:
    """Tove teaches Hold A (with Tage) and Hold C; Otto teaches Hold B."""
    tove = make.user(Role.TEACHER, email="tove@example.org", name="Tove Teacher", locale="en")
    tage = make.user(Role.TEACHER, email="tage@example.org", name="Tage Teacher", locale="en")
    otto = make.user(Role.TEACHER, email="otto@example.org", name="Otto Other", locale="en")
    hold_a = make.cohort("Hold A", teachers=(tove, tage))
    hold_b = make.cohort("Hold B", teachers=(otto,))
    hold_c = make.cohort("Hold C", teachers=(tove,))
    org = make.organisation("Rudersdal Kommune")

    def learner(name: str, email: str, cohort: Any, track: str = "peer") -> Enrolment:
        work_role = "colleague" if track == "colleague" else "paid_peer"
        return make.enrolment(
            make.user(name=name, email=email), cohort, org, track=track, work_role=work_role
        )

    return SimpleNamespace(
        tove=tove,
        tage=tage,
        otto=otto,
        hold_a=hold_a,
        hold_b=hold_b,
        hold_c=hold_c,
        org=org,
        maria=learner("Maria Peer", "maria@example.org", hold_a),
        sofie=learner("Sofie Colleague", "sofie@example.org", hold_a, track="colleague"),
        karl=learner("Karl Peer", "karl@example.org", hold_a),
        bo=learner("Bo Elsewhere", "bo@example.org", hold_b),
        lene=learner("Lene Peer", "lene@example.org", hold_c),
    )


@pytest.fixture
def tove(client: Any, school: SimpleNamespace) -> Any:
    client.login("tove@example.org", PASSWORD)
    return client


def signed_in(make_client: Any, email: str) -> Any:
    other = make_client()
    other.login(email, PASSWORD)
    return other


# -- Writing reflections through the domain services ---------------------------------------


def text_with(marker: str, words: int = 420) -> str:
    return f"{marker} " + " ".join(["refleksion"] * words)


def due_date(app: Flask, enrolment_id: int, module: str) -> date:
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolment_id)
        assignment = current_assignments().for_module(module)
        extension = deadlines.extension_for(db.session, enrolment_id, assignment.slug)
        return deadlines.due_on(assignment, enrolment, extension)


def reflect(
    app: Flask,
    enrolment: Enrolment,
    module: str,
    *,
    marker: str = "",
    at: datetime | None = None,
    late: bool = False,
    flagged: bool = False,
    submit: bool = True,
) -> int | None:
    """Write (and by default submit) a reflection; the version's id, or None for a draft."""
    if at is None:
        due = due_date(app, enrolment.id, module)
        day = due + timedelta(days=3) if late else due - timedelta(days=3)
        at = datetime.combine(day, time(9), tzinfo=UTC)
    with app.app_context():
        session = db.session
        found = session.get(Enrolment, enrolment.id)
        assignment = current_assignments().for_module(module)
        reflection = drafts.get_or_create(session, found, assignment)
        text = text_with(marker or f"marker-{enrolment.id}-{module}")
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
        if flagged:
            drafts.set_supervision_flag(session, reflection, True)
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
                extension=deadlines.extension_for(session, found.id, assignment.slug),
                now=at,
            )
            version_id = version.id
        session.commit()
        return version_id


def complete_by_teacher(app: Flask, enrolment: Enrolment, module: str, teacher: User) -> None:
    with app.app_context():
        progress.complete_by_teacher(
            db.session,
            current_curriculum(),
            db.session.get(Enrolment, enrolment.id),
            module,
            reason="Done on paper in class",
            actor_id=teacher.id,
            now=utcnow(),
        )
        db.session.commit()


def release(app: Flask, version_id: int, teacher: User, decision: ReviewDecision) -> None:
    """Feedback released through the service (setup for tests that are not about it)."""
    with app.app_context():
        version = db.session.get(ReflectionVersion, version_id)
        assignment = current_assignments().get(version.reflection.assignment_slug)
        met = decision is ReviewDecision.APPROVED
        feedback.save_review(
            db.session,
            current_curriculum(),
            assignment,
            version,
            teacher_id=teacher.id,
            criteria={c.key: {"met": met, "comment": ""} for c in assignment.criteria},
            overall_comment="Thank you.",
            decision=decision,
            expected_lock=None,
            release=True,
            now=utcnow(),
        )
        db.session.commit()


def criteria_keys(app: Flask, module: str) -> list[str]:
    with app.app_context():
        return [c.key for c in current_assignments().for_module(module).criteria]


def feedback_form(
    app: Flask,
    module: str,
    *,
    action: str,
    overall: str = "",
    decision: str | None = None,
    met: Any = True,
    lock: str = "",
    comment: str = "",
) -> dict[str, str]:
    """The review form as a browser posts it; ``met`` is True, False, NOT_MARKED or a dict."""
    data = {"action": action, "overall_comment": overall, "lock_version": lock}
    if decision:
        data["decision"] = decision
    for key in criteria_keys(app, module):
        mark = met.get(key, NOT_MARKED) if isinstance(met, dict) else met
        if mark is not NOT_MARKED:
            data[f"met-{key}"] = "met" if mark else "not_yet"
        data[f"comment-{key}"] = f"{comment} {key}" if comment else ""
    return data


# -- Reading pages -------------------------------------------------------------------------


def page_of(response: Any) -> str:
    return response.get_data(as_text=True)


def queue_names(client: Any, query: str = "") -> list[str]:
    """The learners listed in the queue, top to bottom."""
    page = page_of(client.get(QUEUE + query))
    return re.findall(r'<th scope="row"><a href="/teach/reviews/\d+">([^<]+)</a>', page)


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page)
    assert found, f"no hidden field {name}"
    return found.group(1)


def review_of(app: Flask, version_id: int) -> Review | None:
    with app.app_context():
        return db.session.scalar(select(Review).where(Review.version_id == version_id))


def status_of(app: Flask, version_id: int) -> ReflectionStatus:
    with app.app_context():
        return db.session.get(ReflectionVersion, version_id).reflection.status


# == The queue ==============================================================================


def test_queue_lists_only_the_teachers_cohorts_oldest_first(
    app, tove, school, modules, make_client
):
    first = modules.first
    start = datetime(2027, 2, 3, 9, tzinfo=UTC)
    reflect(app, school.bo, first, at=start)
    reflect(app, school.maria, first, at=start + timedelta(hours=2))
    reflect(app, school.sofie, first, at=start + timedelta(hours=1))
    reflect(app, school.lene, first, at=start + timedelta(hours=3))

    assert queue_names(tove) == ["Sofie Colleague", "Maria Peer", "Lene Peer"]
    page = page_of(tove.get(QUEUE))
    with app.app_context():
        title = current_assignments().for_module(first).title
    assert title in page and "Hold A" in page and "Hold C" in page and "Hold B" not in page
    assert "Version 1" in page and "3 reflections wait for feedback" in page
    assert "draft feedback started" not in page

    otto = signed_in(make_client, "otto@example.org")
    assert queue_names(otto) == ["Bo Elsewhere"]


def test_queue_filters_by_cohort_module_track_late_and_supervision_mark(app, tove, school, modules):
    reflect(app, school.maria, modules.first, late=True)
    reflect(app, school.sofie, modules.first)
    complete_by_teacher(app, school.karl, modules.first, school.tove)
    reflect(app, school.karl, modules.second)
    reflect(app, school.lene, modules.first, flagged=True)

    assert set(queue_names(tove)) == {"Maria Peer", "Sofie Colleague", "Karl Peer", "Lene Peer"}
    assert queue_names(tove, f"?cohort={school.hold_c.id}") == ["Lene Peer"]
    assert queue_names(tove, f"?module={modules.second}") == ["Karl Peer"]
    assert queue_names(tove, "?track=colleague") == ["Sofie Colleague"]
    assert queue_names(tove, "?late=y") == ["Maria Peer"]
    assert queue_names(tove, "?flagged=y") == ["Lene Peer"]
    assert queue_names(tove, f"?cohort={school.hold_a.id}&track=peer&module={modules.first}") == [
        "Maria Peer"
    ]
    # Another teacher's cohort as a filter shows nothing of it.
    assert queue_names(tove, f"?cohort={school.hold_b.id}") == []
    page = page_of(tove.get(QUEUE))
    assert page.count('class="badge badge-late"') == 1
    assert page.count('class="badge badge-flag"') == 1


def counts_on(page: str) -> dict[str, int]:
    found = re.findall(
        r'<span class="summary-value">(\d+)</span> <span class="summary-label">(.*?)</span></li>',
        page,
    )
    return {re.sub(r"<[^>]+>", "", name).strip(): int(number) for number, name in found}


def test_queue_counts_reflections_per_status(app, tove, school, modules):
    waiting = reflect(app, school.maria, modules.first)
    not_yet = reflect(app, school.sofie, modules.first)
    release(app, not_yet, school.tove, ReviewDecision.NOT_YET)
    approved = reflect(app, school.lene, modules.first)
    release(app, approved, school.tove, ReviewDecision.APPROVED)
    revising = reflect(app, school.karl, modules.first)
    release(app, revising, school.tove, ReviewDecision.NOT_YET)
    with app.app_context():
        reflection = db.session.get(ReflectionVersion, revising).reflection
        submission.start_revision(db.session, reflection, now=utcnow())
        db.session.commit()
    reflect(app, school.karl, modules.second, submit=False)  # a draft: never counted
    reflect(app, school.bo, modules.first)  # another teacher's cohort

    page = page_of(tove.get(QUEUE))
    # A revision under way is counted with the feedback it answers: one name per state.
    assert counts_on(page) == {
        "Submitted – waiting for feedback": 1,
        "Feedback: revise and resubmit": 2,
        "Approved": 1,
    }
    assert queue_names(tove) == ["Maria Peer"]
    assert f"/teach/reviews/{waiting}" in page
    only_c = counts_on(page_of(tove.get(f"{QUEUE}?cohort={school.hold_c.id}")))
    assert only_c["Approved"] == 1 and only_c["Submitted – waiting for feedback"] == 0


@pytest.fixture
def statements(app: Flask) -> list[str]:
    engine = Database.state(app).engine
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_queue_takes_a_fixed_number_of_queries(app, tove, school, modules, statements, make):
    reflect(app, school.maria, modules.first)
    tove.get(QUEUE)
    statements.clear()
    assert len(queue_names(tove)) == 1
    with_one = len(statements)

    for n in range(6):
        enrolment = make.enrolment(make.user(), school.hold_a, school.org)
        reflect(app, enrolment, modules.first, at=datetime(2027, 2, 5, n, tzinfo=UTC))
    reflect(app, school.lene, modules.first, flagged=True)
    tove.get(QUEUE)
    statements.clear()
    assert len(queue_names(tove)) == 8
    assert len(statements) == with_one


def test_a_long_queue_comes_in_pages_of_fifty_oldest_first(app, tove, school, modules, make):
    for n in range(52):
        enrolment = make.enrolment(make.user(name=f"Deltager {n:02d}"), school.hold_a, school.org)
        reflect(
            app,
            enrolment,
            modules.first,
            at=datetime(2027, 2, 5, 8, tzinfo=UTC) + timedelta(minutes=n),
        )

    first = page_of(tove.get(QUEUE))
    assert queue_names(tove) == [f"Deltager {n:02d}" for n in range(50)]
    assert "52 reflections wait for feedback" in first and "Page 1 of 2" in first
    assert "Next page" in first and "Previous page" not in first
    assert queue_names(tove, "?page=2") == ["Deltager 50", "Deltager 51"]
    # The filters stay with the page; past the end goes to the last page.
    beyond = tove.get(QUEUE + f"?cohort={school.hold_a.id}&page=7")
    assert beyond.status_code == 302 and "page=2" in beyond.headers["Location"]
    assert f"cohort={school.hold_a.id}" in beyond.headers["Location"]


# == Who may see a reflection ==============================================================


@pytest.mark.parametrize("who", ["other_teacher", "the_learner", "hr", "admin"])
def test_review_page_is_404_for_everyone_but_the_cohorts_teachers(
    app, school, modules, make, make_client, who
):
    version = reflect(app, school.maria, modules.first)
    emails = {"other_teacher": "otto@example.org", "the_learner": "maria@example.org"}
    if who == "hr":
        make.hr_scope(make.user(Role.HR, email="hr@example.org"), school.org)
        emails["hr"] = "hr@example.org"
    if who == "admin":
        make.user(Role.ADMIN, email="admin@example.org")
        emails["admin"] = "admin@example.org"
    visitor = signed_in(make_client, emails[who])
    url = f"/teach/reviews/{version}"
    assert visitor.get(url).status_code == 404
    posted = visitor.submit(url, feedback_form(app, modules.first, action="draft", overall="x"))
    assert posted.status_code == 404
    assert review_of(app, version) is None
    if who == "other_teacher":
        assert queue_names(visitor) == []
    else:
        assert visitor.get(QUEUE).status_code == 404
    with app.app_context():
        reads = db.session.scalar(
            select(func.count()).where(AuditEvent.action == "reflection.read")
        )
    assert reads == 0


def test_anonymous_visitors_are_sent_to_sign_in(app, client, school, modules):
    version = reflect(app, school.maria, modules.first)
    for path in (QUEUE, f"/teach/reviews/{version}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_draft_is_never_reachable_by_the_teacher(app, tove, school, modules):
    reflect(app, school.maria, modules.first, marker="DRAFT-ONLY-7731", submit=False)
    with app.app_context():
        enrolment = db.session.get(Enrolment, school.maria.id)
        practice_log.add_log_entry(
            db.session,
            enrolment,
            noted_on=date(2027, 2, 2),
            text="LOG-ONLY-5512",
            today=date(2027, 2, 3),
        )
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(ReflectionVersion)) == 0
        reflection_id = db.session.scalar(select(Reflection.id))

    pages = [
        QUEUE,
        f"{QUEUE}?cohort={school.hold_a.id}",
        f"/teach/cohorts/{school.hold_a.id}",
        f"/teach/cohorts/{school.hold_a.id}/learners/{school.maria.id}",
    ]
    for path in pages:
        page = page_of(tove.get(path))
        assert "DRAFT-ONLY-7731" not in page and "LOG-ONLY-5512" not in page, path
    assert queue_names(tove) == []
    assert set(counts_on(page_of(tove.get(QUEUE))).values()) == {0}
    # No version exists, so there is nothing to open: ids of other objects lead nowhere.
    for guess in {reflection_id, school.maria.id, 1}:
        assert tove.get(f"/teach/reviews/{guess}").status_code == 404


# == The review page ========================================================================


def test_reading_shows_the_reflection_safely_with_prompt_and_rubric_and_is_logged(
    app, tove, school, modules
):
    evil = 'SAFE-7 <script>alert("x")</script> [click](javascript:alert(1)) <img src=x onerror=y>'
    version = reflect(app, school.sofie, modules.first, marker=evil, late=True, flagged=True)
    response = tove.get(f"/teach/reviews/{version}")
    assert response.status_code == 200
    page = page_of(response)
    assert "SAFE-7" in page and "Sofie Colleague" in page and "Hold A" in page
    assert "<script>alert" not in page and "javascript:" not in page and "onerror" not in page
    assert 'class="badge badge-late"' in page and 'class="badge badge-flag"' in page
    with app.app_context():
        assignment = current_assignments().for_module(modules.first)
        # The colleague track's prompt, and the rubric as the teacher reads it.
        assert assignment.prompt_for(school.sofie.track) in page
        for criterion in assignment.criteria:
            assert criterion.title in page and criterion.for_teacher_html in page
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "reflection.read")
        ).all()
    assert [(e.actor_id, e.object_type, e.object_id) for e in events] == [
        (school.tove.id, "reflection_version", str(version))
    ]
    # The snippet buttons come from an external file: the CSP forbids inline script.
    assert '<script src="/static/review.js" defer></script>' in page and "<script>" not in page


def test_a_saved_draft_is_kept_and_the_learner_cannot_see_it(
    app, tove, school, modules, make_client
):
    version = reflect(app, school.maria, modules.first)
    url = f"/teach/reviews/{version}"
    keys = criteria_keys(app, modules.first)
    form = feedback_form(
        app,
        modules.first,
        action="draft",
        overall="DRAFT-FEEDBACK-4410",
        met={keys[0]: True, keys[1]: False},
        comment="CRITERION-NOTE",
        lock=hidden(page_of(tove.get(url)), "lock_version"),
    )
    response = tove.submit(url, form)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)

    again = page_of(tove.get(url))
    assert "DRAFT-FEEDBACK-4410" in again and f"CRITERION-NOTE {keys[1]}" in again
    assert f'name="met-{keys[0]}" value="met" checked' in again
    assert f'name="met-{keys[1]}" value="not_yet" checked' in again
    assert f'name="met-{keys[2]}" value="met" checked' not in again
    assert "draft feedback started" in page_of(tove.get(QUEUE))
    saved = review_of(app, version)
    assert saved.released_at is None and saved.teacher_id == school.tove.id
    assert status_of(app, version) is ReflectionStatus.SUBMITTED

    maria = signed_in(make_client, "maria@example.org")
    with app.app_context():
        slug = current_assignments().for_module(modules.first).slug
    learner_page = f"/learn/{school.maria.id}/assignments/{slug}"
    assert "DRAFT-FEEDBACK-4410" not in page_of(maria.get(learner_page))

    released = feedback_form(
        app,
        modules.first,
        action="release",
        overall="DRAFT-FEEDBACK-4410 final",
        decision="not_yet",
        met=False,
        lock=hidden(again, "lock_version"),
    )
    assert tove.submit(url, released).status_code == 302
    assert "DRAFT-FEEDBACK-4410 final" in page_of(maria.get(learner_page))


def test_release_needs_an_overall_comment_and_every_criterion_marked(app, tove, school, modules):
    version = reflect(app, school.maria, modules.first)
    url = f"/teach/reviews/{version}"
    keys = criteria_keys(app, modules.first)

    no_comment = tove.submit(
        url,
        feedback_form(
            app,
            modules.first,
            action="release",
            decision="not_yet",
            met=False,
            comment="KEPT-3391",
        ),
    )
    page = page_of(no_comment)
    assert no_comment.status_code == 200
    assert "Write an overall comment; the learner reads it first." in page
    assert f"KEPT-3391 {keys[0]}" in page  # what the teacher wrote is still in the form
    assert review_of(app, version) is None

    unmarked = tove.submit(
        url,
        feedback_form(
            app,
            modules.first,
            action="release",
            overall="OVERALL-2231",
            decision="not_yet",
            met={k: False for k in keys[1:]},
        ),
    )
    page = page_of(unmarked)
    assert "Mark every criterion as met or not yet" in page and "OVERALL-2231" in page
    assert review_of(app, version) is None

    approved_with_not_yet = tove.submit(
        url,
        feedback_form(
            app,
            modules.first,
            action="release",
            overall="OVERALL-2231",
            decision="approved",
            met={k: k != keys[0] for k in keys},
        ),
    )
    assert "A reflection is approved when every criterion is met." in page_of(approved_with_not_yet)
    no_decision = tove.submit(
        url, feedback_form(app, modules.first, action="release", overall="x", met=True)
    )
    assert "Choose approved or not yet approved." in page_of(no_decision)
    assert review_of(app, version) is None
    assert status_of(app, version) is ReflectionStatus.SUBMITTED


def test_release_not_yet_tells_the_learner_by_email_without_any_text(
    app, tove, school, modules, mailbox: Mailbox, deliver
):
    version = reflect(app, school.maria, modules.first, marker="SECRET-REFLECTION-9137")
    url = f"/teach/reviews/{version}"
    response = tove.submit(
        url,
        feedback_form(
            app,
            modules.first,
            action="release",
            overall="SECRET-FEEDBACK-2208",
            decision="not_yet",
            met=False,
            comment="SECRET-CRITERION",
        ),
    )
    assert response.status_code == 302
    assert status_of(app, version) is ReflectionStatus.NOT_YET_APPROVED
    saved = review_of(app, version)
    assert saved.released_at is not None and saved.decision is ReviewDecision.NOT_YET

    deliver()
    [email] = mailbox.to("maria@example.org")
    with app.app_context():
        slug = current_assignments().for_module(modules.first).slug
    assert mailbox.link_to("maria@example.org", f"/learn/{school.maria.id}/assignments/{slug}")
    # The state in the words every page uses for it (one name per state).
    assert "Status: Feedback: ret og aflever igen" in Mailbox.body(email)
    for message in mailbox.messages:
        whole = message.as_string() + Mailbox.body(message)
        for secret in ("SECRET-REFLECTION-9137", "SECRET-FEEDBACK-2208", "SECRET-CRITERION"):
            assert secret not in whole

    # Released feedback is shown read-only, and the version has left the queue.
    page = page_of(tove.get(url))
    assert "SECRET-FEEDBACK-2208" in page and 'name="overall_comment"' not in page
    assert queue_names(tove) == []
    again = tove.submit(url, feedback_form(app, modules.first, action="draft", overall="late"))
    assert "already been released" in page_of(again)
    assert review_of(app, version).overall_comment == "SECRET-FEEDBACK-2208"


def test_approval_completes_the_module(app, tove, school, modules):
    version = reflect(app, school.maria, modules.first)
    response = tove.submit(
        f"/teach/reviews/{version}",
        feedback_form(
            app,
            modules.first,
            action="release",
            overall="Well done",
            decision="approved",
            met=True,
        ),
    )
    assert response.status_code == 302
    assert status_of(app, version) is ReflectionStatus.APPROVED
    with app.app_context():
        completion = db.session.scalar(
            select(ModuleCompletion).where(ModuleCompletion.enrolment_id == school.maria.id)
        )
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert completion.module_slug == modules.first and completion.kind is CompletionKind.APPROVAL
    assert completion.completed_by_id == school.tove.id
    assert "review.release.approved" in actions


def test_two_teachers_on_one_version_the_second_save_is_refused(
    app, tove, school, modules, make_client
):
    version = reflect(app, school.maria, modules.first)
    url = f"/teach/reviews/{version}"
    tage = signed_in(make_client, "tage@example.org")
    tove_lock = hidden(page_of(tove.get(url)), "lock_version")
    tage_lock = hidden(page_of(tage.get(url)), "lock_version")
    assert tove_lock == tage_lock == ""

    first = tove.submit(
        url,
        feedback_form(app, modules.first, action="draft", overall="TOVE-WROTE-1", lock=tove_lock),
    )
    assert first.status_code == 302
    second = tage.submit(
        url,
        feedback_form(
            app,
            modules.first,
            action="release",
            overall="TAGE-WROTE-2",
            decision="not_yet",
            met=False,
            lock=tage_lock,
        ),
    )
    page = page_of(second)
    assert second.status_code == 200
    assert "Another teacher saved feedback on this version while you were writing." in page
    assert "TOVE-WROTE-1" in page  # theirs, to read
    assert "TAGE-WROTE-2" in page  # mine, still in the form
    saved = review_of(app, version)
    assert saved.overall_comment == "TOVE-WROTE-1" and saved.teacher_id == school.tove.id
    assert saved.released_at is None
    assert status_of(app, version) is ReflectionStatus.SUBMITTED

    # The same again once Tove has saved a second time: still refused.
    tove.submit(
        url,
        feedback_form(
            app,
            modules.first,
            action="draft",
            overall="TOVE-WROTE-3",
            lock=hidden(page_of(tove.get(url)), "lock_version"),
        ),
    )
    stale = hidden(page, "lock_version")  # the lock Tage was shown with Tove's first save
    refused = tage.submit(
        url, feedback_form(app, modules.first, action="draft", overall="TAGE-4", lock=stale)
    )
    assert "Another teacher saved feedback" in page_of(refused)
    assert review_of(app, version).overall_comment == "TOVE-WROTE-3"

    # Having read Tove's feedback, Tage may decide to replace it.
    current = hidden(page_of(refused), "lock_version")
    replaced = tage.submit(
        url, feedback_form(app, modules.first, action="draft", overall="TAGE-5", lock=current)
    )
    assert replaced.status_code == 302
    assert review_of(app, version).overall_comment == "TAGE-5"


def test_saves_at_the_same_moment_are_a_conflict_too(
    app, tove, school, modules, make_client, monkeypatch
):
    """Both passed the lock check before either wrote: the database refuses the second."""
    version = reflect(app, school.maria, modules.first)
    url = f"/teach/reviews/{version}"
    tage = signed_in(make_client, "tage@example.org")
    tove.submit(url, feedback_form(app, modules.first, action="draft", overall="TOVE-FIRST"))

    real, calls = feedback.review_for, []

    def not_yet_saved_once(session: Any, found: ReflectionVersion) -> Review | None:
        calls.append(found.id)
        return None if len(calls) == 1 else real(session, found)

    monkeypatch.setattr(feedback, "review_for", not_yet_saved_once)
    response = tage.submit(
        url, feedback_form(app, modules.first, action="draft", overall="TAGE-SAME-MOMENT")
    )
    page = page_of(response)
    assert response.status_code == 200
    assert "Another teacher saved feedback on this version while you were writing." in page
    assert "TOVE-FIRST" in page and "TAGE-SAME-MOMENT" in page
    monkeypatch.undo()
    assert review_of(app, version).overall_comment == "TOVE-FIRST"


def test_release_and_go_to_next(app, tove, school, modules):
    start = datetime(2027, 2, 3, 9, tzinfo=UTC)
    first = reflect(app, school.maria, modules.first, at=start)
    second = reflect(app, school.lene, modules.first, at=start + timedelta(hours=1))
    form = feedback_form(
        app, modules.first, action="release_next", overall="Good", decision="approved", met=True
    )
    response = tove.submit(f"/teach/reviews/{first}", form)
    assert response.headers["Location"].endswith(f"/teach/reviews/{second}")
    last = tove.submit(f"/teach/reviews/{second}", form)
    assert last.headers["Location"].endswith(QUEUE)


def test_an_old_version_shows_its_released_feedback_and_links_the_newest(
    app, tove, school, modules
):
    first = reflect(app, school.maria, modules.first, marker="VERSION-ONE")
    release(app, first, school.tove, ReviewDecision.NOT_YET)
    with app.app_context():
        reflection = db.session.get(ReflectionVersion, first).reflection
        submission.start_revision(db.session, reflection, now=utcnow())
        db.session.commit()
    second = reflect(app, school.maria, modules.first, marker="VERSION-TWO")
    page = page_of(tove.get(f"/teach/reviews/{second}"))
    assert "VERSION-TWO" in page and "VERSION-ONE" in page and "<details" in page
    assert "Thank you." in page  # the earlier version's released feedback
    old = page_of(tove.get(f"/teach/reviews/{first}"))
    assert f'href="/teach/reviews/{second}"' in old and 'name="overall_comment"' not in old


# == Snippets ===============================================================================


def test_snippets_are_added_and_shown_to_their_teacher_only(
    app, tove, school, modules, make_client
):
    version = reflect(app, school.maria, modules.first)
    url = f"/teach/reviews/{version}"
    response = tove.submit(
        "/teach/reviews/snippets", {"text": "SNIPPET-Godt set, 6021", "next": url}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(url + "#snippets")
    page = page_of(tove.get(url))
    assert "SNIPPET-Godt set, 6021" in page and 'data-insert-default="overall_comment"' in page

    tage = signed_in(make_client, "tage@example.org")
    assert "SNIPPET-Godt set, 6021" not in page_of(tage.get(url))

    elsewhere = tove.submit(
        "/teach/reviews/snippets", {"text": "Another", "next": "https://evil.example/x"}
    )
    assert elsewhere.headers["Location"].startswith("/teach/reviews")
    empty = tove.submit("/teach/reviews/snippets", {"text": " ", "next": url})
    assert "The snippet was not saved" in page_of(tove.get(empty.headers["Location"]))
    assert page_of(tove.get(url)).count('class="snippet"') == 2


# == Extensions =============================================================================


def test_an_extension_moves_the_due_date_and_a_later_submission_is_not_late(
    app, tove, school, modules, make_client
):
    learner_url = f"/teach/cohorts/{school.hold_a.id}/learners/{school.maria.id}"
    with app.app_context():
        slug = current_assignments().for_module(modules.first).slug
    old_due = due_date(app, school.maria.id, modules.first)
    assert old_due.isoformat() in page_of(tove.get(learner_url))

    new_due = old_due + timedelta(days=10)
    response = tove.submit(
        f"{learner_url}/extensions",
        {"assignment": slug, "due_on": new_due.isoformat()},
        token_page=learner_url,
    )
    assert response.status_code == 302
    assert due_date(app, school.maria.id, modules.first) == new_due
    page = page_of(tove.get(learner_url))
    assert new_due.isoformat() in page and "(extended)" in page

    at = datetime.combine(old_due + timedelta(days=5), time(9), tzinfo=UTC)
    version = reflect(app, school.maria, modules.first, at=at)
    other = reflect(app, school.karl, modules.first, at=at)
    with app.app_context():
        assert db.session.get(ReflectionVersion, version).late is False
        assert db.session.get(ReflectionVersion, other).late is True


def test_extensions_are_refused_outside_ones_cohorts_and_before_the_start(
    app, tove, school, modules, make_client
):
    with app.app_context():
        slug = current_assignments().for_module(modules.first).slug
    data = {"assignment": slug, "due_on": "2027-12-01"}
    otto = signed_in(make_client, "otto@example.org")
    maria_url = f"/teach/cohorts/{school.hold_a.id}/learners/{school.maria.id}/extensions"
    assert otto.submit(maria_url, data).status_code == 404
    # Bo is not in Hold A, whatever the URL says.
    bo_url = f"/teach/cohorts/{school.hold_a.id}/learners/{school.bo.id}/extensions"
    assert tove.submit(bo_url, data).status_code == 404
    assert tove.submit(maria_url, {**data, "assignment": "no-such"}).status_code == 404

    early = tove.submit(maria_url, {**data, "due_on": "2020-01-01"})
    assert early.status_code == 302
    assert "The due date was not changed" in page_of(tove.get(early.headers["Location"]))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Extension)) == 0


# == Notifications and the daily digest =====================================================


def run_digest(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["peeredu", "mail", "digest"])
    assert result.exit_code == 0, result.output
    return result.output


def test_teachers_choose_a_daily_digest_which_lists_what_was_submitted(
    app, tove, school, modules, make_client, mailbox: Mailbox, deliver
):
    response = tove.submit(QUEUE + "/notifications", {"mode": "digest"}, token_page=QUEUE)
    assert response.status_code == 302
    assert re.search(r'<input checked [^>]*value="digest"', page_of(tove.get(QUEUE)))
    with app.app_context():
        db.session.get(User, school.otto.id).review_notifications = NotificationMode.DIGEST
        db.session.commit()

    now = utcnow()
    reflect(app, school.maria, modules.first, marker="DIGEST-SECRET-1", at=now - timedelta(hours=3))
    reflect(app, school.lene, modules.first, marker="DIGEST-SECRET-2", at=now - timedelta(hours=2))
    reflect(app, school.bo, modules.first, marker="DIGEST-SECRET-3", at=now - timedelta(hours=1))
    reflect(app, school.sofie, modules.first, at=now - timedelta(days=3))  # before the window
    deliver()
    mailbox.messages.clear()

    output = run_digest(app)
    assert output == "Digests queued for 2 of 2 teachers who chose one, listing 3 reflections.\n"
    deliver()
    [to_tove] = mailbox.to("tove@example.org")
    [to_otto] = mailbox.to("otto@example.org")
    assert mailbox.to("tage@example.org") == []  # Tage wants an email each time instead
    with app.app_context():
        title = current_assignments().for_module(modules.first).title
    tove_body = Mailbox.body(to_tove)
    assert f"Hold A: {title}" in tove_body and f"Hold C: {title}" in tove_body
    assert "Hold B" not in tove_body and "Sofie" not in tove_body
    assert f"Hold B: {title}" in Mailbox.body(to_otto)
    assert mailbox.link_to("tove@example.org", QUEUE)
    for message in mailbox.messages:
        body = Mailbox.body(message)
        for secret in ("DIGEST-SECRET", "Maria", "Lene", "Bo Elsewhere"):
            assert secret not in body

    with app.app_context():
        stamped = db.session.get(User, school.tove.id).last_digest_at
    assert stamped is not None and stamped >= now
    mailbox.messages.clear()
    run_digest(app)
    deliver()
    assert mailbox.messages == []


def test_notification_choice_must_be_one_of_the_two(app, tove, school):
    tove.submit(QUEUE + "/notifications", {"mode": "hourly"}, token_page=QUEUE)
    with app.app_context():
        user = db.session.get(User, school.tove.id)
        assert user.review_notifications is NotificationMode.IMMEDIATE

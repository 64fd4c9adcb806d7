"""`peeredu certificates reconcile` and the demo's story, both held to the certificate rule."""

from __future__ import annotations

from sqlalchemy import select, update

from peeredu import demo
from peeredu.accounts.models import Cohort, Enrolment, User
from peeredu.certification import services as certification
from peeredu.certification.models import Certificate
from peeredu.curriculum import records
from peeredu.db import utcnow
from peeredu.extensions import current_assignments, current_curriculum, db
from peeredu.reflections import drafts, submission
from peeredu.reflections.models import ReflectionStatus
from tests.cli.test_commands import row_counts, run
from tests.web.test_issuing import (
    P,
    attend,
    complete,
)


def test_the_demo_tells_a_true_story(app):
    assert run(app, "demo", "seed").exit_code == 0
    with app.app_context():
        session, curriculum = db.session, current_curriculum()
        certificates = session.scalars(select(Certificate)).all()
        assert len(certificates) == 1
        for certificate in certificates:
            enrolment = certificate.enrolment
            rule = certification.eligibility_of(session, curriculum, enrolment, now=utcnow())
            # Not by exception: the learner met the rule, over the planned days.
            assert rule.eligible and certificate.issued_by_id is None
            summary = rule.attendance
            assert summary.held == summary.planned == 16 and summary.present >= 15
            assert enrolment.cohort.name == demo.COMPLETED_COHORT_NAME
        under_way = session.scalar(select(Cohort).where(Cohort.name == demo.COHORT_NAME))
        ids = session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == under_way.id))
        assert not certification.certificates_by_enrolment(session, list(ids))
    result = run(app, "certificates", "reconcile", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "0 learners would get a certificate; 0 valid certificates" in result.output


def test_reconcile_issues_what_is_due_and_only_lists_what_no_longer_holds(
    app,
    learner,
):
    with app.app_context():
        session, curriculum = db.session, current_curriculum()
        enrolment = session.get(Enrolment, learner.enrolment_id)
        slugs = [m.slug for m in curriculum.modules_for(enrolment.track)]
        complete(session, curriculum, learner, slugs)
        attend(session, curriculum, learner, [P] * 15)
        session.commit()
        certificate_id = certification.certificate_of(session, enrolment.id).id
        # Rows changed behind the rule's back (imported, or fixed by hand): the certificate
        # is gone though she meets the rule.
        session.delete(session.get(Certificate, certificate_id))
        session.commit()
        assert certification.certificate_of(session, enrolment.id) is None

    before = row_counts(app)
    dry = run(app, "certificates", "reconcile", "--dry-run")
    assert dry.exit_code == 0 and "would issue" in dry.output
    assert "1 learner would get a certificate" in dry.output
    assert row_counts(app) == before  # a dry run changes nothing

    done = run(app, "certificates", "reconcile")
    assert done.exit_code == 0 and "1 certificate issued" in done.output
    with app.app_context():
        session = db.session
        assert certification.certificate_of(session, learner.enrolment_id).valid
        # Her attendance on five days is corrected to absent: 10 of 16 no longer meets it.
        session.execute(
            update(records.Attendance)
            .where(records.Attendance.class_day_id.in_(learner.day_ids[:5]))
            .values(status=records.AttendanceStatus.ABSENT)
        )
        session.commit()

    listed = run(app, "certificates", "reconcile")
    assert listed.exit_code == 0
    assert "no longer met" in listed.output and "attendance 10 of 16" in listed.output
    assert "1 valid certificate whose holder no longer meets the rule" in listed.output
    with app.app_context():
        # Listed, never revoked: an admin decides.
        assert certification.certificate_of(db.session, learner.enrolment_id).valid


def test_reopening_an_approved_module_lets_the_learner_revise_and_resubmit(app):
    """The demo's Maria had her first reflection approved; her teacher reopens the module."""
    assert run(app, "demo", "seed").exit_code == 0
    with app.app_context():
        session, curriculum = db.session, current_curriculum()
        assignments = current_assignments()
        maria = session.scalar(select(User).where(User.email == f"peer@{demo.DEMO_DOMAIN}"))
        enrolment = maria.enrolments[0]
        slug = curriculum.modules_for(enrolment.track)[0].slug
        assignment = assignments.for_module(slug)
        reflection = drafts.find_reflection(session, enrolment.id, assignment.slug)
        assert reflection.status is ReflectionStatus.APPROVED
        teacher = session.scalar(select(User).where(User.email == f"underviser@{demo.DEMO_DOMAIN}"))
        submission.reopen_module(
            session,
            curriculum,
            enrolment,
            slug,
            reason="Skal uddybes",
            actor_id=teacher.id,
            now=utcnow(),
        )
        session.commit()
        assert slug not in records.completions_by_enrolment(session, [enrolment.id])[enrolment.id]
        assert reflection.status is ReflectionStatus.REVISION
        # The draft starts from the approved text, and can be saved and submitted again.
        drafts.save_draft(
            session,
            assignment,
            reflection,
            text=reflection.draft_text + " Og en tilføjelse.",
            fields=reflection.draft_fields,
            expected_version=reflection.draft_version,
            now=utcnow(),
        )
        version = submission.submit(
            session,
            curriculum,
            assignment,
            reflection,
            text=reflection.draft_text,
            fields=reflection.draft_fields,
            expected_version=reflection.draft_version,
            checklist_confirmed=True,
            extension=None,
            now=utcnow(),
        )
        session.commit()
        assert version.number == 2 and reflection.status is ReflectionStatus.SUBMITTED

"""Certificates are decided in one place: every operation that can complete the last condition
issues exactly when the rule says, and never otherwise.

Each case sets a learner up one step short of the rule (or with something else still missing),
runs one domain operation, and counts certificates. ``test_the_list_is_complete`` keeps the
list honest: every function in peeredu that settles certificates must be a case here.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peeredu.accounts.models import Enrolment
from peeredu.certification import services as certification
from peeredu.certification.models import Certificate
from peeredu.curriculum import attendance, progress
from peeredu.curriculum.content import Curriculum
from peeredu.curriculum.records import AttendanceStatus, ClassDay
from peeredu.extensions import current_curriculum, db
from peeredu.reflections import submission
from tests.conftest import Learner

PACKAGE = Path(__file__).resolve().parents[2] / "peeredu"
# After the factory's cohort (2027-02-01 + 16 weeks): every class day can be registered.
NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


def _enrolment(session: Session, learner: Learner) -> Enrolment:
    found = session.get(Enrolment, learner.enrolment_id)
    assert found is not None
    return found


def _modules(curriculum: Curriculum, session: Session, learner: Learner) -> list[str]:
    return [m.slug for m in curriculum.modules_for(_enrolment(session, learner).track)]


def complete(session: Session, curriculum: Curriculum, learner: Learner, slugs: list[str]):
    for slug in slugs:
        progress.complete_by_teacher(
            session,
            curriculum,
            _enrolment(session, learner),
            slug,
            reason="På papir",
            actor_id=learner.teacher_id,
            now=NOW,
        )


def attend(session, curriculum, learner, statuses: list[AttendanceStatus]) -> None:
    """Register the first len(statuses) class days with these statuses."""
    for day_id, status in zip(learner.day_ids, statuses, strict=False):
        attendance.register(
            session,
            curriculum,
            session.get(ClassDay, day_id),
            {learner.enrolment_id: status},
            actor_id=learner.teacher_id,
            now=NOW,
        )


P, A = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT


def certificates(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Certificate)) or 0


# -- The operations, each with a set-up one step short and the step itself ---------------------


def all_modules_14_present(session, curriculum, learner):
    complete(session, curriculum, learner, _modules(curriculum, session, learner))
    attend(session, curriculum, learner, [P] * 14)


def register_the_15th_day(session, curriculum, learner):
    attend(session, curriculum, learner, [P] * 15)  # days 1-14 unchanged, day 15 present


def modules_but_last_15_present(session, curriculum, learner):
    complete(session, curriculum, learner, _modules(curriculum, session, learner)[:-1])
    attend(session, curriculum, learner, [P] * 15)


def complete_the_last_by_teacher(session, curriculum, learner):
    complete(session, curriculum, learner, _modules(curriculum, session, learner)[-1:])


def complete_the_last_by_approval(session, curriculum, learner):
    progress.complete_by_approval(
        session,
        curriculum,
        _enrolment(session, learner),
        _modules(curriculum, session, learner)[-1],
        actor_id=learner.teacher_id,
        now=NOW,
    )


def all_modules_10_present(session, curriculum, learner):
    complete(session, curriculum, learner, _modules(curriculum, session, learner))
    attend(session, curriculum, learner, [P] * 10 + [A] * 6)


def grant_an_exception(session, curriculum, learner):
    attendance.grant_exception(
        session,
        curriculum,
        _enrolment(session, learner),
        reason="Sygdom, aftalt med lederen",
        actor_id=learner.teacher_id,
        now=NOW,
    )


def all_modules_14_present_1_absent(session, curriculum, learner):
    complete(session, curriculum, learner, _modules(curriculum, session, learner))
    attend(session, curriculum, learner, [P] * 14 + [A])


def cancel_the_last_day(session, curriculum, learner):
    # 14 of 15 planned is 93 %: the cancelled day lifts her over the threshold.
    attendance.cancel_class_day(
        session,
        curriculum,
        session.get(ClassDay, learner.day_ids[-1]),
        reason="Underviseren er syg",
        actor_id=learner.teacher_id,
        now=NOW,
    )


def move_the_last_day(session, curriculum, learner):
    day = session.get(ClassDay, learner.day_ids[-1])
    attendance.move_class_day(
        session,
        curriculum,
        day,
        new_date=day.date - timedelta(days=1),
        reason="Lokalet er optaget",
        actor_id=learner.teacher_id,
        now=NOW,
    )


def reopen_the_first_module(session, curriculum, learner):
    submission.reopen_module(
        session,
        curriculum,
        _enrolment(session, learner),
        _modules(curriculum, session, learner)[0],
        reason="Skal skrives om",
        actor_id=learner.teacher_id,
        now=NOW,
    )


def one_module_missing_14_present(session, curriculum, learner):
    complete(session, curriculum, learner, _modules(curriculum, session, learner)[:-1])
    attend(session, curriculum, learner, [P] * 14)


def one_module_missing_13_present_2_absent(session, curriculum, learner):
    complete(session, curriculum, learner, _modules(curriculum, session, learner)[:-1])
    attend(session, curriculum, learner, [P] * 13 + [A] * 2)


Step = Callable[[Session, Curriculum, Learner], None]

# (the function that settles, set-up, step, certificates afterwards)
CASES: list[tuple[str, Step, Step, int]] = [
    # The step completes the last condition: exactly one certificate.
    ("register", all_modules_14_present, register_the_15th_day, 1),
    ("complete_by_teacher", modules_but_last_15_present, complete_the_last_by_teacher, 1),
    ("complete_by_approval", modules_but_last_15_present, complete_the_last_by_approval, 1),
    ("grant_exception", all_modules_10_present, grant_an_exception, 1),
    ("cancel_class_day", all_modules_14_present_1_absent, cancel_the_last_day, 1),
    # The same steps while another condition is still missing: none.
    ("register", one_module_missing_14_present, register_the_15th_day, 0),
    (
        "complete_by_teacher",
        one_module_missing_13_present_2_absent,
        complete_the_last_by_teacher,
        0,
    ),
    (
        "complete_by_approval",
        one_module_missing_13_present_2_absent,
        complete_the_last_by_approval,
        0,
    ),
    ("grant_exception", one_module_missing_14_present, grant_an_exception, 0),
    ("cancel_class_day", one_module_missing_13_present_2_absent, cancel_the_last_day, 0),
    # Steps that cannot complete the rule never issue.
    ("move_class_day", all_modules_14_present, move_the_last_day, 0),
    ("reopen_module", all_modules_14_present, reopen_the_first_module, 0),
]


@pytest.mark.parametrize(
    ("operation", "setup", "step", "expected"),
    CASES,
    ids=[f"{c[0]}-{c[2].__name__}-{c[3]}" for c in CASES],
)
def test_each_operation_issues_exactly_when_the_rule_says(
    app, learner, operation, setup, step, expected
):
    with app.app_context():
        curriculum = current_curriculum()
        setup(db.session, curriculum, learner)
        db.session.commit()
        assert certificates(db.session) == 0, "the set-up alone must not meet the rule"
        step(db.session, curriculum, learner)
        db.session.commit()
        assert certificates(db.session) == expected
        # Settling again (as any later operation does) never issues a second one.
        certification.settle(db.session, curriculum, [learner.enrolment_id], now=NOW)
        db.session.commit()
        assert certificates(db.session) == expected


def _functions_that_settle() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name != "settle":
                for call in ast.walk(node):
                    if (
                        isinstance(call, ast.Call)
                        and isinstance(call.func, ast.Attribute | ast.Name)
                        and getattr(call.func, "attr", getattr(call.func, "id", "")) == "settle"
                    ):
                        found.add(node.name)
    return found


def test_the_list_is_complete():
    """A new operation that settles certificates gets its cases here, or this fails."""
    listed = {case[0] for case in CASES}
    # Two private paths settle for the operations listed: _complete for complete_by_teacher,
    # complete_by_approval and mark_done (which needs a module without an assignment; the
    # shipped course has none), _day_changed for move_class_day and cancel_class_day.
    shared = {"complete_by_teacher", "complete_by_approval", "move_class_day", "cancel_class_day"}
    settles = _functions_that_settle() - {"reconcile"}
    assert settles == (listed - shared) | {"_complete", "_day_changed"}

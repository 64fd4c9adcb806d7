"""The ``peeredu`` commands, run through Flask's CLI runner against a real database.

A command either does all it was asked or nothing: every failure is checked for a non-zero
exit status, one line that names the option to fix, and an unchanged database.
"""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from peeredu import demo, outbox
from peeredu.accounts import authentication, organisations, users
from peeredu.accounts.models import Cohort, Enrolment, Organisation, Role, User
from peeredu.db import utcnow
from peeredu.extensions import db
from peeredu.models import metadata
from peeredu.outbox import OutboxMessage, OutboxStatus
from tests.conftest import Mailbox
from tests.factories import PASSWORD, Factory

GOOD_PASSWORD = "violet staircase under the sea"


def run(app: Flask, *args: str, input: str | None = None) -> Result:
    return app.test_cli_runner().invoke(args=["peeredu", *args], input=input)


def row_counts(app: Flask) -> dict[str, int]:
    """Rows in every table, so a failed command can be shown to have written nothing."""
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in metadata.sorted_tables
        }


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def can_sign_in(app: Flask, email: str, password: str) -> bool:
    with app.app_context():
        return authentication.authenticate(db.session, email, password, now=utcnow()) is not None


def get_user(app: Flask, email: str) -> User | None:
    with app.app_context():
        return users.get_user_by_email(db.session, email)


def assert_refused(app: Flask, args: list[str], option: str, input: str | None = None) -> str:
    """The command fails on one line naming ``option`` and leaves the database as it was."""
    before = row_counts(app)
    result = run(app, *args, input=input)
    assert result.exit_code != 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert option in lines[0]
    assert row_counts(app) == before
    return lines[0]


# -- users create ---------------------------------------------------------------------------


def test_users_create_with_several_roles(app: Flask) -> None:
    result = run(
        app,
        "users",
        "create",
        "--email",
        "Kim@Example.org",
        "--name",
        "Kim Jensen",
        "--role",
        "teacher",
        "--role",
        "admin",
    )

    assert result.exit_code == 0, result.output
    assert "kim@example.org" in result.output
    user = get_user(app, "kim@example.org")
    assert user is not None
    assert user.name == "Kim Jensen"
    assert user.roles == {Role.TEACHER, Role.ADMIN}


def test_users_create_with_password_from_stdin_can_sign_in(app: Flask) -> None:
    result = run(
        app,
        "users",
        "create",
        "--email",
        "kim@example.org",
        "--name",
        "Kim",
        "--role",
        "learner",
        "--password-stdin",
        input=GOOD_PASSWORD + "\n",
    )

    assert result.exit_code == 0, result.output
    assert GOOD_PASSWORD not in result.output
    assert can_sign_in(app, "kim@example.org", GOOD_PASSWORD)
    assert not can_sign_in(app, "kim@example.org", "a different long password")


def test_users_create_without_password_cannot_sign_in_yet(app: Flask) -> None:
    result = run(
        app, "users", "create", "--email", "kim@example.org", "--name", "Kim", "--role", "hr"
    )

    assert result.exit_code == 0, result.output
    user = get_user(app, "kim@example.org")
    assert user is not None and user.password_hash is None
    assert not can_sign_in(app, "kim@example.org", "")
    assert not can_sign_in(app, "kim@example.org", GOOD_PASSWORD)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "at least 10 characters"),
        ("qwertyuiop", "easy to guess"),
        ("1234567890", "easy to guess"),
    ],
)
def test_users_create_refuses_a_weak_password(app: Flask, password: str, reason: str) -> None:
    line = assert_refused(
        app,
        [
            "users",
            "create",
            "--email",
            "kim@example.org",
            "--name",
            "Kim",
            "--role",
            "learner",
            "--password-stdin",
        ],
        "--password-stdin",
        input=password + "\n",
    )
    assert reason in line
    assert get_user(app, "kim@example.org") is None


def test_users_create_refuses_an_invalid_email(app: Flask) -> None:
    assert_refused(
        app,
        ["users", "create", "--email", "not-an-address", "--name", "Kim", "--role", "hr"],
        "--email",
    )


def test_users_create_refuses_a_duplicate_email_whatever_its_case(
    app: Flask, make: Factory
) -> None:
    make.user(Role.LEARNER, email="kim@example.org")
    line = assert_refused(
        app,
        ["users", "create", "--email", "KIM@example.org", "--name", "Kim", "--role", "hr"],
        "--email",
    )
    assert "already exists" in line


def test_users_create_refuses_an_unknown_role(app: Flask) -> None:
    assert_refused(
        app,
        ["users", "create", "--email", "kim@example.org", "--name", "Kim", "--role", "boss"],
        "--role",
    )


def test_users_create_requires_an_email(app: Flask) -> None:
    assert_refused(app, ["users", "create", "--name", "Kim", "--role", "hr"], "--email")


# -- orgs create ----------------------------------------------------------------------------


def test_orgs_create(app: Flask) -> None:
    result = run(app, "orgs", "create", "--name", "Aarhus Kommune", "--kind", "municipality")

    assert result.exit_code == 0, result.output
    with app.app_context():
        organisation = organisations.get_organisation_by_name(
            db.session, "aarhus kommune", field="x"
        )
        assert organisation.kind.value == "municipality"


def test_orgs_create_refuses_an_unknown_kind(app: Flask) -> None:
    assert_refused(app, ["orgs", "create", "--name", "Aarhus Kommune", "--kind", "club"], "--kind")


def test_orgs_create_requires_a_kind_and_lists_them(app: Flask) -> None:
    line = assert_refused(app, ["orgs", "create", "--name", "Aarhus Kommune"], "--kind")
    assert "region" in line and "municipality" in line


def test_orgs_create_refuses_a_name_in_use(app: Flask, make: Factory) -> None:
    make.organisation("Aarhus Kommune")
    assert_refused(app, ["orgs", "create", "--name", "aarhus kommune", "--kind", "ngo"], "--name")


# -- cohorts create -------------------------------------------------------------------------


def test_cohorts_create_with_teachers(app: Flask, make: Factory) -> None:
    make.user(Role.TEACHER, email="t1@example.org", name="Bo Teacher")
    make.user(Role.TEACHER, Role.ADMIN, email="t2@example.org", name="Al Teacher")

    result = run(
        app,
        "cohorts",
        "create",
        "--name",
        "Hold 7",
        "--start",
        "2027-02-01",
        "--end",
        "2027-06-01",
        "--teacher",
        "t1@example.org",
        "--teacher",
        "T2@example.org",
    )

    assert result.exit_code == 0, result.output
    with app.app_context():
        cohort = organisations.get_cohort_by_name(db.session, "Hold 7", field="cohort")
        assert [t.email for t in cohort.teachers] == ["t2@example.org", "t1@example.org"]
        assert (cohort.start_date.isoformat(), cohort.end_date.isoformat()) == (
            "2027-02-01",
            "2027-06-01",
        )


def test_cohorts_create_refuses_a_teacher_without_the_teacher_role(
    app: Flask, make: Factory
) -> None:
    make.user(Role.LEARNER, email="learner@example.org")
    line = assert_refused(
        app,
        [
            "cohorts",
            "create",
            "--name",
            "Hold 7",
            "--start",
            "2027-02-01",
            "--end",
            "2027-06-01",
            "--teacher",
            "learner@example.org",
        ],
        "--teacher",
    )
    assert "teacher role" in line


def test_cohorts_create_refuses_an_unknown_teacher(app: Flask, make: Factory) -> None:
    make.user(Role.TEACHER, email="t1@example.org")
    line = assert_refused(
        app,
        [
            "cohorts",
            "create",
            "--name",
            "Hold 7",
            "--start",
            "2027-02-01",
            "--end",
            "2027-06-01",
            "--teacher",
            "t1@example.org",
            "--teacher",
            "nobody@example.org",
        ],
        "--teacher",
    )
    assert "nobody@example.org" in line


def test_cohorts_create_refuses_an_end_before_the_start(app: Flask) -> None:
    assert_refused(
        app,
        ["cohorts", "create", "--name", "Hold 7", "--start", "2027-06-01", "--end", "2027-02-01"],
        "--end",
    )


def test_cohorts_create_refuses_a_date_that_does_not_exist(app: Flask) -> None:
    assert_refused(
        app,
        ["cohorts", "create", "--name", "Hold 7", "--start", "2027-02-30", "--end", "2027-06-01"],
        "--start",
    )


# -- enrol ----------------------------------------------------------------------------------


@pytest.fixture
def enrolment_setting(make: Factory) -> dict[str, Any]:
    return {
        "user": make.user(Role.HR, email="kim@example.org"),
        "cohort": make.cohort("Hold 7"),
        "organisation": make.organisation("Aarhus Kommune"),
    }


def test_enrol_makes_the_user_a_learner_on_the_track(
    app: Flask, enrolment_setting: dict[str, Any]
) -> None:
    result = run(
        app,
        "enrol",
        "--email",
        "kim@example.org",
        "--cohort",
        "hold 7",
        "--organisation",
        "aarhus kommune",
        "--track",
        "colleague",
    )

    assert result.exit_code == 0, result.output
    with app.app_context():
        enrolment = db.session.scalars(select(Enrolment)).one()
        assert enrolment.user.email == "kim@example.org"
        assert enrolment.cohort.name == "Hold 7"
        assert enrolment.organisation.name == "Aarhus Kommune"
        assert (enrolment.track.value, enrolment.work_role.value) == ("colleague", "colleague")
        assert enrolment.user.roles == {Role.HR, Role.LEARNER}


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--email", "nobody@example.org"),
        ("--cohort", "Hold 99"),
        ("--organisation", "Nowhere Kommune"),
        ("--track", "manager"),
        ("--work-role", "boss"),
    ],
)
def test_enrol_refuses_what_does_not_exist(
    app: Flask, enrolment_setting: dict[str, Any], option: str, value: str
) -> None:
    args = {
        "--email": "kim@example.org",
        "--cohort": "Hold 7",
        "--organisation": "Aarhus Kommune",
        "--track": "peer",
        option: value,
    }
    line = assert_refused(app, ["enrol", *[x for pair in args.items() for x in pair]], option)
    assert value in line


def test_enrol_refuses_a_second_enrolment_in_the_same_cohort(
    app: Flask, enrolment_setting: dict[str, Any]
) -> None:
    args = [
        "enrol",
        "--email",
        "kim@example.org",
        "--cohort",
        "Hold 7",
        "--organisation",
        "Aarhus Kommune",
        "--track",
        "peer",
    ]
    assert run(app, *args).exit_code == 0

    line = assert_refused(app, args, "--cohort")
    assert "already enrolled" in line


# -- demo seed ------------------------------------------------------------------------------


def test_demo_seed_is_idempotent_and_lists_working_logins(app: Flask) -> None:
    models = (User, Organisation, Cohort, Enrolment)

    first = run(app, "demo", "seed")
    assert first.exit_code == 0, first.output
    counts = {model: count(app, model) for model in models}
    second = run(app, "demo", "seed")
    assert second.exit_code == 0, second.output

    assert {model: count(app, model) for model in models} == counts
    assert counts[User] == len(demo.PEOPLE)
    assert counts[Organisation] == len(demo.ORGANISATIONS)
    assert counts[Cohort] == 2  # one under way, one finished
    assert counts[Enrolment] == sum(1 for p in demo.PEOPLE if p.enrolment is not None)
    assert second.output == first.output
    assert demo.DEMO_PASSWORD in first.output
    for person in demo.PEOPLE:
        assert person.email in first.output
        assert can_sign_in(app, person.email, demo.DEMO_PASSWORD)


def test_demo_seed_leaves_existing_people_alone(app: Flask, make: Factory) -> None:
    make.user(Role.ADMIN, email=f"admin@{demo.DEMO_DOMAIN}", password=PASSWORD)

    result = run(app, "demo", "seed")

    assert result.exit_code == 0, result.output
    assert can_sign_in(app, f"admin@{demo.DEMO_DOMAIN}", PASSWORD)
    assert count(app, User) == len(demo.PEOPLE)


# -- mail send ------------------------------------------------------------------------------


def test_mail_send_delivers_the_queued_message(app: Flask, mailbox: Mailbox) -> None:
    with app.app_context():
        outbox.enqueue(db.session, outbox.Email("kim@example.org", "Velkommen", "Klik på linket."))
        db.session.commit()

    result = run(app, "mail", "send")

    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output
    [message] = mailbox.to("kim@example.org")
    assert message["Subject"] == "Velkommen"
    assert "Klik på linket." in mailbox.body(message)
    with app.app_context():
        sent = db.session.scalars(select(OutboxMessage)).one()
        # The body (links in it) is deleted once delivered; the rest stays.
        assert (sent.status, sent.body_text, sent.subject) == (OutboxStatus.SENT, "", "Velkommen")

    again = run(app, "mail", "send")
    assert "Sent 0" in again.output
    assert len(mailbox.to("kim@example.org")) == 1

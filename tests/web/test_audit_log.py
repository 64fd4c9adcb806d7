"""The audit log: every audited action is recorded by the code that does it, and admins can
read and filter the log (newest first, in Danish time, a constant number of queries)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from peeredu import audit
from peeredu.accounts.models import Role, User
from peeredu.audit import AuditEvent
from peeredu.extensions import Database, current_assignments, db
from peeredu.web.audit_log import ACTION_LABELS
from tests.factories import PASSWORD, Factory
from tests.web.test_access_table import (
    EMAILS,
    World,
    filler,
    seed_world,
    visitor_client,
    write_reflection,
)

MARKER = "SECRET-REFLECTION-TEXT-5521"


class _Rows(HTMLParser):
    """The audit table's rows, as lists of cell texts as a wide screen shows them (without
    the column names that lead each cell on a phone)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_body = False
        self._cell: list[str] | None = None
        self._in_label = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag == "td":
            self._cell = []
        elif tag == "span" and ("class", "cell-label") in attrs:
            self._in_label = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "span" and self._in_label:
            self._in_label = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._in_label:
            self._cell.append(data)


def rows_of(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    parser = _Rows()
    parser.feed(response.get_data(as_text=True))
    return parser.rows


def actions(app: Flask) -> list[tuple[str, int | None, str, str, str]]:
    with app.app_context():
        return [
            (e.action, e.actor_id, e.object_type, e.object_id, e.detail)
            for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def english_admin(make: Factory) -> User:
    return make.user(Role.ADMIN, email="auditor@example.org", name="Aud Itor", locale="en")


@pytest.fixture
def world(app: Flask, make: Factory) -> World:
    return seed_world(app, make, version=MARKER, submit_and_review=False)


def test_each_audited_action_is_recorded_by_the_code_path_that_does_it(
    app: Flask, make: Factory, make_client: Any, world: World
) -> None:
    version_id = write_reflection(
        app, world.l1, world.submitted_module, filler(MARKER), submit=True
    )
    teacher = visitor_client(make_client, world, "teacher")  # sign-in
    make_client().login(EMAILS["teacher"], "not the password")  # failed sign-in
    review_url = f"/teach/reviews/{version_id}"
    assert teacher.get(review_url).status_code == 200  # a teacher reads the reflection
    with app.app_context():
        slug = current_assignments().for_module(world.submitted_module)
        criteria = [c.key for c in slug.criteria]
    released = {"action": "release", "overall_comment": "Skriv mere", "decision": "not_yet"}
    released |= {f"met-{key}": "not_yet" for key in criteria}
    assert teacher.submit(review_url, released, token_page=review_url).status_code == 302
    issue = teacher.submit(f"/enrolments/{world.l2}/certificate", {"reason": "Godkendt på papir"})
    assert issue.status_code == 302
    overview = teacher.get(f"/teach/cohorts/{world.cohort_1}/overview.csv")
    assert overview.status_code == 200  # a teacher's export
    stranger = visitor_client(make_client, world, "other_teacher")
    assert stranger.get(review_url).status_code == 404  # failed authorisation
    hr = visitor_client(make_client, world, "hr")
    assert hr.get("/hr/participants.csv").status_code == 200  # export
    admin = visitor_client(make_client, world, "admin")
    changed = admin.submit(
        f"/admin/users/{world.users['peer']}",
        {
            "name": "Lars To",
            "email": EMAILS["peer"],
            "roles": ["learner", "teacher"],
            "locale": "da",
        },
    )
    assert changed.status_code == 302  # a role change
    with app.app_context():
        certificate_id = db.session.scalar(
            select(AuditEvent.object_id).where(AuditEvent.action == "certificate.issue.manual")
        )
    revoked = admin.submit(f"/certificates/{certificate_id}/revoke", {"reason": "En fejl"})
    assert revoked.status_code == 302

    recorded = actions(app)
    by_action = {action: (actor, kind, obj) for action, actor, kind, obj, _ in recorded}
    users = world.users
    assert by_action["login"][0] == users["admin"]
    assert by_action["login.fail"][1:] == ("user", str(users["teacher"]))
    assert by_action["reflection.read"] == (
        users["teacher"],
        "reflection_version",
        str(version_id),
    )
    assert by_action["review.release.not_yet"][:2] == (users["teacher"], "reflection_version")
    assert by_action["certificate.issue.manual"][0] == users["teacher"]
    assert by_action["certificate.revoke"][0] == users["admin"]
    assert by_action["hr.export"][0] == users["hr"]
    assert by_action["cohort.export"] == (users["teacher"], "cohort", str(world.cohort_1))
    assert by_action["user.roles"] == (users["admin"], "user", str(users["peer"]))
    assert by_action["access.denied"] == (
        users["other_teacher"],
        "endpoint",
        "review.review",
    )
    denied = next(r for r in recorded if r[0] == "access.denied")
    assert f"version_id={version_id}" in denied[4]
    # Never the text itself.
    assert not [r for r in recorded if MARKER in " ".join(map(str, r))]

    # Every one of them has a readable label in the viewer.
    auditor = make_client()
    english_admin(make)
    auditor.login("auditor@example.org", PASSWORD)
    shown = {row[2] for row in rows_of(auditor.get("/admin/audit/"))}
    for action in by_action:
        assert str(ACTION_LABELS[action]) in shown, action


def test_the_viewer_labels_the_deletion_actions_of_the_privacy_tools() -> None:
    for action in ("reflections.delete", "practice_log.delete", "user.anonymise", "retention.run"):
        assert action in ACTION_LABELS


def test_refused_access_is_logged_only_for_signed_in_users_on_real_routes(
    app: Flask, make: Factory, client: Any, make_client: Any
) -> None:
    make_client().get("/admin/users")  # anonymous: sent to the login page
    make_client().get("/no/such/page")
    learner = make.user(email="learner@example.org")
    client.login("learner@example.org", PASSWORD)
    assert client.get("/no/such/page").status_code == 404  # a typo, not an object
    assert [a for a, *_ in actions(app) if a == "access.denied"] == []

    assert client.get("/admin/users").status_code == 404
    response = client.submit("/admin/users/1/active", {"active": "0"})
    assert response.status_code == 404
    denied = [
        (actor, obj, detail) for a, actor, _, obj, detail in actions(app) if a == "access.denied"
    ]
    assert denied == [
        (learner.id, "admin.users", "GET"),
        (learner.id, "admin.set_active", "POST user_id=1"),
    ]


def _event(app: Flask, action: str, actor: int | None, at: datetime, obj: str = "1") -> None:
    with app.app_context():
        audit.record(
            db.session, actor_id=actor, action=action, object_type="user", object_id=obj, now=at
        )
        db.session.commit()


def test_filters_newest_first_in_danish_time(app: Flask, make: Factory, client: Any) -> None:
    english_admin(make)
    anna = make.user(email="anna@example.org", name="Anna Andersen")
    bo = make.user(email="bo@example.org", name="Bo Berg")
    start = datetime(2027, 3, 1, 9, tzinfo=UTC)
    _event(app, "login", anna.id, start)
    _event(app, "login.fail", None, start + timedelta(hours=1), obj=str(bo.id))
    _event(app, "user.roles", bo.id, start + timedelta(hours=2), obj=str(anna.id))
    # 23:30 UTC on 1 March is 00:30 on 2 March in Copenhagen.
    _event(app, "review.release.approved", anna.id, datetime(2027, 3, 1, 23, 30, tzinfo=UTC))
    client.login("auditor@example.org", PASSWORD)
    base = "/admin/audit/"

    rows = rows_of(client.get(base + "?date_from=2027-03-01&date_until=2027-03-02"))
    assert [row[2] for row in rows] == [
        "Feedback released: approved",
        "Roles changed",
        "Failed sign-in",
        "Signed in",
    ]
    # In the short date style of every table, with seconds (the English admin's locale).
    assert rows[0][0].replace("\u202f", " ") == "Mar 2, 2027 at 12:30:00 AM"
    assert rows[-1][0].replace("\u202f", " ") == "Mar 1, 2027 at 10:00:00 AM"
    assert rows[2][1] == "The system"
    assert rows[1][1] == "Bo Berg bo@example.org"

    only_first = rows_of(client.get(base + "?date_from=2027-03-01&date_until=2027-03-01"))
    assert len(only_first) == 3
    assert [r[2] for r in rows_of(client.get(base + "?actor=ANDERSEN"))] == [
        "Feedback released: approved",
        "Signed in",
    ]
    assert [r[2] for r in rows_of(client.get(base + "?actor=bo@exa"))] == ["Roles changed"]
    assert [r[2] for r in rows_of(client.get(base + "?action=login"))][-1] == "Signed in"
    assert "Failed sign-in" not in [r[2] for r in rows_of(client.get(base + "?action=login"))]
    by_object = rows_of(
        client.get(base + f"?object_type=user&object_id={anna.id}&date_from=2027-01-01")
    )
    assert [r[2] for r in by_object] == ["Roles changed"]
    assert rows_of(client.get(base + "?actor=nobody")) == []


def test_pages_and_a_constant_number_of_queries(app: Flask, make: Factory, client: Any) -> None:
    english_admin(make)
    people = [make.user() for _ in range(3)]
    start = datetime(2027, 3, 1, 9, tzinfo=UTC)
    for n in range(120):
        _event(app, "login", people[n % 3].id, start + timedelta(minutes=n), obj=str(n))
    client.login("auditor@example.org", PASSWORD)

    engine = Database.state(app).engine
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        first = rows_of(client.get("/admin/audit/?action=login&date_from=2027-01-01"))
        few = len(statements)
        statements.clear()
        rows_of(client.get("/admin/audit/?action=login&date_from=2027-01-01&object_id=5"))
        assert len(statements) == few
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(first) == 50
    assert first[0][3].endswith(" 119")
    second = rows_of(client.get("/admin/audit/?action=login&date_from=2027-01-01&page=2"))
    third = rows_of(client.get("/admin/audit/?action=login&date_from=2027-01-01&page=3"))
    assert second[0][3].endswith(" 69") and len(third) == 20
    assert "page=3" not in client.get(
        "/admin/audit/?action=login&date_from=2027-01-01&page=3"
    ).get_data(as_text=True)


def test_only_admins_see_the_log_and_its_menu_link(make: Factory, make_client: Any) -> None:
    english_admin(make)
    teacher = make.user(Role.TEACHER, Role.HR, email="t@example.org")
    admin = make_client()
    admin.login("auditor@example.org", PASSWORD)
    assert 'href="/admin/audit/"' in admin.get("/").get_data(as_text=True)
    other = make_client()
    other.login(teacher.email, PASSWORD)
    assert 'href="/admin/audit/"' not in other.get("/").get_data(as_text=True)
    assert other.get("/admin/audit/").status_code == 404
    assert make_client().get("/admin/audit/").status_code == 302

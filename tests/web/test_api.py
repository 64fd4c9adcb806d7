"""The HR API: tokens made on the HR screen, bearer authentication, scope, filters, paging,
JSON errors, the rate limit, and the OpenAPI document checked against real answers.

Every API answer in this module goes through ``Api.get``, which validates it against the
document the app serves at /api/v1/openapi.json (status, JSON schema with formats, documented
headers): a response that drifts from the document fails whichever test received it.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import re
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select, text, update
from werkzeug.test import TestResponse

from peeredu.accounts import api_tokens, enrolments, users
from peeredu.accounts.api_tokens import ApiToken
from peeredu.accounts.models import Cohort, Enrolment, EnrolmentStatus, Role, Track, User, WorkRole
from peeredu.audit import AuditEvent
from peeredu.certification import services as certification
from peeredu.certification.models import Certificate
from peeredu.curriculum import attendance
from peeredu.db import utcnow
from peeredu.extensions import Database, current_assignments, current_curriculum, db
from peeredu.models import metadata
from peeredu.reflections import drafts, feedback, practice_log, submission
from peeredu.reflections.models import ReflectionVersion, ReviewDecision
from peeredu.web.hr import CERTIFICATE_LABELS
from peeredu.web.labels import label
from tests.factories import PASSWORD

API = "/api/v1"
DOC_URI = "urn:peeredu:openapi"
TOKEN_SHAPE = re.compile(r"pe_[A-Za-z0-9_-]{43}")


# -- Validating answers against the served OpenAPI document -------------------------------


# A class day is registered on its date or later: the two days of the fixture are then held.
DAYS_HELD = datetime(2027, 2, 3, 18, 0, tzinfo=UTC)


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


@dataclass
class Api:
    """A client for the API that checks every answer against the OpenAPI document."""

    client: Any
    document: dict[str, Any]
    bodies: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry: Registry = Registry().with_resource(DOC_URI, resource)

    def get(
        self,
        path: str,
        token: str | None = None,
        *,
        query: dict[str, Any] | None = None,
        status: int = 200,
        method: str = "GET",
        headers: dict[str, str] | None = None,
    ) -> TestResponse:
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if path.startswith("http://localhost"):
            path = path.removeprefix("http://localhost")
        response = self.client.open(path, method=method, query_string=query, headers=headers)
        assert response.status_code == status, response.get_data(as_text=True)
        self.check(path.split("?")[0], method, response)
        return response

    def check(self, path: str, method: str, response: TestResponse) -> None:
        assert response.mimetype == "application/json"
        self.bodies.append(response.get_data(as_text=True))
        pointer = self._response_pointer(path.removeprefix(API), method.lower(), response)
        for header in self._at(pointer).get("headers", {}):
            assert response.headers.get(header), f"{header} missing on {response.status_code}"
        errors = self.schema_errors(pointer, response.json)
        assert errors == [], f"{method} {path} {response.status_code} breaks {pointer}"

    def schema_errors(self, pointer: str, body: Any) -> list[str]:
        """What in ``body`` disagrees with the schema of the response at ``pointer``."""
        validator = Draft202012Validator(
            {"$ref": f"{DOC_URI}#{pointer}/content/application~1json/schema"},
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]

    def _response_pointer(self, path: str, method: str, response: TestResponse) -> str:
        """Where the document describes this answer (following a $ref to a shared one)."""
        for template, item in self.document["paths"].items():
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            if re.fullmatch(pattern, path) and method in item:
                responses = item[method]["responses"]
                code = str(response.status_code)
                key = code if code in responses else "default"
                assert key in responses, f"{method} {path}: {code} is not documented"
                pointer = f"/paths/{_escape(template)}/{method}/responses/{key}"
                break
        else:
            # No such endpoint: the answer must still be a documented error.
            assert response.status_code in (404, 405), path
            pointer = "/components/responses/Error"
        found = self._at(pointer)
        if "$ref" in found:
            pointer = found["$ref"].removeprefix("#")
        return pointer

    def _at(self, pointer: str) -> Any:
        node: Any = self.document
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def items(self, path: str, token: str, **query: Any) -> list[dict[str, Any]]:
        """Every item of a list, following ``next`` from page to page."""
        found: list[dict[str, Any]] = []
        url: str | None = path
        first = True
        while url is not None:
            page = self.get(url, token, query=query if first else None).json
            first = False
            found.extend(page["items"])
            url = page["next"]
        return found


@pytest.fixture
def api(app: Flask, make_client: Any) -> Api:
    client = make_client()
    document = client.get(f"{API}/openapi.json").json
    return Api(client=client, document=document)


# -- The world: two HR users, three organisations, reflections full of markers ------------


MARKER = f"SECRET{uuid.uuid4().hex[:10]}"


def _first_assignment_module(app: Flask) -> str:
    with app.app_context():
        curriculum, assignments = current_curriculum(), current_assignments()
        ordered = sorted(curriculum.modules.values(), key=lambda m: m.order)
        return next(
            m.slug for m in ordered if assignments.for_module(m.slug) and not m.prerequisites
        )


def _write_everything(app: Flask, enrolment_id: int, teacher_id: int, module: str) -> None:
    """A submitted reflection with released feedback, a draft and a log note, all marked."""
    now = utcnow()
    with app.app_context():
        session = db.session
        enrolment = session.get(Enrolment, enrolment_id)
        assignment = current_assignments().for_module(module)
        reflection = drafts.get_or_create(session, enrolment, assignment)
        words = f"{MARKER}-reflection " + " ".join(["refleksion"] * 420)
        fields = {f.key: words for f in assignment.fields}
        drafts.save_draft(
            session,
            assignment,
            reflection,
            text=words,
            fields=fields,
            expected_version=reflection.draft_version,
            now=now,
        )
        version = submission.submit(
            session,
            current_curriculum(),
            assignment,
            reflection,
            text=words,
            fields=fields,
            expected_version=reflection.draft_version,
            checklist_confirmed=True,
            extension=None,
            now=now,
        )
        feedback.save_review(
            session,
            current_curriculum(),
            assignment,
            session.get(ReflectionVersion, version.id),
            teacher_id=teacher_id,
            criteria={
                c.key: {"met": True, "comment": f"{MARKER}-criterion"} for c in assignment.criteria
            },
            overall_comment=f"{MARKER}-feedback",
            decision=ReviewDecision.APPROVED,
            expected_lock=None,
            release=True,
            now=now,
        )
        practice_log.add_log_entry(
            session, enrolment, noted_on=now.date(), text=f"{MARKER}-log", today=now.date()
        )
        session.commit()


@pytest.fixture
def world(app: Flask, make: Any) -> SimpleNamespace:
    """HR Hanne follows Alfa and Gamma; HR Bent follows Beta.

    Alfa: Anna (peer, Hold X, valid certificate, 50 % attendance), Bo (colleague, Hold Y,
    revoked certificate). Gamma: Cai (peer, Hold X, paused). Beta: Dina (peer, Hold X, valid
    certificate), Erik (colleague, Hold Y).
    """
    teacher = make.user(Role.TEACHER, email="tove@example.org", name="Tove Teacher")
    admin = make.user(Role.ADMIN, email="admin@example.org", name="Ada Admin")
    hold_x = make.cohort("Hold X", teachers=(teacher,))
    hold_y = make.cohort("Hold Y", teachers=(teacher,))
    alfa = make.organisation("Alfa Kommune")
    beta = make.organisation("Beta Region")
    gamma = make.organisation("Gamma Forening", kind="ngo")
    hanne = make.user(Role.HR, email="hanne@example.org", name="Hanne HR", locale="en")
    bent = make.user(Role.HR, email="bent@example.org", name="Bent HR", locale="en")
    make.hr_scope(hanne, alfa, gamma)
    make.hr_scope(bent, beta)

    def learner(name: str, cohort: Cohort, org: Any, track: str = "peer") -> Enrolment:
        email = f"{name.split()[0].lower()}@example.org"
        role = "colleague" if track == "colleague" else "paid_peer"
        return make.enrolment(make.user(name=name, email=email), cohort, org, track, role)

    anna = learner("Anna Andersen", hold_x, alfa)
    bo = learner("Bo Bech", hold_y, alfa, track="colleague")
    cai = learner("Cai Carlsen", hold_x, gamma)
    dina = learner("Dina Dahl", hold_x, beta)
    erik = learner("Erik Eriksen", hold_y, beta, track="colleague")

    module = _first_assignment_module(app)
    for enrolment in (anna, bo, cai, dina, erik):
        _write_everything(app, enrolment.id, teacher.id, module)

    with app.app_context():
        session, curriculum, now = db.session, current_curriculum(), utcnow()
        days = [
            attendance.add_class_day(
                session,
                curriculum,
                session.get(Cohort, hold_x.id),
                day=date(2027, 2, 1) + timedelta(days=offset),
                topic="",
                module_slug=None,
                actor_id=teacher.id,
            )
            for offset in (0, 2)
        ]
        attendance.register(
            session,
            current_curriculum(),
            days[0],
            {anna.id: "present", cai.id: "present"},
            actor_id=teacher.id,
            now=DAYS_HELD,
        )
        attendance.register(
            session,
            current_curriculum(),
            days[1],
            {anna.id: "absent", cai.id: "present"},
            actor_id=teacher.id,
            now=DAYS_HELD,
        )
        for enrolment in (anna, bo, dina):
            certification.issue_manually(
                session,
                curriculum,
                session.get(Enrolment, enrolment.id),
                reason="Approved by the course leader",
                actor_id=teacher.id,
                now=now,
            )
        certification.revoke(
            session,
            certification.certificate_of(session, bo.id),
            reason="Issued by mistake",
            actor_id=admin.id,
            now=now,
        )
        enrolments.set_enrolment_status(
            session, session.get(Enrolment, cai.id), EnrolmentStatus.PAUSED, actor_id=admin.id
        )
        session.commit()

    return SimpleNamespace(
        admin=admin,
        teacher=teacher,
        hanne=hanne,
        bent=bent,
        alfa=alfa,
        beta=beta,
        gamma=gamma,
        hold_x=hold_x,
        hold_y=hold_y,
        anna=anna,
        bo=bo,
        cai=cai,
        dina=dina,
        erik=erik,
    )


def token_for(app: Flask, user: User, name: str = "HR system") -> str:
    with app.app_context():
        _token, raw = api_tokens.create_token(
            db.session, db.session.get(User, user.id), name, utcnow()
        )
        db.session.commit()
    return raw


@pytest.fixture
def solo_token(app: Flask, make: Any) -> str:
    """A token of an HR user with one empty organisation: for tests of the request itself."""
    solo = make.user(Role.HR, email="solo@example.org", name="Solo HR")
    make.hr_scope(solo, make.organisation("Solo Kommune"))
    return token_for(app, solo)


def csv_export(app: Flask, client: Any, path: str) -> str:
    """A streamed export, read and closed; closing ends the request and its database session."""
    with client.get(path) as response:
        assert response.status_code == 200
        body = response.get_data(as_text=True).lstrip("\ufeff")
    leaked = Database.state(app).engine.pool.checkedout()
    if leaked:
        # Let go of the leaked connection here, so that its ResourceWarning does not surface
        # in whichever test happens to run the garbage collector next.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
    assert leaked == 0, "the export kept a database connection after its response was closed"
    return body


def names(items: list[dict[str, Any]], key: str = "name") -> list[str]:
    return [item[key] for item in items]


# -- Tokens on the HR screen --------------------------------------------------------------


def test_hr_creates_a_token_on_the_screen_it_is_shown_once_and_works(
    app: Flask, client: Any, api: Api, world: SimpleNamespace
) -> None:
    client.login("hanne@example.org", PASSWORD)
    page = client.get("/hr/api-tokens")
    assert page.status_code == 200
    assert "Authorization: Bearer" in page.get_data(as_text=True)

    created = client.submit("/hr/api-tokens", {"name": "Lønsystem"}, token_page="/hr/api-tokens")

    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    shown = TOKEN_SHAPE.findall(created.get_data(as_text=True))
    assert len(set(shown)) == 1
    raw = shown[0]
    listing = client.get("/hr/api-tokens").get_data(as_text=True)
    assert "Lønsystem" in listing and raw[:8] in listing and raw not in listing

    items = api.items(f"{API}/participants", raw)
    assert names(items) == ["Anna Andersen", "Bo Bech", "Cai Carlsen"]

    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert token.prefix == raw[:8]
        assert token.last_used_at is not None
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "api_token")
        ).all()
        assert actions == ["api_token.create"]


def test_the_raw_token_is_nowhere_in_the_database(
    app: Flask, client: Any, world: SimpleNamespace
) -> None:
    client.login("hanne@example.org", PASSWORD)
    created = client.submit("/hr/api-tokens", {"name": "Lønsystem"}, token_page="/hr/api-tokens")
    raw = TOKEN_SHAPE.findall(created.get_data(as_text=True))[0]
    secret_part = raw[8:]

    with app.app_context():
        connection = db.session.connection()
        for table in metadata.sorted_tables:
            for row in connection.execute(text(f'SELECT * FROM "{table.name}"')):
                assert secret_part not in repr(tuple(row)), f"token in {table.name}"


def test_creating_a_token_needs_the_csrf_token_and_a_name(
    app: Flask, client: Any, world: SimpleNamespace
) -> None:
    client.login("hanne@example.org", PASSWORD)

    forged = client.post("/hr/api-tokens", data={"name": "Forged"})
    nameless = client.submit("/hr/api-tokens", {"name": "  "}, token_page="/hr/api-tokens")

    assert forged.status_code == 400
    assert nameless.status_code == 200 and not TOKEN_SHAPE.search(nameless.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_only_hr_users_have_the_token_screen(
    client: Any, make_client: Any, world: SimpleNamespace
) -> None:
    assert client.get("/hr/api-tokens").status_code == 302  # to the login page
    client.login("tove@example.org", PASSWORD)
    assert client.get("/hr/api-tokens").status_code == 404
    assert client.submit("/hr/api-tokens", {"name": "x"}, token_page="/account").status_code == 404


def test_a_revoked_token_gets_401(
    app: Flask, client: Any, api: Api, world: SimpleNamespace
) -> None:
    raw = token_for(app, world.hanne)
    api.get(f"{API}/participants", raw)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    client.login("hanne@example.org", PASSWORD)

    revoked = client.submit(f"/hr/api-tokens/{token_id}/revoke", token_page="/hr/api-tokens")

    assert revoked.status_code == 302
    response = api.get(f"{API}/participants", raw, status=401)
    assert response.json["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="peeredu", error="invalid_token"'
    assert "Revoked" in client.get("/hr/api-tokens").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None
        assert db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "api_token")
        ).all() == ["api_token.create", "api_token.revoke"]


def test_nobody_revokes_another_users_token(
    app: Flask, client: Any, api: Api, world: SimpleNamespace
) -> None:
    raw = token_for(app, world.bent)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    client.login("hanne@example.org", PASSWORD)

    response = client.submit(f"/hr/api-tokens/{token_id}/revoke", token_page="/hr/api-tokens")

    assert response.status_code == 404
    api.get(f"{API}/participants", raw)


# -- Authentication -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic aGFubmU6cGFzc3dvcmQ=", "Bearer pe_unknown", "Token x"],
)
def test_without_a_valid_bearer_token_the_answer_is_401(
    api: Api, solo_token: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    for path in ("/participants", "/participants/1", "/certificates"):
        response = api.get(API + path, headers=headers, status=401)
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="peeredu"')


def test_a_session_cookie_alone_is_not_enough(
    app: Flask, client: Any, world: SimpleNamespace
) -> None:
    client.login("hanne@example.org", PASSWORD)
    assert client.get("/hr/").status_code == 200  # the cookie works for the HR pages

    document = client.get(f"{API}/openapi.json").json
    response = client.get(f"{API}/participants")

    assert response.status_code == 401
    Api(client=client, document=document).check(f"{API}/participants", "GET", response)


def test_the_token_stops_working_when_its_owner_may_no_longer_use_it(
    app: Flask, api: Api, world: SimpleNamespace
) -> None:
    hanne, bent = token_for(app, world.hanne), token_for(app, world.bent)
    with app.app_context():
        users.update_user(
            db.session,
            db.session.get(User, world.hanne.id),
            name="Hanne HR",
            roles=[Role.LEARNER],
            locale="en",
            actor_id=world.admin.id,
        )
        users.set_active(
            db.session, db.session.get(User, world.bent.id), False, actor_id=world.admin.id
        )
        db.session.commit()

    api.get(f"{API}/participants", hanne, status=401)
    api.get(f"{API}/participants", bent, status=401)


def test_last_used_is_noted_at_most_once_a_minute(app: Flask, world: SimpleNamespace) -> None:
    raw = token_for(app, world.hanne)
    start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    with app.app_context():
        for offset, expected in [(0, 0), (30, 0), (59, 0), (60, 60), (90, 60)]:
            user = api_tokens.authenticate_token(db.session, raw, start + timedelta(seconds=offset))
            db.session.commit()
            assert user is not None and user.id == world.hanne.id
            token = db.session.scalar(select(ApiToken))
            assert token.last_used_at == start + timedelta(seconds=expected)
        assert api_tokens.authenticate_token(db.session, raw + "x", start) is None
        assert api_tokens.authenticate_token(db.session, "pe_" + "x" * 200, start) is None


def test_only_hr_users_can_hold_tokens(app: Flask, world: SimpleNamespace) -> None:
    with app.app_context():
        teacher = db.session.get(User, world.teacher.id)
        with pytest.raises(api_tokens.DomainError):
            api_tokens.create_token(db.session, teacher, "Sneaky", utcnow())


# -- Scope --------------------------------------------------------------------------------


def test_each_hr_user_gets_their_own_organisations_and_404_for_the_rest(
    app: Flask, client: Any, api: Api, world: SimpleNamespace
) -> None:
    hanne, bent = token_for(app, world.hanne), token_for(app, world.bent)

    assert names(api.items(f"{API}/participants", hanne)) == [
        "Anna Andersen",
        "Bo Bech",
        "Cai Carlsen",
    ]
    assert names(api.items(f"{API}/participants", bent)) == ["Dina Dahl", "Erik Eriksen"]
    assert names(api.items(f"{API}/certificates", hanne), "participant_name") == [
        "Anna Andersen",
        "Bo Bech",
    ]
    assert names(api.items(f"{API}/certificates", bent), "participant_name") == ["Dina Dahl"]

    assert api.get(f"{API}/participants/{world.anna.id}", hanne).json["name"] == "Anna Andersen"
    for outside in (world.dina.id, world.erik.id, 999_999):
        assert api.get(f"{API}/participants/{outside}", hanne, status=404).json == {
            "error": "not_found",
            "message": f"No participant {outside} in your scope.",
        }
    api.get(f"{API}/participants/{world.anna.id}", bent, status=404)
    # An organisation outside the scope narrows to nothing; it never widens.
    assert (
        api.get(f"{API}/participants", hanne, query={"organisation": world.beta.id}).json["total"]
        == 0
    )

    # The same scope through the HR pages and the export.
    client.login("hanne@example.org", PASSWORD)
    assert client.get(f"/hr/participants/{world.dina.id}").status_code == 404
    exported = csv_export(app, client, "/hr/participants.csv")
    assert "Anna Andersen" in exported and "Dina Dahl" not in exported


def test_the_participant_facts_are_those_of_the_csv_export(
    app: Flask, client: Any, api: Api, world: SimpleNamespace
) -> None:
    items = api.items(f"{API}/participants", token_for(app, world.hanne))
    client.login("hanne@example.org", PASSWORD)
    exported = list(
        csv.reader(io.StringIO(csv_export(app, client, "/hr/participants.csv?sep=comma")))
    )

    with app.test_request_context(), force_locale("en"):
        expected = [
            [
                item["name"],
                item["email"],
                item["organisation_name"],
                item["cohort_name"],
                item["cohort_start"],
                item["cohort_end"],
                label(Track(item["track"])),
                label(WorkRole(item["work_role"])),
                label(EnrolmentStatus(item["status"])),
                str(item["modules_completed"]),
                str(item["modules_required"]),
                "" if item["attendance_percent"] is None else str(item["attendance_percent"]),
                str(CERTIFICATE_LABELS[item["certificate_status"]]),
                item["certificate_code"] or "",
                item["certified_at"][:10] if item["certified_at"] else "",
            ]
            for item in items
        ]
    assert exported[1:] == expected
    # The comparison is of real facts, not of empty columns.
    anna = next(item for item in items if item["name"] == "Anna Andersen")
    assert anna["attendance_percent"] == 50 and anna["modules_completed"] == 1
    assert anna["certificate_status"] == "valid" and anna["certificate_code"]


def test_no_reflection_feedback_or_log_text_in_any_answer(
    app: Flask, api: Api, world: SimpleNamespace
) -> None:
    raw = token_for(app, world.hanne)
    api.items(f"{API}/participants", raw, per_page=1)
    api.items(f"{API}/certificates", raw, per_page=1)
    for enrolment in (world.anna, world.bo, world.cai):
        api.get(f"{API}/participants/{enrolment.id}", raw)
    api.get(f"{API}/participants/{world.dina.id}", raw, status=404)
    api.get(f"{API}/openapi.json")

    assert len(api.bodies) == 10
    assert not [body for body in api.bodies if MARKER in body]
    # The markers are really there to be found.
    with app.app_context():
        assert db.session.scalar(
            select(ReflectionVersion.id).where(ReflectionVersion.text.contains(MARKER))
        )


# -- Filters and pages --------------------------------------------------------------------


def test_filters_narrow_the_participants(app: Flask, api: Api, world: SimpleNamespace) -> None:
    raw = token_for(app, world.hanne)

    def listed(**query: Any) -> list[str]:
        return names(api.items(f"{API}/participants", raw, **query))

    assert listed(organisation=world.alfa.id) == ["Anna Andersen", "Bo Bech"]
    assert listed(organisation=world.gamma.id) == ["Cai Carlsen"]
    assert listed(organisation=f"{world.alfa.id},{world.gamma.id}") == [
        "Anna Andersen",
        "Bo Bech",
        "Cai Carlsen",
    ]
    assert listed(organisation=[world.gamma.id, world.beta.id]) == ["Cai Carlsen"]
    assert listed(cohort=world.hold_x.id) == ["Anna Andersen", "Cai Carlsen"]
    assert listed(cohort=world.hold_y.id, track="colleague") == ["Bo Bech"]
    assert listed(track="peer") == ["Anna Andersen", "Cai Carlsen"]
    assert listed(status="paused") == ["Cai Carlsen"]
    assert listed(status="completed") == ["Anna Andersen", "Bo Bech"]
    assert listed(status="withdrawn") == []
    assert listed(certified="true") == ["Anna Andersen"]
    assert listed(certified="false") == ["Bo Bech", "Cai Carlsen"]

    def certificates(**query: Any) -> list[tuple[str, str]]:
        items = api.items(f"{API}/certificates", raw, **query)
        return [(item["participant_name"], item["status"]) for item in items]

    assert certificates() == [("Anna Andersen", "valid"), ("Bo Bech", "revoked")]
    assert certificates(status="valid") == [("Anna Andersen", "valid")]
    assert certificates(status="revoked") == [("Bo Bech", "revoked")]
    assert certificates(track="peer") == [("Anna Andersen", "valid")]
    assert certificates(cohort=world.hold_x.id, organisation=world.gamma.id) == []


def test_updated_since_gives_what_changed(app: Flask, api: Api, world: SimpleNamespace) -> None:
    raw = token_for(app, world.hanne)
    cutoff = utcnow()
    with app.app_context():
        session = db.session
        # What the world holds was written a moment ago: dated before the cutoff outright,
        # instead of waiting for the clock to move past it.
        earlier = cutoff - timedelta(minutes=1)
        session.execute(update(Enrolment).values(updated_at=earlier))
        session.execute(update(Certificate).values(updated_at=earlier))
        enrolments.set_enrolment_status(
            session, session.get(Enrolment, world.cai.id), "active", actor_id=world.admin.id
        )
        certificate = certification.certificate_of(session, world.anna.id)
        certification.revoke(
            session, certificate, reason="Mistake", actor_id=world.admin.id, now=utcnow()
        )
        session.commit()

    for since in (cutoff.isoformat(), cutoff.isoformat().replace("+00:00", "Z")):
        changed = api.items(f"{API}/participants", raw, updated_since=since)
        assert names(changed) == ["Anna Andersen", "Cai Carlsen"]
        assert all(datetime.fromisoformat(i["updated_at"]) >= cutoff for i in changed)
        certificates = api.items(f"{API}/certificates", raw, updated_since=since)
        assert [(c["participant_name"], c["status"]) for c in certificates] == [
            ("Anna Andersen", "revoked")
        ]
    # A "+" the client forgot to encode arrives as a space, and is understood.
    unencoded = api.get(f"{API}/participants?updated_since={cutoff.isoformat()}", raw).json
    assert unencoded["total"] == 2
    later = (utcnow() + timedelta(hours=1)).isoformat()
    assert api.get(f"{API}/participants", raw, query={"updated_since": later}).json["total"] == 0


def test_pages_carry_total_and_next(app: Flask, api: Api, world: SimpleNamespace) -> None:
    raw = token_for(app, world.hanne)

    first = api.get(
        f"{API}/participants", raw, query={"per_page": 2, "organisation": world.alfa.id}
    ).json
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 2)
    assert first["next"] is None

    first = api.get(f"{API}/participants", raw, query={"per_page": 2, "track": "peer"}).json
    assert names(first["items"]) == ["Anna Andersen", "Cai Carlsen"] and first["next"] is None

    first = api.get(f"{API}/participants", raw, query={"per_page": 1}).json
    assert first["total"] == 3 and names(first["items"]) == ["Anna Andersen"]
    assert first["next"].startswith(f"http://localhost{API}/participants?")
    assert "per_page=1" in first["next"] and "page=2" in first["next"]
    second = api.get(first["next"], raw).json
    assert (second["page"], names(second["items"])) == (2, ["Bo Bech"])
    third = api.get(second["next"], raw).json
    assert names(third["items"]) == ["Cai Carlsen"] and third["next"] is None
    beyond = api.get(f"{API}/participants", raw, query={"page": 9}).json
    assert beyond["items"] == [] and beyond["total"] == 3 and beyond["next"] is None

    certificates = api.get(f"{API}/certificates", raw, query={"per_page": 1}).json
    assert certificates["total"] == 2 and len(certificates["items"]) == 1
    assert certificates["next"] is not None
    last = api.get(certificates["next"], raw).json
    assert last["items"][0]["participant_name"] == "Bo Bech" and last["next"] is None


def test_participant_and_certificate_fields(app: Flask, api: Api, world: SimpleNamespace) -> None:
    raw = token_for(app, world.hanne)

    anna = api.get(f"{API}/participants/{world.anna.id}", raw).json
    certificates = api.get(f"{API}/certificates", raw).json["items"]

    with app.app_context():
        stored = certification.certificate_of(db.session, world.anna.id)
        code = stored.code
    assert anna["enrolment_id"] == world.anna.id and anna["email"] == "anna@example.org"
    assert (anna["organisation_id"], anna["cohort_id"]) == (world.alfa.id, world.hold_x.id)
    assert (anna["track"], anna["work_role"], anna["status"]) == ("peer", "paid_peer", "completed")
    assert anna["cohort_start"] == "2027-02-01"
    assert re.fullmatch(r"\w{4}-\w{4}-\w{4}-\w", anna["certificate_code"])
    assert anna["certificate_code"].replace("-", "") == code
    assert datetime.fromisoformat(anna["certified_at"]).utcoffset() == timedelta(0)
    valid, revoked = certificates
    assert valid["code"] == anna["certificate_code"] and valid["revoked_at"] is None
    assert valid["hours"] > 0 and valid["course"] and valid["track"] == "peer"
    assert revoked["status"] == "revoked" and revoked["revoked_at"] is not None
    assert revoked["organisation_name"] == "Alfa Kommune"


@pytest.mark.parametrize(
    ("query", "parameter", "problem"),
    [
        ({"updated_since": "yesterday"}, "updated_since", "not an ISO 8601 date-time"),
        ({"updated_since": "2027-03-01T08:00:00"}, "updated_since", "with a time zone"),
        ({"updated_since": "2027-03-01"}, "updated_since", "not an ISO 8601 date-time"),
        ({"organisation": "1,abc"}, "organisation", "not a list of ids"),
        ({"organisation": "0"}, "organisation", "not a list of ids"),
        ({"cohort": "X"}, "cohort", "not a whole number"),
        ({"cohort": ["1", "2"]}, "cohort", "at most once"),
        ({"track": "manager"}, "track", "use one of peer, colleague"),
        ({"status": "sleeping"}, "status", "use one of active, paused"),
        ({"certified": "yes"}, "certified", "use one of true, false"),
        ({"page": "0"}, "page", "not a whole number of at least 1"),
        ({"per_page": "201"}, "per_page", "at most 200"),
        ({"per_page": "-5"}, "per_page", "not a whole number"),
        ({"updatedSince": "2027-03-01T00:00:00Z"}, "updatedSince", "unknown parameter"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_it(
    api: Api, solo_token: str, query: dict[str, Any], parameter: str, problem: str
) -> None:
    response = api.get(f"{API}/participants", solo_token, query=query, status=400)

    assert response.json["error"] == "invalid_parameter"
    assert response.json["parameter"] == parameter
    assert (
        response.json["message"].startswith(f"{parameter}: ")
        and problem in response.json["message"]
    )


def test_certificate_filters_are_checked_too(app: Flask, api: Api, world: SimpleNamespace) -> None:
    raw = token_for(app, world.hanne)
    response = api.get(f"{API}/certificates", raw, query={"status": "paused"}, status=400)
    assert response.json["message"] == "status: use one of valid, revoked"
    response = api.get(f"{API}/certificates", raw, query={"certified": "true"}, status=400)
    assert response.json["parameter"] == "certified"
    response = api.get(f"{API}/participants/{world.anna.id}", raw, query={"x": 1}, status=400)
    assert response.json["parameter"] == "x"


def test_errors_under_the_api_are_json(app: Flask, api: Api, world: SimpleNamespace) -> None:
    raw = token_for(app, world.hanne)

    assert api.get(f"{API}/nothing-here", raw, status=404).json["error"] == "not_found"
    assert api.get(f"{API}/participants/abc", raw, status=404).json["error"] == "not_found"
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = api.get(f"{API}/participants", raw, method=method, status=405)
        assert response.json["error"] == "method_not_allowed"
        assert "GET" in response.headers["Allow"]
    for path in ("/participants", "/certificates", f"/participants/{world.anna.id}"):
        assert api.get(API + path, raw).headers["Cache-Control"] == "no-store"


# -- The OpenAPI document -----------------------------------------------------------------


def test_the_openapi_document_is_valid_and_describes_every_endpoint(
    app: Flask, api: Api, world: SimpleNamespace
) -> None:
    response = api.get(f"{API}/openapi.json")  # no token needed
    document = response.json

    validate_openapi(document)
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": f"http://localhost{API}"}]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    served = {
        rule.rule.removeprefix(API).replace("<int:enrolment_id>", "{enrolment_id}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API + "/") and rule.endpoint != "peeredu.api.unknown"
    }
    assert served == set(document["paths"])
    parameters = {
        p["$ref"].rsplit("/", 1)[-1]
        for p in document["paths"]["/participants"]["get"]["parameters"]
    }
    assert {"organisation", "cohort", "track", "updated_since", "page", "per_page"} <= parameters


def test_the_schemas_would_catch_a_drifting_answer(
    app: Flask, api: Api, world: SimpleNamespace
) -> None:
    """The validation in Api.check is not vacuous: a changed answer fails it."""
    raw = token_for(app, world.hanne)
    answer = api.get(f"{API}/participants/{world.anna.id}", raw).json
    schema = "/paths/~1participants~1{enrolment_id}/get/responses/200"
    assert api.schema_errors(schema, answer) == []

    for change in (
        {"surprise": 1},
        {"updated_at": "yesterday"},
        {"certified_at": "2027-03-01T08:00:00"},
        {"track": "manager"},
        {"attendance_percent": "50 %"},
        {"certificate_code": "ABCD"},
    ):
        assert api.schema_errors(schema, {**answer, **change}), change
    without_email = {k: v for k, v in answer.items() if k != "email"}
    assert api.schema_errors(schema, without_email)


# -- Rate limit ---------------------------------------------------------------------------


@pytest.mark.parametrize("app_overrides", [{"API_RATE_LIMIT": "3 per minute"}])
def test_over_the_rate_limit_the_answer_is_429_json(
    app: Flask, api: Api, world: SimpleNamespace
) -> None:
    hanne, bent = token_for(app, world.hanne), token_for(app, world.bent, "Other system")

    for _ in range(3):
        api.get(f"{API}/participants", hanne)
    response = api.get(f"{API}/certificates", hanne, status=429)

    assert response.json["error"] == "rate_limited"
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 61
    assert response.json["message"] == (
        f"Too many requests (at most 3 per 1 minute per token); try again in {wait} seconds."
    )
    # Counted per token: another token is not held back.
    api.get(f"{API}/participants", bent)

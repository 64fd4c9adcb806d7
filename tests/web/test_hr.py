"""HR follows the participants of their organisations: the list, one participant, exports.

Data is made through the domain services (enrolments, progress, attendance, certificates,
reflections, the practice log); HR's requests go through the test client with CSRF on. HR users
read English (locale "en"), so the tests can name interface strings that the Danish catalog
does not have yet; otherwise they assert on status codes, names, numbers and markers.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, date, datetime, time
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import event, select

from peeredu.accounts import enrolments, users
from peeredu.accounts.models import Cohort, Enrolment, Organisation, Role, User
from peeredu.audit import AuditEvent
from peeredu.certification import codes
from peeredu.certification import services as certificate_services
from peeredu.certification.models import Certificate
from peeredu.curriculum import attendance, progress
from peeredu.curriculum.attendance import AttendanceStatus
from peeredu.db import utcnow
from peeredu.extensions import Database, current_assignments, current_curriculum, db
from peeredu.reflections import deadlines, drafts, feedback, practice_log, submission
from peeredu.reflections.models import ReflectionVersion, ReviewDecision
from peeredu.reports import participants as report
from peeredu.reports.participants import ParticipantFilter
from tests.factories import PASSWORD

FIRST = "fra-levet-erfaring-til-erfaringskompetence"
SECOND = "recovery-personlig-klinisk-og-organisatorisk"
HR_ROUTES = ("/hr/", "/hr/participants/{id}", "/hr/participants.csv", "/hr/participants.xlsx")
A_NAMES = ["Anna Andersen", "carl Christensen", "Dorte Dam", "Erik Eriksen"]


# -- People and places ---------------------------------------------------------------------


@pytest.fixture
def world(make: Any) -> SimpleNamespace:
    """Organisation A has four participants over two cohorts and both tracks; B has two, one
    of them in a cohort with nobody from A; C has one. Hanne is HR of A, Helle of B, Hugo of A
    and C."""
    org_a = make.organisation("Rudersdal Kommune")
    org_b = make.organisation("Helsingør Kommune")
    org_c = make.organisation("Det Sociale Netværk", kind="ngo")
    tove = make.user(Role.TEACHER, email="tove@example.org", name="Tove Teacher", locale="en")
    hold_1 = make.cohort("Hold 1", teachers=(tove,))
    hold_2 = make.cohort("Hold 2", teachers=(tove,))
    hold_b = make.cohort("Hold B alone", teachers=(tove,))

    def participant(name: str, cohort: Cohort, org: Organisation, track: str = "peer", **kw: Any):
        work_role = kw.get("work_role", "colleague" if track == "colleague" else "paid_peer")
        email = name.lower().replace(" ", ".") + "@example.org"
        learner = make.user(name=name, email=email, password=None)
        return make.enrolment(learner, cohort, org, track=track, work_role=work_role)

    hanne = make.user(Role.HR, email="hanne@example.org", name="Hanne HR", locale="en")
    helle = make.user(Role.HR, email="helle@example.org", name="Helle HR", locale="en")
    hugo = make.user(Role.HR, email="hugo@example.org", name="Hugo HR", locale="en")
    make.hr_scope(hanne, org_a)
    make.hr_scope(helle, org_b)
    make.hr_scope(hugo, org_a, org_c)
    return SimpleNamespace(
        org_a=org_a,
        org_b=org_b,
        org_c=org_c,
        tove=tove,
        hold_1=hold_1,
        hold_2=hold_2,
        hold_b=hold_b,
        hanne=hanne,
        helle=helle,
        hugo=hugo,
        anna=participant("Anna Andersen", hold_1, org_a),
        carl=participant("carl Christensen", hold_1, org_a, track="colleague"),
        dorte=participant("Dorte Dam", hold_2, org_a, track="colleague", work_role="manager"),
        erik=participant("Erik Eriksen", hold_2, org_a),
        bent=participant("Bent Berg", hold_1, org_b),
        birgit=participant("Birgit Bro", hold_b, org_b),
        cecilie=participant("Cecilie Holm", hold_2, org_c),
    )


# The day the report is read on (only the count of class days held so far depends on it).
TODAY = date(2027, 3, 1)


def signed_in(make_client: Any, email: str) -> Any:
    client = make_client()
    response = client.login(email, PASSWORD)
    assert response.status_code == 302
    return client


@pytest.fixture
def hanne(make_client: Any, world: SimpleNamespace) -> Any:
    return signed_in(make_client, "hanne@example.org")


# -- Reading responses ---------------------------------------------------------------------


def text_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def listed(page: str) -> list[str]:
    """The participants in the list, top to bottom."""
    return re.findall(r'<td><a href="/hr/participants/\d+">([^<]+)</a></td>', page)


def csv_records(response: Any, delimiter: str = ";") -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "no BOM: Excel would misread the UTF-8"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=delimiter))


def xlsx_sheet(response: Any) -> Any:
    assert response.status_code == 200
    assert response.mimetype == report_xlsx_mimetype()
    assert re.search(
        r'attachment; filename="?deltagere-[\d-]+\.xlsx', response.headers["Content-Disposition"]
    )
    return openpyxl.load_workbook(io.BytesIO(response.get_data())).active


def xlsx_records(response: Any) -> list[dict[str, Any]]:
    rows = list(xlsx_sheet(response).iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def report_xlsx_mimetype() -> str:
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def names_everywhere(client: Any, query: str = "") -> dict[str, list[str]]:
    """The participants the list, the CSV and the XLSX show for the same query."""
    sep = "&" if query else ""
    return {
        "page": listed(text_of(client.get(f"/hr/?{query}"))),
        "csv": [r["Name"] for r in csv_records(client.get(f"/hr/participants.csv?{query}"))],
        "csv_comma": [
            r["Name"]
            for r in csv_records(
                client.get(f"/hr/participants.csv?{query}{sep}sep=comma"), delimiter=","
            )
        ],
        "xlsx": [r["Name"] for r in xlsx_records(client.get(f"/hr/participants.xlsx?{query}"))],
    }


# -- Progress, made through the services ---------------------------------------------------


def complete(app: Flask, enrolment: Enrolment, slug: str, actor: User) -> None:
    with app.app_context():
        progress.complete_by_teacher(
            db.session,
            current_curriculum(),
            db.session.get(Enrolment, enrolment.id),
            slug,
            reason="Done on paper",
            actor_id=actor.id,
            now=utcnow(),
        )
        db.session.commit()


def held(day: date) -> datetime:
    """The evening of a class day: attendance is registered on the day or later, never before."""
    return datetime(day.year, day.month, day.day, 18, 0, tzinfo=UTC)


def register_attendance(
    app: Flask, cohort: Cohort, day: date, statuses: dict[int, str], actor: User
) -> None:
    with app.app_context():
        found = db.session.get(Cohort, cohort.id)
        class_day = attendance.add_class_day(
            db.session,
            current_curriculum(),
            found,
            day=day,
            topic="",
            module_slug=None,
            actor_id=actor.id,
        )
        attendance.register(
            db.session, current_curriculum(), class_day, statuses, actor_id=actor.id, now=held(day)
        )
        db.session.commit()


def issue(app: Flask, enrolment: Enrolment, actor: User, *, revoke: bool = False) -> Certificate:
    with app.app_context():
        certificate = certificate_services.issue_manually(
            db.session,
            current_curriculum(),
            db.session.get(Enrolment, enrolment.id),
            reason="Approved by exception",
            actor_id=actor.id,
            now=utcnow(),
        )
        if revoke:
            certificate_services.revoke(
                db.session,
                certificate,
                reason="Issued by mistake",
                actor_id=actor.id,
                now=utcnow(),
            )
        db.session.commit()
        return certificate


def set_status(app: Flask, enrolment: Enrolment, status: str) -> None:
    with app.app_context():
        enrolments.set_enrolment_status(
            db.session, db.session.get(Enrolment, enrolment.id), status, actor_id=None
        )
        db.session.commit()


def enrol_many(app: Flask, count: int, cohort: Cohort, org: Organisation, prefix: str) -> list[int]:
    """``count`` participants in one transaction (no passwords: nothing to hash)."""
    ids = []
    with app.app_context():
        for n in range(count):
            user = users.create_user(
                db.session,
                email=f"p-{uuid.uuid4().hex[:12]}@example.org",
                name=f"{prefix} {n:03d}",
                roles=[Role.LEARNER],
                actor_id=None,
            )
            track = "peer" if n % 2 else "colleague"
            enrolment = enrolments.enrol(
                db.session,
                user,
                enrolments.EnrolmentSpec(
                    cohort.id, org.id, track, "paid_peer" if n % 2 else "colleague"
                ),
                actor_id=None,
            )
            ids.append(enrolment.id)
        db.session.commit()
    return ids


# == Scope =================================================================================


def test_hr_sees_the_participants_of_their_organisation_and_nobody_else(hanne, world):
    page = text_of(hanne.get("/hr/"))
    assert listed(page) == A_NAMES
    for other in ("Bent Berg", "Birgit Bro", "Cecilie Holm"):
        assert other not in page
    # Both tracks and both of A's cohorts are there.
    assert "Peer-support worker" in page and "Colleague" in page
    assert "Hold 1" in page and "Hold 2" in page
    assert "4 participants found." in page


def test_the_start_page_and_the_menu_lead_hr_to_the_list(hanne, make, world, make_client):
    start = text_of(hanne.get("/"))
    assert start.count('href="/hr/"') == 2  # the menu and the HR section
    make.user(Role.LEARNER, email="learner@example.org")
    learner = signed_in(make_client, "learner@example.org")
    assert 'href="/hr/"' not in text_of(learner.get("/"))


def test_filter_choices_offer_only_what_is_in_scope(hanne, world):
    page = text_of(hanne.get("/hr/"))
    assert f'<option value="{world.org_a.id}">Rudersdal Kommune</option>' in page
    assert "Helsingør Kommune" not in page and "Det Sociale Netværk" not in page
    assert f'<option value="{world.hold_1.id}">Hold 1</option>' in page
    assert f'<option value="{world.hold_2.id}">Hold 2</option>' in page
    assert "Hold B alone" not in page


def test_participant_page_in_scope_and_404_for_anyone_else(hanne, world, make_client):
    page = text_of(hanne.get(f"/hr/participants/{world.dorte.id}"))
    assert "<h1>Dorte Dam</h1>" in page and "<dl" in page
    assert "Rudersdal Kommune" in page and "Hold 2" in page and "Manager" in page
    assert "0 of 10" in page

    for other in (world.bent, world.birgit, world.cecilie):
        assert hanne.get(f"/hr/participants/{other.id}").status_code == 404
    assert hanne.get(f"/hr/participants/{world.cecilie.id + 1000}").status_code == 404

    helle = signed_in(make_client, "helle@example.org")
    assert helle.get(f"/hr/participants/{world.anna.id}").status_code == 404
    assert text_of(helle.get(f"/hr/participants/{world.bent.id}"))


def test_exports_hold_only_the_organisations_participants(hanne, world, make_client):
    assert names_everywhere(hanne) == {
        "page": A_NAMES,
        "csv": A_NAMES,
        "csv_comma": A_NAMES,
        "xlsx": A_NAMES,
    }
    helle = signed_in(make_client, "helle@example.org")
    found = names_everywhere(helle)
    assert all(names == ["Bent Berg", "Birgit Bro"] for names in found.values()), found


def test_an_organisation_filter_narrows_the_scope_and_never_widens_it(world, make_client):
    hugo = signed_in(make_client, "hugo@example.org")
    assert listed(text_of(hugo.get("/hr/"))) == [*A_NAMES[:2], "Cecilie Holm", *A_NAMES[2:]]
    only_c = names_everywhere(hugo, f"organisation={world.org_c.id}")
    assert all(names == ["Cecilie Holm"] for names in only_c.values()), only_c
    # Asking for an organisation outside the scope shows nobody, not that organisation.
    outside = names_everywhere(hugo, f"organisation={world.org_b.id}")
    assert all(names == [] for names in outside.values()), outside


def test_hr_without_organisations_sees_nobody(make, world, make_client):
    make.user(Role.HR, email="new-hr@example.org", name="New HR", locale="en")
    client = signed_in(make_client, "new-hr@example.org")
    assert "No participants match." in text_of(client.get("/hr/"))
    assert all(names == [] for names in names_everywhere(client).values())
    assert client.get(f"/hr/participants/{world.anna.id}").status_code == 404


def test_the_scope_needs_the_hr_role_and_an_active_account(app, world):
    """Removing the HR role leaves the hr_scopes rows; the report must not honour them."""
    with app.app_context():
        curriculum = current_curriculum()
        assert report.scoped_organisation_ids(db.session, world.hanne.id) == {world.org_a.id}
        hanne = db.session.get(User, world.hanne.id)
        users.update_user(
            db.session,
            hanne,
            name=hanne.name,
            roles=[Role.TEACHER],
            locale="en",
            actor_id=world.tove.id,
        )
        db.session.commit()
        assert report.scoped_organisation_ids(db.session, world.hanne.id) == set()
        assert report.participants(
            db.session,
            curriculum,
            world.hanne.id,
            ParticipantFilter(),
            limit=50,
            offset=0,
            today=TODAY,
        ) == ([], 0)
        assert (
            report.participant(db.session, curriculum, world.hanne.id, world.anna.id, today=TODAY)
            is None
        )

        helle = db.session.get(User, world.helle.id)
        users.set_active(db.session, helle, False, actor_id=world.tove.id)
        db.session.commit()
        assert (
            list(
                report.iter_participants(
                    db.session, curriculum, world.helle.id, ParticipantFilter(), today=TODAY
                )
            )
            == []
        )


@pytest.mark.parametrize("role", ["learner", "teacher", "admin", "anonymous"])
def test_everyone_but_hr_is_kept_out_of_every_route(make, world, make_client, role):
    client = make_client()
    if role != "anonymous":
        roles = {"learner": Role.LEARNER, "teacher": Role.TEACHER, "admin": Role.ADMIN}
        make.user(roles[role], email="someone@example.org")
        client = signed_in(make_client, "someone@example.org")
    for route in HR_ROUTES:
        response = client.get(route.format(id=world.anna.id))
        if role == "anonymous":
            assert response.status_code == 302, route
            assert "/login" in response.headers["Location"], route
        else:
            assert response.status_code == 404, route


def test_a_teacher_of_the_cohort_is_not_hr_either(world, make_client):
    tove = signed_in(make_client, "tove@example.org")
    assert tove.get("/hr/").status_code == 404
    assert tove.get(f"/hr/participants/{world.anna.id}").status_code == 404


# == Never the learner's text ==============================================================


def text_with(marker: str, words: int = 420) -> str:
    return f"{marker} " + " ".join(["refleksion"] * words)


def test_no_reflection_feedback_or_practice_log_text_reaches_hr(app, hanne, world):
    draft_marker = "DRAFT-MARKER-5531"
    submitted_marker = "SUBMITTED-MARKER-7719"
    feedback_marker = "FEEDBACK-MARKER-2048"
    comment_marker = "CRITERION-MARKER-9924"
    log_marker = "PRACTICE-LOG-MARKER-3307"
    markers = (draft_marker, submitted_marker, feedback_marker, comment_marker, log_marker)
    at = datetime.combine(date(2027, 2, 3), time(9), tzinfo=UTC)
    with app.app_context():
        session = db.session
        enrolment = session.get(Enrolment, world.anna.id)
        assignments = current_assignments()

        # A submitted version, with released feedback that approves it.
        first = assignments.for_module(FIRST)
        reflection = drafts.get_or_create(session, enrolment, first)
        text = text_with(submitted_marker)
        fields = {f.key: text for f in first.fields}
        drafts.save_draft(
            session,
            first,
            reflection,
            text=text,
            fields=fields,
            expected_version=reflection.draft_version,
            now=at,
        )
        version = submission.submit(
            session,
            current_curriculum(),
            first,
            reflection,
            text=text,
            fields=fields,
            expected_version=reflection.draft_version,
            checklist_confirmed=True,
            extension=deadlines.extension_for(session, enrolment.id, first.slug),
            now=at,
        )
        feedback.save_review(
            session,
            current_curriculum(),
            first,
            session.get(ReflectionVersion, version.id),
            teacher_id=world.tove.id,
            criteria={
                c.key: {"met": True, "comment": f"{comment_marker} {c.key}"} for c in first.criteria
            },
            overall_comment=f"{feedback_marker} Well done.",
            decision=ReviewDecision.APPROVED,
            expected_lock=None,
            release=True,
            now=at,
        )

        # A draft that was never submitted.
        second = assignments.for_module(SECOND)
        draft = drafts.get_or_create(session, enrolment, second)
        draft_text = text_with(draft_marker, 30)
        drafts.save_draft(
            session,
            second,
            draft,
            text=draft_text,
            fields={f.key: draft_text for f in second.fields},
            expected_version=draft.draft_version,
            now=at,
        )

        # A practice-log note.
        practice_log.add_log_entry(
            session,
            enrolment,
            noted_on=date(2027, 2, 2),
            text=f"{log_marker} at work",
            today=date(2027, 2, 3),
        )
        session.commit()

    list_page = text_of(hanne.get("/hr/"))
    page = text_of(hanne.get(f"/hr/participants/{world.anna.id}"))
    # The approval is visible as progress, and only as progress.
    assert "1 of 10" in page
    responses = {
        "list": list_page,
        "page": page,
        "search": text_of(hanne.get("/hr/?q=MARKER")),
        "csv": hanne.get("/hr/participants.csv").get_data().decode("utf-8-sig"),
        "csv_comma": hanne.get("/hr/participants.csv?sep=comma").get_data().decode("utf-8-sig"),
        "xlsx": "\n".join(
            str(value)
            for row in xlsx_sheet(hanne.get("/hr/participants.xlsx")).iter_rows(values_only=True)
            for value in row
        ),
    }
    for where, body in responses.items():
        for marker in markers:
            assert marker not in body, (marker, where)
    anna = next(
        r for r in csv_records(hanne.get("/hr/participants.csv")) if r["Name"] == "Anna Andersen"
    )
    assert anna["Modules completed"] == "1" and anna["Modules required"] == "10"


# == Filters and search ====================================================================


@pytest.fixture
def varied(app: Flask, world: SimpleNamespace) -> SimpleNamespace:
    """Anna has a valid certificate, Erik a revoked one; Carl has withdrawn."""
    anna_certificate = issue(app, world.anna, world.tove)
    erik_certificate = issue(app, world.erik, world.tove, revoke=True)
    set_status(app, world.carl, "withdrawn")
    return SimpleNamespace(anna=anna_certificate, erik=erik_certificate)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cohort={hold_2}", ["Dorte Dam", "Erik Eriksen"]),
        ("cohort={hold_b}", []),
        ("track=colleague", ["carl Christensen", "Dorte Dam"]),
        ("track=peer&cohort={hold_1}", ["Anna Andersen"]),
        ("status=withdrawn", ["carl Christensen"]),
        ("status=completed", ["Anna Andersen", "Erik Eriksen"]),
        ("certified=yes", ["Anna Andersen"]),
        ("certified=no", ["carl Christensen", "Dorte Dam", "Erik Eriksen"]),
        ("q=ANNA", ["Anna Andersen"]),
        ("q=sen", ["Anna Andersen", "carl Christensen", "Erik Eriksen"]),
        ("q=%25", []),
        ("q=_", []),
        ("q=Bent", []),
        # By email, in any case; never beyond the organisations HR follows (Bent is in B).
        ("q=ERIK.Eriksen@Example.org", ["Erik Eriksen"]),
        ("q=dam@", ["Dorte Dam"]),
        ("q=bent.berg@example.org", []),
        ("track=nonsense&status=nonsense&cohort=x", A_NAMES),
        ("cohort=%C2%B2&organisation=%C2%B2", A_NAMES),
    ],
)
def test_filters_and_search_apply_alike_to_the_list_and_the_exports(
    hanne, world, varied, query, expected
):
    query = query.format(hold_2=world.hold_2.id, hold_b=world.hold_b.id, hold_1=world.hold_1.id)
    found = names_everywhere(hanne, query)
    assert all(names == expected for names in found.values()), found


def test_the_list_shows_status_certificate_and_attendance(app, hanne, world, varied):
    register_attendance(
        app,
        world.hold_1,
        date(2027, 2, 1),
        {world.anna.id: "present", world.carl.id: "absent", world.bent.id: "present"},
        world.tove,
    )
    page = text_of(hanne.get("/hr/?cohort=" + str(world.hold_1.id)))
    assert "Withdrawn" in page and "Valid" in page
    assert "100%" in page and "0%" in page
    rows = {r["Name"]: r for r in csv_records(hanne.get("/hr/participants.csv"))}
    assert rows["Anna Andersen"]["Attendance (%)"] == "100"
    assert rows["carl Christensen"]["Attendance (%)"] == "0"
    assert rows["Dorte Dam"]["Attendance (%)"] == ""
    assert rows["Anna Andersen"]["Certificate"] == "Valid"
    assert rows["Anna Andersen"]["Verification code"] == codes.display(varied.anna.code)
    assert rows["Anna Andersen"]["Certificate issued"] == varied.anna.issued_at.date().isoformat()
    assert rows["Erik Eriksen"]["Certificate"] == "Revoked"
    assert rows["Dorte Dam"]["Certificate"] == "No certificate"
    assert rows["Dorte Dam"]["Cohort start"] == world.hold_2.start_date.isoformat()
    sheet = {r["Name"]: r for r in xlsx_records(hanne.get("/hr/participants.xlsx"))}
    assert sheet["Anna Andersen"]["Attendance (%)"] == 100
    assert sheet["Dorte Dam"]["Attendance (%)"] is None
    assert sheet["Anna Andersen"]["Modules required"] == 10
    assert sheet["Dorte Dam"]["Cohort start"].date() == world.hold_2.start_date


def test_csv_headers_are_in_the_users_language(make, world, make_client):
    danish = make.user(Role.HR, email="dansk-hr@example.org", name="Dansk HR", locale="da")
    make.hr_scope(danish, world.org_a)
    client = signed_in(make_client, "dansk-hr@example.org")
    raw = client.get("/hr/participants.csv").get_data().decode("utf-8-sig")
    assert raw.startswith("Navn;E-mail;")


# == Certificate ===========================================================================


def test_participant_page_shows_the_certificate_with_code_date_and_pdf(app, hanne, world, varied):
    page = text_of(hanne.get(f"/hr/participants/{world.anna.id}"))
    assert codes.display(varied.anna.code) in page
    pdf_link = f'href="/certificates/{varied.anna.id}.pdf"'
    assert pdf_link in page
    assert str(varied.anna.issued_at.year) in page

    revoked = text_of(hanne.get(f"/hr/participants/{world.erik.id}"))
    assert "Revoked" in revoked and f"/certificates/{varied.erik.id}.pdf" not in revoked
    none = text_of(hanne.get(f"/hr/participants/{world.dorte.id}"))
    assert "No certificate" in none and ".pdf" not in none


def test_the_certificate_pdf_is_open_to_hr_of_the_organisation_only(app, hanne, world, make_client):
    anna = issue(app, world.anna, world.tove)
    bent = issue(app, world.bent, world.tove)
    response = hanne.get(f"/certificates/{anna.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert hanne.get(f"/certificates/{bent.id}.pdf").status_code == 404


# == Pages, queries, batches ===============================================================


def test_sixty_participants_make_two_pages(app, make, make_client):
    org = make.organisation("Stor Kommune")
    cohort = make.cohort("Stort hold")
    hr = make.user(Role.HR, email="stor-hr@example.org", locale="en")
    make.hr_scope(hr, org)
    enrol_many(app, 60, cohort, org, "Deltager")
    client = signed_in(make_client, "stor-hr@example.org")

    first = text_of(client.get("/hr/"))
    second = text_of(client.get("/hr/?page=2"))
    assert "60 participants found." in first
    assert listed(first) == [f"Deltager {n:03d}" for n in range(50)]
    assert listed(second) == [f"Deltager {n:03d}" for n in range(50, 60)]
    assert 'href="/hr/?page=2"' in first and "Next page" in first
    assert "Page 1 of 2" in first and 'aria-current="page"' in first
    assert "Previous page" in second and "Next page" not in second

    filtered = text_of(client.get("/hr/?track=peer&page=1"))
    assert len(listed(filtered)) == 30 and "Next page" not in filtered
    # Past the end: to the last page, with the filters kept.
    beyond = client.get("/hr/?page=9&track=colleague")
    assert beyond.status_code == 302
    assert (
        "page=1" in beyond.headers["Location"] and "track=colleague" in beyond.headers["Location"]
    )
    assert len(listed(text_of(client.get("/hr/?page=nonsense")))) == 50
    assert len(listed(text_of(client.get("/hr/?page=%C2%B2")))) == 50


@pytest.fixture
def statements(app: Flask) -> Any:
    engine = Database.state(app).engine
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _with_progress(app: Flask, ids: list[int], cohort: Cohort, teacher: User, day: date) -> None:
    """Give every other participant a completed module, all an attendance, some a certificate."""
    with app.app_context():
        for n, enrolment_id in enumerate(ids):
            enrolment = db.session.get(Enrolment, enrolment_id)
            if n % 2 == 0:
                progress.complete_by_teacher(
                    db.session,
                    current_curriculum(),
                    enrolment,
                    FIRST,
                    reason="Paper",
                    actor_id=teacher.id,
                    now=utcnow(),
                )
            if n % 3 == 0:
                certificate_services.issue_manually(
                    db.session,
                    current_curriculum(),
                    enrolment,
                    reason="Exception",
                    actor_id=teacher.id,
                    now=utcnow(),
                )
        found = db.session.get(Cohort, cohort.id)
        class_day = attendance.add_class_day(
            db.session,
            current_curriculum(),
            found,
            day=day,
            topic="",
            module_slug=None,
            actor_id=teacher.id,
        )
        attendance.register(
            db.session,
            current_curriculum(),
            class_day,
            {eid: AttendanceStatus.PRESENT for eid in ids},
            actor_id=teacher.id,
            now=held(day),
        )
        db.session.commit()


def test_the_list_takes_as_many_queries_for_50_participants_as_for_5(
    app, make, make_client, statements
):
    org = make.organisation("Stor Kommune")
    teacher = make.user(Role.TEACHER)
    cohort = make.cohort("Stort hold", teachers=(teacher,))
    hr = make.user(Role.HR, email="stor-hr@example.org", locale="en")
    make.hr_scope(hr, org)
    client = signed_in(make_client, "stor-hr@example.org")

    def queries_for_the_list() -> tuple[int, int, int]:
        client.get("/hr/")
        statements.clear()
        page = text_of(client.get("/hr/"))
        on_page = len(statements)
        statements.clear()
        text_of(client.get(f"/hr/participants/{ids[0]}"))
        return on_page, len(statements), len(listed(page))

    ids = enrol_many(app, 5, cohort, org, "Few")
    _with_progress(app, ids, cohort, teacher, date(2027, 2, 1))
    few, one_few, shown = queries_for_the_list()
    assert shown == 5

    more = enrol_many(app, 45, cohort, org, "Many")
    _with_progress(app, more, cohort, teacher, date(2027, 2, 3))
    many, one_many, shown = queries_for_the_list()
    assert shown == 50
    assert many == few
    assert one_many == one_few


def test_iter_participants_streams_in_keyset_batches_in_the_list_order(app, make, statements):
    org = make.organisation("Stor Kommune")
    cohort = make.cohort("Stort hold")
    other = make.cohort("Andet hold")
    hr = make.user(Role.HR, email="stor-hr@example.org")
    make.hr_scope(hr, org)
    enrol_many(app, 23, cohort, org, "Samme")
    # The same names again in another cohort, and names differing only in case.
    enrol_many(app, 4, other, org, "Samme")
    enrol_many(app, 3, other, org, "samme")
    with app.app_context():
        curriculum = current_curriculum()
        paged, total = report.participants(
            db.session, curriculum, hr.id, ParticipantFilter(), limit=1000, offset=0, today=TODAY
        )
        assert total == 30
        statements.clear()
        streamed = list(
            report.iter_participants(
                db.session, curriculum, hr.id, ParticipantFilter(), today=TODAY, batch_size=7
            )
        )
        # Five batches of rows (7+7+7+7+2) at four queries each: rows, completions, and
        # attendance (registered days, and the planned days with any exception).
        assert len(statements) == 5 * 4
        assert [r.enrolment_id for r in streamed] == [r.enrolment_id for r in paged]
        assert len({r.enrolment_id for r in streamed}) == 30

        exact = list(
            report.iter_participants(
                db.session, curriculum, hr.id, ParticipantFilter(), today=TODAY, batch_size=10
            )
        )
        assert [r.enrolment_id for r in exact] == [r.enrolment_id for r in paged]


def report_names(app: Flask, hr: User, filters: ParticipantFilter) -> list[str]:
    with app.app_context():
        rows, total = report.participants(
            db.session, current_curriculum(), hr.id, filters, limit=50, offset=0, today=TODAY
        )
    assert total == len(rows)
    return [r.name for r in rows]


def test_updated_since_and_certified_filters_in_the_report(app, world, varied):
    hanne = world.hanne
    # "Not certified" is everyone without a valid certificate: a revoked one counts as none.
    assert report_names(app, hanne, ParticipantFilter(certified=False)) == [
        "carl Christensen",
        "Dorte Dam",
        "Erik Eriksen",
    ]
    since = utcnow()
    assert report_names(app, hanne, ParticipantFilter(updated_since=since)) == []
    set_status(app, world.dorte, "paused")
    assert report_names(app, hanne, ParticipantFilter(updated_since=since)) == ["Dorte Dam"]
    since = utcnow()
    with app.app_context():
        certificate = db.session.get(Certificate, varied.anna.id)
        certificate_services.revoke(
            db.session, certificate, reason="Mistake", actor_id=world.tove.id, now=utcnow()
        )
        db.session.commit()
    # A certificate's change counts, though the enrolment did not change.
    assert report_names(app, hanne, ParticipantFilter(updated_since=since)) == ["Anna Andersen"]
    with app.app_context():
        row = report.participant(
            db.session, current_curriculum(), hanne.id, world.anna.id, today=TODAY
        )
    assert row is not None and row.certificate_status == "revoked"
    assert row.certificate_revoked_at is not None and row.updated_at >= row.certificate_revoked_at
    assert row.certified_at == varied.anna.issued_at
    # An empty organisation filter narrows to nobody.
    assert report_names(app, hanne, ParticipantFilter(organisation_ids=())) == []


# == Spreadsheet safety and the audit log ==================================================


def test_formula_like_names_are_neutralised_in_both_exports(hanne, make, world):
    name = '=HYPERLINK("http://evil.example","Klik")'
    make.enrolment(make.user(name=name, password=None), world.hold_1, world.org_a)
    for delimiter, query in ((";", ""), (",", "?sep=comma")):
        rows = csv_records(hanne.get(f"/hr/participants.csv{query}"), delimiter=delimiter)
        assert "'" + name in [r["Name"] for r in rows]
        assert all(not r["Name"].startswith("=") for r in rows)
    sheet = xlsx_sheet(hanne.get("/hr/participants.xlsx"))
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    evil = next(cell for cell in cells if cell.value == name)
    assert evil.data_type == "s"  # text, not a formula
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_exports_are_audit_logged_without_names(app, hanne, world):
    assert hanne.get("/hr/participants.csv?q=Anna").get_data()
    assert hanne.get(f"/hr/participants.xlsx?cohort={world.hold_2.id}&track=colleague").data
    assert hanne.get("/hr/").status_code == 200
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "hr.export").order_by(AuditEvent.id)
        ).all()
    assert [e.actor_id for e in events] == [world.hanne.id, world.hanne.id]
    assert events[0].detail == "format=csv rows=1 search=yes"
    assert events[1].detail == f"format=xlsx rows=1 cohort={world.hold_2.id} track=colleague"
    for event_ in events:
        for name in [*A_NAMES, "Anna"]:
            assert name not in event_.detail


def test_the_csv_stream_gives_its_database_connection_back(app, hanne, world):
    """The rows are read while the response is sent; the connection must not stay in a
    transaction after it (on PostgreSQL that blocked every later TRUNCATE and DDL)."""
    pool = Database.state(app).engine.pool
    assert csv_records(hanne.get("/hr/participants.csv"))
    assert xlsx_records(hanne.get("/hr/participants.xlsx"))
    assert pool.checkedout() == 0

"""A cohort enrolled from one file: every row checked first, nothing written until the admin
confirms, and then everyone enrolled (new people with an invitation) or nobody."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from peeredu import outbox
from peeredu.accounts.models import Enrolment, Role, User
from peeredu.audit import AuditEvent
from peeredu.extensions import db
from tests.factories import PASSWORD

HEADER = "navn;e-mail;spor;organisation"


@pytest.fixture
def admin(client, make):
    user = make.user(Role.ADMIN, email="admin@example.org", name="Anne Admin")
    client.login("admin@example.org", PASSWORD)
    return user


@pytest.fixture
def setting(make):
    """A cohort, an organisation, and a learner who already has an account."""
    cohort = make.cohort("Hold efterår 2027")
    organisation = make.organisation("Region Hovedstaden")
    existing = make.user(email="kendt@example.org", name="Kendt Person")
    return cohort, organisation, existing


def _file(*lines: str) -> bytes:
    return ("\ufeff" + "\r\n".join([HEADER, *lines])).encode()


def _upload(client, cohort_id, content, filename="hold.csv"):
    return client.submit(
        f"/admin/cohorts/{cohort_id}/enrol",
        {"people": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        token_page=f"/admin/cohorts/{cohort_id}/enrol",
    )


def _confirm(client, cohort_id, page, *, only_valid=False):
    rows = re.search(r'name="rows" type="hidden" value="([^"]+)"', page)
    rows = rows or re.search(r'id="rows" name="rows" type="hidden" value="([^"]+)"', page)
    assert rows, "no signed rows on the preview"
    data = {"rows": rows.group(1), **({"only_valid": "1"} if only_valid else {})}
    return client.submit(f"/admin/cohorts/{cohort_id}/enrol/confirm", data)


def _enrolled(app, cohort_id):
    with app.app_context():
        return set(
            db.session.scalars(
                select(User.email).join(Enrolment).where(Enrolment.cohort_id == cohort_id)
            )
        )


GOOD = [
    "Ny Deltager;ny@example.org;peer;Region Hovedstaden",
    "Kendt Person;Kendt@Example.org;kollega;region hovedstaden",
]


def test_upload_preview_confirm_enrols_everyone_and_invites_the_new(
    app, client, admin, setting, mailbox, deliver
):
    cohort, _org, existing = setting
    page = _upload(client, cohort.id, _file(*GOOD)).get_data(as_text=True)
    assert "Ny Deltager" in page and "Kendt Person" in page
    assert "Alle 2 rækker kan tilmeldes" in page
    assert _enrolled(app, cohort.id) == set()  # the preview wrote nothing

    response = _confirm(client, cohort.id, page)
    assert response.status_code == 302
    assert _enrolled(app, cohort.id) == {"ny@example.org", "kendt@example.org"}
    followed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tilmeldt Hold efterår 2027: 2" in followed
    with app.app_context():
        # The existing account is used, not a second one; only the new person is invited.
        assert db.session.scalar(select(func.count()).select_from(User)) == 3
        queued = db.session.scalars(select(outbox.OutboxMessage.to_address)).all()
        assert queued == ["ny@example.org"]
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert actions.count("enrolment.bulk") == 1 and actions.count("enrolment.create") == 2
        assert actions.count("invitation.send") == 1
        detail = db.session.scalar(
            select(AuditEvent.detail).where(AuditEvent.action == "enrolment.bulk")
        )
        assert detail == "rows=2 enrolled=2 invited=1 skipped=0"
    # The same invitation mail as the single invite, delivered by the mail worker.
    deliver()
    link = mailbox.link_to("ny@example.org", "/invitation/")
    assert client.get(link).status_code == 200
    assert not mailbox.to(existing.email)


PROBLEMS = [
    ("Uden Navn;;peer;Region Hovedstaden", "E-mailadressen mangler."),
    (";navnløs@example.org;peer;Region Hovedstaden", "Navnet mangler."),
    ("Forkert Adresse;ikke-en-adresse;peer;Region Hovedstaden", "ikke en gyldig e-mailadresse"),
    (
        "Ukendt Sted;sted@example.org;peer;Ingen Kommune",
        "Der findes ingen organisation med navnet Ingen Kommune",
    ),
    ("Ukendt Spor;spor@example.org;leder;Region Hovedstaden", "Ukendt spor »leder«"),
    ("Igen Ny;NY@example.org;peer;Region Hovedstaden", "Samme e-mailadresse som række 2"),
]


def test_every_rows_problem_is_named_and_nothing_is_written(app, client, admin, setting, make):
    cohort, organisation, existing = setting
    other = make.user(email="allerede@example.org", name="Allerede Med")
    make.enrolment(other, cohort, organisation)
    lines = [
        GOOD[0],
        *(line for line, _ in PROBLEMS),
        "Allerede Med;allerede@example.org;peer;Region Hovedstaden",
    ]
    page = _upload(client, cohort.id, _file(*lines)).get_data(as_text=True)
    for _line, message in PROBLEMS:
        assert message in page, message
    assert "Allerede Med er allerede tilmeldt Hold efterår 2027." in page
    assert "7 af 8 rækker har et problem" in page
    # Each problem links to its row.
    for line in range(3, 10):
        assert f'href="#row-{line}"' in page and f'id="row-{line}"' in page
    assert _enrolled(app, cohort.id) == {"allerede@example.org"}


def test_all_or_nothing_unless_the_admin_chooses_the_valid_rows(app, client, admin, setting):
    cohort, _org, _existing = setting
    lines = [*GOOD, "Ukendt Sted;sted@example.org;peer;Ingen Kommune"]
    page = _upload(client, cohort.id, _file(*lines)).get_data(as_text=True)
    assert "Tilmeld kun de 2 gyldige rækker" in page
    # Confirming "all" with a bad row (a hand-made post) enrols nobody.
    response = _confirm(client, cohort.id, page)
    assert response.status_code == 200
    assert "Nogle rækker har ændret sig" in response.get_data(as_text=True)
    assert _enrolled(app, cohort.id) == set()
    response = _confirm(client, cohort.id, page, only_valid=True)
    assert response.status_code == 302
    assert _enrolled(app, cohort.id) == {"ny@example.org", "kendt@example.org"}
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "sted@example.org")) is None


def test_a_person_enrolled_between_preview_and_confirm_is_caught(app, client, admin, setting, make):
    cohort, organisation, existing = setting
    page = _upload(client, cohort.id, _file(*GOOD)).get_data(as_text=True)
    make.enrolment(existing, cohort, organisation)  # another admin, meanwhile
    response = _confirm(client, cohort.id, page)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kendt Person er allerede tilmeldt Hold efterår 2027." in text
    assert _enrolled(app, cohort.id) == {"kendt@example.org"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(outbox.OutboxMessage)) == 0


def test_a_tampered_or_foreign_preview_is_refused(app, client, admin, setting, make):
    cohort, _org, _existing = setting
    page = _upload(client, cohort.id, _file(*GOOD)).get_data(as_text=True)
    signed = re.search(r'name="rows" type="hidden" value="([^"]+)"', page).group(1)
    for target, rows in [(cohort.id, signed[:-3] + "abc"), (make.cohort().id, signed)]:
        response = client.submit(f"/admin/cohorts/{target}/enrol/confirm", {"rows": rows})
        assert response.status_code == 302 and "/enrol" in response.headers["Location"]
        assert "Upload filen igen" in client.get(response.headers["Location"]).get_data(
            as_text=True
        )
    assert _enrolled(app, cohort.id) == set()


@pytest.mark.parametrize(
    ("content", "filename", "says"),
    [
        (b"", "hold.csv", "Filen er tom."),
        (b"", "", "Vælg en fil."),
        (b"just text", "hold.docx", "Upload en .csv- eller .xlsx-fil"),
        (b"navn;e-mail\r\nA;a@example.org", "hold.csv", "Mangler: track, organisation."),
    ],
)
def test_a_bad_file_gets_a_message_naming_what_is_wrong(
    app, client, admin, setting, content, filename, says
):
    cohort, _org, _existing = setting
    response = _upload(client, cohort.id, content, filename)
    assert response.status_code == 200
    assert says in response.get_data(as_text=True)
    assert _enrolled(app, cohort.id) == set()


@pytest.mark.parametrize("extension", ["xlsx", "csv"])
def test_the_template_downloads_with_the_danish_column_names(client, admin, extension):
    response = client.get(f"/admin/cohorts/participants.{extension}")
    assert response.status_code == 200
    if extension == "csv":
        assert response.get_data(as_text=True) == "\ufeffnavn;e-mail;spor;organisation\r\n"
    else:
        sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
        assert [c.value for c in next(sheet.iter_rows())] == [
            "navn",
            "e-mail",
            "spor",
            "organisation",
        ]


@pytest.mark.parametrize("role", [Role.LEARNER, Role.TEACHER, Role.HR])
def test_enrolling_from_a_file_is_invisible_to_everyone_but_admins(
    app, client, make, setting, role
):
    cohort, _org, _existing = setting
    make.user(role, email="someone@example.org")
    client.login("someone@example.org", PASSWORD)
    for path in [
        f"/admin/cohorts/{cohort.id}/enrol",
        "/admin/cohorts/participants.xlsx",
        "/admin/cohorts/participants.csv",
    ]:
        assert client.get(path).status_code == 404, path
    response = client.submit(
        f"/admin/cohorts/{cohort.id}/enrol",
        {"people": (io.BytesIO(_file(*GOOD)), "hold.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert (
        client.submit(f"/admin/cohorts/{cohort.id}/enrol/confirm", {"rows": "x"}).status_code == 404
    )

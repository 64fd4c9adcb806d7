"""The certificate PDF as HR files it: every fact readable as text, in Danish and English,
fonts embedded, titled, in a language, tagged, and its code and URL those of the verify page."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import BooleanObject, DictionaryObject

from peeredu.accounts.models import Enrolment, Role
from peeredu.certification import codes, services
from peeredu.curriculum import progress
from peeredu.db import utcnow
from peeredu.extensions import current_curriculum, db
from tests.factories import PASSWORD

LOGO = Path(__file__).parent / "files" / "operator-logo.png"
AFTER_THE_COURSE = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)

# The factory's cohort runs from 2027-02-01 for 16 weeks.
WORDS = {
    "da": [
        "Kursusbevis",
        "har gennemført Peer-uddannelsen",
        "Spor",
        "Peer-støttemedarbejder",
        "80 timer",
        "Periode",
        "1. februar 2027 – 24. maj 2027",
        "Gennemførte moduler",
        "Udstedt",
        "1. juni 2027",
        "Forstander",
        "Kontrolkode",
    ],
    "en": [
        "Course certificate",
        "has completed Peer-uddannelsen",
        "Track",
        "Peer-support worker",
        "80 hours",
        "Period",
        "February 1, 2027 – May 24, 2027",
        "Completed modules",
        "Issued",
        "June 1, 2027",
        "Head of school",
        "Verification code",
    ],
}


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {
        "CLOCK": lambda: AFTER_THE_COURSE,
        "VERIFY_RATE_LIMIT": "1000 per minute",
        "OPERATOR_NAME": "Skolen for Recovery ApS",
        "OPERATOR_LOGO": str(LOGO),
        "CERTIFICATE_SIGNATORY_NAME": "Anne Sofie Nørgaard",
        "CERTIFICATE_SIGNATORY_TITLE": {"da": "Forstander", "en": "Head of school"},
    }


@pytest.fixture
def issued(app, make):
    """Maria's certificate, issued by exception after all but the last module."""
    teacher = make.user(Role.TEACHER, email="tove@example.org", name="Tove")
    cohort = make.cohort("Hold A", teachers=(teacher,))
    learner = make.user(Role.LEARNER, email="maria@example.org", name="Maria Jensen")
    enrolment = make.enrolment(learner, cohort, make.organisation("Rudersdal Kommune"))
    with app.app_context():
        curriculum = current_curriculum()
        found = db.session.get(Enrolment, enrolment.id)
        modules = curriculum.modules_for(found.track)
        for module in modules[:-1]:
            progress.complete_by_teacher(
                db.session, curriculum, found, module.slug,
                reason="test", actor_id=teacher.id, now=utcnow(),
            )  # fmt: skip
        certificate = services.issue_manually(
            db.session, curriculum, found, reason="test", actor_id=teacher.id, now=AFTER_THE_COURSE
        )
        db.session.commit()
        return certificate.id, certificate.code, [m.title for m in modules]


def download(make_client, certificate_id: int, language: str) -> PdfReader:
    learner = make_client()
    learner.login("maria@example.org", PASSWORD)
    response = learner.get(f"/certificates/{certificate_id}.pdf?lang={language}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def page_text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_certificate_says_who_did_what_when_and_who_signs(
    client, make_client, issued, language
):
    certificate_id, code, modules = issued
    text = page_text(download(make_client, certificate_id, language))

    for expected in [
        "Skolen for Recovery ApS",
        "Maria Jensen",
        "Hold A",
        "Anne Sofie Nørgaard",
        *WORDS[language],
        *modules[:-1],
    ]:
        assert expected in text, (language, expected)
    # Typographic characters come through as themselves, not as Latin-1 stand-ins.
    assert "Samtale, relation og grænser – også dine egne" in text
    # Only what was completed: the capstone was not.
    assert modules[-1] not in text

    # The printed code and URL are the verify page's: the URL opens the page for this code.
    shown = codes.display(code)
    assert shown in text
    [url] = re.findall(r"https?://\S+/verify/\S+", text)
    assert url == f"http://localhost/verify/{code}"
    page = client.get(url.removeprefix("http://localhost")).get_data(as_text=True)
    assert shown in page and "Maria Jensen" in page


def fonts_of(reader: PdfReader) -> list[DictionaryObject]:
    resources = reader.pages[0]["/Resources"]
    return [font.get_object() for font in resources["/Font"].values()]


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_pdf_embeds_its_fonts_has_a_title_and_language_and_is_tagged(
    make_client, issued, language
):
    certificate_id, _, _ = issued
    reader = download(make_client, certificate_id, language)
    catalog = reader.trailer["/Root"]

    fonts = fonts_of(reader)
    assert fonts
    for font in fonts:
        # No base-14 font (Helvetica, Courier...): every one is a TrueType file in the PDF.
        assert font["/Subtype"] == "/Type0", font
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile2" in descriptor, font["/BaseFont"]

    heading = WORDS[language][0]
    assert catalog["/Lang"] == language
    assert reader.metadata is not None and reader.metadata.title == f"{heading} – Maria Jensen"
    assert reader.xmp_metadata is not None
    assert reader.xmp_metadata.dc_title == {"x-default": f"{heading} – Maria Jensen"}
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)

    assert catalog["/MarkInfo"]["/Marked"] == BooleanObject(True)
    document = catalog["/StructTreeRoot"]["/K"][0].get_object()
    roles = [element.get_object()["/S"] for element in document["/K"]]
    # Read in order: logo, operator, heading, name...; the QR code last.
    assert roles[:4] == ["/Figure", "/P", "/H1", "/P"], roles
    assert "/H2" in roles and roles[-1] == "/Figure"
    figures = [e.get_object() for e in document["/K"] if e.get_object()["/S"] == "/Figure"]
    assert [bool(f.get("/Alt")) for f in figures] == [True, True]

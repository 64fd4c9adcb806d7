"""Plain language: one style per kind of date, attendance told in sentences, optional fields
marked as such, and no machine-looking date on any page a person walks to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html import unescape

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale

from peeredu import demo
from peeredu.accounts.models import Enrolment, Role, User
from peeredu.curriculum.records import AttendanceSummary
from peeredu.extensions import current_assignments, current_curriculum, db
from peeredu.web import dates
from peeredu.web.i18n import own_domain
from tests.factories import PASSWORD

NBSP = "\xa0"


@pytest.fixture
def page_context(app: Flask) -> Iterator[None]:
    """A request to one of peeredu's pages, so its helpers and catalog apply."""
    with app.test_request_context("/"), own_domain():
        yield


THURSDAY_MORNING = datetime(2026, 12, 3, 8, 2, 48, tzinfo=UTC)  # 09.02 in Copenhagen


@pytest.mark.parametrize(
    ("locale", "long", "weekday", "short", "time", "both", "short_both", "seconds"),
    [
        (
            "da",
            "3. december 2026",
            "torsdag den 3. december 2026",
            "3. dec. 2026",
            "kl. 09.02",
            "3. december 2026 kl. 09.02",
            "3. dec. 2026 kl. 09.02",
            "3. dec. 2026 kl. 09.02.48",
        ),
        (
            "en",
            "December 3, 2026",
            "Thursday, December 3, 2026",
            "Dec 3, 2026",
            "at 9:02\u202fAM",
            "December 3, 2026 at 9:02\u202fAM",
            "Dec 3, 2026 at 9:02\u202fAM",
            "Dec 3, 2026 at 9:02:48\u202fAM",
        ),
    ],
)
def test_each_kind_of_date_has_one_style(
    page_context, locale, long, weekday, short, time, both, short_both, seconds
):
    with force_locale(locale):
        assert dates.long_date(date(2026, 12, 3)) == long
        assert dates.long_date(THURSDAY_MORNING) == long
        assert dates.long_date(date(2026, 12, 3), weekday=True) == weekday
        assert dates.short_date(date(2026, 12, 3)) == short
        assert dates.time_of_day(THURSDAY_MORNING) == time
        assert dates.date_time(THURSDAY_MORNING) == both
        assert dates.date_time(THURSDAY_MORNING, short=True) == short_both
        assert dates.date_time(THURSDAY_MORNING, short=True, seconds=True) == seconds


def test_a_date_is_the_date_in_copenhagen(page_context):
    late_evening = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)  # 00.30 on 4 December there
    with force_locale("da"):
        assert dates.long_date(late_evening) == "4. december 2026"
        assert dates.time_of_day(late_evening) == "kl. 00.30"


ATTENDANCE = """{% from "peeredu/layout/attendance.html" import attendance_facts with context %}
{{ attendance_facts(summary, 90, learner=learner) }}"""


def attendance_text(summary: AttendanceSummary, *, learner: bool = True) -> str:
    html = render_template_string(ATTENDANCE, summary=summary, learner=learner)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split()).replace(NBSP, " ")


@pytest.mark.parametrize(
    ("summary", "learner", "expected"),
    [
        (  # the example: 15 of 16 days are needed, 11 still to come
            AttendanceSummary(present=5, planned=16, held=5),
            True,
            "Du har været til stede 5 af 16 undervisningsdage (31 %). 5 af dem er holdt "
            "indtil nu. Kravet er 90 %: du kan højst være væk 1 dag mere.",
        ),
        (
            AttendanceSummary(present=5, planned=16, held=5),
            False,
            "Til stede 5 af 16 undervisningsdage (31 %). 5 af dem er holdt indtil nu. "
            "Kravet er 90 %: deltageren kan højst være væk 1 dag mere.",
        ),
        (  # 18 of 20 needed, 18 to come: two to spare
            AttendanceSummary(present=2, planned=20, held=2),
            True,
            "Kravet er 90 %: du kan højst være væk 2 dage mere.",
        ),
        (  # none to spare
            AttendanceSummary(present=0, absent=1, planned=10, held=1),
            True,
            "1 af dem er holdt indtil nu. Kravet er 90 %: du skal være til stede alle de "
            "resterende undervisningsdage.",
        ),
        (
            AttendanceSummary(present=0, absent=2, planned=10, held=2),
            True,
            "Du kan ikke længere nå kravet på 90 %. Tal med din underviser.",
        ),
        (
            AttendanceSummary(present=0, absent=2, planned=10, held=2),
            False,
            "Deltageren kan ikke længere nå kravet på 90 %.",
        ),
        (  # exactly at the threshold: 9 of 10 is 90 %
            AttendanceSummary(present=9, absent=1, planned=10, held=10),
            True,
            "Du har været til stede 9 af 10 undervisningsdage (90 %). 10 af dem er holdt "
            "indtil nu. Kravet på 90 % er opfyldt.",
        ),
        (
            AttendanceSummary(present=1, planned=1, held=1),
            True,
            "Du har været til stede 1 af 1 undervisningsdag (100 %).",
        ),
        (
            AttendanceSummary(planned=16),
            True,
            "Ingen af dem er holdt endnu. Kravet er 90 %: du kan højst være væk 1 dag mere.",
        ),
    ],
)
def test_attendance_is_told_in_sentences(page_context, summary, learner, expected):
    with force_locale("da"):
        assert expected in attendance_text(summary, learner=learner)


def test_attendance_in_english(page_context):
    with force_locale("en"):
        text = attendance_text(AttendanceSummary(present=5, planned=16, held=5))
    assert "You have been present on 5 of 16 class days (31%)." in text
    assert "The requirement is 90%: you can miss at most 1 more day." in text


# -- Optional fields ------------------------------------------------------------------------


def test_optional_fields_are_marked_and_required_ones_carry_the_attribute(
    app, client, make, learner
):
    with app.app_context():
        cohort_id = db.session.get(Enrolment, learner.enrolment_id).cohort_id
        teacher_email = db.session.get(User, learner.teacher_id).email
    client.login(teacher_email, PASSWORD)
    days = client.get(f"/teach/cohorts/{cohort_id}/days").get_data(as_text=True)
    for optional in ("topic", "module"):  # the word is part of the field's name
        pattern = (
            rf'<label for="{optional}">[^<]+ <span class="optional">\(valgfrit\)</span></label>'
        )
        assert re.search(pattern, days), optional
    assert re.search(r'<label for="date">Dato</label>', days)
    assert re.search(r'<input[^>]*id="date"[^>]*required', days)
    assert "skal udfyldes" not in days


def test_a_search_form_does_not_mark_its_fields_optional(app, client, make):
    make.user(Role.ADMIN, email="admin@example.org")
    client.login("admin@example.org", PASSWORD)
    assert "valgfrit" not in client.get("/admin/users").get_data(as_text=True)


# -- A walk through the demo ----------------------------------------------------------------

MACHINE_DATES = [
    re.compile(r"\b\d{2}-\d{2}-\d{4}\b"),  # 01-12-2026
    re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}"),  # 2026-12-01 09:02
    re.compile(r"\b\d{2}:\d{2}:\d{2}\b"),  # 09:02:48
]
DOWNLOADS = (".pdf", ".csv", ".xlsx", ".zip", ".ics", ".json")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_no_page_of_the_demo_shows_a_machine_date(app: Flask, make_client):
    with app.app_context():
        demo.seed(db.session, current_curriculum(), current_assignments(), today=date.today())
        db.session.commit()
    found: list[str] = []
    visited = 0
    for who in ("peer", "faerdig", "underviser", "admin", "hr.region"):
        client = make_client()
        client.login(f"{who}@{demo.DEMO_DOMAIN}", demo.DEMO_PASSWORD)
        queue, seen = ["/"], set()
        while queue and len(seen) < 60:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            response = client.get(path)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            visited += 1
            html = response.get_data(as_text=True)
            text = visible_text(html)
            found += [
                f"{path} as {who}: {m.group(0)}" for p in MACHINE_DATES for m in p.finditer(text)
            ]
            for href in re.findall(r'href="(/[^"#]*)', html):
                href = unescape(href)
                if not href.split("?")[0].endswith(DOWNLOADS) and "logout" not in href:
                    queue.append(href)
    assert visited > 40
    assert found == []

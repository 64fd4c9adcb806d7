"""Dates and numbers in each language's own format, on the learner's start page."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import update

from peeredu.accounts.models import Cohort, User
from peeredu.curriculum import attendance
from peeredu.extensions import current_curriculum, db
from tests.browser.steps import say, sign_in
from tests.browser.test_journeys import course  # noqa: F401 -- fixture

# The cohort runs 1 February to 24 May 2027 (tests.factories); 5 of 6 class days present.
EXPECTED = {
    # Present on 5 of the 16 planned class days: 31 %, in each language's own way.
    "da": ("1. februar 2027", "24. maj 2027", "31\N{NO-BREAK SPACE}%"),
    "en": ("February 1, 2027", "May 24, 2027", "31%"),
}


AFTER_THE_SIXTH_DAY = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("locale", ["da", "en"])
def test_dates_and_percentages_follow_the_language(
    app: Flask,
    page: Page,
    course: SimpleNamespace,  # noqa: F811
    locale: str,
) -> None:
    with app.app_context():
        cohort = db.session.get(Cohort, course.cohort.id)
        days = attendance.plan_class_days(db.session, current_curriculum(), cohort, actor_id=None)
        for number, day in enumerate(days[:6]):
            status = "absent" if number == 0 else "present"
            attendance.register(
                db.session,
                current_curriculum(),
                day,
                {course.enrolment.id: status},
                actor_id=None,
                now=AFTER_THE_SIXTH_DAY,
            )
        db.session.execute(update(User).values(locale=locale))
        db.session.commit()

    sign_in(page, app, "maria@example.org", locale="da")  # the login page is Danish
    start, end, percent = EXPECTED[locale]
    overview = page.locator(".course-overview")
    expect(overview.locator(".meta")).to_contain_text(f"{start} – {end}")
    presence = overview.locator(".summary").filter(has_text=say(app, "Attendance", locale))
    expect(presence.locator(".summary-value")).to_have_text(percent)

"""The learner's calendar in Chromium, on a phone and a desktop: the subscription is made on
My account and read by a calendar app (no session), and the calendar page lists the days."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest
from flask import Flask
from icalendar import Calendar
from playwright.sync_api import Page, expect

from peeredu.accounts.models import Cohort, Role
from peeredu.curriculum import attendance
from peeredu.extensions import current_curriculum, db
from tests.browser.conftest import WIDTHS
from tests.browser.steps import assert_accessible, say, sign_in, url

MARIA = "maria@example.org"
FIRST_MODULE = "fra-levet-erfaring-til-erfaringskompetence"


@pytest.fixture
def maria(app: Flask, make: Any) -> int:
    cohort = make.cohort("Hold A", teachers=(make.user(Role.TEACHER),))
    enrolment = make.enrolment(make.user(email=MARIA, name="Maria"), cohort, make.organisation())
    with app.app_context():
        attendance.plan_class_days(
            db.session, current_curriculum(), db.session.get(Cohort, cohort.id), actor_id=1
        )
        db.session.commit()
    return int(enrolment.id)


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_learner_subscribes_on_my_account_and_sees_the_calendar_page(
    app: Flask, page: Page, clock: Any, maria: int, width: str
) -> None:
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, app, MARIA)
    page.get_by_role("link", name=say(app, "My account")).click()
    page.get_by_role("button", name=say(app, "Make a calendar address")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        say(app, "Your calendar subscription")
    )
    address = page.get_by_label(
        say(app, "Address to paste into a calendar (Google, Outlook, Apple)")
    )
    feed = address.input_value()
    assert feed.startswith("http") and url(app, "/calendar/") in feed
    webcal = page.get_by_role("link", name=say(app, "Open in my calendar app"))
    expect(webcal).to_have_attribute("href", "webcal://" + feed.split("://", 1)[1])
    assert_accessible(page, f"the new subscription at {width}")

    # A calendar app reads the address without a session.
    with urllib.request.urlopen(feed) as response:  # noqa: S310 -- the live test server
        calendar = Calendar.from_ical(response.read())
    assert len([e for e in calendar.walk("VEVENT") if "classday-" in str(e["UID"])]) == 16

    # The calendar page, from the module page (3 February 2027: two days are held).
    with app.app_context():
        module = current_curriculum().module(FIRST_MODULE)
    page.goto(url(app, "/"))
    page.get_by_role("link", name=module.title).first.click()
    page.get_by_role("link", name=say(app, "Class days and deadlines")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(say(app, "Calendar"))
    expect(page.locator(".calendar-day")).to_have_count(16)
    expect(page.locator(".calendar-day").first).to_contain_text(say(app, "Not registered yet"))
    assert page.locator(".calendar-deadline").count() > 0
    assert_accessible(page, f"the calendar page at {width}")
    sideways = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert sideways <= 0

    # My account now offers a new address and stopping the subscription.
    page.goto(url(app, "/account"))
    expect(page.get_by_role("button", name=say(app, "Make a new calendar address"))).to_be_visible()
    page.get_by_role("button", name=say(app, "Stop the calendar subscription")).click()
    expect(page.locator(".flash-success")).to_contain_text(
        say(app, "Your calendar subscription is revoked. Calendars that read it get no more dates.")
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(feed)  # noqa: S310
    refused.value.close()
    assert refused.value.code == 404

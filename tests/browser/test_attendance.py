"""Attendance in a minute (issue 17), in Chromium at phone and desktop width.

The teacher registers today's class day from her start page: everyone starts present, she
changes the two who were not there and saves, in at most 3 clicks plus one per exception
(every click is counted). A day still to come offers no register; the days page shows each
day's state with today marked; a form sent with nothing chosen is refused.

The app's clock stands on Wednesday 3 February 2027, the cohort's second class day.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from peeredu.accounts.models import Role
from peeredu.curriculum import attendance
from peeredu.curriculum.records import Attendance, AttendanceStatus, ClassDay
from peeredu.extensions import current_curriculum, db
from tests.browser.conftest import WIDTHS
from tests.browser.steps import assert_accessible, say, sign_in, url
from tests.conftest import Clock

NAMES = ("Anna Andersen", "Bo Berg", "Carla Dahl", "Dorte Eriksen", "Emil Friis")


@pytest.fixture
def register(app: Flask, make: Any, clock: Clock) -> SimpleNamespace:
    teacher = make.user(Role.TEACHER, email="tove@example.org", name="Tove Underviser")
    cohort = make.cohort("Hold A", teachers=(teacher,))
    org = make.organisation("Rudersdal Kommune")
    learners = {name: make.enrolment(make.user(name=name), cohort, org) for name in NAMES}
    with app.app_context():
        days = attendance.plan_class_days(
            db.session, current_curriculum(), db.session.get(type(cohort), cohort.id), actor_id=1
        )
        db.session.commit()
        day_ids = [d.id for d in days]
    return SimpleNamespace(cohort=cohort, learners=learners, days=day_ids)


class Clicks:
    """Every click the teacher makes, counted."""

    def __init__(self) -> None:
        self.count = 0

    def click(self, target: Locator) -> None:
        self.count += 1
        target.click()


def statuses(app: Flask, day_id: int) -> dict[int, AttendanceStatus]:
    with app.app_context():
        return attendance.statuses_for_day(db.session, day_id)


def signed_in_at(page: Page, app: Flask, width: str) -> None:
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, app, "tove@example.org")


def learner_group(page: Page, name: str) -> Locator:
    return page.get_by_role("group", name=name)


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_todays_attendance_with_two_exceptions_in_five_clicks(
    app: Flask, page: Page, register: SimpleNamespace, width: str
) -> None:
    signed_in_at(page, app, width)
    clicks = Clicks()
    clicks.click(page.get_by_role("link", name="Hold A"))
    clicks.click(page.get_by_role("link", name=say(app, "Register today's attendance")))
    expect(page.get_by_role("heading", level=1)).to_contain_text("3. februar 2027")
    # Everyone starts present: only the exceptions are clicked.
    expect(page.locator("input[value=present]:checked")).to_have_count(len(NAMES))
    assert_accessible(page, "the register")
    clicks.click(learner_group(page, "Bo Berg").get_by_label(say(app, "Absent"), exact=True))
    clicks.click(
        learner_group(page, "Emil Friis").get_by_label(say(app, "Absent with notice"), exact=True)
    )
    clicks.click(page.get_by_role("button", name=say(app, "Save attendance")))
    expect(page.locator(".flashes")).to_contain_text(
        say(
            app,
            "Attendance for %(date)s is saved: %(present)s present, %(absent)s absent.",
            date="3. februar 2027",
            present=3,
            absent=2,
        )
    )
    assert clicks.count <= 3 + 2, f"{clicks.count} clicks from the start page"
    ids = {name: enrolment.id for name, enrolment in register.learners.items()}
    assert statuses(app, register.days[1]) == {
        ids["Anna Andersen"]: AttendanceStatus.PRESENT,
        ids["Bo Berg"]: AttendanceStatus.ABSENT,
        ids["Carla Dahl"]: AttendanceStatus.PRESENT,
        ids["Dorte Eriksen"]: AttendanceStatus.PRESENT,
        ids["Emil Friis"]: AttendanceStatus.ABSENT_WITH_NOTICE,
    }
    # Back on the days page, today is registered; opened again, the form shows what was saved.
    today = page.locator("[aria-current=date]")
    expect(today).to_contain_text(say(app, "Today"))
    expect(today).to_contain_text(
        say(app, "Held, %(count)s of %(total)s registered", count=5, total=5)
    )
    today.get_by_role("link", name=re.compile(re.escape(say(app, "Change attendance")))).click()
    expect(
        learner_group(page, "Bo Berg").get_by_label(say(app, "Absent"), exact=True)
    ).to_be_checked()
    assert_no_sideways_scroll(page)


def assert_no_sideways_scroll(page: Page) -> None:
    wider = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
              .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth)
              .map(el => el.tagName + '.' + el.className)"""
    )
    assert not wider, f"wider than the screen: {wider[:5]}"
    assert page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_days_page_shows_each_state_and_a_future_day_offers_no_register(
    app: Flask, page: Page, register: SimpleNamespace, clock: Clock, width: str
) -> None:
    first, today, coming, *_ = register.days
    anna = register.learners["Anna Andersen"].id
    with app.app_context():
        attendance.register(
            db.session,
            current_curriculum(),
            db.session.get(ClassDay, first),
            {anna: AttendanceStatus.PRESENT},
            actor_id=None,
            now=clock.now,
        )
        db.session.commit()
    signed_in_at(page, app, width)
    page.goto(url(app, f"/teach/cohorts/{register.cohort.id}/days"))
    cards = page.locator("ol.day-list > li")
    expect(cards).to_have_count(16)
    expect(cards.nth(0)).to_contain_text(
        say(app, "Held, %(count)s of %(total)s registered", count=1, total=5)
    )
    # Today, and only today, is marked: for the eye ("I dag") and for screen readers.
    expect(page.locator("[aria-current=date]")).to_have_count(1)
    expect(cards.nth(1)).to_have_attribute("aria-current", "date")
    expect(cards.nth(1)).to_contain_text(say(app, "Today"))
    expect(cards.nth(1)).to_contain_text(say(app, "Held, not registered"))
    # A day to come says so and offers no register.
    expect(cards.nth(2)).to_contain_text(say(app, "Coming"))
    expect(cards.nth(2).get_by_role("link")).to_have_count(0)

    # Move the coming day, with its reason; cancel the next, with its reason.
    cards.nth(2).locator("summary").click()
    cards.nth(2).get_by_label(say(app, "New date")).fill("2027-02-09")
    cards.nth(2).locator("textarea[name=reason]").first.fill("Lokalet er optaget")
    cards.nth(2).get_by_role("button", name=say(app, "Move the day")).click()
    expect(page.locator(".flashes")).to_contain_text(say(app, "The class day is moved."))
    expect(cards.nth(2)).to_contain_text(say(app, "Moved: %(reason)s", reason="Lokalet er optaget"))
    cards.nth(3).locator("summary").click()
    cards.nth(3).locator("textarea[name=reason]").last.fill("Underviseren er syg")
    cards.nth(3).get_by_role("button", name=say(app, "Cancel the day")).click()
    expect(cards.nth(3)).to_contain_text(
        say(app, "Cancelled: %(reason)s", reason="Underviseren er syg")
    )
    # Moving onto a public holiday is refused, saying which.
    cards.nth(4).locator("summary").click()
    cards.nth(4).get_by_label(say(app, "New date")).fill("2027-03-25")
    cards.nth(4).locator("textarea[name=reason]").first.fill("Bytter dag")
    cards.nth(4).get_by_role("button", name=say(app, "Move the day")).click()
    expect(page.locator(".flash-error")).to_contain_text("Skærtorsdag")
    assert_no_sideways_scroll(page)
    cards.nth(5).locator("summary").click()  # a day's move and cancel forms, open
    assert_accessible(page, "the days page")

    # The coming day's register, opened by its address, refuses and shows no choices.
    page.goto(url(app, f"/teach/cohorts/{register.cohort.id}/days/{coming}"))
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.get_by_role("button", name=say(app, "Save attendance"))).to_have_count(0)
    assert statuses(app, coming) == {}
    with app.app_context():
        assert db.session.get(ClassDay, today).date.isoformat() == "2027-02-03"


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_register_sent_with_nothing_chosen_is_refused(
    app: Flask, page: Page, register: SimpleNamespace, width: str
) -> None:
    signed_in_at(page, app, width)
    page.goto(url(app, f"/teach/cohorts/{register.cohort.id}/days/{register.days[0]}"))
    # A register whose choices are all cleared, as a page kept open from before the
    # learners were enrolled, or a script, may send it.
    page.evaluate("() => document.querySelectorAll('input[type=radio]').forEach(r => r.remove())")
    page.get_by_role("button", name=say(app, "Save attendance")).click()
    expect(page.locator(".flash-error")).to_contain_text(
        say(app, "Choose present or absent for at least one learner.")
    )
    expect(page.locator(".flash-success")).to_have_count(0)
    assert statuses(app, register.days[0]) == {}
    with app.app_context():
        assert db.session.scalars(select(Attendance)).all() == []

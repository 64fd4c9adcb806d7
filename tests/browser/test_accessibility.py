"""WCAG 2.1 A/AA on every page, in Danish and English, at phone and desktop width.

The demo data (a course under way, with reflections waiting, revisions, attendance and a
certificate) is seeded, then each kind of user walks the links of the app from the start page
and every page is checked with axe-core at 390 px and 1280 px, and at 640 px, which is what
1280 px at 200 % zoom leaves: no horizontal scrolling there. ``PAGES`` lists every page
checked; ``test_every_html_page_is_checked_or_excluded_on_purpose`` makes a new page fail
until it is added here or, with the reason, to ``NOT_PAGES``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import update

from peeredu import demo
from peeredu.accounts import invitations, twofactor, users
from peeredu.accounts.models import TokenPurpose, User
from peeredu.certification.services import certificates_by_enrolment
from peeredu.db import utcnow
from peeredu.extensions import current_assignments, current_curriculum, db
from peeredu.reflections import practice_log
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.steps import axe_violations, say, sign_in

ZOOMED = {"width": 640, "height": 400}  # 1280 CSS px at 200 % zoom

ADMIN = f"admin@{demo.DEMO_DOMAIN}"
TEACHER = f"underviser@{demo.DEMO_DOMAIN}"
HR = f"hr.region@{demo.DEMO_DOMAIN}"
LEARNER = f"peer@{demo.DEMO_DOMAIN}"
CERTIFIED = f"faerdig@{demo.DEMO_DOMAIN}"
TWO_STEP = f"hr.kommune@{demo.DEMO_DOMAIN}"
ANYONE = "anyone"

# Every HTML page, by endpoint, and who reaches it by following the app's links. A page that
# no link leads to (a token in an email, an error) is opened by ``special_pages``.
PAGES: dict[str, str] = {
    "peeredu.home.index": LEARNER,
    "peeredu.learn.module": LEARNER,
    "peeredu.calendar.page": LEARNER,
    "peeredu.reflect.assignment": LEARNER,
    "peeredu.reflect.log": LEARNER,
    "peeredu.reflect.delete_note": LEARNER,
    "peeredu.auth.account": LEARNER,
    "peeredu.auth.two_factor_setup": LEARNER,
    "peeredu.my_data.index": LEARNER,
    "peeredu.my_data.delete_log": LEARNER,
    "peeredu.my_data.delete_reflections": LEARNER,
    "peeredu.review.queue": TEACHER,
    "peeredu.review.review": TEACHER,
    "peeredu.teach.cohort": TEACHER,
    "peeredu.teach.days": TEACHER,
    "peeredu.teach.register_attendance": TEACHER,
    "peeredu.teach.learner": TEACHER,
    "peeredu.hr.index": HR,
    "peeredu.hr.participant": HR,
    "peeredu.api_tokens.index": HR,
    "peeredu.admin.users": ADMIN,
    "peeredu.admin.user_detail": ADMIN,
    "peeredu.admin.deactivate": ADMIN,
    "peeredu.certificates.revoke": ADMIN,
    "peeredu.admin.invite": ADMIN,
    "peeredu.admin.new_enrolment": ADMIN,
    "peeredu.admin.cohorts": ADMIN,
    "peeredu.admin.edit_cohort": ADMIN,
    "peeredu.admin.enrol_from_file": ADMIN,
    "peeredu.admin.move_enrolment": ADMIN,
    "peeredu.admin.organisations": ADMIN,
    "peeredu.admin.edit_organisation": ADMIN,
    "peeredu.admin.outbox_view": ADMIN,
    "peeredu.audit_log.index": ADMIN,
    "peeredu.auth.login": ANYONE,
    "peeredu.auth.forgot_password": ANYONE,
    "peeredu.auth.accept_invitation": ANYONE,
    "peeredu.auth.reset_password": ANYONE,
    "peeredu.auth.two_factor_login": ANYONE,
    "peeredu.certificates.verify": ANYONE,
    "peeredu.certificates.verify_code": ANYONE,
    "peeredu.pages.privacy": ANYONE,
    "peeredu.pages.accessibility": ANYONE,
}

# GET endpoints that are not HTML pages for a person, and why.
NOT_PAGES: dict[str, str] = {
    "peeredu.static": "CSS and JavaScript files",
    "peeredu.admin.index": "redirects to the user list",
    "peeredu.api.unknown": "JSON API: the answer for an unknown API path",
    "peeredu.api.openapi": "JSON API description",
    "peeredu.api.participants": "JSON API",
    "peeredu.api.participant": "JSON API",
    "peeredu.api.certificates": "JSON API",
    "peeredu.reflect.fresh_csrf_token": "JSON for the autosave script",
    "peeredu.certificates.pdf": "a PDF download",
    "peeredu.calendar.feed": "an iCalendar file for calendar apps (tests/web/test_calendar.py)",
    "peeredu.hr.participants_csv": "a CSV download",
    "peeredu.hr.participants_xlsx": "an XLSX download",
    "peeredu.teach.cohort_csv": "a CSV download",
    "peeredu.admin.enrolment_template_xlsx": "an XLSX download",
    "peeredu.admin.enrolment_template_csv": "a CSV download",
    "peeredu.my_data.download": "a ZIP download",
    "peeredu.oidc.start": "redirects to the identity provider",
    "peeredu.oidc.callback": "redirects after sign-in; its error page is checked with axe in "
    "tests/browser/test_oidc.py, with a provider configured",
}

# Error pages match no endpoint: checked by URL, signed out and (with the menu) signed in.
ERROR_PAGES: dict[str, str] = {
    "/no-such-page": "404: a URL that matches no route",
    "/teach/no/such/page": "404 deeper down",
    "/logout": "405: a URL that takes only POST, opened as a link",
}

SIGNED_IN = (LEARNER, CERTIFIED, TEACHER, HR, ADMIN)
DOWNLOADS = (".pdf", ".csv", ".xlsx", ".json", ".zip")


def test_every_html_page_is_checked_or_excluded_on_purpose(app: Flask) -> None:
    served = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert not set(PAGES) & set(NOT_PAGES)
    assert served - set(PAGES) - set(NOT_PAGES) == set(), "new pages: add them to PAGES"
    assert (set(PAGES) | set(NOT_PAGES)) - served == set(), "listed pages that no longer exist"


@pytest.fixture
def demo_data(app: Flask) -> None:
    with app.app_context():
        demo.seed(db.session, current_curriculum(), current_assignments(), today=date.today())
        learner = users.get_user_by_email(db.session, LEARNER)
        practice_log.add_log_entry(
            db.session,
            learner.enrolments[0],
            noted_on=date.today(),
            text="En samtale i dag, hvor jeg lyttede mere end jeg talte.",
            today=date.today(),
        )
        db.session.commit()


def special_pages(app: Flask) -> list[str]:
    """Pages reached from an email, or in a state that no plain link shows."""
    with app.app_context():
        now = utcnow()
        learner = users.get_user_by_email(db.session, LEARNER)
        invited = users.get_user_by_email(db.session, CERTIFIED)
        invitation = invitations.issue_token(
            db.session,
            invited,
            TokenPurpose.INVITATION,
            now=now,
            max_age=timedelta(days=1),
            created_by_id=None,
        )
        reset = invitations.issue_token(
            db.session,
            learner,
            TokenPurpose.PASSWORD_RESET,
            now=now,
            max_age=timedelta(days=1),
            created_by_id=None,
        )
        code = demo.demo_certificate_code(db.session)
        db.session.commit()
    return [
        "/login",
        "/password/forgot",
        f"/invitation/{invitation}",
        f"/password/reset/{reset}",
        "/invitation/no-such-token",  # the expired-link page
        "/verify",
        f"/verify/{code}",
        "/verify/0000-0000-0000-0",
        *ERROR_PAGES,
    ]


def demo_certificate_id(app: Flask) -> int:
    with app.app_context():
        certified = users.get_user_by_email(db.session, CERTIFIED)
        found = certificates_by_enrolment(db.session, [e.id for e in certified.enrolments])
        return next(iter(found.values())).id


class Checker:
    """Opens pages, follows their links, and checks each endpoint once per language."""

    def __init__(self, app: Flask, page: Page) -> None:
        self.app = app
        self.page = page
        self.urls = app.url_map.bind("127.0.0.1")
        self.reached: dict[str, str] = {}
        self.problems: list[str] = []

    def endpoint(self, path: str) -> str | None:
        try:
            return self.urls.match(path.split("?")[0].split("#")[0], method="GET")[0]
        except Exception:  # noqa: BLE001 -- not one of ours (404, redirect, other site)
            return None

    def check(self, path: str, who: str) -> None:
        self.page.set_viewport_size(DESKTOP)
        self.page.goto(path)
        for width, size in (("1280", DESKTOP), ("390", PHONE)):
            self.page.set_viewport_size(size)
            for problem in axe_violations(self.page):
                self.problems.append(f"{path} as {who} at {width} px: {problem}")
        self.page.set_viewport_size(ZOOMED)
        overflow = self.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            self.problems.append(f"{path} as {who} at 200 % zoom: {overflow} px sideways scroll")
        self.page.set_viewport_size(DESKTOP)

    def walk(self, who: str, start: str) -> None:
        queue, seen = [start], set()
        while queue:
            path = queue.pop(0)
            endpoint = self.endpoint(path)
            if path in seen or endpoint is None or endpoint in NOT_PAGES:
                continue
            seen.add(path)
            if endpoint not in self.reached:
                self.reached[endpoint] = path
                self.check(path, who)
            elif path == start:
                self.page.goto(path)  # known page, new person: follow their links
            else:
                continue
            for href in self.page.locator("a[href]").evaluate_all(
                "links => links.map(link => link.getAttribute('href'))"
            ):
                if href.startswith("/") and not href.startswith("//"):
                    if not href.split("?")[0].endswith(DOWNLOADS):
                        queue.append(href.split("#")[0])


def check_cohort_people_pages(app: Flask, page: Page, checker: Checker, locale: str) -> None:
    """The pages a POST shows: an uploaded file's preview with a bad row, and the
    confirmation of a move, at both widths."""
    with app.app_context():
        enrolment = users.get_user_by_email(db.session, LEARNER).enrolments[0]
        cohort_id, enrolment_id = enrolment.cohort_id, enrolment.id
        organisation = enrolment.organisation.name
    content = "navn;e-mail;spor;organisation\r\n" + (
        f"Ny Person;ny.person@example.org;peer;{organisation}\r\n"
        "Forkert;ikke-en-adresse;peer;Ingen\r\n"
    )
    # The cohort page the walk reaches first is the new-cohort form, without these links.
    for endpoint, path in (
        ("peeredu.admin.enrol_from_file", f"/admin/cohorts/{cohort_id}/enrol"),
        ("peeredu.admin.move_enrolment", f"/admin/enrolments/{enrolment_id}/move"),
    ):
        if endpoint not in checker.reached:
            checker.reached[endpoint] = path
            checker.check(path, ADMIN)
    page.goto(f"/admin/cohorts/{cohort_id}/enrol")
    page.locator("#people").set_input_files(
        files=[{"name": "hold.csv", "mimeType": "text/csv", "buffer": content.encode()}]
    )
    page.get_by_role("button", name=say(app, "Check the file", locale)).click()
    expect(page.locator("#row-problems")).to_be_visible()
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        checker.problems += [f"enrol preview: {p}" for p in axe_violations(page)]
    page.set_viewport_size(DESKTOP)
    page.goto(f"/admin/enrolments/{enrolment_id}/move")
    page.locator("#cohort").select_option(index=1)
    page.get_by_role("button", name=say(app, "Continue", locale)).click()
    expect(page.get_by_role("heading", level=2).first).to_be_visible()
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        checker.problems += [f"move confirmation: {p}" for p in axe_violations(page)]
    page.set_viewport_size(DESKTOP)


@pytest.mark.parametrize("locale", ["da", "en"])
def test_every_page_passes_axe_in_both_languages_and_widths(
    app: Flask, context: Any, page: Page, demo_data: None, locale: str
) -> None:
    with app.app_context():
        db.session.execute(update(User).values(locale=locale))
        db.session.commit()
    checker = Checker(app, page)

    page.goto("/login")
    page.locator("#locale").select_option(locale)
    page.get_by_role("button", name=say(app, "Change language")).click()
    expect(page.locator("html")).to_have_attribute("lang", locale)
    for path in special_pages(app):
        endpoint = checker.endpoint(path)
        checker.reached.setdefault(endpoint or path, path)
        checker.check(path, ANYONE)
    # The login page with its errors, as a person sees it after a failed attempt.
    page.goto("/login")
    page.get_by_role("button", name=say(app, "Sign in", locale), exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    checker.problems += [f"/login with errors: {p}" for p in axe_violations(page)]
    checker.walk(ANYONE, "/login")
    # The second step of signing in, for someone who has two-step sign-in on.
    with app.app_context():
        person = users.get_user_by_email(db.session, TWO_STEP)
        twofactor.enable_with_secret(db.session, person, pyotp.random_base32(), now=utcnow())
        db.session.commit()
    page.goto("/login")
    page.locator("#email").fill(TWO_STEP)
    page.locator("#password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name=say(app, "Sign in", locale), exact=True).click()
    expect(page.locator("#code")).to_be_visible()
    checker.reached["peeredu.auth.two_factor_login"] = page.url
    checker.check(page.url, TWO_STEP)

    for who in SIGNED_IN:
        context.clear_cookies()
        sign_in(page, app, who, demo.DEMO_PASSWORD)  # the login page is Danish again
        checker.walk(who, "/")
        if who in (TEACHER, HR, ADMIN):
            checker.check("/", who)  # each staff role's start page (the walk checks one)
        if who == LEARNER:
            for path in ERROR_PAGES:
                checker.check(path, who)
        if who == TEACHER:
            # The queue's other lists, and a review sent back without anything filled in.
            for shown in ("sent", "all"):
                checker.check(f"/teach/reviews?show={shown}", who)
            page.goto("/teach/reviews")
            page.locator("table.review-queue th a").first.click()
            page.get_by_role(
                "button", name=say(app, "Release feedback", locale), exact=True
            ).click()
            expect(page.locator("#errors")).to_be_focused()
            for size in (DESKTOP, PHONE):
                page.set_viewport_size(size)
                checker.problems += [f"review with errors: {p}" for p in axe_violations(page)]
            page.set_viewport_size(DESKTOP)
        if who == ADMIN:
            # The invitation form sent empty: every error shown and tied to its field.
            page.goto("/admin/users/invite")
            page.get_by_role("button", name=say(app, "Send invitation", locale)).click()
            expect(page.locator(".error-summary")).to_be_visible()
            checker.problems += [f"invite with errors: {p}" for p in axe_violations(page)]
            check_cohort_people_pages(app, page, checker, locale)
            # Revoking and deactivating ask first; the walk sees one person's page, so open both.
            revoke = f"/certificates/{demo_certificate_id(app)}/revoke"
            checker.reached["peeredu.certificates.revoke"] = revoke
            checker.check(revoke, who)
            with app.app_context():
                learner_id = users.get_user_by_email(db.session, LEARNER).id
            deactivate = f"/admin/users/{learner_id}/deactivate"
            checker.reached["peeredu.admin.deactivate"] = deactivate
            checker.check(deactivate, who)

    missing = [
        f"{e} (as {who}): no link led there" for e, who in PAGES.items() if e not in checker.reached
    ]
    assert not checker.problems + missing, "\n".join(checker.problems + missing)

"""The journeys of issue 7, end to end in Chromium, through the interface only.

People, cohorts and organisations that a journey starts from are made with the factories;
everything the journey itself is about is done by clicking and typing, in Danish (the default
language). Button and link names come from the catalog, so a change of wording does not
break the tests but a missing translation shows.

Each journey runs twice (tests/browser/conftest.py): standalone, and with peeredu mounted at
/kursus in a host app, so its paths go through ``url(app, ...)``.
"""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from peeredu.accounts.models import Enrolment, Role
from peeredu.certification import codes
from peeredu.curriculum import attendance, progress
from peeredu.curriculum.records import AttendanceStatus, ClassDay
from peeredu.db import utcnow
from peeredu.extensions import current_assignments, current_curriculum, db
from peeredu.web.signin import seconds
from tests.browser.steps import say, sign_in, sign_out, url
from tests.conftest import Clock, Mailbox, deliver_outbox
from tests.factories import PASSWORD

FIRST_MODULE = "fra-levet-erfaring-til-erfaringskompetence"
FIRST_ASSIGNMENT = "erfaring-i-brug"


@pytest.fixture
def course(make: Any) -> SimpleNamespace:
    admin = make.user(Role.ADMIN, email="anne@example.org", name="Anne Admin")
    teacher = make.user(Role.TEACHER, email="tove@example.org", name="Tove Underviser")
    cohort = make.cohort("Hold A", teachers=(teacher,))
    org = make.organisation("Rudersdal Kommune")
    other_org = make.organisation("Region Sjælland", kind="region")
    maria = make.user(Role.LEARNER, email="maria@example.org", name="Maria Jensen")
    enrolment = make.enrolment(maria, cohort, org)
    return SimpleNamespace(
        admin=admin,
        teacher=teacher,
        cohort=cohort,
        org=org,
        other_org=other_org,
        maria=maria,
        enrolment=enrolment,
    )


def words(count: int, marker: str = "") -> str:
    body = " ".join(f"ord{n}" for n in range(count))
    return f"{marker} {body}".strip()


def editor_path(app: Flask, enrolment: Enrolment, slug: str = FIRST_ASSIGNMENT) -> str:
    return url(app, f"/learn/{enrolment.id}/assignments/{slug}")


def open_first_assignment(page: Page, app: Flask) -> None:
    """From the start page to the first module, read it, then on to its assignment."""
    with app.app_context():
        module = current_curriculum().module(FIRST_MODULE)
        assignment = current_assignments().for_module(FIRST_MODULE)
    page.goto(url(app, "/"))
    page.get_by_role("link", name=module.title).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(module.title)
    page.get_by_role(
        "link", name=say(app, "Go to the assignment: %(title)s", title=assignment.title)
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(assignment.title)
    page.wait_for_load_state("load")  # the autosave script (deferred) listens from here on


def wait_until_saved(page: Page, app: Flask) -> None:
    saved = say(app, "Saved %(time)s", time="").strip()
    expect(page.locator("#autosave-status")).to_contain_text(saved, timeout=15_000)


def submit_reflection(page: Page, app: Flask) -> None:
    page.locator("#anonymised").check()
    page.locator("#own_choice").check()
    page.get_by_role("button", name=say(app, "Submit for feedback")).click()
    expect(
        page.get_by_text(
            say(app, "Your reflection is submitted and waits for feedback from your teacher.")
        )
    ).to_be_visible()


def review(page: Page, app: Flask, *, approve: bool, comment: str) -> None:
    """The teacher opens the newest reflection in the queue and releases feedback."""
    page.goto(url(app, "/"))
    page.get_by_role("navigation", name=say(app, "Main menu")).get_by_role(
        "link", name=say(app, "Reflections to review")
    ).click()
    page.get_by_role("link", name="Maria Jensen").click()
    criteria = page.locator("fieldset.criterion")
    for index in range(criteria.count()):
        mark = "met" if approve or index else "not_yet"
        criteria.nth(index).locator(f"input[value={mark}]").check()
    page.get_by_label(say(app, "Overall comment")).fill(comment)
    decision = "approved" if approve else "not_yet"
    page.locator(f"input[name=decision][value={decision}]").check()
    page.get_by_role("button", name=say(app, "Release feedback"), exact=True).click()
    expect(page.locator(".flashes")).to_be_visible()


# -- 1 ---------------------------------------------------------------------------------------


def test_admin_invites_a_learner_who_sets_a_password_and_signs_in(
    app: Flask, page: Page, course: SimpleNamespace, mailbox: Mailbox
) -> None:
    sign_in(page, app, "anne@example.org")
    page.get_by_role("link", name=say(app, "Invite a person")).first.click()
    page.locator("#name").fill("Karl Nielsen")
    page.locator("#email").fill("karl@example.org")
    page.locator("input[name=roles][value=learner]").check()
    page.locator("#cohort").select_option(label="Hold A")
    page.locator("#track").select_option(value="peer")
    page.locator("#organisation").select_option(label="Rudersdal Kommune")
    page.locator("#work_role").select_option(value="paid_peer")
    page.get_by_role("button", name=say(app, "Send invitation")).click()
    expect(page.locator(".flashes")).to_contain_text("karl@example.org")
    sign_out(page, app)

    deliver_outbox(app)
    link = mailbox.link_to("karl@example.org", "/invitation/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Karl Nielsen")
    page.locator("#password").fill("karls eget lange kodeord 2027")
    page.locator("#confirm").fill("karls eget lange kodeord 2027")
    page.get_by_role("button", name=say(app, "Save password and continue")).click()
    expect(page.locator(".flashes")).to_contain_text(say(app, "Your password is set. Welcome!"))
    sign_out(page, app)

    sign_in(page, app, "karl@example.org", "karls eget lange kodeord 2027")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Karl Nielsen")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Hold A")


# -- 2 ---------------------------------------------------------------------------------------


def test_learner_writes_closes_the_tab_mid_sentence_and_finds_every_word(
    app: Flask, context: Any, page: Page, course: SimpleNamespace
) -> None:
    sign_in(page, app, "maria@example.org")
    open_first_assignment(page, app)
    text = words(320, "Min refleksion:")
    page.locator("#text").fill(text)
    wait_until_saved(page, app)
    page.locator("#text").press("End")
    page.keyboard.type(" og så sagde jeg til borger")
    page.close()  # mid-sentence, before the autosave delay has passed

    again = context.new_page()
    again.goto(editor_path(app, course.enrolment))
    expect(again.locator("#text")).to_have_value(text + " og så sagde jeg til borger")
    submit_reflection(again, app)


# -- 3 ---------------------------------------------------------------------------------------


def test_teacher_asks_for_a_revision_then_approves_and_the_module_is_completed(
    app: Flask, browser: Any, page: Page, live_server: str, course: SimpleNamespace
) -> None:
    sign_in(page, app, "maria@example.org")
    open_first_assignment(page, app)
    page.locator("#text").fill(words(320, "Første udgave."))
    submit_reflection(page, app)

    teacher_context = browser.new_context(base_url=live_server)
    teacher = teacher_context.new_page()
    sign_in(teacher, app, "tove@example.org")
    review(teacher, app, approve=False, comment="Skriv mere om dit næste skridt.")

    page.goto(editor_path(app, course.enrolment))
    expect(page.locator(".feedback")).to_contain_text("Skriv mere om dit næste skridt.")
    page.get_by_role("button", name=say(app, "Start a new version")).click()
    page.locator("#text").fill(words(340, "Anden udgave med mit næste skridt."))
    submit_reflection(page, app)

    review(teacher, app, approve=True, comment="Fint, godkendt.")
    teacher_context.close()

    page.goto(editor_path(app, course.enrolment))
    expect(
        page.get_by_text(say(app, "Your reflection is approved. The module is completed."))
    ).to_be_visible()
    page.goto(url(app, "/"))
    with app.app_context():
        title = current_curriculum().module(FIRST_MODULE).title
    line = page.locator("li.module-line", has=page.get_by_role("link", name=title))
    # Completed through its approved reflection: the module's one state is "Godkendt".
    expect(line).to_contain_text(say(app, "Approved"))


# -- 4 ---------------------------------------------------------------------------------------


def complete_every_module(app: Flask, enrolment: Enrolment) -> None:
    """A precondition, not the journey: the learner has done all the modules."""
    with app.app_context():
        found = db.session.get(Enrolment, enrolment.id)
        for module in current_curriculum().modules_for(found.track):
            progress.complete_by_teacher(
                db.session,
                current_curriculum(),
                found,
                module.slug,
                reason="precondition",
                actor_id=None,
                now=utcnow(),
            )
        db.session.commit()


AFTER_THE_COURSE = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


def present_on_first_days(app: Flask, course: SimpleNamespace, count: int) -> None:
    """A precondition: the learner's attendance on the first class days is registered."""
    with app.app_context():
        days = db.session.scalars(
            select(ClassDay).where(ClassDay.cohort_id == course.cohort.id).order_by(ClassDay.date)
        ).all()
        for day in days[:count]:
            attendance.register(
                db.session,
                current_curriculum(),
                day,
                {course.enrolment.id: AttendanceStatus.PRESENT},
                actor_id=None,
                now=AFTER_THE_COURSE,
            )
        db.session.commit()


def test_attendance_completes_the_course_and_the_certificate_downloads_and_verifies(
    app: Flask,
    browser: Any,
    page: Page,
    live_server: str,
    course: SimpleNamespace,
    mailbox: Mailbox,
) -> None:
    # The course is over by the app's clock, so every class day can be registered.
    app.config["CLOCK"] = lambda: AFTER_THE_COURSE
    complete_every_module(app, course.enrolment)
    sign_in(page, app, "tove@example.org")
    page.get_by_role("link", name="Hold A").click()
    page.get_by_role("link", name=say(app, "Class days and attendance")).click()
    page.get_by_role("button", name=say(app, "Plan the class days")).click()
    # She was there on the first 14 of the 16 days (87.5 %); the 15th makes 90 %.
    present_on_first_days(app, course, 14)
    page.reload()
    # The 14 registered days offer "Change attendance"; the first still to register is the 15th.
    page.get_by_role(
        "link", name=re.compile(re.escape(say(app, "Register attendance")))
    ).first.click()
    page.locator(f"input[name=status-{course.enrolment.id}][value=present]").check()
    page.get_by_role("button", name=say(app, "Save attendance")).click()
    expect(page.locator(".flashes")).to_be_visible()

    learner_context = browser.new_context(base_url=live_server, accept_downloads=True)
    learner = learner_context.new_page()
    sign_in(learner, app, "maria@example.org")
    link = learner.get_by_role("link", name=say(app, "Download your certificate (PDF)"))
    # Chromium shows an inline PDF in its viewer; fetch the link with the learner's cookies.
    response = learner.request.get(link.get_attribute("href") or "")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    content = response.body()
    assert content.startswith(b"%PDF")
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Maria Jensen" in pdf_text
    assert url(app, "/verify/") in pdf_text  # the link to check it carries the prefix
    learner_context.close()

    deliver_outbox(app)
    [mail] = mailbox.to("maria@example.org")
    code = re.search(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]\b", mailbox.body(mail))
    assert code is not None and code.group(0) in pdf_text
    assert codes.normalise(code.group(0))

    public = browser.new_context(base_url=live_server).new_page()
    public.goto(url(app, "/verify"))
    public.get_by_label(say(app, "Verification code")).fill(code.group(0).lower())
    public.get_by_role("button", name=say(app, "Check the code")).click()
    result = public.get_by_role("status")
    expect(result).to_contain_text(say(app, "Valid certificate"))
    expect(result).to_contain_text("Maria Jensen")
    public.context.close()


# -- 5 ---------------------------------------------------------------------------------------


@pytest.fixture
def hr_world(make: Any, course: SimpleNamespace) -> SimpleNamespace:
    hanne = make.user(Role.HR, email="hanne@example.org", name="Hanne HR")
    make.hr_scope(hanne, course.org)
    karl = make.user(Role.LEARNER, email="karl@example.org", name="Karl Kollega")
    make.enrolment(karl, course.cohort, course.org, track="colleague", work_role="colleague")
    bo = make.user(Role.LEARNER, email="bo@example.org", name="Bo Andetsteds")
    elsewhere = make.enrolment(bo, course.cohort, course.other_org)
    return SimpleNamespace(hanne=hanne, elsewhere=elsewhere)


def test_hr_filters_exports_and_cannot_reach_another_organisations_participant(
    app: Flask, page: Page, course: SimpleNamespace, hr_world: SimpleNamespace
) -> None:
    # HR must use two-step sign-in: Hanne sets it up at her first sign-in, then signs in
    # with a code from the "app" (pyotp, from the key shown on the page).
    app.config["TWO_FACTOR_REQUIRED"] = True
    sign_in(page, app, "hanne@example.org")
    if page.locator("#two-factor-secret").count() == 0:
        page.goto(url(app, "/account/two-factor"))
        page.get_by_role("button", name=say(app, "Set up two-step sign-in")).click()
    secret = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name=say(app, "Turn on two-step sign-in")).click()
    page.get_by_role("link", name=say(app, "I have saved the codes")).click()
    sign_out(page, app)

    page.locator("#email").fill("hanne@example.org")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=say(app, "Sign in"), exact=True).click()
    # The code of the next 30-second step: the one used to set up may not be used twice.
    page.locator("#code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name=say(app, "Sign in"), exact=True).click()
    page.get_by_role("navigation", name=say(app, "Main menu")).get_by_role(
        "link", name=say(app, "Participants")
    ).click()
    table = page.locator("table")
    expect(table).to_contain_text("Maria Jensen")
    expect(table).to_contain_text("Karl Kollega")
    expect(table).not_to_contain_text("Bo Andetsteds")

    page.locator("#track").select_option(value="colleague")
    page.get_by_role("button", name=say(app, "Show"), exact=True).click()
    expect(table).to_contain_text("Karl Kollega")
    expect(table).not_to_contain_text("Maria Jensen")

    page.get_by_text(say(app, "Download as …")).click()  # the one export menu
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("CSV")).first.click()
    csv_text = download_info.value.path().read_text(encoding="utf-8-sig")
    assert "Karl Kollega" in csv_text
    assert "Maria Jensen" not in csv_text and "Bo Andetsteds" not in csv_text

    response = page.goto(url(app, f"/hr/participants/{hr_world.elsewhere.id}"))
    assert response is not None and response.status == 404
    expect(page.locator("main")).not_to_contain_text("Bo Andetsteds")


# -- 6 ---------------------------------------------------------------------------------------


def test_the_session_expires_while_writing_and_the_text_survives_signing_in_again(
    app: Flask, clock: Clock, page: Page, course: SimpleNamespace
) -> None:
    sign_in(page, app, "maria@example.org")
    open_first_assignment(page, app)
    first = words(150, "Det jeg nåede før pausen.")
    page.locator("#text").fill(first)
    wait_until_saved(page, app)

    # The learner stops to think for longer than the server's inactivity limit; the session
    # ends on the server (whose clock the test moves on).
    clock.advance(seconds=seconds(app.config["SESSION_IDLE_TIMEOUT"]) + 60)
    page.locator("#text").press("End")
    page.keyboard.type(" Og det jeg skrev bagefter, uden at vide at jeg var logget ud.")
    page.get_by_role("button", name=say(app, "Save draft")).click()

    expect(page.locator("#email")).to_be_visible()
    expect(page.locator(".flashes")).to_contain_text(
        say(app, "You were signed out, but what you wrote is kept. Sign in to continue.")
    )
    page.locator("#email").fill("maria@example.org")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=say(app, "Sign in"), exact=True).click()

    expect(page.locator("#text")).to_have_value(
        first + " Og det jeg skrev bagefter, uden at vide at jeg var logget ud."
    )
    page.get_by_role("button", name=say(app, "Save draft")).click()
    page.goto(editor_path(app, course.enrolment))
    expect(page.locator("#text")).to_have_value(
        first + " Og det jeg skrev bagefter, uden at vide at jeg var logget ud."
    )

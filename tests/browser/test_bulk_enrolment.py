"""An admin enrols a 25-person cohort from one file, on a phone and on a wide screen: the
preview names the one bad row, the admin corrects the file, checks it again and confirms."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from peeredu import outbox
from peeredu.accounts.models import Enrolment, Role
from peeredu.extensions import db
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.steps import assert_accessible, say, sign_in, url


def _file(bad_row: bool) -> bytes:
    lines = ["navn;e-mail;spor;organisation"]
    for n in range(25):
        email = f"deltager{n}@example.org"
        if bad_row and n == 11:
            email = "deltager11(at)example.org"
        lines.append(
            f"Deltager {n};{email};{'kollega' if n % 5 == 0 else 'peer'};Rudersdal Kommune"
        )
    return ("\ufeff" + "\r\n".join(lines)).encode()


def _choose(page: Page, content: bytes) -> None:
    page.locator("#people").set_input_files(
        files=[{"name": "hold.csv", "mimeType": "text/csv", "buffer": content}]
    )


def _nothing_sideways(page: Page) -> None:
    wider = page.evaluate(
        """() => [...document.querySelectorAll('main, main *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                         || (e.scrollWidth > e.clientWidth + 1
                             && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)))
            .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
    )
    assert wider == [], wider


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390", "1280"])
def test_an_admin_enrols_a_cohort_from_a_file_with_one_bad_row_fixed(
    app: Flask, page: Page, make: Any, size: dict[str, int]
) -> None:
    make.user(Role.ADMIN, email="anne@example.org", name="Anne Admin")
    cohort = make.cohort("Hold efterår 2027")
    make.organisation("Rudersdal Kommune")
    page.set_viewport_size(size)
    sign_in(page, app, "anne@example.org")
    page.goto(url(app, f"/admin/cohorts/{cohort.id}"))
    page.get_by_role("link", name=say(app, "Enrol from a file")).click()
    _choose(page, _file(bad_row=True))
    page.get_by_role("button", name=say(app, "Check the file")).click()

    summary = page.locator("#row-problems")
    expect(summary).to_contain_text(say(app, "Row %(line)s", line=13))
    expect(summary).to_contain_text("deltager11(at)example.org")
    expect(page.locator("#row-13")).to_be_visible()
    expect(
        page.get_by_role("button", name=say(app, "Enrol only the %(count)s valid rows", count=24))
    ).to_be_visible()
    _nothing_sideways(page)
    assert_accessible(page, "preview with a bad row")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0

    # Corrected and uploaded again, from the preview itself.
    _choose(page, _file(bad_row=False))
    page.get_by_role("button", name=say(app, "Check the file")).click()
    expect(page.locator("#row-problems")).to_have_count(0)
    _nothing_sideways(page)
    page.get_by_role("button", name=say(app, "Enrol %(count)s people", count=25)).click()
    expect(page.locator(".flash-success")).to_contain_text(
        say(
            app,
            "Enrolled in %(cohort)s: %(count)s. New accounts with an invitation: %(invited)s.",
            cohort="Hold efterår 2027",
            count=25,
            invited=25,
        )
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 25
        assert db.session.scalar(select(func.count()).select_from(outbox.OutboxMessage)) == 25

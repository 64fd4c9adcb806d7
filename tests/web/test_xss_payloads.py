"""Known XSS payloads through every text field a user can set, read back on every page that
shows them: the HTML is parsed and no element, event handler or script URL may have been
injected, while the text itself is shown (escaped), so the check is not vacuous."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from peeredu.certification.models import Certificate
from peeredu.db import utcnow
from peeredu.extensions import db
from peeredu.models import metadata
from tests.web.test_access_table import EMAILS, World, seed_world, visitor_client

# Each fits the shortest field (API token names: 100 characters); the alert numbers tell
# them apart in a failure message.
PAYLOADS = {
    "script-and-onerror": "<script>alert(11)</script><img src=x onerror=alert(12)>",
    "attribute-breakout": '"><svg onload=alert(21)><a href="JaVaScRiPt:alert(22)">j</a>',
    "entity-encoded": (
        "'><iframe src=javascript:alert(31)></iframe><a href='&#106;avascript:alert(32)'>e"
    ),
    "markdown-links": (
        "[m](javascript:alert(41)) [d](data:text/html;base64,PHNjcmlwdD4=) <math>x</math>"
    ),
    "reference-link": "<details open ontoggle=alert(51)>[r][k]\n\n[k]: jAvAsCrIpT:alert(52)",
}
INJECTED_TAGS = frozenset(
    {"svg", "math", "iframe", "object", "embed", "img", "style", "base", "frame"}
)
# The layout's own inline SVG: the state icons (templates/peeredu/layout/states.html). No payload
# carries these classes, and the sanitizer would strip an <svg> from a learner's text anyway.
OUR_SVG_CLASSES = frozenset({"state-symbols", "state-icon"})
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "data", "poster"})
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


@dataclass
class _Page(HTMLParser):
    injected: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        ours = tag == "svg" and attributes.get("class") in OUR_SVG_CLASSES
        if tag in INJECTED_TAGS and not ours:
            self.injected.append(f"<{tag}>")
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            self.injected.append("<script> without our src")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.injected.append(f"{name}= on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                squeezed = "".join(html.unescape(value).split()).lower()
                is_favicon = tag == "link" and attributes.get("rel") == "icon" and value == "data:,"
                if squeezed.startswith(BAD_SCHEMES) and not is_favicon:
                    self.injected.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read(client: Any, path: str) -> _Page:
    return check(client.get(path), path)


def check(response: Any, path: str) -> _Page:
    assert response.status_code == 200, path
    page = _Page()
    page.feed(response.get_data(as_text=True))
    page.close()
    assert page.injected == [], f"{path}: {page.injected}"
    return page


def shown(pages: list[_Page], payload: str) -> bool:
    """The payload's text is on one of the pages, as text (escaped, not markup)."""
    first_line = payload.splitlines()[0]
    return any(first_line in "".join(page.text) for page in pages)


def filled_world(app: Flask, make: Any, make_client: Any, payload: str) -> tuple[World, dict]:
    """The world with ``payload`` in every text field, set the way each is set in the app."""
    world = seed_world(
        app,
        make,
        note=payload,
        draft=payload,
        version=payload,
        feedback=payload,
        criterion=payload,
    )
    clients = {v: visitor_client(make_client, world, v) for v in [*EMAILS, "anonymous"]}
    admin, teacher, hr, owner = (clients[v] for v in ("admin", "teacher", "hr", "owner"))
    ok = (302, 303)
    # Names of people, organisations, cohorts (the administrator).
    for visitor in ("owner", "peer"):
        response = admin.submit(
            f"/admin/users/{world.users[visitor]}",
            {"name": payload, "email": EMAILS[visitor], "roles": ["learner"], "locale": "da"},
        )
        assert response.status_code in ok, response.get_data(as_text=True)[:2000]
    assert (
        admin.submit(
            f"/admin/organisations/{world.org_a}", {"name": payload, "kind": "municipality"}
        ).status_code
        in ok
    )
    cohort = {"name": payload, "start_date": "2027-02-01", "end_date": "2027-05-24"}
    cohort["teachers"] = [str(world.users["teacher"])]
    assert admin.submit(f"/admin/cohorts/{world.cohort_1}", cohort).status_code in ok
    # The learner's practice log, through the form.
    note = {"noted_on": utcnow().date().isoformat(), "text": payload}
    assert owner.submit(f"/learn/{world.l1}/log", note).status_code in ok
    # The teacher: a class day's topic, a snippet, a certificate's reason (kept in the log).
    days = f"/teach/cohorts/{world.cohort_1}/days"
    day = {"date": "2027-02-08", "topic": payload, "module": ""}
    assert teacher.submit(days, day).status_code in ok
    with app.app_context():
        table = metadata.tables["class_days"]
        added = db.session.scalar(
            select(table.c.id).where(
                table.c.cohort_id == world.cohort_1, table.c.date == date(2027, 2, 8)
            )
        )
    # The move's reason is shown beside the day (the page is checked with the topic's).
    move = {"date": "2027-02-09", "reason": payload}
    assert teacher.submit(f"{days}/{added}/move", move).status_code in ok
    with app.app_context():
        reason = db.session.scalar(select(table.c.move_reason).where(table.c.id == added))
        assert reason == " ".join(payload.split())
    snippet = {"text": payload, "next": "/teach/reviews"}
    assert teacher.submit("/teach/reviews/snippets", snippet).status_code in ok
    issued = teacher.submit(f"/enrolments/{world.l2}/certificate", {"reason": payload})
    assert issued.status_code in ok
    # HR: an API token's name.
    token_name = payload.replace("\n", " ")
    created = hr.submit("/hr/api-tokens", {"name": token_name})
    assert created.status_code == 200  # the raw token is shown once, not redirected to
    check(created, "the page showing the new token")
    with app.app_context():
        code = db.session.scalar(
            select(Certificate.code).where(Certificate.enrolment_id == world.l2)
        )
    return world, {"clients": clients, "code": code}


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_payloads_come_back_escaped_on_every_page(
    app: Flask, make: Any, make_client: Any, payload: str
) -> None:
    world, extra = filled_world(app, make, make_client, payload)
    clients = extra["clients"]
    c1, l1 = world.cohort_1, world.l1
    with app.app_context():
        days = metadata.tables["class_days"]
        day_id = db.session.scalar(select(days.c.id).where(days.c.cohort_id == c1).limit(1))
    paths = {
        "admin": [
            "/admin/users",
            f"/admin/users/{world.users['owner']}",
            "/admin/organisations",
            f"/admin/organisations/{world.org_a}",
            "/admin/cohorts",
            f"/admin/cohorts/{c1}",
            "/admin/audit/",
        ],
        "teacher": [
            "/",
            f"/teach/cohorts/{c1}",
            f"/teach/cohorts/{c1}/days",
            f"/teach/cohorts/{c1}/days/{day_id}",
            f"/teach/cohorts/{c1}/learners/{l1}",
            "/teach/reviews",
            f"/teach/reviews/{world.version_id}",
        ],
        "hr": ["/hr/", f"/hr/participants/{l1}", "/hr/api-tokens"],
        "owner": [
            "/",
            f"/learn/{l1}/log",
            f"/learn/{l1}/assignments/{world.submitted_slug}",
            f"/learn/{l1}/assignments/{world.draft_slug}",
            f"/learn/{l1}/modules/{world.draft_module}",
        ],
        "anonymous": [f"/verify/{extra['code']}"],
    }
    pages = {(v, p): read(clients[v], p) for v, ps in paths.items() for p in ps}

    # Not vacuous: each plain-text field's payload is on the pages that show it, as text.
    expected_on = {
        "a person's name": [("admin", "/admin/users"), ("teacher", f"/teach/cohorts/{c1}")],
        "an organisation's name": [("admin", "/admin/organisations"), ("hr", "/hr/")],
        "a cohort's name": [("admin", "/admin/cohorts"), ("teacher", "/")],
        "a class day's topic": [("teacher", f"/teach/cohorts/{c1}/days")],
        "a practice-log note": [("owner", f"/learn/{l1}/log")],
        "an API token's name": [("hr", "/hr/api-tokens")],
        "the teacher's feedback": [("owner", f"/learn/{l1}/assignments/{world.submitted_slug}")],
        "a snippet": [("teacher", f"/teach/reviews/{world.version_id}")],
        "a reason (in the log)": [("admin", "/admin/audit/")],
        "the certificate's name": [("anonymous", f"/verify/{extra['code']}")],
        "the draft in its editor": [("owner", f"/learn/{l1}/assignments/{world.draft_slug}")],
    }
    text_payload = payload if "\n" not in payload else payload.splitlines()[0]
    for what, where in expected_on.items():
        assert shown([pages[key] for key in where], text_payload), what

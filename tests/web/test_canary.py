"""Canaries: unique markers in private text, and a crawl of everything each role can reach.

L1 writes a practice-log note and a draft, submits a reflection, and T1 releases feedback on it
(through the pages, so the mails of a real submission and release are sent). Then every role
crawls every page reachable from "/", plus the exports, the certificate PDF and the API, and
each marker may turn up only for the people allowed to read it. No marker may be in any mail
or in the audit log.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import deque
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.test import TestResponse

from peeredu.audit import AuditEvent
from peeredu.extensions import current_assignments, db, mailer
from peeredu.outbox import OutboxMessage
from peeredu.reflections.models import ReflectionVersion
from tests.conftest import Mailbox
from tests.web.test_access_table import (
    VISITORS,
    World,
    filler,
    issue_certificate,
    seed_world,
    visitor_client,
)

MARKERS = {
    "log": "CANARY-LOG-q7w3",
    "draft": "CANARY-DRAFT-z8k2",
    "version": "CANARY-VERSION-m4p9",
    "feedback": "CANARY-FEEDBACK-r5t1",
    "criterion": "CANARY-CRITERION-x2n6",
}
ALLOWED = {
    "log": {"owner"},
    "draft": {"owner"},
    "version": {"owner", "teacher"},
    "feedback": {"owner", "teacher"},
    "criterion": {"owner", "teacher"},
}
MAX_PAGES = 300
SKIPPED_PATHS = ("/logout", "/static/")


def submit_and_release(app: Flask, make_client: Any, world: World) -> int:
    """L1 submits through the editor; T1 releases feedback through the review page."""
    learner = visitor_client(make_client, world, "owner")
    path = f"/learn/{world.l1}/assignments/{world.submitted_slug}"
    page = learner.get(path).get_data(as_text=True)
    version = re.search(r'name="draft_version" value="(\d+)"', page)
    assert version, "no editor"
    with app.app_context():
        assignment = current_assignments().get(world.submitted_slug)
        criteria = [c.key for c in assignment.criteria]
        text = filler(MARKERS["version"])
        fields = (
            {f"field-{f.key}": text for f in assignment.fields}
            if assignment.guided
            else {"text": text}
        )
    response = learner.submit(
        path,
        {
            "action": "submit",
            "draft_version": version.group(1),
            "anonymised": "y",
            "own_choice": "y",
            **fields,
        },
        token_page=path,
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        version_id = db.session.scalar(select(ReflectionVersion.id))
    teacher = visitor_client(make_client, world, "teacher")
    review = f"/teach/reviews/{version_id}"
    data = {"action": "release", "overall_comment": MARKERS["feedback"], "decision": "not_yet"}
    for key in criteria:
        data[f"met-{key}"] = "not_yet"
        data[f"comment-{key}"] = f"{MARKERS['criterion']} {key}"
    response = teacher.submit(review, data, token_page=review)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return version_id


def text_of(response: TestResponse) -> str:
    """What a person could read in the response: HTML, CSV, JSON, PDF text, XLSX XML."""
    body = response.get_data()
    kind = response.mimetype or ""
    if kind == "application/pdf":
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    if body[:2] == b"PK":  # XLSX (and any other zip): every member's text
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return unescape(body.decode("utf-8", "replace"))


LINK = re.compile(r'(?:href|src)="([^"#]*)')


def same_site(base: str, link: str) -> str | None:
    target = urlsplit(urljoin("http://localhost" + base, unescape(link)))
    if target.scheme not in ("http", "https") or target.netloc != "localhost":
        return None
    path = target.path + (f"?{target.query}" if target.query else "")
    if any(target.path.startswith(skip) for skip in SKIPPED_PATHS):
        return None
    return path


def crawl(client: Any, extra: list[str], headers: dict[str, str]) -> dict[str, str]:
    """Breadth-first over same-site links from "/" (and ``extra``): each path's text."""
    seen: dict[str, str] = {}
    queue = deque(["/", *extra])
    queued = set(queue)
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        response = client.get(path, headers=headers if path.startswith("/api/") else {})
        text = text_of(response)
        seen[path] = text
        found: list[str] = []
        if response.location:
            found.append(response.location)
        if (response.mimetype or "") == "text/html":
            found += LINK.findall(response.get_data(as_text=True))
        for link in found:
            target = same_site(path, link)
            if target and target not in queued:
                queued.add(target)
                queue.append(target)
    return seen


def test_markers_reach_only_the_people_allowed(
    app: Flask, make: Any, make_client: Any, mailbox: Mailbox
) -> None:
    world = seed_world(
        app,
        make,
        note=MARKERS["log"],
        draft=MARKERS["draft"],
        submit_and_review=False,
    )
    version_id = submit_and_release(app, make_client, world)
    issue_certificate(app, world)
    extra = [
        "/hr/participants.csv",
        "/hr/participants.xlsx",
        f"/hr/participants/{world.l1}",
        f"/certificates/{world.certificate_id}.pdf",
        f"/teach/reviews/{version_id}",
        f"/learn/{world.l1}/log",
        f"/learn/{world.l1}/assignments/{world.draft_slug}",
        f"/learn/{world.l1}/assignments/{world.submitted_slug}",
        "/api/v1/participants",
        f"/api/v1/participants/{world.l1}",
        "/api/v1/certificates",
        # Everyone's own data export: only the owner's holds the owner's markers.
        "/my-data/export.zip",
    ]
    seen_by: dict[str, dict[str, list[str]]] = {}
    pages: dict[str, int] = {}
    for visitor in VISITORS:
        client = visitor_client(make_client, world, visitor)
        token = world.api_tokens.get(visitor)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        texts = crawl(client, extra, headers)
        pages[visitor] = len(texts)
        seen_by[visitor] = {
            name: sorted(path for path, text in texts.items() if marker in text)
            for name, marker in MARKERS.items()
        }

    leaks = [
        f"{name} marker seen by {visitor} at {paths}"
        for visitor, found in seen_by.items()
        for name, paths in found.items()
        if paths and visitor not in ALLOWED[name]
    ]
    assert not leaks, "\n".join(leaks)
    # The crawl is not vacuous: those allowed find every marker they may read.
    missing = [
        f"{name} marker not found by {visitor} (crawled {pages[visitor]} pages)"
        for name, allowed in ALLOWED.items()
        for visitor in allowed
        if not seen_by[visitor][name]
    ]
    assert not missing, "\n".join(missing)
    assert pages["admin"] > 10 and pages["hr"] > 5, pages

    # Mail: deliver whatever is still queued, then read every message and the outbox.
    with app.app_context():
        mailer.deliver()
        outbox = db.session.scalars(select(OutboxMessage)).all()
        audit_details = db.session.scalars(select(AuditEvent.detail)).all()
    assert mailbox.messages, "the submission and the release send mail"
    for message in mailbox.messages:
        whole = message.as_string()
        texts = [whole, *(part.get_content() for part in message.walk() if not part.is_multipart())]
        for name, marker in MARKERS.items():
            assert not any(marker in t for t in texts), (
                f"{name} marker in mail {message['Subject']}"
            )
    for row in outbox:
        for name, marker in MARKERS.items():
            assert marker not in row.body_text + row.subject, f"{name} marker in the outbox"
    for detail in audit_details:
        for name, marker in MARKERS.items():
            assert marker not in (detail or ""), f"{name} marker in the audit log"

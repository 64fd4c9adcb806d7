"""The learner writes reflections: drafts that are never lost, submitting, revising, the log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from peeredu.accounts.models import Role, User
from peeredu.audit import AuditEvent
from peeredu.db import utcnow
from peeredu.extensions import current_assignments, current_curriculum, db
from peeredu.reflections import feedback
from peeredu.reflections.models import (
    Reflection,
    ReflectionStatus,
    ReflectionVersion,
    StashedText,
)
from tests.factories import PASSWORD

FIRST = "fra-levet-erfaring-til-erfaringskompetence"
FOURTH = "livshistoriefortaelling-min-historie-som-redskab"
MARKER = "Hemmelig-markør-7731"


def long_text(words: int, marker: str = MARKER) -> str:
    return (marker + " " + "ord " * words).strip()


@pytest.fixture
def first(app):
    with app.app_context():
        return current_assignments().for_module(FIRST)


@pytest.fixture
def learner(client, make):
    teacher = make.user(Role.TEACHER, email="tove@example.org", name="Tove")
    user = make.user(Role.LEARNER, email="maria@example.org", name="Maria")
    enrolment = make.enrolment(user, make.cohort(teachers=(teacher,)), make.organisation())
    client.login("maria@example.org", PASSWORD)
    return enrolment


def url(enrolment, assignment):
    return f"/learn/{enrolment.id}/assignments/{assignment.slug}"


def version_on_page(client, path) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="draft_version" value="(\d+)"', page)
    assert found, "no editor on the page"
    return found.group(1)


def submit_reflection(client, path, assignment, text, version, **kwargs):
    """Submit ``text`` with the checklist confirmed, as the editor's submit button does."""
    data = {
        "draft_version": version,
        "anonymised": "y",
        "own_choice": "y",
        **fill(assignment, text),
    }
    return client.submit(f"{path}/submit", data, token_page=path, **kwargs)


def reflection_row(app, enrolment, assignment) -> Reflection:
    with app.app_context():
        return db.session.scalar(
            select(Reflection).where(
                Reflection.enrolment_id == enrolment.id,
                Reflection.assignment_slug == assignment.slug,
            )
        )


def fill(assignment, text):
    """The form fields for ``text``: the free text, or every guided field."""
    if assignment.guided:
        return {f"field-{f.key}": text for f in assignment.fields}
    return {"text": text}


def test_module_page_links_its_assignment_and_is_completed_only_by_approval(client, learner, first):
    page = client.get(f"/learn/{learner.id}/modules/{FIRST}").get_data(as_text=True)
    assert url(learner, first) in page
    assert "Markér som gennemført" not in page


def test_editor_shows_prompt_rubric_anonymisation_and_word_minimum(client, learner, first):
    page = client.get(url(learner, first)).get_data(as_text=True)
    assert first.title in page
    assert first.criteria[0].title in page
    assert "navne" in page  # the anonymisation rule next to the field
    assert f"mindst {first.min_words}" in page
    assert "data-autosave" in page and "autosave.js" in page


def test_autosave_saves_and_reports_the_time(app, client, learner, first):
    path = url(learner, first)
    version = version_on_page(client, path)
    response = client.submit(
        f"{path}/autosave",
        {"draft_version": version, **fill(first, "Første tanker")},
        token_page=path,
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json["message"].startswith("Gemt ")
    assert response.json["draft_version"] == int(version) + 1
    assert "Første tanker" in client.get(path).get_data(as_text=True)


def test_two_tabs_the_later_save_keeps_both_texts(app, client, learner, first):
    path = url(learner, first)
    stale = version_on_page(client, path)
    client.submit(
        f"{path}/save",
        {"draft_version": stale, **fill(first, "Tekst fra fane A")},
        token_page=path,
    )
    response = client.submit(
        f"{path}/save",
        {"draft_version": stale, **fill(first, "Tekst fra fane B")},
        token_page=path,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Tekst fra fane A" in page and "Tekst fra fane B" in page
    # Nothing was overwritten: the saved draft is tab A's until B decides.
    row = reflection_row(app, learner, first)
    stored = row.draft_text if not first.guided else next(iter(row.draft_fields.values()))
    assert stored == "Tekst fra fane A"
    autosave = client.submit(
        f"{path}/autosave",
        {"draft_version": stale, **fill(first, "B igen")},
        token_page=path,
        headers={"Accept": "application/json"},
    )
    assert autosave.status_code == 409 and "Tekst fra fane A" in str(autosave.json)


def test_expired_csrf_token_keeps_the_posted_text(client, learner, first):
    path = url(learner, first)
    version = version_on_page(client, path)
    response = client.post(
        f"{path}/save",
        data={
            "draft_version": version,
            "csrf_token": "stale",
            **fill(first, "Min lange tekst"),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Min lange tekst" in page
    assert "været åben for længe" in page


def test_expired_session_stashes_the_text_until_the_learner_signs_in(
    app, client, learner, first, make_client
):
    path = url(learner, first)
    version = version_on_page(client, path)
    signed_out = make_client()  # the same person after the session expired
    response = signed_out.post(
        f"{path}/save",
        data={"draft_version": version, **fill(first, "Skrevet før timeout")},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    signed_out.login("maria@example.org", PASSWORD)
    page = signed_out.get(path).get_data(as_text=True)
    assert "Skrevet før timeout" in page
    # A reload offers it again: it is kept until a draft save that holds it commits.
    page = signed_out.get(path).get_data(as_text=True)
    assert "Skrevet før timeout" in page and 'name="stash" value="1"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StashedText)) == 1
    saved = signed_out.submit(
        f"{path}/save",
        {
            "stash": "1",
            "draft_version": version,
            **fill(first, "Skrevet før timeout"),
        },
        token_page=path,
    )
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StashedText)) == 0
    assert 'name="stash" value=""' in signed_out.get(path).get_data(as_text=True)


def test_a_forged_cross_site_post_is_not_stashed(app, client, learner, first, make_client):
    path = url(learner, first)
    response = make_client().post(
        f"{path}/save",
        data={**fill(first, "Angriberens tekst")},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StashedText)) == 0


def test_autosave_after_sign_out_answers_401_and_stores_nothing(app, learner, first, make_client):
    response = make_client().post(
        f"{url(learner, first)}/autosave",
        data={**fill(first, "x")},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 401
    assert "logget ud" in response.json["message"]


def test_submit_checks_words_and_checklist_and_keeps_the_text(app, client, learner, first):
    path = url(learner, first)
    version = version_on_page(client, path)
    short = submit_reflection(client, path, first, "For kort tekst", version)
    assert short.status_code == 422
    assert "For kort tekst" in short.get_data(as_text=True)
    unchecked = client.submit(
        f"{path}/submit",
        {"draft_version": version, **fill(first, long_text(first.min_words))},
        token_page=path,
    )
    assert unchecked.status_code == 422
    assert "tjeklisten" in unchecked.get_data(as_text=True).lower()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReflectionVersion)) == 0


def test_submit_creates_a_version_notifies_the_teacher_without_text(
    app, client, learner, first, mailbox, deliver
):
    path = url(learner, first)
    version = version_on_page(client, path)
    text = long_text(first.min_words)
    response = submit_reflection(client, path, first, text, version)
    assert response.status_code == 302
    # A double click sends the same form again: still one version.
    again = submit_reflection(client, path, first, text, version, follow_redirects=True)
    assert "allerede afleveret" in again.get_data(as_text=True)
    with app.app_context():
        versions = db.session.scalars(select(ReflectionVersion)).all()
        assert len(versions) == 1 and MARKER in versions[0].text
        assert not versions[0].late
    assert reflection_row(app, learner, first).status is ReflectionStatus.SUBMITTED
    deliver()
    [notice] = mailbox.to("tove@example.org")
    assert MARKER not in mailbox.body(notice) and MARKER not in notice["Subject"]
    assert "/teach/reviews/" in mailbox.body(notice)
    page = client.get(path).get_data(as_text=True)
    assert "venter på feedback" in page
    assert 'name="draft_version"' not in page  # no editor while waiting


def test_cannot_submit_before_prerequisites_but_can_write(app, client, learner):
    with app.app_context():
        fourth = current_assignments().for_module(FOURTH)
    path = url(learner, fourth)
    page = client.get(path).get_data(as_text=True)
    assert "du kan først aflevere, når" in page.lower()
    version = version_on_page(client, path)
    response = submit_reflection(client, path, fourth, long_text(fourth.min_words), version)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReflectionVersion)) == 0


def test_cpr_number_gets_a_warning(client, learner, first):
    path = url(learner, first)
    version = version_on_page(client, path)
    response = client.submit(
        f"{path}/autosave",
        {
            "draft_version": version,
            **fill(first, "Borgeren 010190-1234 sagde"),
        },
        token_page=path,
        headers={"Accept": "application/json"},
    )
    assert response.json["cpr_warning"] is True
    assert "CPR-nummer" in client.get(path).get_data(as_text=True)


def test_preview_is_sanitised(client, learner, first):
    path = url(learner, first)
    version = version_on_page(client, path)
    payload = "**fed** [klik](javascript:alert(1)) <script>alert(2)</script>"
    response = client.submit(
        f"{path}/preview",
        {"draft_version": version, **fill(first, payload)},
        token_page=path,
    )
    page = response.get_data(as_text=True)
    preview = page.split('id="preview-heading"')[1]
    assert "<strong>fed</strong>" in preview
    assert "javascript:" not in preview and "<script>alert(2)" not in preview


def test_supervision_flag(app, client, learner, first):
    path = url(learner, first)
    client.submit(f"{path}/flag", {"flagged": "1"}, token_page=path)
    assert reflection_row(app, learner, first).supervision_flag is True
    assert "Markeret til drøftelse i supervision" in client.get(path).get_data(as_text=True)


def test_practice_log_private_newest_first_and_insertable(
    app, client, learner, first, make, make_client
):
    log = f"/learn/{learner.id}/log"
    client.submit(log, {"noted_on": "2026-02-02", "text": "Tidlig note"}, token_page=log)
    client.submit(log, {"noted_on": "2026-02-09", "text": "Senere note"}, token_page=log)
    page = client.get(log).get_data(as_text=True)
    assert page.index("Senere note") < page.index("Tidlig note")

    # Pressing a note's button quotes the note into the draft, after what is written.
    path = url(learner, first)
    editor = client.get(path).get_data(as_text=True)
    button = re.search(r'formaction="([^"]+)" name="note" value="(\d+)"', editor)
    action, note_id = button.groups()
    version = version_on_page(client, path)
    client.submit(
        action, {"note": note_id, "draft_version": version, **fill(first, "Start")}, token_page=path
    )
    row = reflection_row(app, learner, first)
    draft = row.draft_fields[first.fields[0].key] if first.guided else row.draft_text
    assert draft.startswith("Start\n\n") and draft.endswith("\n\n> Senere note\n"), draft
    textarea = re.search(r"<textarea[^>]*data-draft[^>]*>([^<]*)</textarea>", client.get(path).text)
    assert textarea and "&gt; Senere note" in textarea.group(1)

    # Nobody else sees the log, not even the cohort's teacher.
    teacher = make_client()
    teacher.login("tove@example.org", PASSWORD)
    assert teacher.get(log).status_code == 404
    assert teacher.get(path).status_code == 404


def test_other_people_get_404_on_the_editor(client, learner, first, make, make_client):
    make.user(Role.LEARNER, email="other@example.org")
    other = make_client()
    other.login("other@example.org", PASSWORD)
    path = url(learner, first)
    assert other.get(path).status_code == 404
    response = other.submit(f"{path}/save", {"text": "x"}, token_page="/account")
    assert response.status_code == 404


def test_audit_log_never_holds_the_text(app, client, learner, first):
    path = url(learner, first)
    version = version_on_page(client, path)
    submit_reflection(client, path, first, long_text(first.min_words), version)
    with app.app_context():
        details = " ".join(db.session.scalars(select(AuditEvent.detail)))
    assert MARKER not in details


def test_not_yet_approved_then_revise_and_resubmit(app, client, learner, first):
    path = url(learner, first)
    version = version_on_page(client, path)
    first_text = long_text(first.min_words, marker="Version-et")
    submit_reflection(client, path, first, first_text, version)
    with app.app_context():
        submitted = db.session.scalar(select(ReflectionVersion))
        feedback.save_review(
            db.session,
            current_curriculum(),
            first,
            submitted,
            teacher_id=db.session.scalar(select(User.id).where(User.email == "tove@example.org")),
            criteria={c.key: {"met": False, "comment": "Uddyb"} for c in first.criteria},
            overall_comment="Godt begyndt, uddyb analysen",
            decision="not_yet",
            expected_lock=None,
            release=True,
            now=utcnow(),
        )
        db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "Ikke godkendt endnu" in page and "Godt begyndt, uddyb analysen" in page

    client.submit(f"{path}/revise", {}, token_page=path)
    assert reflection_row(app, learner, first).status is ReflectionStatus.REVISION
    editor = client.get(path).get_data(as_text=True)
    assert "Version-et" in editor  # the new version starts from the previous text
    version = version_on_page(client, path)
    submit_reflection(client, path, first, long_text(first.min_words, marker="Version-to"), version)
    with app.app_context():
        numbers = db.session.scalars(
            select(ReflectionVersion.number).order_by(ReflectionVersion.number)
        ).all()
    assert numbers == [1, 2]
    page = client.get(path).get_data(as_text=True)
    assert "Version 2" in page and "Version 1" in page


@pytest.mark.parametrize("action", ["save", "autosave"])
def test_a_page_opened_before_the_buttons_had_urls_still_saves(app, client, learner, first, action):
    """Such a page posts its ``action`` to the editor's own URL: the text must not be lost."""
    path = url(learner, first)
    version = version_on_page(client, path)
    response = client.submit(
        path,
        {"action": action, "draft_version": version, **fill(first, "Fra en gammel side")},
        token_page=path,
        headers={"Accept": "application/json"} if action == "autosave" else {},
    )
    assert response.status_code == (200 if action == "autosave" else 302)
    row = reflection_row(app, learner, first)
    assert "Fra en gammel side" in (row.draft_text + " ".join(row.draft_fields.values()))

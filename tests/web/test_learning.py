"""A learner follows the course: start page, module pages, completing modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from peeredu.accounts.models import Enrolment, EnrolmentStatus, Role
from peeredu.extensions import current_curriculum, db
from tests.factories import PASSWORD

ASSESSMENTS = Path(__file__).resolve().parents[2] / "assessments"
FIRST = "fra-levet-erfaring-til-erfaringskompetence"
SECOND = "recovery-personlig-klinisk-og-organisatorisk"
FOURTH = "livshistoriefortaelling-min-historie-som-redskab"


@pytest.fixture
def app_overrides(tmp_path):
    """The shipped assignments minus those of modules 1 and 4: modules completed by marking
    them done, module 4 only after module 1."""
    folder = tmp_path / "assessments"
    shutil.copytree(ASSESSMENTS, folder)
    for number in ("01", "04"):
        next(folder.glob(f"{number}-*.toml")).unlink()
    return {"ASSESSMENTS_DIR": str(folder)}


@pytest.fixture
def course(app):
    with app.app_context():
        return current_curriculum()


@pytest.fixture
def learner(client, make):
    def enrol(track="peer", email="maria@example.org", name="Maria"):
        user = make.user(Role.LEARNER, email=email, name=name)
        enrolment = make.enrolment(
            user,
            make.cohort(),
            make.organisation(),
            track=track,
            work_role="paid_peer" if track == "peer" else "colleague",
        )
        client.login(email, PASSWORD)
        return enrolment

    return enrol


def _module_url(enrolment, slug):
    return f"/learn/{enrolment.id}/modules/{slug}"


def test_start_page_lists_the_tracks_modules_in_order_with_status(client, learner, course):
    enrolment = learner()
    page = client.get("/").get_data(as_text=True)
    titles = [m.title for m in course.modules_for(enrolment.track)]
    positions = [page.index(title) for title in titles]
    assert positions == sorted(positions)
    assert page.count("Ikke startet") >= len(titles)
    assert "0 af 10" in page
    assert "Hvad skal du nu?" in page or "næste" in page.lower()
    assert "Der er ikke planlagt undervisningsdage endnu" in page  # no class day yet


def test_module_page_shows_goals_text_and_the_tracks_part(client, learner, course):
    enrolment = learner(track="colleague")
    module = course.module(FOURTH)
    page = client.get(_module_url(enrolment, FOURTH)).get_data(as_text=True)
    for goal in module.learning_goals:
        assert goal.replace("»", "&raquo;") in page or goal in page
    assert "At lytte til levede erfaringer" in page  # the colleague part
    peer_only = module.text_for(next(t for t in module.tracks if t.value == "peer"))
    assert peer_only[:60] not in page


def test_completing_a_module_moves_progress(client, learner):
    enrolment = learner()
    response = client.submit(
        _module_url(enrolment, FIRST) + "/done", token_page=_module_url(enrolment, FIRST)
    )
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "1 af 10" in page
    assert 'value="1"' in page  # the progress bar
    module_page = client.get(_module_url(enrolment, FIRST)).get_data(as_text=True)
    assert "Du har gennemført dette modul." in module_page


def test_prerequisites_are_shown_and_block_completion_but_not_reading(client, learner, course):
    enrolment = learner()
    page = client.get(_module_url(enrolment, FOURTH))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "bygger på" in text
    assert course.module(FIRST).title in text

    response = client.submit(
        _module_url(enrolment, FOURTH) + "/done",
        token_page=_module_url(enrolment, FOURTH),
        follow_redirects=True,
    )
    assert "Gennemfør" in response.get_data(as_text=True)
    assert "0 af 10" in client.get("/").get_data(as_text=True)


def test_completing_twice_is_harmless(client, learner):
    enrolment = learner()
    url = _module_url(enrolment, FIRST)
    client.submit(url + "/done", token_page=url)
    again = client.submit(url + "/done", token_page=url, follow_redirects=True)
    assert "Du har allerede gennemført dette modul." in again.get_data(as_text=True)
    assert "1 af 10" in client.get("/").get_data(as_text=True)


def test_another_learners_modules_are_404(client, learner, make, make_client):
    enrolment = learner()
    make.user(Role.LEARNER, email="other@example.org")
    other = make_client()
    other.login("other@example.org", PASSWORD)
    assert other.get(_module_url(enrolment, FIRST)).status_code == 404
    url = _module_url(enrolment, FIRST)
    response = other.submit(url + "/done", token_page="/account")
    assert response.status_code == 404
    assert "0 af 10" in client.get("/").get_data(as_text=True)


def test_unknown_module_is_404(client, learner):
    enrolment = learner()
    assert client.get(_module_url(enrolment, "no-such-module")).status_code == 404


def test_paused_enrolment_cannot_complete_modules(app, client, learner):
    enrolment = learner()
    with app.app_context():
        db.session.get(Enrolment, enrolment.id).status = EnrolmentStatus.PAUSED
        db.session.commit()
    url = _module_url(enrolment, FIRST)
    client.submit(url + "/done", token_page=url)
    assert "0 af 10" in client.get("/").get_data(as_text=True)


def test_module_html_comes_from_the_sanitiser(client, learner, course):
    enrolment = learner()
    page = client.get(_module_url(enrolment, SECOND)).get_data(as_text=True)
    assert course.module(SECOND).body_html in page
    assert "<script" not in page

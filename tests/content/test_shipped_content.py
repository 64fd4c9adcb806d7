"""The real course in curriculum/: it loads cleanly and says what the course promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from peeredu.accounts.models import Track
from peeredu.curriculum.content import Curriculum
from peeredu.curriculum.loader import check_curriculum

CURRICULUM_DIR = Path(__file__).resolve().parents[2] / "curriculum"


@pytest.fixture(scope="module")
def curriculum() -> Curriculum:
    found, problems = check_curriculum(CURRICULUM_DIR)
    assert problems == [], "\n".join(map(str, problems))
    assert found is not None
    return found


def test_loads_without_errors_or_warnings(curriculum: Curriculum) -> None:
    assert curriculum.root == CURRICULUM_DIR


def test_has_ten_modules_in_order(curriculum: Curriculum) -> None:
    assert len(curriculum.modules) == 10
    assert [m.order for m in curriculum.modules.values()] == list(range(1, 11))


def test_both_tracks_require_every_module(curriculum: Curriculum) -> None:
    assert set(curriculum.course.tracks) == {Track.PEER, Track.COLLEAGUE}
    in_order = list(curriculum.modules)
    for track in Track:
        assert list(curriculum.course.tracks[track].modules) == in_order


def test_capstone_is_the_last_module(curriculum: Curriculum) -> None:
    capstone = curriculum.course.capstone
    assert capstone == "afsluttende-opgave-peer-stoette-paa-min-arbejdsplads"
    assert list(curriculum.modules)[-1] == capstone


def test_sixteen_class_days_in_two_parts(curriculum: Curriculum) -> None:
    days = curriculum.course.class_days
    assert [d.day for d in days] == list(range(1, 17))
    assert {d.day for d in days if d.part == 1} == set(range(1, 11))
    assert all(d.module in curriculum.modules for d in days)
    assert curriculum.course.attendance_threshold == 90


@pytest.mark.parametrize("position", range(10))
def test_module_has_goals_and_safe_body_with_headings(
    curriculum: Curriculum, position: int
) -> None:
    module = list(curriculum.modules.values())[position]
    assert 2 <= len(module.learning_goals) <= 4
    assert "<h2>" in module.body_html
    assert "<script" not in module.body_html.lower()
    for text in module.track_html.values():
        assert "<script" not in text.lower()


def test_module_4_speaks_to_colleagues_about_listening(curriculum: Curriculum) -> None:
    module = curriculum.modules["livshistoriefortaelling-min-historie-som-redskab"]
    assert module.order == 4
    assert "at lytte" in module.text_for(Track.COLLEAGUE).lower()
    assert module.text_for(Track.PEER) != module.text_for(Track.COLLEAGUE)

"""The real assignments in assessments/: they load cleanly and keep the course's promises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from peeredu.accounts.models import Track
from peeredu.curriculum.content import Curriculum
from peeredu.curriculum.loader import load_curriculum
from peeredu.extensions import current_assignments
from peeredu.reflections.definitions import Assignment, AssignmentSet
from peeredu.reflections.loader import check_assessments
from tests.content.test_shipped_content import CURRICULUM_DIR

ASSESSMENTS_DIR = Path(__file__).resolve().parents[2] / "assessments"
RUBRIC_KEYS = ["forankret", "refleksionsdybde", "kobling", "naeste-skridt"]
GIBBS = ["beskrivelse", "foelelser", "vurdering", "analyse", "konklusion", "handleplan"]
CAPSTONE_ORDER = 10
# Module orders whose colleague track needs another angle (DOMAIN.md).
COLLEAGUE_VARIANTS = {1, 4, 9, 10}
COURSE_WEEKS = 16


@pytest.fixture(scope="module")
def curriculum() -> Curriculum:
    return load_curriculum(CURRICULUM_DIR)


@pytest.fixture(scope="module")
def assignments(curriculum: Curriculum) -> AssignmentSet:
    found, problems = check_assessments(ASSESSMENTS_DIR, curriculum)
    assert problems == [], "\n".join(map(str, problems))
    assert found is not None
    return found


def by_order(curriculum: Curriculum, assignments: AssignmentSet) -> dict[int, Assignment]:
    return {curriculum.modules[a.module].order: a for a in assignments.by_slug.values()}


def words(html: str) -> int:
    return len(re.sub(r"<[^>]+>", " ", html).split())


def test_one_assignment_per_module_in_module_order(
    curriculum: Curriculum, assignments: AssignmentSet
) -> None:
    assert len(assignments.by_slug) == 10
    assert list(assignments.by_module) == list(curriculum.modules)


@pytest.mark.parametrize("order", range(1, 11))
def test_every_prompt_carries_the_anonymisation_rule(
    curriculum: Curriculum, assignments: AssignmentSet, order: int
) -> None:
    assignment = by_order(curriculum, assignments)[order]
    for track in Track:
        prompt = assignment.prompt_for(track).lower()
        for word in ("navne", "alder", "datoer", "afsnit", "kollega", "helbred", "vurdering"):
            assert word in prompt, f"{assignment.source.name} ({track.value}): {word}"
        assert "<script" not in prompt


@pytest.mark.parametrize("order", range(1, 11))
def test_every_assignment_asks_for_one_recent_situation_and_mentions_the_practice_log(
    curriculum: Curriculum, assignments: AssignmentSet, order: int
) -> None:
    assignment = by_order(curriculum, assignments)[order]
    for track in Track:
        prompt = assignment.prompt_for(track).lower()
        assert "konkret" in prompt and ("seneste uger" in prompt or "nylig" in prompt)
    assert "praksislog" in assignment.guidance_html.lower()


def test_the_default_rubric_has_the_four_criteria_of_the_course(
    curriculum: Curriculum, assignments: AssignmentSet
) -> None:
    rubric = by_order(curriculum, assignments)[1].criteria
    assert [c.key for c in rubric] == RUBRIC_KEYS
    assert [c.title for c in rubric] == [
        "Forankret i egen praksis",
        "Refleksionsdybde",
        "Kobling til kursets begreber",
        "Næste skridt og grænser",
    ]
    depth = rubric[1].for_teacher_html
    assert "Hatton" in depth and "dialogisk refleksion" in depth and "niveau 3" in depth
    for order, assignment in by_order(curriculum, assignments).items():
        if order != CAPSTONE_ORDER:
            assert assignment.criteria == rubric, assignment.source.name


def test_the_capstone_has_its_own_criteria_for_the_same_four_areas(
    curriculum: Curriculum, assignments: AssignmentSet
) -> None:
    capstone = assignments.for_module(curriculum.course.capstone or "")
    assert capstone is not None
    assert [c.key for c in capstone.criteria] == RUBRIC_KEYS
    default = by_order(curriculum, assignments)[1].criteria
    assert capstone.criteria != default
    assert "arbejdsplads" in capstone.criteria[0].for_learner_html
    assert "peer-rollen" in capstone.criteria[0].for_learner_html  # the colleagues' framing
    assert capstone.min_words >= 800
    assert "peer-rollen" in capstone.prompt_for(Track.COLLEAGUE)


def test_colleague_variants_where_the_angle_differs(
    curriculum: Curriculum, assignments: AssignmentSet
) -> None:
    with_variant = {
        order
        for order, assignment in by_order(curriculum, assignments).items()
        if assignment.prompt_colleague_html
    }
    assert COLLEAGUE_VARIANTS <= with_variant
    module_4 = by_order(curriculum, assignments)[4]
    assert "at lytte" in module_4.prompt_for(Track.COLLEAGUE).lower()
    assert module_4.prompt_for(Track.PEER) != module_4.prompt_for(Track.COLLEAGUE)


def test_about_half_are_guided_by_gibbs_cycle(
    curriculum: Curriculum, assignments: AssignmentSet
) -> None:
    guided = [a for a in assignments.by_slug.values() if a.guided]
    assert 4 <= len(guided) <= 6
    for assignment in guided:
        assert [f.key for f in assignment.fields] == GIBBS, assignment.source.name
        assert all(f.label and f.help for f in assignment.fields)
        assert "Gibbs" in assignment.guidance_html


def test_lengths_and_soft_deadlines_spread_over_the_course(
    curriculum: Curriculum, assignments: AssignmentSet
) -> None:
    ordered = [a for _, a in sorted(by_order(curriculum, assignments).items())]
    for assignment in ordered[:-1]:
        assert 250 <= assignment.min_words <= 500, assignment.source.name
    deadlines = [a.due_days for a in ordered]
    assert deadlines == sorted(set(deadlines)), "deadlines must rise in module order"
    assert 0 < deadlines[0] and deadlines[-1] <= COURSE_WEEKS * 7


@pytest.mark.parametrize("order", range(1, 11))
def test_prompts_are_short_enough_to_read_at_work(
    curriculum: Curriculum, assignments: AssignmentSet, order: int
) -> None:
    assignment = by_order(curriculum, assignments)[order]
    for track in Track:
        assert 80 <= words(assignment.prompt_for(track)) <= 300


def test_the_app_serves_the_shipped_assignments(app: Flask) -> None:
    with app.app_context():
        loaded = current_assignments()
    assert len(loaded.by_slug) == 10
    boundaries = loaded.get("en-graense-i-arbejdet")
    assert boundaries is not None and boundaries.module == "samtale-relation-og-graenser"

"""check_assessments on small assessments folders, each broken in one way.

As for the curriculum: every broken folder gives exactly one error (no cascade from one
mistake), naming the file relative to the folder and the field.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from peeredu.accounts.models import Track
from peeredu.curriculum.content import ContentError, Curriculum, Problem
from peeredu.curriculum.loader import load_curriculum
from peeredu.reflections.loader import check_assessments, load_assessments
from tests.content.assessment_files import (
    ANONYMOUS,
    assignment_path,
    criterion,
    default_assignment,
    field,
    write_assessments,
)
from tests.content.course_files import DELETE, write_course
from tests.content.test_loader import UNRENDERABLE

ALPHA = "01-refleksion-alpha.toml"
BETA = "02-refleksion-beta.toml"
GAMMA = "03-refleksion-gamma.toml"


@pytest.fixture
def curriculum(tmp_path: Path) -> Curriculum:
    return load_curriculum(write_course(tmp_path / "curriculum"))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "assessments"


def errors_of(root: Path, curriculum: Curriculum) -> list[Problem]:
    assignments, problems = check_assessments(root, curriculum)
    errors = [p for p in problems if not p.warning]
    assert (assignments is None) == bool(errors)
    return errors


def assert_only_error(
    root: Path, curriculum: Curriculum, file: str, field_name: str, *fragments: str
) -> Problem:
    errors = errors_of(root, curriculum)
    assert len(errors) == 1, "\n".join(map(str, errors))
    problem = errors[0]
    assert (problem.file, problem.field) == (file, field_name), str(problem)
    for fragment in fragments:
        assert fragment in problem.message, str(problem)
    return problem


def only_warning(root: Path, curriculum: Curriculum) -> Problem:
    assignments, problems = check_assessments(root, curriculum)
    assert assignments is not None, "\n".join(map(str, problems))
    assert len(problems) == 1 and problems[0].warning, "\n".join(map(str, problems))
    return problems[0]


# -- The valid fixture, loaded ------------------------------------------------------------


def test_the_fixture_is_valid_and_loads_into_frozen_values(
    root: Path, curriculum: Curriculum
) -> None:
    write_assessments(root)

    assignments, problems = check_assessments(root, curriculum)

    assert problems == []
    assert assignments is not None
    assert list(assignments.by_slug) == ["refleksion-alpha", "refleksion-beta", "refleksion-gamma"]
    assert list(assignments.by_module) == ["alpha", "beta", "gamma"]
    alpha = assignments.for_module("alpha")
    assert alpha is not None and assignments.get("refleksion-alpha") is alpha
    assert alpha.title == "Refleksion alpha"
    assert alpha.min_words == 250 and alpha.due_days == 14
    assert alpha.prompt_html.startswith("<p>Skriv om <em>én</em> situation.</p>")
    assert alpha.guidance_html == "<p>Brug din praksislog.</p>"
    assert alpha.source == root / ALPHA
    assert not alpha.guided and alpha.fields == ()
    # Without a colleague variant, both tracks see the prompt.
    assert alpha.prompt_for(Track.COLLEAGUE) == alpha.prompt_html
    # The default rubric, rendered once.
    assert [c.key for c in alpha.criteria] == ["forankret", "refleksionsdybde"]
    assert alpha.criteria[0].for_learner_html == "<p>Gør <em>sådan</em>.</p>"
    assert alpha.criteria[0].for_teacher_html == "<p>Se efter <strong>det</strong>.</p>"
    beta = assignments.by_module["beta"]
    assert beta.guided
    assert [(f.key, f.label, f.help) for f in beta.fields] == [
        ("beskrivelse", "Beskrivelse", "Hjælp til beskrivelse."),
        ("analyse", "Analyse", "Hjælp til analyse."),
    ]
    assert beta.criteria == alpha.criteria
    gamma = assignments.by_module["gamma"]
    assert [c.key for c in gamma.criteria] == ["samlet"]
    assert gamma.prompt_for(Track.COLLEAGUE).startswith("<p>Skriv om <em>teamet</em>.</p>")
    assert gamma.prompt_for(Track.PEER) == gamma.prompt_html
    # Nothing can be changed after loading.
    with pytest.raises(TypeError):
        assignments.by_slug["x"] = alpha  # type: ignore[index]
    with pytest.raises(TypeError):
        assignments.by_module["x"] = alpha  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        alpha.title = "x"  # type: ignore[misc]
    assert isinstance(alpha.criteria, tuple) and isinstance(beta.fields, tuple)


def test_load_assessments_returns_the_set(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root)

    assert len(load_assessments(root, curriculum).by_slug) == 3


def test_load_assessments_raises_content_error_with_the_problems(
    root: Path, curriculum: Curriculum
) -> None:
    write_assessments(root, assignments={"beta": {"module": "omega"}})

    with pytest.raises(ContentError) as raised:
        load_assessments(root, curriculum)

    assert [(p.file, p.field) for p in raised.value.problems] == [(BETA, "module")]
    assert f'{BETA}: module: unknown module "omega"' in str(raised.value)


def test_several_problems_in_several_files_are_reported_at_once(
    root: Path, curriculum: Curriculum
) -> None:
    write_assessments(
        root,
        rubric={"criteria": [criterion("forankret"), {"key": "x", "title": "X"}]},
        assignments={
            "alpha": {"title": DELETE, "min_words": 0},
            "gamma": {"due_days": -1},
        },
    )

    errors = errors_of(root, curriculum)

    assert [(p.file, p.field) for p in errors] == [
        ("rubric.toml", "criteria[2].for_learner"),
        ("rubric.toml", "criteria[2].for_teacher"),
        (ALPHA, "title"),
        (ALPHA, "min_words"),
        (GAMMA, "due_days"),
    ]


def test_line_endings_and_byte_order_mark_of_windows_editors_are_accepted(
    root: Path, curriculum: Curriculum
) -> None:
    write_assessments(root)
    path = assignment_path(root, "alpha")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))

    assignments, problems = check_assessments(root, curriculum)

    assert problems == [] and assignments is not None


def test_other_files_and_dot_files_are_ignored(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root)
    (root / "README.md").write_text("# Vejledning\n")
    (root / ".#01-refleksion-alpha.toml").write_text("not = [toml")

    assignments, problems = check_assessments(root, curriculum)

    assert problems == [] and assignments is not None


# -- Missing and malformed files ----------------------------------------------------------


def test_missing_folder(root: Path, curriculum: Curriculum) -> None:
    assert_only_error(root, curriculum, ".", "", "folder not found", str(root))


def test_missing_rubric(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root)
    (root / "rubric.toml").unlink()

    assert_only_error(root, curriculum, "rubric.toml", "", "not found")


def test_no_assignment_files(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root)
    for module in ("alpha", "beta", "gamma"):
        assignment_path(root, module).unlink()

    assert_only_error(root, curriculum, ".", "", "no assignment files")


def test_malformed_assignment_gives_tomllib_message_and_line(
    root: Path, curriculum: Curriculum
) -> None:
    write_assessments(root)
    path = assignment_path(root, "beta")
    lines = path.read_text().split("\n")
    assert lines[2].startswith("title = ")
    lines[2] = 'title = "Refleksion beta'  # unterminated string, on line 3
    path.write_text("\n".join(lines))

    problem = assert_only_error(root, curriculum, BETA, "", "invalid TOML", "(at line 3,")
    assert "Illegal character" in problem.message  # tomllib's own explanation


def test_malformed_rubric(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root)
    (root / "rubric.toml").write_text("[[criteria]\nkey = 1\n")

    assert_only_error(root, curriculum, "rubric.toml", "", "invalid TOML", "(at line 1,")


def test_assignment_file_that_is_not_utf8(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root)
    path = assignment_path(root, "beta")
    path.write_bytes(path.read_bytes().replace(b"Refleksion beta", "Bæta".encode("latin-1")))

    assert_only_error(root, curriculum, BETA, "", "not UTF-8")


# -- Fields: missing, empty, wrong type ---------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field_name", "fragment"),
    [
        ({"slug": DELETE}, "slug", "is missing"),
        ({"slug": 7}, "slug", "must be text"),
        ({"module": DELETE}, "module", "is missing"),
        ({"module": ["beta"]}, "module", "must be text in quotes, not a list"),
        ({"title": DELETE}, "title", "is missing"),
        ({"title": " "}, "title", "is empty"),
        ({"title": 3}, "title", "must be text"),
        ({"min_words": DELETE}, "min_words", "is missing"),
        ({"min_words": "300"}, "min_words", 'must be a whole number, not text ("300")'),
        ({"due_days": DELETE}, "due_days", "is missing"),
        ({"due_days": 14.5}, "due_days", "must be a whole number"),
        ({"prompt": DELETE}, "prompt", "is missing"),
        ({"prompt": ""}, "prompt", "is empty"),
        ({"prompt_colleague": 1}, "prompt_colleague", "must be text"),
        ({"guidance": DELETE}, "guidance", "is missing"),
        ({"guidance": True}, "guidance", "must be text in quotes, not true/false"),
        ({"fields": "beskrivelse"}, "fields", "must be [[fields]] blocks"),
        ({"fields": [{"key": "a", "label": "A"}, "b"]}, "fields", "must be [[fields]] blocks"),
        ({"criteria": {"key": "x"}}, "criteria", "must be [[criteria]] blocks"),
    ],
    ids=lambda value: str(value) if isinstance(value, str) else None,
)
def test_assignment_field_missing_or_of_the_wrong_type(
    root: Path, curriculum: Curriculum, overrides: dict[str, Any], field_name: str, fragment: str
) -> None:
    write_assessments(root, assignments={"beta": overrides})

    assert_only_error(root, curriculum, BETA, field_name, fragment)


@pytest.mark.parametrize("value", [0, -5])
def test_min_words_must_be_positive(root: Path, curriculum: Curriculum, value: int) -> None:
    write_assessments(root, assignments={"beta": {"min_words": value}})

    assert_only_error(root, curriculum, BETA, "min_words", f"must be 1 or more, not {value}")


@pytest.mark.parametrize(
    ("field", "value", "limit"), [("min_words", 10**23, 20_000), ("due_days", 10**6, 3_650)]
)
def test_absurd_numbers_are_refused(
    root: Path, curriculum: Curriculum, field: str, value: int, limit: int
) -> None:
    write_assessments(root, assignments={"beta": {field: value}})

    assert_only_error(root, curriculum, BETA, field, f"must be at most {limit}, not {value}")


def test_min_words_true_is_not_a_number(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, assignments={"beta": {"min_words": True}})

    assert_only_error(root, curriculum, BETA, "min_words", "must be a whole number, not true")


def test_due_days_negative(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, assignments={"beta": {"due_days": -3}})

    assert_only_error(root, curriculum, BETA, "due_days", "must be 0 or more, not -3")


def test_due_days_zero_is_allowed(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, assignments={"beta": {"due_days": 0}})

    assert load_assessments(root, curriculum).by_module["beta"].due_days == 0


# -- Unknown keys -------------------------------------------------------------------------


def test_unknown_field_suggests_the_right_one(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, assignments={"beta": {"min_word": 300}})

    assert_only_error(
        root, curriculum, BETA, "min_word", "unknown field", 'did you mean "min_words"'
    )


def test_unknown_field_in_a_guided_field(root: Path, curriculum: Curriculum) -> None:
    fields = [field("beskrivelse"), {**field("analyse"), "hjaelp": "x"}]
    write_assessments(root, assignments={"beta": {"fields": fields}})

    assert_only_error(root, curriculum, BETA, "fields[2].hjaelp", "unknown field")


def test_unknown_field_in_a_criterion(root: Path, curriculum: Curriculum) -> None:
    write_assessments(
        root, rubric={"criteria": [criterion("forankret"), {**criterion("b"), "titel": "B"}]}
    )

    assert_only_error(root, curriculum, "rubric.toml", "criteria[2].titel", 'did you mean "title"')


def test_unknown_field_in_the_rubric(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, rubric={"threshold": 3})

    assert_only_error(root, curriculum, "rubric.toml", "threshold", "unknown field")


# -- Slugs, modules and file names --------------------------------------------------------


@pytest.mark.parametrize("slug", ["Beta", "beta_2", "-beta", "beta-", "be--ta", "bæta", "b" * 101])
def test_invalid_slug(root: Path, curriculum: Curriculum, slug: str) -> None:
    write_assessments(root, assignments={"beta": {"slug": slug}})

    problem = assert_only_error(root, curriculum, BETA, "slug")
    assert "not a valid slug" in problem.message or "at most 100" in problem.message


def test_duplicate_slug_names_both_files(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, assignments={"gamma": {"slug": "refleksion-alpha"}})
    assignment_path(root, "gamma").rename(root / "03-refleksion-alpha.toml")

    assert_only_error(
        root,
        curriculum,
        "03-refleksion-alpha.toml",
        "slug",
        f'"refleksion-alpha" is also the slug of {ALPHA}',
    )


def test_unknown_module_suggests_the_right_one(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, assignments={"beta": {"module": "betta"}})

    # Only the one error: the file still counts for module 2 (beta), so no "no assignment".
    assert_only_error(
        root, curriculum, BETA, "module", 'unknown module "betta"', 'did you mean "beta"'
    )


def test_two_assignments_for_one_module(root: Path, curriculum: Curriculum) -> None:
    second = {**default_assignment("beta", 30), "slug": "refleksion-beta-2"}
    write_assessments(root, assignments={"second": second})

    # Files are read in name order: 02-refleksion-beta-2.toml comes first.
    assert_only_error(
        root,
        curriculum,
        BETA,
        "module",
        'module "beta" already has an assignment, in 02-refleksion-beta-2.toml',
    )


@pytest.mark.parametrize("name", ["2-refleksion-beta.toml", "refleksion-beta.toml"])
def test_file_name_must_be_module_number_and_slug(
    root: Path, curriculum: Curriculum, name: str
) -> None:
    write_assessments(root)
    assignment_path(root, "beta").rename(root / name)

    assert_only_error(root, curriculum, name, "file name", f'should be "{BETA}"')


def test_file_name_number_must_be_the_modules_order(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root)
    assignment_path(root, "beta").rename(root / "05-refleksion-beta.toml")

    assert_only_error(
        root,
        curriculum,
        "05-refleksion-beta.toml",
        "file name",
        f'should be "{BETA}"',
        'order of module "beta" (2)',
    )


def test_a_module_without_an_assignment_is_a_warning(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root)
    assignment_path(root, "beta").unlink()

    problem = only_warning(root, curriculum)

    assert (problem.file, problem.field) == (".", "")
    assert 'module "beta" has no assignment' in problem.message


# -- Guided fields ------------------------------------------------------------------------


def test_guided_field_with_a_duplicate_key(root: Path, curriculum: Curriculum) -> None:
    fields = [field("beskrivelse"), field("analyse"), field("beskrivelse")]
    write_assessments(root, assignments={"beta": {"fields": fields}})

    assert_only_error(
        root, curriculum, BETA, "fields[3].key", '"beskrivelse" is also the key of fields[1]'
    )


def test_guided_field_without_a_label(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, assignments={"beta": {"fields": [{"key": "beskrivelse"}]}})

    assert_only_error(root, curriculum, BETA, "fields[1].label", "is missing")


def test_guided_field_without_a_key(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, assignments={"beta": {"fields": [{"label": "Beskrivelse"}]}})

    assert_only_error(root, curriculum, BETA, "fields[1].key", "is missing")


@pytest.mark.parametrize("key", ["følelser", "Analyse", "naeste skridt", "k" * 41])
def test_guided_field_with_an_invalid_key(root: Path, curriculum: Curriculum, key: str) -> None:
    write_assessments(root, assignments={"beta": {"fields": [field(key)]}})

    assert_only_error(root, curriculum, BETA, "fields[1].key", "is not a valid key")


def test_guided_field_help_is_optional(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, assignments={"beta": {"fields": [{"key": "a", "label": "A"}]}})

    assert load_assessments(root, curriculum).by_module["beta"].fields[0].help == ""


def test_an_empty_list_of_fields_is_free_text(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, assignments={"beta": {"fields": []}})

    assert not load_assessments(root, curriculum).by_module["beta"].guided


# -- Criteria -----------------------------------------------------------------------------


def test_rubric_criteria_with_a_duplicate_key(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, rubric={"criteria": [criterion("kobling"), criterion("kobling")]})

    assert_only_error(
        root, curriculum, "rubric.toml", "criteria[2].key", '"kobling" is also the key'
    )


def test_rubric_without_criteria(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, rubric={"criteria": DELETE})

    assert_only_error(root, curriculum, "rubric.toml", "criteria", "is missing")


def test_rubric_with_an_empty_list_of_criteria(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, rubric={"criteria": []})

    assert_only_error(root, curriculum, "rubric.toml", "criteria", "lists no criteria")


@pytest.mark.parametrize(
    ("key", "fragment"), [("title", "is missing"), ("for_teacher", "is missing")]
)
def test_criterion_missing_a_field(
    root: Path, curriculum: Curriculum, key: str, fragment: str
) -> None:
    broken = {k: v for k, v in criterion("kobling").items() if k != key}
    write_assessments(root, rubric={"criteria": [criterion("forankret"), broken]})

    assert_only_error(root, curriculum, "rubric.toml", f"criteria[2].{key}", fragment)


def test_assignment_criteria_with_a_duplicate_key(root: Path, curriculum: Curriculum) -> None:
    write_assessments(
        root, assignments={"gamma": {"criteria": [criterion("samlet"), criterion("samlet")]}}
    )

    assert_only_error(root, curriculum, GAMMA, "criteria[2].key", '"samlet" is also the key')


def test_assignment_criteria_empty(root: Path, curriculum: Curriculum) -> None:
    write_assessments(root, assignments={"gamma": {"criteria": []}})

    assert_only_error(root, curriculum, GAMMA, "criteria", "lists no criteria")


# -- Markdown and the anonymisation rule --------------------------------------------------


@pytest.mark.parametrize("key", ["prompt", "prompt_colleague", "guidance"])
def test_markdown_that_fails_to_render(root: Path, curriculum: Curriculum, key: str) -> None:
    write_assessments(root, assignments={"gamma": {key: ANONYMOUS + "\n\n" + UNRENDERABLE}})

    assert_only_error(root, curriculum, GAMMA, key, "Markdown could not be rendered")


def test_markdown_that_fails_to_render_in_a_criterion(root: Path, curriculum: Curriculum) -> None:
    broken = {**criterion("kobling"), "for_teacher": UNRENDERABLE}
    write_assessments(root, rubric={"criteria": [broken]})

    assert_only_error(
        root,
        curriculum,
        "rubric.toml",
        "criteria[1].for_teacher",
        "Markdown could not be rendered",
    )


def test_raw_html_is_a_warning_and_is_stripped(root: Path, curriculum: Curriculum) -> None:
    write_assessments(
        root, assignments={"beta": {"guidance": 'Brug <span class="x">praksisloggen</span>.'}}
    )

    problem = only_warning(root, curriculum)

    assert (problem.file, problem.field) == (BETA, "guidance")
    assert "raw HTML" in problem.message
    beta = load_assessments(root, curriculum).by_module["beta"]
    assert beta.guidance_html == "<p>Brug praksisloggen.</p>"


@pytest.mark.parametrize("key", ["prompt", "prompt_colleague"])
def test_a_prompt_without_the_anonymisation_rule_is_a_warning(
    root: Path, curriculum: Curriculum, key: str
) -> None:
    write_assessments(root, assignments={"gamma": {key: "Skriv om en situation."}})

    problem = only_warning(root, curriculum)

    assert (problem.file, problem.field) == (GAMMA, key)
    assert "anonymisation rule" in problem.message and '"navne"' in problem.message


def test_a_colleague_prompt_for_a_module_not_on_that_track_is_a_warning(
    root: Path, tmp_path: Path
) -> None:
    curriculum = load_curriculum(
        write_course(
            tmp_path / "peer-only",
            course={"tracks": {"colleague": {"modules": ["alpha", "gamma"]}}},
            modules={"beta": {"tracks": ["peer"]}, "gamma": {"prerequisites": ["alpha"]}},
        )
    )
    write_assessments(root, assignments={"beta": {"prompt_colleague": ANONYMOUS}})

    problem = only_warning(root, curriculum)

    assert (problem.file, problem.field) == (BETA, "prompt_colleague")
    assert "not on the colleague track" in problem.message

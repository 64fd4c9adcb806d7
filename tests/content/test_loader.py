"""check_curriculum on small content folders, each broken in one way.

Every broken folder must give exactly one error (no cascade from one mistake), naming the
file and the field, with a message a content editor can act on.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from peeredu.accounts.models import Track
from peeredu.curriculum.content import ContentError, Problem
from peeredu.curriculum.loader import check_curriculum, load_curriculum
from tests.content.course_files import DELETE, module_path, write_course

# Lists nested this deep exhaust Python-Markdown's recursion (from about 250 levels at
# Python's default limit), so render_markdown raises ValueError; deeper only takes longer.
UNRENDERABLE = "".join("    " * depth + "- x\n" for depth in range(300))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "content"


def errors_of(root: Path, **kwargs: Any) -> list[Problem]:
    curriculum, problems = check_curriculum(root, **kwargs)
    errors = [p for p in problems if not p.warning]
    assert (curriculum is None) == bool(errors)
    return errors


def only_error(root: Path) -> Problem:
    errors = errors_of(root)
    assert len(errors) == 1, "\n".join(map(str, errors))
    return errors[0]


def assert_only_error(root: Path, file: str, field: str, *fragments: str) -> Problem:
    problem = only_error(root)
    assert (problem.file, problem.field) == (file, field), str(problem)
    for fragment in fragments:
        assert fragment in problem.message, str(problem)
    return problem


def only_warning(root: Path) -> Problem:
    curriculum, problems = check_curriculum(root)
    assert curriculum is not None, "\n".join(map(str, problems))
    assert len(problems) == 1 and problems[0].warning, "\n".join(map(str, problems))
    return problems[0]


def extra_module(slug: str, order: int) -> dict[str, Any]:
    """A fourth module, on the peer track only and required by no track."""
    return {
        "slug": slug,
        "title": f"Modul {slug}",
        "tracks": ["peer"],
        "order": order,
        "prerequisites": [],
        "estimated_hours": 1,
        "learning_goals": ["Du kan et.", "Du kan to."],
    }


# -- The valid fixture, loaded ------------------------------------------------------------


def test_the_fixture_course_is_valid_and_loads_into_frozen_values(root: Path) -> None:
    write_course(root)
    now = datetime(2027, 1, 4, 9, tzinfo=UTC)

    curriculum, problems = check_curriculum(root, now=now)

    assert problems == []
    assert curriculum is not None
    assert curriculum.loaded_at == now
    assert list(curriculum.modules) == ["alpha", "beta", "gamma"]
    beta = curriculum.modules["beta"]
    assert beta.tracks == frozenset({Track.PEER, Track.COLLEAGUE})
    assert beta.prerequisites == ("alpha",)
    assert beta.learning_goals == ("Du kan forklare beta.", "Du kan bruge beta.")
    assert beta.estimated_hours == 5.0
    assert beta.source == root / "modules" / "02-beta.md"
    assert "<h2>Et afsnit</h2>" in beta.body_html
    assert beta.text_for(Track.COLLEAGUE) == "<p>Kun for <em>kolleger</em>.</p>"
    assert beta.text_for(Track.PEER) == ""
    course = curriculum.course
    assert course.description_html == "<p>Et <em>kort</em> kursus.</p>"
    assert course.capstone == "gamma"
    assert course.tracks[Track.PEER].modules == ("alpha", "beta", "gamma")
    assert [m.slug for m in curriculum.modules_for(Track.COLLEAGUE)] == ["alpha", "beta", "gamma"]
    assert [(d.day, d.part, d.module) for d in course.class_days] == [
        (1, 1, "alpha"),
        (2, 2, "gamma"),
    ]
    # Nothing can be changed after loading.
    with pytest.raises(TypeError):
        curriculum.modules["delta"] = beta  # type: ignore[index]
    with pytest.raises(TypeError):
        beta.track_html[Track.PEER] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        course.tracks[Track.PEER] = course.tracks[Track.COLLEAGUE]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        beta.title = "x"  # type: ignore[misc]
    assert isinstance(course.class_days, tuple)


def test_load_curriculum_raises_content_error_with_the_problems(root: Path) -> None:
    write_course(root, course={"capstone": "omega"})

    with pytest.raises(ContentError) as raised:
        load_curriculum(root)

    assert [(p.file, p.field) for p in raised.value.problems] == [("course.toml", "capstone")]
    assert 'course.toml: capstone: unknown module "omega"' in str(raised.value)


def test_load_curriculum_returns_the_curriculum(root: Path) -> None:
    write_course(root)

    assert list(load_curriculum(root).modules) == ["alpha", "beta", "gamma"]


def test_several_problems_are_reported_at_once(root: Path) -> None:
    write_course(
        root,
        course={"attendance_threshold": 120},
        modules={"alpha": {"title": ""}, "gamma": {"prerequisites": ["nope"]}},
    )

    errors = errors_of(root)

    assert [(p.file, p.field) for p in errors] == [
        ("course.toml", "attendance_threshold"),
        ("modules/01-alpha.md", "title"),
        ("modules/03-gamma.md", "prerequisites"),
    ]


def test_several_problems_in_one_file_are_all_reported(root: Path) -> None:
    write_course(root, modules={"beta": {"title": DELETE, "order": "2", "tracks": ["peers"]}})

    errors = errors_of(root)

    assert {(p.file, p.field) for p in errors} == {
        ("modules/02-beta.md", "title"),
        ("modules/02-beta.md", "order"),
        ("modules/02-beta.md", "tracks"),
    }


def test_line_endings_and_byte_order_mark_of_windows_editors_are_accepted(root: Path) -> None:
    write_course(root)
    path = module_path(root, "alpha")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))

    curriculum, problems = check_curriculum(root)

    assert problems == []
    assert curriculum is not None and "<h2>Et afsnit</h2>" in curriculum.modules["alpha"].body_html


# -- Missing and malformed files ----------------------------------------------------------


def test_missing_course_file(root: Path) -> None:
    write_course(root)
    (root / "course.toml").unlink()

    assert_only_error(root, "course.toml", "", "not found")


def test_missing_modules_folder(root: Path) -> None:
    write_course(root)
    for path in (root / "modules").iterdir():
        path.unlink()
    (root / "modules").rmdir()

    assert_only_error(root, "modules", "", "folder not found")


def test_empty_modules_folder(root: Path) -> None:
    write_course(root)
    for path in (root / "modules").iterdir():
        path.unlink()

    assert_only_error(root, "modules", "", "no module files")


def test_front_matter_missing(root: Path) -> None:
    write_course(root)
    module_path(root, "beta").write_text("## Just Markdown\n\nNo front matter.\n")

    assert_only_error(root, "modules/02-beta.md", "front matter", "begin with a line", '"+++"')


def test_front_matter_not_closed(root: Path) -> None:
    write_course(root)
    path = module_path(root, "beta")
    path.write_text(path.read_text().replace("+++\n", "+++ \n").replace("+++ \n", "+++\n", 1))

    problem = assert_only_error(root, "modules/02-beta.md", "front matter", "closes")
    assert "has extra spaces" in problem.message


def test_front_matter_invalid_toml_gives_tomllib_message_and_file_line(root: Path) -> None:
    write_course(root)
    path = module_path(root, "beta")
    lines = path.read_text().split("\n")
    assert lines[2].startswith("title = ")
    lines[2] = 'title = "Modul beta'  # unterminated string, on line 3 of the file
    path.write_text("\n".join(lines))

    problem = assert_only_error(root, "modules/02-beta.md", "front matter", "invalid TOML")
    assert "(at line 3," in problem.message
    assert "Illegal character" in problem.message  # tomllib's own explanation


def test_module_file_that_is_not_utf8(root: Path) -> None:
    write_course(root)
    path = module_path(root, "beta")
    path.write_bytes(path.read_bytes().replace(b"Modul beta", "Modul bæta".encode("latin-1")))

    assert_only_error(root, "modules/02-beta.md", "", "not UTF-8")


def test_malformed_course_file(root: Path) -> None:
    write_course(root)
    path = root / "course.toml"
    path.write_text(path.read_text().replace("hours = 15", "hours = = 15"))

    problem = assert_only_error(root, "course.toml", "", "invalid TOML", "(at line")
    line = int(problem.message.split("(at line ")[1].split(",")[0])
    assert path.read_text().split("\n")[line - 1] == "hours = = 15"


# -- Fields: missing, empty, wrong type ---------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"title": DELETE}, "title", "is missing"),
        ({"title": "  "}, "title", "is empty"),
        ({"title": 3}, "title", "must be text"),
        ({"slug": DELETE}, "slug", "is missing"),
        ({"tracks": DELETE}, "tracks", "is missing"),
        ({"tracks": []}, "tracks", "lists no tracks"),
        ({"tracks": "peer"}, "tracks", "must be a list"),
        ({"order": DELETE}, "order", "is missing"),
        ({"order": "2"}, "order", 'must be a whole number, not text ("2")'),
        ({"order": 2.0}, "order", "must be a whole number"),
        ({"order": 0}, "order", "must be 1 or more"),
        ({"order": 10**23}, "order", "must be at most 999, not 100000000000000000000000"),
        ({"estimated_hours": 1e23}, "estimated_hours", "must be at most 10000, not 1e+23"),
        ({"estimated_hours": DELETE}, "estimated_hours", "is missing"),
        ({"estimated_hours": "5"}, "estimated_hours", "must be a number"),
        ({"estimated_hours": True}, "estimated_hours", "must be a number"),
        ({"estimated_hours": 0}, "estimated_hours", "above 0"),
        ({"learning_goals": DELETE}, "learning_goals", "is missing"),
        ({"learning_goals": "Du kan alt."}, "learning_goals", "must be a list of texts"),
        ({"learning_goals": ["Du kan a.", 2]}, "learning_goals", "item 2 must be text"),
        ({"learning_goals": ["Du kan a.", ""]}, "learning_goals", "item 2 must be text"),
        ({"learning_goals": ["Du kan a."]}, "learning_goals", "has 1 goals; write 2 to 4"),
        ({"learning_goals": ["Du kan a."] * 5}, "learning_goals", "has 5 goals"),
        ({"prerequisites": "alpha"}, "prerequisites", "must be a list of texts"),
        ({"track_text": "tekst"}, "track_text", "must be a table"),
        ({"track_text": {"colleague": 1}}, "track_text.colleague", "must be text"),
    ],
    ids=lambda value: str(value) if isinstance(value, str) else None,
)
def test_module_field_missing_or_of_the_wrong_type(
    root: Path, overrides: dict[str, Any], field: str, fragment: str
) -> None:
    write_course(root, modules={"beta": overrides})

    assert_only_error(root, "modules/02-beta.md", field, fragment)


def test_module_body_empty(root: Path) -> None:
    write_course(root, bodies={"beta": "\n  \n"})

    assert_only_error(root, "modules/02-beta.md", "body", "is empty")


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"title": DELETE}, "title", "is missing"),
        ({"description": ""}, "description", "is empty"),
        ({"slug": DELETE}, "slug", "is missing"),
        ({"hours": "80"}, "hours", "must be a number"),
        ({"hours": 10**23}, "hours", "must be at most 10000"),
        ({"attendance_threshold": 90.5}, "attendance_threshold", "must be a whole number"),
        ({"capstone": 10}, "capstone", "must be text"),
        ({"tracks": DELETE}, "tracks", "is missing"),
        ({"tracks": {"colleague": DELETE}}, "tracks.colleague", "is missing"),
        ({"tracks": {"peer": {"title": DELETE}}}, "tracks.peer.title", "is missing"),
        ({"tracks": {"peer": {"description": 1}}}, "tracks.peer.description", "must be text"),
        ({"tracks": {"peer": {"modules": "alpha"}}}, "tracks.peer.modules", "must be a list"),
        ({"tracks": {"peer": {"modules": []}}}, "tracks.peer.modules", "lists no modules"),
        ({"class_days": {"day": 1}}, "class_days", "[[class_days]] blocks"),
        (
            {"class_days": [{"day": 1, "part": 1, "topic": "Start"}]},
            "class_days[1].module",
            "is missing",
        ),
        (
            {"class_days": [{"day": 1, "part": 3, "topic": "Start", "module": "alpha"}]},
            "class_days[1].part",
            "must be from 1 to 2",
        ),
        (
            {"class_days": [{"day": 1, "part": 1, "topic": "", "module": "alpha"}]},
            "class_days[1].topic",
            "is empty",
        ),
    ],
    ids=lambda value: str(value) if isinstance(value, str) else None,
)
def test_course_field_missing_or_of_the_wrong_type(
    root: Path, overrides: dict[str, Any], field: str, fragment: str
) -> None:
    write_course(root, course=overrides)

    assert_only_error(root, "course.toml", field, fragment)


def test_course_without_capstone_or_class_days_is_valid(root: Path) -> None:
    write_course(root, course={"capstone": DELETE, "class_days": DELETE})

    curriculum, problems = check_curriculum(root)

    assert problems == []
    assert curriculum is not None
    assert curriculum.course.capstone is None and curriculum.course.class_days == ()


def test_class_days_are_numbered_from_one_in_order(root: Path) -> None:
    days = [
        {"day": 1, "part": 1, "topic": "Start", "module": "alpha"},
        {"day": 3, "part": 2, "topic": "Slut", "module": "gamma"},
    ]
    write_course(root, course={"class_days": days})

    assert_only_error(root, "course.toml", "class_days[2].day", "must be 2")


# -- Unknown keys and tracks --------------------------------------------------------------


def test_unknown_key_in_front_matter_suggests_the_right_one(root: Path) -> None:
    write_course(root, modules={"beta": {"prerequisite": ["alpha"]}})

    assert_only_error(
        root, "modules/02-beta.md", "prerequisite", "unknown field", 'did you mean "prerequisites"'
    )


def test_unknown_key_in_course_file(root: Path) -> None:
    write_course(root, course={"attendance": 90})

    assert_only_error(root, "course.toml", "attendance", "unknown field")


def test_unknown_key_in_a_track(root: Path) -> None:
    write_course(root, course={"tracks": {"peer": {"module": ["alpha"]}}})

    assert_only_error(
        root, "course.toml", "tracks.peer.module", "unknown field", 'did you mean "modules"'
    )


def test_unknown_key_in_a_class_day(root: Path) -> None:
    write_course(
        root,
        course={
            "class_days": [
                {"day": 1, "part": 1, "topic": "Start", "module": "alpha", "room": "A"},
            ]
        },
    )

    assert_only_error(root, "course.toml", "class_days[1].room", "unknown field")


def test_unknown_track_in_module(root: Path) -> None:
    write_course(root, modules={"gamma": {"tracks": ["peer", "colleage"]}})

    assert_only_error(
        root,
        "modules/03-gamma.md",
        "tracks",
        'unknown track "colleage"',
        'did you mean "colleague"',
    )


def test_unknown_track_in_course_tracks(root: Path) -> None:
    write_course(
        root,
        course={
            "tracks": {
                "manager": {"title": "Leder", "description": "For ledere.", "modules": ["alpha"]},
            }
        },
    )

    assert_only_error(root, "course.toml", "tracks", 'unknown track "manager"', '"peer"')


def test_unknown_track_in_track_text(root: Path) -> None:
    write_course(root, modules={"beta": {"track_text": {"leader": "Kun for ledere."}}})

    assert_only_error(root, "modules/02-beta.md", "track_text", 'unknown track "leader"')


def test_track_text_for_a_track_the_module_is_not_on_is_a_warning(root: Path) -> None:
    write_course(
        root,
        course={"tracks": {"colleague": {"modules": ["alpha", "gamma"]}}},
        modules={"beta": {"tracks": ["peer"]}, "gamma": {"prerequisites": ["alpha"]}},
    )

    problem = only_warning(root)

    assert (problem.file, problem.field) == ("modules/02-beta.md", "track_text.colleague")
    assert "not on the colleague track" in problem.message


# -- Slugs and file names -----------------------------------------------------------------


@pytest.mark.parametrize("slug", ["Beta", "beta_2", "-beta", "beta-", "be--ta", "bæta", "b" * 101])
def test_invalid_module_slug(root: Path, slug: str) -> None:
    write_course(root, modules={"beta": {"slug": slug}})

    problem = assert_only_error(root, "modules/02-beta.md", "slug")
    assert "not a valid slug" in problem.message or "at most 100" in problem.message


def test_invalid_course_slug(root: Path) -> None:
    write_course(root, course={"slug": "Peer Uddannelsen"})

    assert_only_error(root, "course.toml", "slug", "not a valid slug", "a-z, 0-9")


def test_duplicate_slug_names_both_files(root: Path) -> None:
    write_course(root, modules={"delta": extra_module("alpha", 4)})
    module_path(root, "delta").rename(root / "modules" / "04-alpha.md")

    assert_only_error(
        root, "modules/04-alpha.md", "slug", '"alpha" is also the slug of modules/01-alpha.md'
    )


def test_duplicate_order(root: Path) -> None:
    write_course(root, modules={"delta": extra_module("delta", 3)})

    assert_only_error(
        root, "modules/03-gamma.md", "order", "3 is also the order of modules/03-delta.md"
    )


def test_file_name_must_match_order_and_slug(root: Path) -> None:
    write_course(root)
    module_path(root, "beta").rename(root / "modules" / "2-beta.md")

    assert_only_error(root, "modules/2-beta.md", "file name", 'should be "02-beta.md"')


# -- Prerequisites ------------------------------------------------------------------------


def test_unknown_prerequisite(root: Path) -> None:
    write_course(root, modules={"gamma": {"prerequisites": ["betta"]}})

    assert_only_error(
        root,
        "modules/03-gamma.md",
        "prerequisites",
        'unknown module "betta"',
        'did you mean "beta"',
    )


def test_prerequisite_cycle_is_named(root: Path) -> None:
    write_course(root, modules={"alpha": {"prerequisites": ["beta"]}})

    assert_only_error(
        root, "modules/01-alpha.md", "prerequisites", "prerequisite cycle: alpha -> beta -> alpha"
    )


def test_longer_prerequisite_cycle(root: Path) -> None:
    write_course(root, modules={"alpha": {"prerequisites": ["gamma"]}})

    assert_only_error(
        root, "modules/01-alpha.md", "prerequisites", "alpha -> gamma -> beta -> alpha"
    )


def test_module_requiring_itself_is_a_cycle(root: Path) -> None:
    write_course(root, modules={"alpha": {"prerequisites": ["alpha"]}})

    assert_only_error(root, "modules/01-alpha.md", "prerequisites", "alpha -> alpha")


def test_references_to_an_unreadable_module_are_not_reported_again(root: Path) -> None:
    write_course(root)
    module_path(root, "beta").write_text("no front matter")

    # Only the broken file: gamma's prerequisite and the tracks still name an existing file.
    assert_only_error(root, "modules/02-beta.md", "front matter")


# -- Tracks -------------------------------------------------------------------------------


def test_track_requires_a_module_that_does_not_exist(root: Path) -> None:
    write_course(
        root, course={"tracks": {"colleague": {"modules": ["alpha", "beta", "gamma", "delta"]}}}
    )

    assert_only_error(root, "course.toml", "tracks.colleague.modules", 'unknown module "delta"')


def test_track_requires_a_module_not_marked_for_it(root: Path) -> None:
    write_course(root, modules={"gamma": {"tracks": ["peer"]}})

    assert_only_error(
        root,
        "course.toml",
        "tracks.colleague.modules",
        '"gamma" is not marked for the colleague track',
        "modules/03-gamma.md",
    )


def test_module_listed_twice_in_a_track(root: Path) -> None:
    write_course(root, course={"tracks": {"peer": {"modules": ["alpha", "beta", "gamma", "beta"]}}})

    assert_only_error(root, "course.toml", "tracks.peer.modules", '"beta" is listed 2 times')


def test_track_without_a_prerequisite_of_its_module(root: Path) -> None:
    write_course(root, course={"tracks": {"colleague": {"modules": ["alpha", "gamma"]}}})

    assert_only_error(
        root,
        "course.toml",
        "tracks.colleague.modules",
        '"gamma" requires "beta", which is not in this track',
    )


def test_track_lists_a_module_before_its_prerequisite(root: Path) -> None:
    write_course(root, course={"tracks": {"peer": {"modules": ["beta", "alpha", "gamma"]}}})

    assert_only_error(root, "course.toml", "tracks.peer.modules", '"alpha" must come before "beta"')


# -- Capstone, class days, attendance -----------------------------------------------------


def test_capstone_not_an_existing_module(root: Path) -> None:
    write_course(root, course={"capstone": "omega"})

    assert_only_error(root, "course.toml", "capstone", 'unknown module "omega"')


def test_capstone_not_in_every_track(root: Path) -> None:
    write_course(root, course={"tracks": {"colleague": {"modules": ["alpha", "beta"]}}})

    assert_only_error(root, "course.toml", "capstone", '"gamma" is not in tracks.colleague.modules')


def test_class_day_refers_to_an_unknown_module(root: Path) -> None:
    write_course(
        root,
        course={
            "class_days": [
                {"day": 1, "part": 1, "topic": "Start", "module": "alpha"},
                {"day": 2, "part": 2, "topic": "Slut", "module": "omega"},
            ]
        },
    )

    assert_only_error(root, "course.toml", "class_days[2].module", 'unknown module "omega"')


@pytest.mark.parametrize("threshold", [0, 101, -5])
def test_attendance_threshold_outside_1_to_100(root: Path, threshold: int) -> None:
    write_course(root, course={"attendance_threshold": threshold})

    assert_only_error(
        root, "course.toml", "attendance_threshold", f"must be from 1 to 100, not {threshold}"
    )


@pytest.mark.parametrize("threshold", [1, 100])
def test_attendance_threshold_limits_are_allowed(root: Path, threshold: int) -> None:
    write_course(root, course={"attendance_threshold": threshold})

    curriculum, problems = check_curriculum(root)

    assert problems == [] and curriculum is not None
    assert curriculum.course.attendance_threshold == threshold


# -- Markdown -----------------------------------------------------------------------------


def test_markdown_that_fails_to_render_in_the_body(root: Path) -> None:
    write_course(root, bodies={"beta": UNRENDERABLE})

    assert_only_error(root, "modules/02-beta.md", "body", "Markdown could not be rendered")


def test_markdown_that_fails_to_render_in_track_text(root: Path) -> None:
    write_course(root, modules={"beta": {"track_text": {"colleague": UNRENDERABLE}}})

    assert_only_error(
        root, "modules/02-beta.md", "track_text.colleague", "Markdown could not be rendered"
    )


def test_markdown_that_fails_to_render_in_the_course_description(root: Path) -> None:
    write_course(root, course={"description": UNRENDERABLE})

    assert_only_error(root, "course.toml", "description", "Markdown could not be rendered")


def test_raw_html_is_a_warning_and_is_stripped(root: Path) -> None:
    write_course(root, bodies={"beta": 'Tekst med <span onclick="x()">HTML</span>.\n'})

    problem = only_warning(root)

    assert (problem.file, problem.field) == ("modules/02-beta.md", "body")
    assert "raw HTML" in problem.message and "<span" in problem.message
    assert str(problem).startswith("warning: modules/02-beta.md: body: ")
    curriculum = load_curriculum(root)
    assert curriculum.modules["beta"].body_html == "<p>Tekst med HTML.</p>"


def test_raw_html_in_track_text_is_a_warning(root: Path) -> None:
    write_course(root, modules={"beta": {"track_text": {"colleague": "<script>x()</script>"}}})

    problem = only_warning(root)

    assert (problem.file, problem.field) == ("modules/02-beta.md", "track_text.colleague")
    assert "<script>" not in load_curriculum(root).modules["beta"].text_for(Track.COLLEAGUE)


def test_html_in_code_and_entities_are_not_warned_about(root: Path) -> None:
    write_course(root, bodies={"beta": "Skriv `<b>` og &amp; og 3 < 4.\n"})

    assert check_curriculum(root)[1] == []


def test_markdown_the_sanitiser_strips_is_a_warning(root: Path) -> None:
    write_course(root, bodies={"beta": "# Stor overskrift\n\nTekst.\n"})

    problem = only_warning(root)

    assert (problem.file, problem.field) == ("modules/02-beta.md", "body")
    assert "<h1>" in problem.message and '"##"' in problem.message


def test_learning_goal_not_beginning_with_du_kan_is_a_warning(root: Path) -> None:
    write_course(root, modules={"beta": {"learning_goals": ["Du kan a.", "Forstå b."]}})

    problem = only_warning(root)

    assert (problem.file, problem.field) == ("modules/02-beta.md", "learning_goals")
    assert 'goal 2 does not begin with "Du kan"' in problem.message


# -- Progress on modules that are gone ----------------------------------------------------


def test_progress_on_a_slug_no_file_has_is_a_warning(root: Path) -> None:
    write_course(root)

    curriculum, problems = check_curriculum(root, slugs_with_progress={"alpha", "old-module"})

    assert curriculum is not None
    assert [(p.file, p.field, p.warning) for p in problems] == [("modules", "slug", True)]
    assert '"old-module"' in problems[0].message

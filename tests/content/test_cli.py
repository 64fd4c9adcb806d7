"""``peeredu content check``: every problem on its own line, a summary, and the exit status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask

from peeredu import create_app
from peeredu.__main__ import main
from peeredu.accounts.models import Enrolment, Role
from peeredu.curriculum import progress
from peeredu.curriculum.content import ContentError
from peeredu.db import utcnow
from peeredu.extensions import Database, current_curriculum, db
from tests.conftest import app_config
from tests.content.assessment_files import assignment_path, write_assessments
from tests.content.course_files import DELETE, module_path, write_course
from tests.content.test_shipped_content import CURRICULUM_DIR
from tests.factories import Factory


def check(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["peeredu", "content", "check", *args])


def lines(result: Result) -> list[str]:
    return result.output.strip().splitlines()


NOT_CHECKED = (
    "warning: assessments: not checked: the assignments refer to the curriculum's modules, "
    "so fix the curriculum's errors first"
)


def write_content(tmp_path: Path, **assessments: Any) -> tuple[Path, Path]:
    """The small course of course_files.py and its assignments (with ``assessments`` overrides)."""
    return (
        write_course(tmp_path / "content"),
        write_assessments(tmp_path / "assessments", **assessments),
    )


def test_the_shipped_content_passes(app: Flask) -> None:
    result = check(app, str(CURRICULUM_DIR))

    assert result.exit_code == 0, result.output
    assert lines(result) == ["OK: 10 modules, 2 tracks, 10 assignments"]


def test_dir_defaults_to_the_configured_curriculum(app: Flask) -> None:
    app.config["CURRICULUM_DIR"] = str(CURRICULUM_DIR)

    result = check(app)

    assert result.exit_code == 0, result.output
    assert lines(result) == ["OK: 10 modules, 2 tracks, 10 assignments"]


def test_a_broken_dir_lists_every_problem_and_fails(app: Flask, tmp_path: Path) -> None:
    root = write_course(
        tmp_path / "content",
        course={"attendance_threshold": 0},
        modules={"beta": {"title": DELETE}, "gamma": {"prerequisites": ["foo"]}},
        bodies={"alpha": "Med <b>HTML</b>.\n"},
    )

    result = check(app, str(root))

    assert result.exit_code == 1, result.output
    assert lines(result) == [
        "error: course.toml: attendance_threshold: must be from 1 to 100, not 0",
        "warning: modules/01-alpha.md: body: contains raw HTML (<b>); its tags are stripped "
        "when the text is shown, so write Markdown instead",
        "error: modules/02-beta.md: title: is missing",
        'error: modules/03-gamma.md: prerequisites: unknown module "foo"',
        NOT_CHECKED,
        "3 errors, 2 warnings",
    ]


def test_warnings_alone_do_not_fail(app: Flask, tmp_path: Path) -> None:
    root = write_course(tmp_path / "content", bodies={"alpha": "# Overskrift\n"})
    assessments = write_assessments(tmp_path / "assessments")

    result = check(app, str(root), "--assessments", str(assessments))

    assert result.exit_code == 0, result.output
    assert lines(result)[-1] == "OK: 3 modules, 2 tracks, 3 assignments, 1 warning"
    assert lines(result)[0].startswith("warning: modules/01-alpha.md: body: makes <h1>")


def test_a_dir_that_does_not_exist_is_one_line(app: Flask, tmp_path: Path) -> None:
    result = check(app, str(tmp_path / "nowhere"))

    assert result.exit_code == 1
    assert len(lines(result)) == 1, result.output
    assert "DIR" in lines(result)[0] and "does not exist" in lines(result)[0]


def test_a_configured_dir_that_does_not_exist_is_one_line(app: Flask, tmp_path: Path) -> None:
    app.config["CURRICULUM_DIR"] = str(tmp_path / "nowhere")

    result = check(app)

    assert result.exit_code == 1
    assert len(lines(result)) == 1, result.output
    assert "CURRICULUM_DIR" in lines(result)[0]


def test_warns_about_progress_on_modules_no_file_has(
    app: Flask, make: Factory, tmp_path: Path
) -> None:
    root, assessments = write_content(tmp_path)
    teacher = make.user(Role.TEACHER)
    learner = make.user()
    enrolment = make.enrolment(learner, make.cohort(teachers=(teacher,)), make.organisation())
    with app.app_context():
        found = db.session.get(Enrolment, enrolment.id)
        assert found is not None
        for slug in ("alpha", "retired-module"):
            progress.complete_by_approval(
                db.session, current_curriculum(), found, slug, actor_id=teacher.id, now=utcnow()
            )
        db.session.commit()

    result = check(app, str(root), "--assessments", str(assessments))

    assert result.exit_code == 0, result.output
    assert lines(result) == [
        'warning: modules: slug: learners have progress on "retired-module", but no module '
        "file has that slug; was it renamed? (see Slugs in README.md)",
        "OK: 3 modules, 2 tracks, 3 assignments, 1 warning",
    ]


def test_a_module_whose_file_is_broken_is_not_reported_as_gone(
    app: Flask, make: Factory, tmp_path: Path
) -> None:
    root = write_course(tmp_path / "content")
    module_path(root, "beta").write_text("no front matter", encoding="utf-8")
    learner = make.user()
    enrolment = make.enrolment(learner, make.cohort(), make.organisation())
    with app.app_context():
        found = db.session.get(Enrolment, enrolment.id)
        assert found is not None
        progress.complete_by_approval(
            db.session, current_curriculum(), found, "beta", actor_id=learner.id, now=utcnow()
        )
        db.session.commit()

    result = check(app, str(root))

    assert result.exit_code == 1
    assert lines(result) == [
        "error: modules/02-beta.md: front matter: the file must begin with a line that is "
        'exactly "+++"',
        NOT_CHECKED,
        "1 error, 1 warning",
    ]


def test_content_can_be_checked_without_a_database(tmp_path: Path) -> None:
    """A fresh checkout or CI has no tables yet: the check still runs, and says what it skipped."""
    app = create_app(app_config(f"sqlite:///{tmp_path}/empty.sqlite3", smtp_port=25))
    try:
        result = check(app, str(CURRICULUM_DIR))
    finally:
        Database.state(app).engine.dispose()

    assert result.exit_code == 0, result.output
    assert lines(result)[0].startswith("warning: database: progress not checked: ")
    assert lines(result)[-1] == "OK: 10 modules, 2 tracks, 10 assignments, 1 warning"


def test_the_app_refuses_to_start_on_broken_content_and_says_why(tmp_path: Path) -> None:
    root = write_course(tmp_path / "course", modules={"beta": {"title": DELETE}})
    config = app_config(f"sqlite:///{tmp_path}/x.sqlite3", smtp_port=25)
    with pytest.raises(ContentError) as refused:
        create_app({**config, "CURRICULUM_DIR": str(root)})
    assert "title: is missing" in str(refused.value)


def test_the_peeredu_command_checks_content_the_app_cannot_start_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_course(tmp_path / "course", modules={"beta": {"title": DELETE}})
    monkeypatch.setenv("PEEREDU_ENVIRONMENT", "development")
    monkeypatch.setenv("PEEREDU_DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    monkeypatch.setenv("PEEREDU_CURRICULUM_DIR", str(root))
    result = CliRunner().invoke(main, ["content", "check"])
    assert result.exit_code == 1
    assert lines(result)[0].startswith("warning: database: progress not checked: the app could")
    assert any("title: is missing" in line for line in lines(result))
    assert lines(result)[-1].startswith("1 error")


# -- The assessments ----------------------------------------------------------------------


def test_a_broken_assessment_fails_naming_its_folder_and_file(app: Flask, tmp_path: Path) -> None:
    root, assessments = write_content(tmp_path, assignments={"beta": {"module": "foo"}})

    result = check(app, str(root), "--assessments", str(assessments))

    assert result.exit_code == 1, result.output
    assert lines(result) == [
        'error: assessments/02-refleksion-beta.toml: module: unknown module "foo"',
        "1 error, 0 warnings",
    ]


def test_problems_with_the_assessments_folder_name_the_folder(app: Flask, tmp_path: Path) -> None:
    root, assessments = write_content(tmp_path)
    assignment_path(assessments, "gamma").unlink()

    result = check(app, str(root), "--assessments", str(assessments))

    assert result.exit_code == 0, result.output
    assert lines(result) == [
        'warning: assessments: module "gamma" has no assignment, so no reflection can be '
        "handed in for it",
        "OK: 3 modules, 2 tracks, 2 assignments, 1 warning",
    ]


def test_curriculum_and_assessment_problems_are_listed_together(app: Flask, tmp_path: Path) -> None:
    root, assessments = write_content(tmp_path, rubric={"criteria": []})
    module_path(root, "alpha").write_text(module_path(root, "alpha").read_text() + "\n<b>fed</b>\n")

    result = check(app, str(root), "--assessments", str(assessments))

    assert result.exit_code == 1, result.output
    assert lines(result) == [
        "warning: modules/01-alpha.md: body: contains raw HTML (<b>); its tags are "
        "stripped when the text is shown, so write Markdown instead",
        "error: assessments/rubric.toml: criteria: lists no criteria; write one [[criteria]] "
        "block per criterion",
        "1 error, 1 warning",
    ]


def test_assessments_default_to_the_configured_folder(app: Flask, tmp_path: Path) -> None:
    root, assessments = write_content(tmp_path, assignments={"alpha": {"due_days": -1}})
    app.config["ASSESSMENTS_DIR"] = str(assessments)

    result = check(app, str(root))

    assert result.exit_code == 1, result.output
    assert lines(result)[0] == (
        "error: assessments/01-refleksion-alpha.toml: due_days: must be 0 or more, not -1"
    )


def test_an_assessments_dir_that_does_not_exist_is_one_line(app: Flask, tmp_path: Path) -> None:
    result = check(app, str(CURRICULUM_DIR), "--assessments", str(tmp_path / "nowhere"))

    assert result.exit_code == 1
    assert len(lines(result)) == 1, result.output
    assert "--assessments" in lines(result)[0] and "does not exist" in lines(result)[0]


def test_a_configured_assessments_dir_that_does_not_exist_is_one_line(
    app: Flask, tmp_path: Path
) -> None:
    app.config["ASSESSMENTS_DIR"] = str(tmp_path / "nowhere")

    result = check(app, str(CURRICULUM_DIR))

    assert result.exit_code == 1
    assert len(lines(result)) == 1, result.output
    assert "ASSESSMENTS_DIR" in lines(result)[0]


def test_the_app_refuses_to_start_on_broken_assessments_and_says_why(tmp_path: Path) -> None:
    root, assessments = write_content(tmp_path, assignments={"beta": {"module": "foo"}})
    config = app_config(f"sqlite:///{tmp_path}/x.sqlite3", smtp_port=25)
    with pytest.raises(ContentError) as refused:
        create_app({**config, "CURRICULUM_DIR": str(root), "ASSESSMENTS_DIR": str(assessments)})
    assert 'module: unknown module "foo"' in str(refused.value)


def test_the_peeredu_command_checks_assessments_the_app_cannot_start_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, assessments = write_content(tmp_path, assignments={"beta": {"module": "foo"}})
    monkeypatch.setenv("PEEREDU_ENVIRONMENT", "development")
    monkeypatch.setenv("PEEREDU_DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    monkeypatch.setenv("PEEREDU_CURRICULUM_DIR", str(root))
    monkeypatch.setenv("PEEREDU_ASSESSMENTS_DIR", str(assessments))
    result = CliRunner().invoke(main, ["content", "check"])
    assert result.exit_code == 1
    assert lines(result)[0].startswith("warning: database: progress not checked: the app could")
    assert 'error: assessments/02-refleksion-beta.toml: module: unknown module "foo"' in lines(
        result
    )
    assert lines(result)[-1] == "1 error, 1 warning"

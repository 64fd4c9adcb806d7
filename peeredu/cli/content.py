"""``peeredu content check``: the course content files, checked even when the app cannot start.

Not an AppGroup: checking the files must work when the app cannot start, which is exactly when
the content is broken. The ``peeredu`` command offers it without building the app.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import click
from flask import Flask
from flask.cli import NoAppException, ScriptInfo
from sqlalchemy.exc import SQLAlchemyError

from peeredu.cli.conventions import Command, plural, refusal
from peeredu.config import DEFAULTS, ConfigError
from peeredu.curriculum.content import ContentError, Problem
from peeredu.curriculum.loader import check_curriculum
from peeredu.curriculum.progress import slugs_with_progress
from peeredu.extensions import db
from peeredu.reflections.loader import FOLDER, check_assessments

content_group = click.Group(
    "content", help="The course content files (curriculum/ and assessments/)."
)


def _progress_slugs(app: Flask | None, failure: str) -> tuple[set[str], list[Problem]]:
    """Slugs learners have progress on, or why they could not be read."""
    if app is None:
        return set(), [Problem("database", "", f"progress not checked: {failure}", warning=True)]
    with app.app_context():
        try:
            return slugs_with_progress(db.session), []
        except SQLAlchemyError as error:
            # Content can be checked where no database exists yet (a fresh checkout, CI).
            detail = str(getattr(error, "orig", None) or error).splitlines()[0]
            return set(), [Problem("database", "", f"progress not checked: {detail}", warning=True)]


def _configured_folder(app: Flask | None, key: str) -> Path:
    """The folder the app is configured with, or would be: the check runs when it cannot start."""
    configured = app.config[key] if app else os.environ.get(f"PEEREDU_{key}", DEFAULTS[key])
    folder = Path(configured)
    if not folder.is_dir():
        raise refusal(f"{folder} is not a folder.", option=key)
    return folder


def _in_folder(problem: Problem, folder: str) -> Problem:
    """``problem`` with its file named from the folder above, as curriculum problems are not."""
    file = folder if problem.file == FOLDER else f"{folder}/{problem.file}"
    return dataclasses.replace(problem, file=file)


@content_group.command("check", cls=Command)
@click.argument(
    "directory",
    metavar="DIR",
    required=False,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option(
    "--assessments",
    "assessments",
    metavar="DIR",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The assignments to check (default: the configured ASSESSMENTS_DIR).",
)
@click.pass_context
def content_check(ctx: click.Context, directory: Path | None, assessments: Path | None) -> None:
    """Check the curriculum in DIR (default: the configured CURRICULUM_DIR) and the assignments
    in --assessments; list every problem.

    The assignments are checked against the curriculum, so only when it has no errors. Also
    warns about modules that learners have progress on but no file has any more.
    """
    app: Flask | None = None
    failure = ""
    try:
        app = ctx.ensure_object(ScriptInfo).load_app()
    except (ContentError, ConfigError, NoAppException) as error:
        failure = "the app could not start: " + str(error).splitlines()[0]
    if directory is None:
        directory = _configured_folder(app, "CURRICULUM_DIR")
    if assessments is None:
        assessments = _configured_folder(app, "ASSESSMENTS_DIR")
    # Named by its folder, so that e.g. assessments/rubric.toml is not taken for a curriculum file.
    folder = assessments.resolve().name
    with_progress, skipped = _progress_slugs(app, failure)
    curriculum, problems = check_curriculum(directory, slugs_with_progress=with_progress)
    problems = skipped + problems
    assignments = None
    if curriculum is None:
        problems.append(
            Problem(
                folder,
                "",
                "not checked: the assignments refer to the curriculum's modules, so fix the "
                "curriculum's errors first",
                warning=True,
            )
        )
    else:
        assignments, found = check_assessments(assessments, curriculum)
        problems += [_in_folder(problem, folder) for problem in found]
    for problem in problems:
        click.echo(str(problem))
    warnings = sum(1 for problem in problems if problem.warning)
    if curriculum is None or assignments is None:
        click.echo(f"{plural(len(problems) - warnings, 'error')}, {plural(warnings, 'warning')}")
        raise click.exceptions.Exit(1)
    summary = (
        f"OK: {plural(len(curriculum.modules), 'module')}, "
        f"{plural(len(curriculum.course.tracks), 'track')}, "
        f"{plural(len(assignments.by_slug), 'assignment')}"
    )
    click.echo(summary + (f", {plural(warnings, 'warning')}" if warnings else ""))

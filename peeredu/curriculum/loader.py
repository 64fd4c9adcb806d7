"""Reading ``curriculum/`` into a Curriculum, with every problem in it (see its README.md).

The people who edit these files are teachers, not programmers, so one check reports every
problem it can find, each naming the file and the field. A bad field never stops the other
checks; a module whose file cannot be read still counts under the slug its file name suggests,
so that the modules referring to it do not report a cascade of "unknown module" errors.

``course.toml`` is read in course_file, ``modules/*.md`` in module_files, and what spans files
(slugs, orders, prerequisites, the tracks' lists) is checked in references.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path

from peeredu.content_files import ProblemList
from peeredu.curriculum.content import ContentError, Curriculum, Problem, frozen_mapping
from peeredu.curriculum.course_file import COURSE_FILE, read_course
from peeredu.curriculum.module_files import read_modules
from peeredu.curriculum.references import check_references


def check_curriculum(
    root: Path, *, slugs_with_progress: Collection[str] = (), now: datetime | None = None
) -> tuple[Curriculum | None, list[Problem]]:
    """Every problem in the content under ``root``, and the Curriculum if none is an error.

    ``slugs_with_progress``: module slugs that learners have progress on; each one that no
    module file has any more is reported as a warning. ``now`` becomes ``loaded_at``.
    """
    problems = ProblemList()
    course = read_course(root, problems)
    modules = read_modules(root, problems)
    if modules is not None:
        check_references(course, modules, slugs_with_progress, problems)
    found = problems.sorted(first=COURSE_FILE)
    if problems.errors or course is None or course.course is None or modules is None:
        return None, found
    ordered = sorted(modules, key=lambda m: (m.order or 0, m.slug or ""))
    curriculum = Curriculum(
        course=course.course,
        modules=frozen_mapping({m.module.slug: m.module for m in ordered if m.module}),
        loaded_at=now or datetime.now(UTC),
        root=root,
    )
    return curriculum, found


def load_curriculum(root: Path, *, now: datetime | None = None) -> Curriculum:
    """The Curriculum under ``root``; raises ContentError listing every error if it has any."""
    curriculum, problems = check_curriculum(root, now=now)
    if curriculum is None:
        raise ContentError(problems)
    return curriculum

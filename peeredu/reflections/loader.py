"""Reading ``assessments/`` into an AssignmentSet, with every problem in it (see its README.md).

The twin of peeredu.curriculum.loader, and built from the same readers (content_files), so that
the same mistake gets the same message in both folders: one check reports every problem it can
find, each naming the file (relative to the assessments folder) and the field. Assignments
belong to the curriculum's modules, so they are checked against a loaded Curriculum.

A file whose module cannot be read still counts for the module its number (``NN-``) names, so
that the modules are not also reported as having no assignment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from peeredu.accounts.models import Track
from peeredu.content_files import (
    ProblemList,
    Table,
    first_holder,
    suggestion,
)
from peeredu.curriculum.content import ContentError, Curriculum, Problem, frozen_mapping
from peeredu.reflections.definitions import Assignment, AssignmentSet, Criterion, GuidedField
from peeredu.reflections.rubric_files import (
    RUBRIC_FILE,
    read_criteria,
    read_fields,
    read_rubric,
    read_toml,
)

# The "file" of problems with the folder as a whole.
FOLDER = "."
FILE_NAME_PATTERN = re.compile(r"^(\d+)-(.+)\.toml$")
# Upper bounds no real assignment reaches (a longer text would not fit a form field, a longer
# deadline overflows the date arithmetic): a typo like 10^23 is an error, not an assignment.
MAX_MIN_WORDS = 20_000
MAX_DUE_DAYS = 3_650
ASSIGNMENT_KEYS = (
    "slug",
    "module",
    "title",
    "min_words",
    "due_days",
    "prompt",
    "prompt_colleague",
    "guidance",
    "fields",
    "criteria",
)
# Every prompt must carry the anonymisation rule (DOMAIN.md); these words show that it does.
ANONYMISATION_WORDS = ("navne", "helbred")


def check_assessments(
    root: Path, curriculum: Curriculum
) -> tuple[AssignmentSet | None, list[Problem]]:
    """Every problem in the assignments under ``root``, and the AssignmentSet if none is an error.

    File names in the problems are relative to ``root``; the folder itself is ".".
    """
    problems = ProblemList()
    if not root.is_dir():
        problems.error(FOLDER, "", f"folder not found: {root}")
        return None, problems.found
    rubric = read_rubric(root, problems)
    files = _read_assignment_files(root, curriculum, problems)
    _check_across_files(files, curriculum, problems)
    found = sorted(problems.found, key=_file_order)
    if problems.errors or rubric is None or not all(f.valid for f in files):
        return None, found
    assignments = sorted(
        (_assignment(f, rubric) for f in files), key=lambda a: curriculum.modules[a.module].order
    )
    assignment_set = AssignmentSet(
        by_slug=frozen_mapping({a.slug: a for a in assignments}),
        by_module=frozen_mapping({a.module: a for a in assignments}),
    )
    return assignment_set, found


def load_assessments(root: Path, curriculum: Curriculum) -> AssignmentSet:
    """The assignments under ``root``; raises ContentError listing every error if it has any."""
    assignments, problems = check_assessments(root, curriculum)
    if assignments is None:
        raise ContentError(problems)
    return assignments


def _file_order(problem: Problem) -> tuple[int, str]:
    # The folder first, then the rubric, then the assignments by name; within a file, in the
    # order found (the sort is stable).
    rank = {FOLDER: 0, RUBRIC_FILE: 1}.get(problem.file, 2)
    return rank, problem.file


# -- NN-<slug>.toml ------------------------------------------------------------------------


@dataclass
class _AssignmentFile:
    """What one assignment file says, as far as it could be read; ``valid`` when all of it."""

    file: str
    path: Path
    # The module number the file name suggests: stands in when the module is unreadable.
    name_order: int | None
    slug: str | None = None
    # The slug of a module that exists; None while unreadable or unknown.
    module: str | None = None
    title: str = ""
    prompt_html: str = ""
    prompt_colleague_html: str | None = None
    guidance_html: str = ""
    fields: tuple[GuidedField, ...] = ()
    min_words: int = 0
    due_days: int = 0
    # None: the default rubric.
    criteria: tuple[Criterion, ...] | None = None
    valid: bool = False


def _read_assignment_files(
    root: Path, curriculum: Curriculum, problems: ProblemList
) -> list[_AssignmentFile]:
    # Dot files are editor and macOS litter (.#x.toml, ._x.toml), not assignments.
    paths = sorted(
        p
        for p in root.glob("*.toml")
        if p.is_file() and p.name != RUBRIC_FILE and not p.name.startswith(".")
    )
    if not paths:
        problems.error(FOLDER, "", "contains no assignment files (NN-<slug>.toml)")
    return [_read_assignment(path, curriculum, problems) for path in paths]


def _read_assignment(path: Path, curriculum: Curriculum, problems: ProblemList) -> _AssignmentFile:
    file = path.name
    name = FILE_NAME_PATTERN.match(file)
    result = _AssignmentFile(file, path, name_order=int(name[1]) if name else None)
    data = read_toml(path, file, problems)
    if data is None:
        return result

    table = Table(problems, file, data)
    table.reject_unknown_keys(ASSIGNMENT_KEYS)
    result.slug = table.slug("slug")
    module_slug = table.text("module")
    module = None
    if module_slug is not None:
        module = curriculum.module(module_slug)
        if module is None:
            table.error(
                "module",
                f'unknown module "{module_slug}"' + suggestion(module_slug, curriculum.modules),
            )
        else:
            result.module = module.slug
    title = table.text("title")
    min_words = table.integer("min_words", 1, at_most=MAX_MIN_WORDS)
    due_days = table.integer("due_days", 0, at_most=MAX_DUE_DAYS)
    prompt_html = _prompt(table, "prompt", required=True)
    prompt_colleague_html = _prompt(table, "prompt_colleague", required=False)
    if (
        prompt_colleague_html is not None
        and module is not None
        and Track.COLLEAGUE not in module.tracks
    ):
        table.warn(
            "prompt_colleague", "the module is not on the colleague track, so nobody sees this"
        )
    guidance_html = table.markdown("guidance")
    fields = read_fields(table)
    criteria = read_criteria(table, required=False)
    if result.slug is not None and module is not None:
        expected = f"{module.order:02d}-{result.slug}.toml"
        if file != expected:
            table.error(
                "file name",
                f'should be "{expected}", to match the order of module "{module.slug}" '
                f'({module.order}) and slug "{result.slug}"',
            )

    # The `is not None` tests only narrow the types: a None field has set `failed`.
    if (
        not table.failed
        and result.slug is not None
        and result.module is not None
        and title is not None
        and min_words is not None
        and due_days is not None
        and prompt_html is not None
        and guidance_html is not None
        and fields is not None
    ):
        result.title = title.strip()
        result.min_words = min_words
        result.due_days = due_days
        result.prompt_html = prompt_html
        result.prompt_colleague_html = prompt_colleague_html
        result.guidance_html = guidance_html
        result.fields = fields
        result.criteria = criteria
        result.valid = True
    return result


def _prompt(table: Table, key: str, *, required: bool) -> str | None:
    """A prompt as HTML; warns when its Markdown lacks the anonymisation rule."""
    text = table.text(key, required=required)
    if text is None:
        return None
    html = table.render(key, text)
    if html is not None and not all(word in text.lower() for word in ANONYMISATION_WORDS):
        table.warn(
            key,
            "does not state the anonymisation rule (no names, ages, dates, wards or anything "
            "else that could identify a citizen or colleague; how much one shares of one's own "
            "health is one's own choice): the words "
            + " and ".join(f'"{word}"' for word in ANONYMISATION_WORDS)
            + " are missing",
        )
    return html


def _assignment(found: _AssignmentFile, rubric: tuple[Criterion, ...]) -> Assignment:
    assert found.slug is not None and found.module is not None  # valid files have both
    return Assignment(
        slug=found.slug,
        module=found.module,
        title=found.title,
        prompt_html=found.prompt_html,
        prompt_colleague_html=found.prompt_colleague_html,
        guidance_html=found.guidance_html,
        fields=found.fields,
        min_words=found.min_words,
        criteria=found.criteria if found.criteria is not None else rubric,
        due_days=found.due_days,
        source=found.path,
    )


# -- Across files --------------------------------------------------------------------------


def _check_across_files(
    files: list[_AssignmentFile], curriculum: Curriculum, problems: ProblemList
) -> None:
    by_slug: dict[str, _AssignmentFile] = {}
    by_module: dict[str, _AssignmentFile] = {}
    for found in files:
        if (first := first_holder(by_slug, found.slug, found)) is not None:
            found.valid = False
            message = f'"{found.slug}" is also the slug of {first.file}; every assignment needs'
            problems.error(found.file, "slug", message + " its own slug")
        if (first := first_holder(by_module, found.module, found)) is not None:
            found.valid = False
            message = f'module "{found.module}" already has an assignment, in {first.file}; a'
            problems.error(found.file, "module", message + " module has one assignment")
    # Files whose module is unreadable or unknown still count for the module their number names.
    unreadable = {f.name_order for f in files if f.module is None}
    for slug, module in curriculum.modules.items():
        if slug not in by_module and module.order not in unreadable:
            problems.warn(
                FOLDER,
                "",
                f'module "{slug}" has no assignment, so no reflection can be handed in for it',
            )

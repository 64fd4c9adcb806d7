"""Reading ``curriculum/`` into a Curriculum, with every problem in it (see its README.md).

The people who edit these files are teachers, not programmers, so one check reports every
problem it can find, each naming the file and the field. A bad field never stops the other
checks; a module whose file cannot be read still counts under the slug its file name suggests,
so that the modules referring to it do not report a cascade of "unknown module" errors.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from peeredu.accounts.models import Track
from peeredu.content_files import (
    ProblemList,
    Table,
    parse_toml,
    read_text,
    suggestion,
)
from peeredu.curriculum.content import (
    ClassDayPlan,
    ContentError,
    Course,
    Curriculum,
    LearningModule,
    Problem,
    TrackPlan,
    frozen_mapping,
)

COURSE_FILE = "course.toml"
MODULES_DIR = "modules"
FENCE = "+++"
FILE_NAME_PATTERN = re.compile(r"^(\d+)-(.+)\.md$")
TRACKS = {track.value: track for track in Track}
TRACK_LIST = " and ".join(f'"{name}"' for name in TRACKS)
LEARNING_GOALS_MIN, LEARNING_GOALS_MAX = 2, 4
GOAL_OPENING = "Du kan"
# Upper bounds no real course reaches: a typo like 10^23 is an error, not a course.
MAX_COURSE_HOURS = 10_000
MAX_CLASS_DAYS = 365
MAX_MODULES = 999
COURSE_KEYS = (
    "slug",
    "title",
    "description",
    "hours",
    "attendance_threshold",
    "capstone",
    "tracks",
    "class_days",
)
TRACK_KEYS = ("title", "description", "modules")
CLASS_DAY_KEYS = ("day", "part", "topic", "module")
COURSE_PARTS = (1, 2)
MODULE_KEYS = (
    "slug",
    "title",
    "tracks",
    "order",
    "prerequisites",
    "estimated_hours",
    "learning_goals",
    "track_text",
)


def check_curriculum(
    root: Path, *, slugs_with_progress: Collection[str] = (), now: datetime | None = None
) -> tuple[Curriculum | None, list[Problem]]:
    """Every problem in the content under ``root``, and the Curriculum if none is an error.

    ``slugs_with_progress``: module slugs that learners have progress on; each one that no
    module file has any more is reported as a warning. ``now`` becomes ``loaded_at``.
    """
    problems = ProblemList()
    course = _read_course(root, problems)
    modules = _read_modules(root, problems)
    if modules is not None:
        _check_references(course, modules, slugs_with_progress, problems)
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


# -- Collecting problems --------------------------------------------------------------------


def _split_front_matter(text: str) -> tuple[str, str] | str:
    """(front matter, body), or what is wrong with the fences."""
    lines = text.split("\n")
    if lines[0] != FENCE:
        hint = " (line 1 has extra spaces)" if lines[0].strip() == FENCE else ""
        return f'the file must begin with a line that is exactly "{FENCE}"{hint}'
    for index, line in enumerate(lines[1:], start=1):
        if line == FENCE:
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
    spaced = [n for n, line in enumerate(lines[1:], start=2) if line.strip() == FENCE]
    hint = f" (line {spaced[0]} has extra spaces)" if spaced else ""
    return f'no line that is exactly "{FENCE}" closes the front matter{hint}'


# -- course.toml ---------------------------------------------------------------------------


@dataclass
class _CourseFile:
    """What course.toml says, as far as it could be read; ``course`` when all of it could."""

    capstone: str | None = None
    # Per track its required modules, None where that list is unreadable.
    tracks: dict[Track, tuple[str, ...] | None] = field(default_factory=dict)
    day_modules: list[tuple[int, str]] = field(default_factory=list)
    course: Course | None = None


def _read_course(root: Path, problems: ProblemList) -> _CourseFile | None:
    path = root / COURSE_FILE
    if not path.is_file():
        problems.error(COURSE_FILE, "", f"not found in {root}")
        return None
    text = read_text(path, COURSE_FILE, problems)
    data = None if text is None else parse_toml(text, COURSE_FILE, "", 1, problems)
    if data is None:
        return None
    table = Table(problems, COURSE_FILE, data)
    table.reject_unknown_keys(COURSE_KEYS)
    result = _CourseFile()
    slug = table.slug("slug")
    title = table.text("title")
    description_html = table.markdown("description")
    hours = table.number("hours", MAX_COURSE_HOURS)
    threshold = table.integer("attendance_threshold", 1, 100)
    if "capstone" in data:
        result.capstone = table.text("capstone")
    plans = _read_tracks(table, result)
    days = _read_class_days(table, result)
    # The `is not None` tests only narrow the types: a None field has set `failed`.
    if (
        not table.failed
        and slug is not None
        and title is not None
        and description_html is not None
        and hours is not None
        and threshold is not None
    ):
        result.course = Course(
            slug=slug,
            title=title.strip(),
            description_html=description_html,
            hours=hours,
            attendance_threshold=threshold,
            capstone=result.capstone,
            tracks=frozen_mapping(plans),
            class_days=tuple(days),
        )
    return result


def _read_tracks(course: Table, result: _CourseFile) -> dict[Track, TrackPlan]:
    tracks = course.table("tracks")
    if tracks is None:
        return {}
    for key in tracks:
        if key not in TRACKS:
            course.error(
                "tracks",
                f'unknown track "{key}" (the tracks are {TRACK_LIST})' + suggestion(key, TRACKS),
            )
    plans: dict[Track, TrackPlan] = {}
    by_name = Table(course.problems, course.file, tracks, "tracks.")
    for name, track in TRACKS.items():
        raw = by_name.table(name)
        if raw is None:
            course.failed = True
            continue
        plan = Table(course.problems, course.file, raw, f"tracks.{name}.")
        plan.reject_unknown_keys(TRACK_KEYS)
        title = plan.text("title")
        description = plan.text("description")
        modules = plan.text_list("modules")
        if modules == ():
            plan.error("modules", "lists no modules")
            modules = None
        result.tracks[track] = modules
        if plan.failed or title is None or description is None or modules is None:
            course.failed = True
            continue
        plans[track] = TrackPlan(track, title.strip(), description.strip(), modules)
    return plans


def _read_class_days(course: Table, result: _CourseFile) -> list[ClassDayPlan]:
    if "class_days" not in course.data:
        return []
    value = course.data["class_days"]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        course.error("class_days", "must be [[class_days]] blocks, one per day")
        return []
    days: list[ClassDayPlan] = []
    for position, raw in enumerate(value, start=1):
        day = Table(course.problems, course.file, raw, f"class_days[{position}].")
        day.reject_unknown_keys(CLASS_DAY_KEYS)
        number = day.integer("day", 1, at_most=MAX_CLASS_DAYS)
        if number is not None and number != position:
            # Numbered from 1 without gaps or repeats, in order: block N is day N.
            day.error(
                "day",
                f"must be {position}: the days are numbered 1, 2, 3 ... in "
                f"order, and this is block {position}",
            )
        part = day.integer("part", min(COURSE_PARTS), max(COURSE_PARTS))
        topic = day.text("topic")
        module = day.text("module")
        if module is not None:
            result.day_modules.append((position, module))
        if day.failed or number is None or part is None or topic is None or module is None:
            course.failed = True
            continue
        days.append(ClassDayPlan(day=number, part=part, topic=topic.strip(), module=module))
    return days


# -- modules/*.md --------------------------------------------------------------------------


@dataclass
class _ModuleFile:
    """What one module file says, as far as it could be read; ``module`` when all of it could."""

    file: str
    # The slug the file name suggests: stands in for the module when its slug is unreadable.
    name_slug: str | None
    slug: str | None = None
    order: int | None = None
    tracks: frozenset[Track] | None = None
    prerequisites: tuple[str, ...] | None = None
    module: LearningModule | None = None


def _read_modules(root: Path, problems: ProblemList) -> list[_ModuleFile] | None:
    folder = root / MODULES_DIR
    if not folder.is_dir():
        problems.error(MODULES_DIR, "", f"folder not found in {root}")
        return None
    # Dot files are editor and macOS litter (.#x.md, ._x.md), not modules.
    paths = sorted(p for p in folder.glob("*.md") if p.is_file() and not p.name.startswith("."))
    if not paths:
        problems.error(MODULES_DIR, "", "contains no module files (*.md)")
        return None
    return [_read_module(path, f"{MODULES_DIR}/{path.name}", problems) for path in paths]


def _read_module(path: Path, file: str, problems: ProblemList) -> _ModuleFile:
    name = FILE_NAME_PATTERN.match(path.name)
    result = _ModuleFile(file, name_slug=name[2] if name else None)
    text = read_text(path, file, problems)
    if text is None:
        return result
    parts = _split_front_matter(text)
    if isinstance(parts, str):
        problems.error(file, "front matter", parts)
        return result
    front, body = parts
    data = parse_toml(front, file, "front matter", 2, problems)
    if data is None:
        return result

    table = Table(problems, file, data)
    table.reject_unknown_keys(MODULE_KEYS)
    result.slug = table.slug("slug")
    title = table.text("title")
    result.tracks = _read_track_names(table)
    result.order = table.integer("order", 1, at_most=MAX_MODULES)
    result.prerequisites = table.text_list("prerequisites", required=False)
    hours = table.number("estimated_hours", MAX_COURSE_HOURS)
    goals = _read_learning_goals(table)
    track_html = _read_track_text(table, result.tracks)
    body_html = None
    if body.strip():
        body_html = table.render("body", body)
    else:
        table.error("body", f'is empty: write the module text after the closing "{FENCE}"')
    if result.slug and result.order and path.name != _file_name(result):
        table.error(
            "file name",
            f'should be "{_file_name(result)}", to match order '
            f'{result.order} and slug "{result.slug}"',
        )

    if (
        not table.failed
        and result.slug is not None
        and title is not None
        and result.tracks is not None
        and result.order is not None
        and result.prerequisites is not None
        and hours is not None
        and goals is not None
        and body_html is not None
        and track_html is not None
    ):
        result.module = LearningModule(
            slug=result.slug,
            title=title.strip(),
            tracks=result.tracks,
            order=result.order,
            prerequisites=result.prerequisites,
            estimated_hours=hours,
            learning_goals=tuple(goal.strip() for goal in goals),
            body_html=body_html,
            track_html=frozen_mapping(track_html),
            source=path,
        )
    return result


def _file_name(module: _ModuleFile) -> str:
    return f"{module.order:02d}-{module.slug}.md"


def _read_track_names(table: Table) -> frozenset[Track] | None:
    names = table.text_list("tracks")
    if names is None:
        return None
    if not names:
        table.error("tracks", f"lists no tracks (the tracks are {TRACK_LIST})")
        return None
    unknown = [name for name in names if name not in TRACKS]
    for name in unknown:
        table.error(
            "tracks",
            f'unknown track "{name}" (the tracks are {TRACK_LIST})' + suggestion(name, TRACKS),
        )
    return None if unknown else frozenset(TRACKS[name] for name in names)


def _read_learning_goals(table: Table) -> tuple[str, ...] | None:
    goals = table.text_list("learning_goals")
    if goals is None:
        return None
    if not LEARNING_GOALS_MIN <= len(goals) <= LEARNING_GOALS_MAX:
        table.error(
            "learning_goals",
            f"has {len(goals)} goals; write {LEARNING_GOALS_MIN} to {LEARNING_GOALS_MAX}",
        )
        return None
    for position, goal in enumerate(goals, start=1):
        if not goal.strip().startswith(GOAL_OPENING):
            table.warn("learning_goals", f'goal {position} does not begin with "{GOAL_OPENING}"')
    return goals


def _read_track_text(table: Table, tracks: frozenset[Track] | None) -> dict[Track, str] | None:
    raw = table.table("track_text", required=False)
    if raw is None:
        return None
    texts = Table(table.problems, table.file, raw, "track_text.")
    rendered: dict[Track, str] = {}
    for key in raw:
        if key not in TRACKS:
            table.error(
                "track_text",
                f'unknown track "{key}" (the tracks are {TRACK_LIST})' + suggestion(key, TRACKS),
            )
            continue
        html = texts.markdown(key)
        if html is not None:
            rendered[TRACKS[key]] = html
            if tracks is not None and TRACKS[key] not in tracks:
                texts.warn(key, f"the module is not on the {key} track, so nobody sees this")
    if texts.failed:
        table.failed = True
        return None
    return rendered


# -- Across files --------------------------------------------------------------------------


def _check_references(
    course: _CourseFile | None,
    modules: list[_ModuleFile],
    slugs_with_progress: Collection[str],
    problems: ProblemList,
) -> None:
    by_slug: dict[str, _ModuleFile] = {}
    by_order: dict[int, _ModuleFile] = {}
    for module in modules:
        if module.slug is not None:
            first = by_slug.setdefault(module.slug, module)
            if first is not module:
                problems.error(
                    module.file,
                    "slug",
                    f'"{module.slug}" is also the slug of '
                    f"{first.file}; every module needs its own slug",
                )
        if module.order is not None:
            first = by_order.setdefault(module.order, module)
            if first is not module:
                problems.error(
                    module.file,
                    "order",
                    f"{module.order} is also the order of "
                    f"{first.file}; every module needs its own number",
                )
    # Files whose slug could not be read: references to them are not "unknown".
    unreadable = {m.name_slug for m in modules if m.slug is None and m.name_slug}

    def unknown(slug: str) -> str | None:
        if slug in by_slug or slug in unreadable:
            return None
        return f'unknown module "{slug}"' + suggestion(slug, by_slug)

    for module in modules:
        for slug in module.prerequisites or ():
            if slug == module.slug:
                continue  # reported as a cycle
            message = unknown(slug)
            if message:
                problems.error(module.file, "prerequisites", message)
    in_cycles = _check_cycles(by_slug, problems)
    if course is not None:
        _check_course_references(course, by_slug, unknown, in_cycles, problems)
    known = set(by_slug) | unreadable
    for slug in sorted(set(slugs_with_progress) - known):
        problems.warn(
            MODULES_DIR,
            "slug",
            f'learners have progress on "{slug}", but no module '
            "file has that slug; was it renamed? (see Slugs in README.md)",
        )


def _check_cycles(by_slug: dict[str, _ModuleFile], problems: ProblemList) -> set[str]:
    """Report each prerequisite cycle once; returns the slugs that are in one."""
    requires = {
        slug: [p for p in module.prerequisites or () if p in by_slug]
        for slug, module in by_slug.items()
    }
    done: set[str] = set()
    reported: set[frozenset[str]] = set()

    def visit(slug: str, path: list[str]) -> None:
        if slug in path:
            cycle = path[path.index(slug) :]
            if frozenset(cycle) not in reported:
                reported.add(frozenset(cycle))
                chain = " -> ".join([*cycle, slug])
                problems.error(
                    by_slug[slug].file,
                    "prerequisites",
                    f"prerequisite cycle: {chain} (each requires the next, so none can be started)",
                )
            return
        if slug in done:
            return
        path.append(slug)
        for prerequisite in requires[slug]:
            visit(prerequisite, path)
        path.pop()
        done.add(slug)

    for slug in sorted(by_slug, key=lambda s: by_slug[s].file):
        visit(slug, [])
    return {slug for cycle in reported for slug in cycle}


def _check_course_references(
    course: _CourseFile,
    by_slug: dict[str, _ModuleFile],
    unknown: Callable[[str], str | None],
    in_cycles: set[str],
    problems: ProblemList,
) -> None:
    for track, slugs in course.tracks.items():
        if slugs is None:
            continue
        where = f"tracks.{track.value}.modules"
        for slug, times in Counter(slugs).items():
            if times > 1:
                problems.error(COURSE_FILE, where, f'"{slug}" is listed {times} times')
        position: dict[str, int] = {}
        for index, slug in enumerate(slugs):
            position.setdefault(slug, index)
        for slug in position:
            message = unknown(slug)
            if message:
                problems.error(COURSE_FILE, where, message)
                continue
            module = by_slug.get(slug)
            if module is None:
                continue  # its file is unreadable, and that is reported there
            if module.tracks is not None and track not in module.tracks:
                problems.error(
                    COURSE_FILE,
                    where,
                    f'"{slug}" is not marked for the '
                    f'{track.value} track: add "{track.value}" to tracks in '
                    f"{module.file}, or take it out of this list",
                )
            for prerequisite in module.prerequisites or ():
                # A cycle has no right order; it is reported once, as a cycle.
                if prerequisite not in by_slug or slug in in_cycles:
                    continue
                if prerequisite not in position:
                    problems.error(
                        COURSE_FILE,
                        where,
                        f'"{slug}" requires "{prerequisite}", which is not in this track',
                    )
                elif position[prerequisite] > position[slug]:
                    problems.error(
                        COURSE_FILE,
                        where,
                        f'"{prerequisite}" must come before "{slug}", which requires it',
                    )
    if course.capstone is not None:
        message = unknown(course.capstone)
        if message:
            problems.error(COURSE_FILE, "capstone", message)
        else:
            for track, slugs in course.tracks.items():
                if slugs is not None and course.capstone not in slugs:
                    problems.error(
                        COURSE_FILE,
                        "capstone",
                        f'"{course.capstone}" is not in '
                        f"tracks.{track.value}.modules; the capstone is part of "
                        "every track",
                    )
    for block, slug in course.day_modules:
        message = unknown(slug)
        if message:
            problems.error(COURSE_FILE, f"class_days[{block}].module", message)

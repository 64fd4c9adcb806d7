"""Reading ``modules/*.md``: TOML front matter between ``+++`` fences, then the Markdown body."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from peeredu.accounts.models import Track
from peeredu.content_files import (
    ProblemList,
    Table,
    parse_toml,
    read_text,
)
from peeredu.curriculum.content import LearningModule, frozen_mapping
from peeredu.curriculum.course_file import MAX_COURSE_HOURS, TRACK_LIST, TRACKS, unknown_track

MODULES_DIR = "modules"
FENCE = "+++"
FILE_NAME_PATTERN = re.compile(r"^(\d+)-(.+)\.md$")
LEARNING_GOALS_MIN, LEARNING_GOALS_MAX = 2, 4
GOAL_OPENING = "Du kan"
MAX_MODULES = 999
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


@dataclass
class ModuleFile:
    """What one module file says, as far as it could be read; ``module`` when all of it could."""

    file: str
    # The slug the file name suggests: stands in for the module when its slug is unreadable.
    name_slug: str | None
    slug: str | None = None
    order: int | None = None
    tracks: frozenset[Track] | None = None
    prerequisites: tuple[str, ...] | None = None
    module: LearningModule | None = None


def read_modules(root: Path, problems: ProblemList) -> list[ModuleFile] | None:
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


def _read_module(path: Path, file: str, problems: ProblemList) -> ModuleFile:
    name = FILE_NAME_PATTERN.match(path.name)
    result = ModuleFile(file, name_slug=name[2] if name else None)
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


def _file_name(module: ModuleFile) -> str:
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
            unknown_track(name),
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
                unknown_track(key),
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

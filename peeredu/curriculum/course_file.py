"""Reading ``course.toml``: the course, its tracks and its class days."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from peeredu.accounts.models import Track
from peeredu.content_files import (
    ProblemList,
    Table,
    parse_toml,
    read_text,
    suggestion,
)
from peeredu.curriculum.content import ClassDayPlan, Course, TrackPlan, frozen_mapping

COURSE_FILE = "course.toml"
TRACKS = {track.value: track for track in Track}
TRACK_LIST = " and ".join(f'"{name}"' for name in TRACKS)
# Upper bounds no real course reaches: a typo like 10^23 is an error, not a course.
MAX_COURSE_HOURS = 10_000
MAX_CLASS_DAYS = 365
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


def unknown_track(name: str) -> str:
    """The message for a track name that is not one of the tracks."""
    return f'unknown track "{name}" (the tracks are {TRACK_LIST})' + suggestion(name, TRACKS)


@dataclass
class CourseFile:
    """What course.toml says, as far as it could be read; ``course`` when all of it could."""

    capstone: str | None = None
    # Per track its required modules, None where that list is unreadable.
    tracks: dict[Track, tuple[str, ...] | None] = field(default_factory=dict)
    day_modules: list[tuple[int, str]] = field(default_factory=list)
    course: Course | None = None


def read_course(root: Path, problems: ProblemList) -> CourseFile | None:
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
    result = CourseFile()
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


def _read_tracks(course: Table, result: CourseFile) -> dict[Track, TrackPlan]:
    tracks = course.table("tracks")
    if tracks is None:
        return {}
    for key in tracks:
        if key not in TRACKS:
            course.error(
                "tracks",
                unknown_track(key),
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


def _read_class_days(course: Table, result: CourseFile) -> list[ClassDayPlan]:
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

"""The course as immutable values, loaded once from ``curriculum/`` (see loader.py).

Learner state in the database refers to modules by their stable slug only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from peeredu.accounts.models import Track

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class LearningModule:
    slug: str
    title: str
    tracks: frozenset[Track]
    order: int
    prerequisites: tuple[str, ...]
    estimated_hours: float
    learning_goals: tuple[str, ...]
    # Sanitised HTML, rendered once at load.
    body_html: str
    track_html: Mapping[Track, str]
    source: Path

    def text_for(self, track: Track) -> str:
        """The track-specific part for ``track`` (sanitised HTML), or ''."""
        return self.track_html.get(track, "")


@dataclass(frozen=True)
class TrackPlan:
    track: Track
    title: str
    description: str
    # Required modules, in the order the learner takes them.
    modules: tuple[str, ...]


@dataclass(frozen=True)
class ClassDayPlan:
    day: int
    part: int
    topic: str
    module: str | None


@dataclass(frozen=True)
class Course:
    slug: str
    title: str
    description_html: str
    hours: float
    attendance_threshold: int  # percent
    capstone: str | None
    tracks: Mapping[Track, TrackPlan]
    class_days: tuple[ClassDayPlan, ...]


@dataclass(frozen=True)
class Curriculum:
    course: Course
    modules: Mapping[str, LearningModule]
    loaded_at: datetime
    root: Path = field(compare=False)

    def modules_for(self, track: Track) -> tuple[LearningModule, ...]:
        """The track's required modules, in order."""
        return tuple(self.modules[slug] for slug in self.course.tracks[track].modules)

    def module(self, slug: str) -> LearningModule | None:
        return self.modules.get(slug)


def frozen_mapping(values: Mapping[K, V]) -> Mapping[K, V]:
    """A read-only copy: content objects are frozen, and so are their mappings."""
    return MappingProxyType(dict(values))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content files: where, which field, what."""

    file: str
    field: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{'warning' if self.warning else 'error'}: {where}: {self.message}"


class ContentError(Exception):
    """The content cannot be used; ``problems`` lists every error found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if not p.warning]
        super().__init__(
            f"{len(errors)} problem(s) in the course content:\n"
            + "\n".join(f"  {p}" for p in errors)
        )

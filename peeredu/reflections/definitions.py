"""Assignment definitions as immutable values, loaded once from ``assessments/``.

One reflective assignment per module. The rubric's criteria are judged "met" or "not yet";
there are no grades (see DOMAIN.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from peeredu.accounts.models import Track


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    # Sanitised HTML, rendered once at load.
    for_learner_html: str
    for_teacher_html: str


@dataclass(frozen=True)
class GuidedField:
    """One part of a guided reflection, e.g. a stage of Gibbs' cycle."""

    key: str
    label: str
    help: str


@dataclass(frozen=True)
class Assignment:
    slug: str
    module: str
    title: str
    prompt_html: str
    # The colleague track's variant of the prompt, where the angle differs.
    prompt_colleague_html: str | None
    guidance_html: str
    fields: tuple[GuidedField, ...]
    min_words: int
    criteria: tuple[Criterion, ...]
    # Soft deadline: days after the cohort's start date.
    due_days: int
    source: Path

    def prompt_for(self, track: Track) -> str:
        if track is Track.COLLEAGUE and self.prompt_colleague_html:
            return self.prompt_colleague_html
        return self.prompt_html

    @property
    def guided(self) -> bool:
        return bool(self.fields)


@dataclass(frozen=True)
class AssignmentSet:
    by_slug: Mapping[str, Assignment]
    by_module: Mapping[str, Assignment]

    def for_module(self, module_slug: str) -> Assignment | None:
        return self.by_module.get(module_slug)

    def get(self, slug: str) -> Assignment | None:
        return self.by_slug.get(slug)

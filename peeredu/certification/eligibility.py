"""The course's completion rule, as one pure function that also says what is missing.

Completed = attendance at or above the course's threshold of the *planned* class days (or a
teacher's attendance exception), every required module of the learner's track completed, and
the capstone approved (DOMAIN.md, "Certification").
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from peeredu.accounts.models import Track
from peeredu.curriculum.content import Curriculum
from peeredu.curriculum.records import AttendanceSummary


@dataclass(frozen=True)
class Eligibility:
    missing_modules: tuple[str, ...]  # required module slugs not completed, in track order
    capstone_missing: bool
    attendance: AttendanceSummary
    threshold: int

    @property
    def attendance_met(self) -> bool:
        return self.attendance.meets(self.threshold)

    @property
    def eligible(self) -> bool:
        return not self.missing_modules and not self.capstone_missing and self.attendance_met


def eligibility(
    curriculum: Curriculum,
    track: Track,
    completed: Collection[str],
    attendance: AttendanceSummary,
) -> Eligibility:
    required = curriculum.course.tracks[track].modules
    capstone = curriculum.course.capstone
    return Eligibility(
        # The capstone is reported on its own, not also as a missing module.
        missing_modules=tuple(
            slug for slug in required if slug not in completed and slug != capstone
        ),
        capstone_missing=capstone is not None and capstone not in completed,
        attendance=attendance,
        threshold=curriculum.course.attendance_threshold,
    )

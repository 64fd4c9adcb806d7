"""What an HR user sees of the participants, as of today by the app's clock.

The one way the HR pages, their exports and the API (web.hr, web.api) ask
peeredu.reports.participants, which scopes every question to the user's organisations in SQL.
"""

from __future__ import annotations

from collections.abc import Iterator

from peeredu.db import local_date
from peeredu.extensions import current_curriculum, current_time, db
from peeredu.reports import participants as report
from peeredu.reports.participants import ParticipantFilter, ParticipantRow


def participants_page(
    hr_user_id: int, filters: ParticipantFilter, *, page: int, per_page: int
) -> tuple[list[ParticipantRow], int]:
    """One page of the participants the filter asks for, and how many there are in all."""
    return report.participants(
        db.session,
        current_curriculum(),
        hr_user_id,
        filters,
        limit=per_page,
        offset=(page - 1) * per_page,
        today=local_date(current_time()),
    )


def participant(hr_user_id: int, enrolment_id: int) -> ParticipantRow | None:
    """One participant, or None if the enrolment is not in the user's scope."""
    return report.participant(
        db.session,
        current_curriculum(),
        hr_user_id,
        enrolment_id,
        today=local_date(current_time()),
    )


def all_participants(hr_user_id: int, filters: ParticipantFilter) -> Iterator[ParticipantRow]:
    """Every participant the filter asks for, read in batches (for exports)."""
    return report.iter_participants(
        db.session, current_curriculum(), hr_user_id, filters, today=local_date(current_time())
    )

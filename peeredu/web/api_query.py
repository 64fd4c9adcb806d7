"""The HR API's query parameters: known ones parsed once each, a malformed one a 400 naming it.

Also the API's answer other than 200 (:class:`ApiError`), which a bad parameter is the most
common of; web.api turns it into JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from peeredu.accounts.models import EnrolmentStatus, Track
from peeredu.reports import participants as reports
from peeredu.web.numbers import MAX_ID, whole_number
from peeredu.web.openapi import PER_PAGE_DEFAULT, PER_PAGE_MAX

PAGING = frozenset({"page", "per_page"})
LIST_FILTERS = frozenset({"organisation", "cohort", "track", "updated_since"})
PARTICIPANT_PARAMETERS = LIST_FILTERS | PAGING | {"status", "certified"}
CERTIFICATE_PARAMETERS = LIST_FILTERS | PAGING | {"status"}


class ApiError(Exception):
    """An answer other than 200, as JSON."""

    def __init__(
        self, status: int, error: str, message: str, *, parameter: str | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.parameter = status, error, message, parameter


class BadParameter(ApiError):
    def __init__(self, parameter: str, problem: str) -> None:
        super().__init__(400, "invalid_parameter", f"{parameter}: {problem}", parameter=parameter)


class Query:
    """The request's query parameters: known ones parsed once each, unknown ones refused."""

    def __init__(self, args: MultiDict[str, str], allowed: frozenset[str]) -> None:
        unknown = sorted(set(args) - allowed)
        if unknown:
            raise BadParameter(unknown[0], "unknown parameter")
        self.args = args

    def one(self, name: str) -> str | None:
        values = self.args.getlist(name)
        if len(values) > 1:
            raise BadParameter(name, "give it at most once")
        return values[0].strip() if values else None

    def integer(self, name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
        value = self.one(name)
        if value is None:
            return None
        if not value.isascii() or not value.isdigit() or not minimum <= int(value):
            raise BadParameter(name, f"not a whole number of at least {minimum}")
        if len(value) > len(str(maximum)) or int(value) > maximum:
            raise BadParameter(name, f"at most {maximum}")
        return int(value)

    def ids(self, name: str) -> list[int] | None:
        parts = [p.strip() for value in self.args.getlist(name) for p in value.split(",")]
        if not parts:
            return None
        if not all(whole_number(p) for p in parts):
            raise BadParameter(name, "not a list of ids (whole numbers, comma-separated)")
        return [int(p) for p in parts]

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        value = self.one(name)
        if value is not None and value not in choices:
            raise BadParameter(name, f"use one of {', '.join(choices)}")
        return value

    def boolean(self, name: str) -> bool | None:
        value = self.choice(name, ("true", "false"))
        return None if value is None else value == "true"

    def date_time(self, name: str) -> datetime | None:
        value = self.one(name)
        if value is None:
            return None
        parsed = _parse_date_time(value)
        if parsed is None:
            raise BadParameter(
                name, "not an ISO 8601 date-time with a time zone (e.g. 2027-03-01T00:00:00Z)"
            )
        return parsed


def _parse_date_time(value: str) -> datetime | None:
    # An unencoded "+" in an offset arrives as a space; take it back rather than refuse.
    candidates = [value]
    head, space, tail = value.rpartition(" ")
    if space and tail[:2].isdigit():
        candidates.append(f"{head}+{tail}")
    for candidate in candidates:
        try:
            parsed = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if "T" in candidate.upper() and parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    return None


def values(enum_class: type[Track] | type[EnrolmentStatus]) -> tuple[str, ...]:
    return tuple(member.value for member in enum_class)


def filters(query: Query, **extra: Any) -> reports.ParticipantFilter:
    track = query.choice("track", values(Track))
    return reports.ParticipantFilter(
        organisation_ids=query.ids("organisation"),
        cohort_id=query.integer("cohort"),
        track=Track(track) if track else None,
        updated_since=query.date_time("updated_since"),
        **extra,
    )


def paging(query: Query) -> tuple[int, int]:
    page = query.integer("page") or 1
    per_page = query.integer("per_page", maximum=PER_PAGE_MAX) or PER_PAGE_DEFAULT
    return page, per_page

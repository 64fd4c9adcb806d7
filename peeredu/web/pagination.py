"""Numbered pages for long lists (HR participants, the review queue)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from peeredu.web.numbers import whole_number

MAX_PAGE = 999_999


@dataclass(frozen=True)
class Pages:
    page: int
    pages: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def links(self) -> list[int | None]:
        """Page numbers to link: the first, the last and two either side; None marks a gap."""
        shown = sorted(
            {1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)}
        )
        links: list[int | None] = []
        for number in shown:
            if links and number - (links[-1] or 0) > 1:
                links.append(None)
            links.append(number)
        return links


def requested_page() -> int:
    """The ``page`` query argument; anything that is not a positive number is page 1."""
    return whole_number(request.args.get("page"), maximum=MAX_PAGE) or 1


def pages_of(total: int, size: int, page: int) -> Pages:
    return Pages(page=page, pages=max(1, -(-total // size)), size=size)

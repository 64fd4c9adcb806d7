"""One page of a longer list: the rows shown, where the page stands, and whether more follow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """``total`` is known when the list was counted; otherwise one row more than a page was
    asked for, and ``has_next`` says whether it came."""

    rows: Sequence[T]
    page: int
    has_next: bool
    size: int
    total: int | None = None

    @property
    def pages(self) -> int:
        if self.total is None:
            return self.page + 1 if self.has_next else self.page
        return page_count(self.total, self.size)

    @property
    def links(self) -> list[int | None]:
        return page_links(self.page, self.pages)


@dataclass(frozen=True)
class Pages:
    """Where one page of a counted list stands, before its rows are read (to ask for them
    at ``offset``, or to send a page number beyond the last to the last page)."""

    page: int
    pages: int
    size: int

    @property
    def offset(self) -> int:
        return offset(self.page, self.size)

    @property
    def links(self) -> list[int | None]:
        return page_links(self.page, self.pages)


def pages_of(total: int, size: int, page: int) -> Pages:
    return Pages(page=page, pages=page_count(total, size), size=size)


def page_links(page: int, pages: int) -> list[int | None]:
    """Page numbers to link: the first, the last and two either side; None marks a gap."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[int | None] = []
    for number in shown:
        if links and number - (links[-1] or 0) > 1:
            links.append(None)
        links.append(number)
    return links


def page_count(total: int, size: int) -> int:
    """How many pages ``total`` rows fill; an empty list is still one (empty) page."""
    return max(1, -(-total // size))


def clamp(page: int, pages: int) -> int:
    """``page`` moved into 1..``pages``."""
    return min(max(page, 1), pages)


def offset(page: int, size: int) -> int:
    return (page - 1) * size

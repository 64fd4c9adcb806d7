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


def page_count(total: int, size: int) -> int:
    """How many pages ``total`` rows fill; an empty list is still one (empty) page."""
    return max(1, -(-total // size))


def clamp(page: int, pages: int) -> int:
    """``page`` moved into 1..``pages``."""
    return min(max(page, 1), pages)


def offset(page: int, size: int) -> int:
    return (page - 1) * size

"""Page numbers in the query string of long lists (HR participants, the review queue).

The page arithmetic is ``peeredu.paging``'s, shared with the admin lists and the audit log.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

from peeredu.paging import Pages
from peeredu.web.numbers import whole_number

MAX_PAGE = 999_999


def requested_page() -> int:
    """The ``page`` query argument; anything that is not a positive number is page 1."""
    return whole_number(request.args.get("page"), maximum=MAX_PAGE) or 1


def beyond_the_last(paging: Pages) -> Response | None:
    """A redirect to the last page, with the same filters, when a later one was asked for."""
    if paging.page <= paging.pages or request.endpoint is None:
        return None
    values: dict[str, Any] = {**request.args.to_dict(), "page": paging.pages}
    return redirect(url_for(request.endpoint, **values))

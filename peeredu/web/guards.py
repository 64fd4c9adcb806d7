"""Access checks shared by the blueprints: sign in first, and 404 for what is not yours."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort
from flask_login import current_user
from werkzeug.wrappers import Response

from peeredu.accounts.permissions import Visitor
from peeredu.db import Base
from peeredu.extensions import db, login_manager

ModelT = TypeVar("ModelT", bound=Base)


def guard(predicate: Callable[[Visitor], bool]) -> Callable[[], Response | None]:
    """A blueprint-wide ``before_request`` check that fails closed.

    Every route of the blueprint, including ones added later, sends anonymous visitors to the
    login page and answers 404 to signed-in users for whom ``predicate`` is false.
    """

    def check() -> Response | None:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not predicate(current_user):
            abort(404)
        return None

    return check


def get_or_404(model: type[ModelT], object_id: int) -> ModelT:
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found

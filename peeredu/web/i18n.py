"""peeredu's own translations and language choice, also inside a host with its own Flask-Babel.

The catalog is peeredu's (``DOMAIN``, its own directory), made the request's domain on each of
peeredu's requests, so ``flask_babel.gettext`` and the templates' ``_`` find peeredu's strings.
The ``gettext`` here is bound to that domain outright: right outside a request too (an email
composed by a command). Under a host's Babel the host's locale selector keeps choosing on the
host's pages; on peeredu's pages peeredu's selection applies (``choose_on_own_pages``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, g, has_request_context, request, session
from flask_babel import BabelConfiguration, Domain, get_domain
from flask_login import current_user

from peeredu.extensions import TRANSLATIONS_DIR
from peeredu.web.signin import LOCALE_KEY, resolve_user

DOMAIN = Domain(translation_directories=[str(TRANSLATIONS_DIR)], domain="messages")
gettext = DOMAIN.gettext
# Set on a request under peeredu's prefix that matched none of its routes (web.answer_unrouted).
_CLAIMED = "peeredu_claimed_request"


def select_locale() -> str:
    """The signed-in user's language, else the one chosen on the login page, else Danish."""
    config = current_app.config
    locale = None
    if has_request_context():
        resolve_user()  # peeredu's, even if a host asks for the locale before our hooks ran
        locale = current_user.locale if current_user.is_authenticated else session.get(LOCALE_KEY)
    return str(locale if locale in config["LOCALES"] else config["DEFAULT_LOCALE"])


def on_own_page() -> bool:
    if not has_request_context():
        return False
    return (bool(request.blueprints) and request.blueprints[-1] == "peeredu") or g.get(
        _CLAIMED, False
    )


def claim_request() -> None:
    """This request is peeredu's though it has no blueprint: its language and catalog."""
    setattr(g, _CLAIMED, True)
    DOMAIN.as_default()


def choose_on_own_pages(babel: BabelConfiguration) -> None:
    """A host's Babel chooses the host's pages' language; peeredu chooses its own pages'."""
    host_selector: Callable[[], object] | None = babel.locale_selector

    def selector() -> object:
        if on_own_page():
            return select_locale()
        return host_selector() if host_selector is not None else None

    babel.locale_selector = selector


def use_own_domain(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """peeredu's catalog for Python code and templates, on each of peeredu's requests.

    A URL value preprocessor, because those run before every ``before_request`` (the app's
    own too): a rate limit or a CSRF refusal is told in peeredu's words as well.
    """
    DOMAIN.as_default()


@contextmanager
def own_domain() -> Iterator[None]:
    """peeredu's catalog for the block (an email rendered outside peeredu's requests)."""
    previous = get_domain()
    DOMAIN.as_default()
    try:
        yield
    finally:
        previous.as_default()

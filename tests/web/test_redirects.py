"""Redirect targets from the request go to our own pages only, for every caller of safe_next.

The hostile targets are the ones browsers turn into another site (tabs and newlines dropped,
backslashes read as slashes) or that would put a newline in a header.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask

from peeredu.accounts.models import Role
from peeredu.web.redirects import is_own_path
from tests.conftest import Client
from tests.factories import PASSWORD, Factory
from tests.web.test_plugin import mounted_host
from tests.web.test_two_factor import code, with_two_factor

HOSTILE = (
    "/\t/evil.example/",
    "/\\evil.example",
    "\\/evil.example",
    "/\n/x",
    "/\r\nSet-Cookie: a=b",
    " //evil.example",
    "https://evil.example",
    "//evil.example",
    "///evil.example",
    "javascript:alert(1)",
    "/%2e%2e/admin",
)


def test_the_check_reads_targets_as_a_browser_does(app: Flask) -> None:
    with app.test_request_context():
        for target in HOSTILE:
            assert not is_own_path(target), repr(target)
        for target in ("/", "/account", "/teach/reviews?page=2#snippets", "/learn/1/log"):
            assert is_own_path(target), target


def _login(client: Client, target: str) -> Any:
    return client.submit(
        "/login?next=" + quote(target, safe=""),
        {"email": "maria@example.org", "password": PASSWORD},
    )


def _two_step(client: Client, target: str) -> Any:
    assert urlsplit(_login(client, target).location).path == "/login/two-factor"
    page = "/login/two-factor"
    return client.submit(page, {"code": code()}, token_page=page)


def _language(client: Client, target: str) -> Any:
    return client.submit("/language", {"locale": "en", "next": target})


def _snippet(client: Client, target: str) -> Any:
    assert _login(client, "/").status_code == 302
    return client.submit("/teach/reviews/snippets", {"text": "", "next": target})


def _certificate_back(client: Client, target: str) -> Any:
    assert _login(client, "/").status_code == 302
    return client.submit("/enrolments/1/certificate", {"reason": "", "back": target})


CALLERS: dict[str, tuple[Callable[[Client, str], Any], str]] = {
    "login next": (_login, "/"),
    "two-step next": (_two_step, "/"),
    "language next": (_language, "/login"),
    "snippet next": (_snippet, "/teach/reviews"),
    "certificate back": (_certificate_back, "/"),
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", HOSTILE)
def test_every_caller_refuses_other_sites(
    app: Flask, make: Factory, make_client: Any, caller: str, target: str
) -> None:
    act, default = CALLERS[caller]
    _people(app, make, caller)
    response = act(make_client(), target)
    assert response.status_code == 302, response.get_data(as_text=True)[:200]
    location = urlsplit(response.location)
    assert location.netloc in ("", "localhost") and location.path == default, response.location


@pytest.mark.parametrize("caller", CALLERS)
def test_every_caller_keeps_our_own_paths(
    app: Flask, make: Factory, make_client: Any, caller: str
) -> None:
    act, _default = CALLERS[caller]
    _people(app, make, caller)
    response = act(make_client(), "/privatliv?x=1")
    assert response.location.removesuffix("#snippets") == "/privatliv?x=1"


def _people(app: Flask, make: Factory, caller: str) -> None:
    """maria@example.org signs in: a teacher of enrolment 1's cohort, or a learner."""
    if caller in ("snippet next", "certificate back"):
        teacher = make.user(Role.TEACHER, email="maria@example.org")
        cohort = make.cohort("Hold 1", teachers=(teacher,))
        enrolment = make.enrolment(
            make.user(email="lise@example.org"), cohort, make.organisation("A")
        )
        assert enrolment.id == 1
    else:
        user = make.user(email="maria@example.org")
        if caller == "two-step next":
            with_two_factor(app, user)


def test_under_a_prefix_only_paths_under_it_are_ours(database_url: str, smtp_server: Any) -> None:
    with mounted_host(database_url, smtp_server) as host:
        Factory(host).user(email="maria@example.org")
        host.test_client_class = Client
        for target, expected in (
            ("/kursus/account", "/kursus/account"),
            ("/kursus", "/kursus"),
            ("/account", "/kursus/"),  # the host's, not ours
            ("/kursusx/account", "/kursus/"),
            ("/kursus/../admin", "/kursus/"),
            ("/%09/evil.example/", "/kursus/"),
        ):
            client = host.test_client()
            response = client.submit(
                "/kursus/login?next=" + quote(target, safe=""),
                {"email": "maria@example.org", "password": PASSWORD},
                token_page="/kursus/login",
            )
            assert response.status_code == 302 and response.location == expected, target

"""Every error a visitor can meet is peeredu's page: its layout, its language, a way back.

Not only a missing object: any URL that matches no route, a method a URL does not take, a
body over the limit, too many attempts and a view that crashes. The API answers JSON. The same
pages under a host application are checked in tests/host/test_error_pages.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.conftest import Client
from tests.web.test_oversized import raw_post

WERKZEUG = "The requested URL was not found on the server"
# What a page in peeredu's layout has and Werkzeug's pages do not.
LAYOUT = ("Skolen for Recovery", 'class="site-footer"', "<main")
HEADINGS = {
    ("da", 404): "Siden findes ikke",
    ("en", 404): "Page not found",
    ("da", 405): "Det kan ikke lade sig gøre her",
    ("en", 405): "That is not possible here",
}


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"VERIFY_RATE_LIMIT": "2 per minute", "LOGIN_RATE_LIMIT": "3 per minute"}


def choose_english(client: Client, prefix: str = "") -> None:
    login = f"{prefix}/login"
    client.submit(f"{prefix}/language", {"locale": "en", "next": login}, token_page=login)


def assert_our_page(response: TestResponse, code: int, locale: str, prefix: str = "") -> str:
    """``response`` is peeredu's error page ``code`` in ``locale``, with the way back."""
    page = response.get_data(as_text=True)
    assert response.status_code == code, page[:300]
    assert response.mimetype == "text/html"
    assert f'<html lang="{locale}">' in page
    for part in LAYOUT:
        assert part in page
    heading = re.search(r"<h1>\s*(.*?)\s*</h1>", page, re.S)
    assert heading is not None
    if (locale, code) in HEADINGS:
        assert heading.group(1) == HEADINGS[(locale, code)]
        assert f"<title>{HEADINGS[(locale, code)]} ·" in page
    back = "Gå til forsiden" if locale == "da" else "Go to the start page"
    assert f'<a href="{prefix}/">{back}</a>' in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert WERKZEUG not in page and "Traceback" not in page
    return page


@pytest.mark.parametrize("path", ["/no-such-page", "/learn/no/such/thing", "/teach/x.php"])
def test_a_url_that_matches_nothing_gets_our_404_in_danish_and_in_english(
    client: Client, path: str
) -> None:
    page = assert_our_page(client.get(path), 404, "da")
    assert '<a href="/login">Log ind</a>' in page  # a signed-out visitor can sign in from it
    choose_english(client)
    assert_our_page(client.get(path), 404, "en")


def test_a_method_a_url_does_not_take_gets_our_405(client: Client) -> None:
    response = client.delete("/login")
    assert_our_page(response, 405, "da")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    # A URL that takes only POST, asked with GET (a link copied from a form's action).
    choose_english(client)
    assert_our_page(client.get("/logout"), 405, "en")


def test_a_body_over_the_limit_anywhere_gets_our_413(client: Client) -> None:
    data = {"note": "z" * 2_200_000}  # over MAX_CONTENT_LENGTH
    response = raw_post(client, "/login", data, "application/x-www-form-urlencoded")
    page = assert_our_page(response, 413, "da")
    assert "500 kB" in page


def test_too_many_attempts_say_when_to_try_again(client: Client) -> None:
    # The login limiter: the login page again, in the layout, with Retry-After.
    for _attempt in range(3):
        client.submit("/login", {"email": "nobody@example.org", "password": "wrong"})
    refused = client.submit("/login", {"email": "nobody@example.org", "password": "wrong"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert "For mange forsøg på at logge ind" in refused.get_data(as_text=True)
    # Any other limited page: the error page, saying how long to wait.
    for _attempt in range(2):
        assert client.get("/verify").status_code == 200
    response = client.get("/verify")
    page = assert_our_page(response, 429, "da")
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 61
    assert re.search(r"Vent \d+ sekunder, og prøv så igen\.|Vent 1 minut, og prøv", page)


def test_a_view_that_crashes_gets_an_apology_and_no_traceback(app: Flask, client: Client) -> None:
    def crash() -> str:
        raise RuntimeError("secret detail of the failure")

    # A view of peeredu's as far as Flask can tell (its endpoint is in the blueprint), added
    # by the test only; errors are not propagated to the test, as in production.
    app.add_url_rule("/crash-for-test", endpoint="peeredu.crash_for_test", view_func=crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    page = assert_our_page(client.get("/crash-for-test"), 500, "da")
    assert "Beklager: der gik noget galt hos os" in page
    assert "secret detail" not in page and "RuntimeError" not in page
    # Rendered as signed out (the failure may be the database's): no "sign in" for all that.
    assert '<a href="/login">' not in page


def test_the_api_keeps_answering_json(client: Client) -> None:
    missing = client.get("/api/v1/no-such-endpoint")
    assert missing.status_code == 404
    assert missing.json["error"] == "not_found"
    # A method no route of the API takes at all is refused by routing: JSON all the same.
    strange = client.open("/api/v1/participants", method="PROPFIND")
    assert strange.status_code == 405
    assert strange.json["error"] == "method_not_allowed"

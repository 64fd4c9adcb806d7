"""Every route of the app, sent what it does not expect: never a 5xx, for every visitor.

The cases are built from Flask's URL map (the access table fills the URLs from a seeded
world): ids too large for the database, digits that are not ASCII, fractions and negative
numbers in every ``int`` part of a URL; malformed query arguments on every GET; missing,
duplicated and malformed fields on every POST. And an anonymous visitor gets the same answer
from a signed-in page whether the object in its URL exists or not.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from tests.factories import PASSWORD, Factory
from tests.web.test_access_table import (
    ALLOWED,
    BY_RULE,
    EMAILS,
    LOGIN,
    OK,
    VISITORS,
    World,
    app_rules,
    headers_for,
    outcome,
    seed_world,
    visitor_client,
)

BAD_NUMBERS = (str(2**31), str(2**63), str(10**30), "²", "١", "1.5", "-1")
BAD_VALUES = (*BAD_NUMBERS, "0001-01-01", "9999-12-31", "2027-02-30", "0", "", "x" * 300)
# The query arguments any page of the app reads, each sent every bad value at once.
QUERY_NAMES = (
    "page",
    "per_page",
    "cohort",
    "organisation",
    "module",
    "track",
    "status",
    "certified",
    "date_from",
    "date_until",
    "updated_since",
    "actor",
    "action",
    "object_type",
    "object_id",
    "late",
    "flagged",
    "lang",
    "sep",
    "recovery",
    "next",
)
# Form fields the app's forms have besides the ones the access table posts.
FORM_NAMES = (
    "draft_version",
    "lock_version",
    "note",
    "action",
    "text",
    "due_on",
    "date",
    "noted_on",
    "start_date",
    "end_date",
    "cohort",
    "organisation",
    "track",
    "roles",
    "assignment",
    "status",
    "kind",
    "name",
    "email",
    "locale",
    "next",
    "back",
    "code",
)
PARAMETER = re.compile(r"<(?:(?P<converter>[^:<>]+):)?(?P<name>\w+)>")


def fill(rule: str, values: dict[str, Any]) -> str:
    return PARAMETER.sub(lambda m: str(values[m.group("name")]), rule)


def int_parts(rule: str) -> list[str]:
    return [m.group("name") for m in PARAMETER.finditer(rule) if m.group("converter") == "int"]


def routes(app: Flask) -> list[tuple[str, frozenset[str]]]:
    rules = app_rules(app)
    assert set(rules) == set(BY_RULE), "the access table lists every route (test_access_table)"
    return sorted((rule, methods) for rule, (_endpoint, methods) in rules.items())


@pytest.fixture
def world(app: Flask, make: Factory) -> World:
    return seed_world(app, make)


class Visitor:
    """A visitor's browser that signs in again whenever a request ended its session."""

    def __init__(self, make_client: Any, world: World, visitor: str) -> None:
        self.make_client, self.world, self.visitor = make_client, world, visitor
        self.client = visitor_client(make_client, world, visitor)
        self.failures: list[str] = []
        self._token: str | None = None

    def send(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = headers_for(self.world, self.visitor, path)
        try:
            response = self.client.open(path, method=method, headers=headers, **kwargs)
        except Exception as error:  # noqa: BLE001 - a crash is what this test looks for
            self.failures.append(f"{method} {path!r} as {self.visitor}: {error!r}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"{method} {path!r} as {self.visitor}: {response.status_code}")
        if self.visitor != "anonymous" and not self.client._signed_in():
            self.client = self.make_client()
            self.client.login(EMAILS[self.visitor], PASSWORD)
            self._token = None
        return response

    def token(self) -> str:
        """A valid CSRF token, so that what is refused is the input, not the token."""
        if self._token is None:
            self._token = self.client.get("/csrf-token").json["token"]
        return self._token


@pytest.mark.parametrize("visitor", VISITORS)
def test_no_request_is_a_server_error(
    app: Flask, make_client: Any, world: World, visitor: str
) -> None:
    browser = Visitor(make_client, world, visitor)
    all_routes = routes(app)
    for rule, methods in all_routes:
        route, values = BY_RULE[rule], BY_RULE[rule].fill(world)
        for name in int_parts(rule):
            for bad in BAD_NUMBERS:
                path = fill(rule, {**values, name: bad})
                for method in sorted(methods & {"GET", "POST"}):
                    browser.send(method, path, data={"csrf_token": browser.token()})
        # Query arguments reach a view only for visitors it lets in (see the access table).
        if route.get is not None and route.get[visitor] == OK:
            for bad in BAD_VALUES:
                query = dict.fromkeys(QUERY_NAMES, bad)
                browser.send("GET", fill(rule, values), query_string=query)
    for rule, _methods in all_routes:
        route = BY_RULE[rule]
        if route.post is None:
            continue
        path = fill(rule, route.fill(world))
        posted = {**dict.fromkeys(FORM_NAMES, "1"), **route.form(world)}
        browser.send("POST", path, data={"csrf_token": browser.token()})  # every field missing
        duplicated = MultiDict([("csrf_token", browser.token())])
        for name, value in posted.items():
            duplicated.add(name, value)
            duplicated.add(name, "²")
        browser.send("POST", path, data=duplicated)
        if route.post[visitor] != ALLOWED:
            continue
        for bad in BAD_VALUES:
            browser.send(
                "POST", path, data={"csrf_token": browser.token(), **dict.fromkeys(posted, bad)}
            )
    assert not browser.failures, "\n".join(browser.failures)


def test_anonymous_visitors_learn_nothing_about_what_exists(
    app: Flask, make_client: Any, world: World
) -> None:
    """Where the access table sends anonymous visitors to sign in, missing objects do too."""
    client = make_client()
    token = client.get("/csrf-token").json["token"]
    differences = []
    for rule, methods in routes(app):
        route = BY_RULE[rule]
        values = route.fill(world)
        objects = {m.group("name"): m.group("converter") for m in PARAMETER.finditer(rule)}
        missing = {
            name: {"int": 2**31 - 1, None: "no-such-thing"}.get(objects[name], value)
            for name, value in values.items()
        }
        for method, expected in (("GET", route.get), ("POST", route.post)):
            if method not in methods or expected is None or expected["anonymous"] != LOGIN:
                continue
            for path in (fill(rule, values), fill(rule, missing)):
                got = outcome(client.open(path, method=method, data={"csrf_token": token}))
                if got != LOGIN:
                    differences.append(f"{method} {path}: {got}")
    assert not differences, "\n".join(differences)


def test_an_id_is_ascii_digits_that_fit_the_database(
    app: Flask, make_client: Any, world: World
) -> None:
    client = visitor_client(make_client, world, "owner")
    assert client.get(f"/learn/{world.l1}/log").status_code == 200
    arabic = "".join(chr(0x0660 + int(digit)) for digit in str(world.l1))
    for written in (arabic, str(2**31), str(2**63), str(10**30)):
        assert client.get(f"/learn/{written}/log").status_code == 404, written


def test_the_audit_log_says_what_is_wrong_with_a_date(
    app: Flask, make_client: Any, world: World
) -> None:
    client = visitor_client(make_client, world, "admin")
    for query in ("date_until=9999-12-31", "date_from=0001-01-01"):
        page = client.get(f"/admin/audit/?{query}&page=²")
        assert page.status_code == 200
        assert "Skriv en dato mellem årene 1900 og 2999." in page.get_data(as_text=True)

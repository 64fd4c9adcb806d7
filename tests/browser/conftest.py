"""Real-browser fixtures: the app served by a real WSGI server, driven by Debian's Chromium.

Each test gets the suite's fresh database (a SQLite file, or the scratch PostgreSQL database)
and the loopback SMTP sink, served by werkzeug's threaded server on a free loopback port. One
Chromium runs for the whole session; every test gets a fresh browser context (no cookies).
When a test fails, the pages it visited are saved as screenshots at phone and desktop width
in ``test-artifacts/`` at the root of the repository.

The journeys (test_journeys.py) run twice: standalone, and mounted at /kursus in a host app
(``mounting``); their paths go through ``steps.url``. The other browser tests run standalone.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from peeredu.extensions import Database
from tests.conftest import free_port
from tests.host.mounting import mounted_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}


# The test files that run mounted in a host app as well as standalone.
MOUNTED_TOO = {"test_journeys.py", "test_calendar.py"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.path.name in MOUNTED_TOO and "app" in metafunc.fixturenames:
        metafunc.parametrize("mounting", ["standalone", "mounted"], indirect=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)
            if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
                item.add_marker(
                    pytest.mark.skip(
                        reason=f"{CHROMIUM} is missing: run `make test` (it installs chromium)"
                    )
                )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# -- The server ----------------------------------------------------------------------------


@pytest.fixture
def mounting(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "standalone")


@pytest.fixture
def app(app: Flask, app_settings: dict[str, Any], mounting: str, tmp_path: Path) -> Iterator[Flask]:
    """The suite's app, or a host app with peeredu at /kursus on the same database."""
    if mounting == "standalone":
        yield app
        return
    host = mounted_app(app_settings, tmp_path / "host")
    yield host
    Database.state(host).engine.dispose()


@pytest.fixture
def live_port() -> int:
    return free_port()


@pytest.fixture
def app_overrides(live_port: int, request: pytest.FixtureRequest) -> dict[str, Any]:
    # Links in emails must point at the live server.
    overrides: dict[str, Any] = {"BASE_URL": f"http://127.0.0.1:{live_port}"}
    # A journey that asks for the clock fixture runs the live app on it, to move time on.
    if "clock" in request.fixturenames:
        overrides["CLOCK"] = request.getfixturevalue("clock")
    return overrides


def _buffered(app: Flask) -> Any:
    """The app, its answers read to the end and closed before the server writes them.

    Werkzeug's development server closes a response only after draining the socket; when the
    browser has already hung up (a page left while a script was loading), the drain raises and
    the static file stays open, a ResourceWarning that fails a random test under load.
    """

    def wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        answer = app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()

    return wsgi


@pytest.fixture
def live_server(app: Flask, live_port: int) -> Iterator[str]:
    server: BaseWSGIServer = make_server("127.0.0.1", live_port, _buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{live_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


# -- The browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visits:
    """The paths a test's pages navigated to, to photograph them if the test fails."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.paths: list[str] = []

    def seen(self, url: str) -> None:
        if url.startswith(self.base):
            path = url[len(self.base) :]
            if path not in self.paths and not path.endswith((".pdf", ".csv", ".xlsx")):
                self.paths.append(path)


@pytest.fixture
def context(browser: Any, live_server: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(15_000)
    visits = Visits(live_server)
    context.on(
        "page",
        lambda page: page.on(
            "framenavigated", lambda f: f == page.main_frame and visits.seen(f.url)
        ),
    )
    yield context
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        _screenshots(context, request.node.name, visits)
    context.close()


def _screenshots(context: Any, test_name: str, visits: Visits) -> None:
    """Every main page the test visited, at phone and desktop width (best effort)."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", test_name)
    folder.mkdir(parents=True, exist_ok=True)
    for page in list(context.pages):
        for width, size in WIDTHS.items():
            try:
                page.set_viewport_size(size)
                page.screenshot(path=str(folder / f"open-{width}.png"), full_page=True)
            except Exception:  # noqa: BLE001 -- a broken page must not hide the real failure
                pass
    try:
        page = context.new_page()
    except Exception:  # noqa: BLE001
        return
    for number, path in enumerate(visits.paths[:40]):
        for width, size in WIDTHS.items():
            try:
                page.set_viewport_size(size)
                page.goto(path)
                slug = re.sub(r"[^\w.-]+", "_", path)[:80]
                name = f"{number:02d}{slug}-{width}.png"
                page.screenshot(path=str(folder / name), full_page=True)
            except Exception:  # noqa: BLE001
                pass


@pytest.fixture
def page(context: Any) -> Any:
    found = context.new_page()
    found.set_default_timeout(15_000)
    return found

"""Mounted in a host, peeredu's URLs get peeredu's error pages and the host's URLs the host's.

Flask routes a URL before it knows a blueprint, so without peeredu's own check a URL under
/kursus that matches no route got the host's 404 (here Werkzeug's, the host having none).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from tests.conftest import Client
from tests.host.conftest import PREFIX
from tests.host.mounting import mounted_app
from tests.web.test_error_pages import WERKZEUG, assert_our_page, choose_english
from tests.web.test_oversized import raw_post


def test_a_url_under_the_prefix_that_matches_nothing_gets_our_404(host_client: Client) -> None:
    # The host's Babel says English; on peeredu's URLs peeredu's choice (Danish) holds.
    page = assert_our_page(host_client.get(f"{PREFIX}/no-such-page"), 404, "da", PREFIX)
    assert f'<a href="{PREFIX}/login">Log ind</a>' in page
    assert_our_page(host_client.get(f"{PREFIX}/teach/no/such"), 404, "da", PREFIX)
    choose_english(host_client, PREFIX)
    assert_our_page(host_client.get(f"{PREFIX}/no-such-page"), 404, "en", PREFIX)


def test_a_method_a_peeredu_url_does_not_take_gets_our_405(host_client: Client) -> None:
    assert_our_page(host_client.delete(f"{PREFIX}/login"), 405, "da", PREFIX)


def test_a_body_over_the_limit_gets_our_413(host_client: Client) -> None:
    # A multipart field over Flask's 500 kB (the host's MAX_CONTENT_LENGTH is the host's).
    path = f"{PREFIX}/login"
    response = raw_post(host_client, path, {"note": "z" * 600_000}, "multipart/form-data")
    assert "500 kB" in assert_our_page(response, 413, "da", PREFIX)


def test_peeredu_never_reads_an_unlimited_body_where_the_host_sets_no_limit(
    host_client: Client,
) -> None:
    # The host keeps Flask's MAX_CONTENT_LENGTH of None: its own form takes a large body,
    # while peeredu's routes keep peeredu's 2 MB and refuse it unread.
    large = "z" * (2 * 1024 * 1024 + 1)
    assert (
        raw_post(
            host_client, f"{PREFIX}/login", {"note": large}, "application/x-www-form-urlencoded"
        ).status_code
        == 413
    )
    host = host_client.post("/host/note", data={"note": large})
    assert host.status_code == 200
    assert host_client.get("/host/note").text == large


def test_the_hosts_own_urls_keep_the_hosts_answers(host_app: Flask, host_client: Client) -> None:
    # A host without a 404 handler of its own: Werkzeug's page stays its page.
    for path in ("/no-such-page", "/kursusplan", "/host/no-such"):
        missing = host_client.get(path)
        assert missing.status_code == 404
        assert WERKZEUG in missing.get_data(as_text=True), path
    assert "Method Not Allowed" in host_client.delete("/host/whoami").get_data(as_text=True)


def test_a_host_with_its_own_404_page_keeps_it_for_its_urls(
    host_app: Flask, host_client: Client
) -> None:
    # Registered after peeredu was mounted: it answers the host's URLs, not peeredu's.
    host_app.register_error_handler(404, lambda _error: ("the host's own 404", 404))
    assert host_client.get("/no-such-page").get_data(as_text=True) == "the host's own 404"
    assert_our_page(host_client.get(f"{PREFIX}/no-such-page"), 404, "da", PREFIX)


def test_mounted_at_the_root_an_unknown_url_is_left_to_the_host(
    app: Flask, app_settings: dict[str, Any], tmp_path: Path
) -> None:
    host = mounted_app(app_settings, tmp_path, prefix="")
    host.register_error_handler(404, lambda _error: ("the host's own 404", 404))
    client = host.test_client()
    assert client.get("/no-such-page").get_data(as_text=True) == "the host's own 404"
    assert client.get("/login").status_code == 200  # peeredu is there all the same


def test_the_api_keeps_answering_json(host_client: Client) -> None:
    missing = host_client.get(f"{PREFIX}/api/v1/no-such-endpoint")
    assert (missing.status_code, missing.json["error"]) == (404, "not_found")
    strange = host_client.open(f"{PREFIX}/api/v1/participants", method="PROPFIND")
    assert (strange.status_code, strange.json["error"]) == (405, "method_not_allowed")

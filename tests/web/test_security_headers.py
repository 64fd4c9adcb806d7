"""HSTS: sent over HTTPS only, and a proxy's word for HTTPS is taken only when configured."""

from __future__ import annotations

from typing import Any

import pytest
from flask import request

HSTS = "max-age=31536000; includeSubDomains"


def test_https_request_gets_hsts(client: Any) -> None:
    response = client.get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == HSTS


def test_plain_http_gets_none(client: Any) -> None:
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_forged_forwarded_proto_without_a_trusted_proxy_gets_none(client: Any) -> None:
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


class TestBehindOneTrustedProxy:
    @pytest.fixture
    def app_overrides(self) -> dict[str, Any]:
        return {"TRUSTED_PROXY_COUNT": 1}

    def test_the_proxys_https_is_believed(self, client: Any) -> None:
        response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert response.headers["Strict-Transport-Security"] == HSTS

    def test_plain_http_through_the_proxy_gets_none(self, client: Any) -> None:
        response = client.get("/login", headers={"X-Forwarded-Proto": "http"})
        assert "Strict-Transport-Security" not in response.headers

    def test_the_client_address_is_the_one_the_proxy_saw(self, app: Any, client: Any) -> None:
        seen: list[str] = []

        @app.after_request
        def remember(response: Any) -> Any:
            seen.append(request.remote_addr)
            return response

        client.get("/login", headers={"X-Forwarded-For": "203.0.113.9"})
        assert seen == ["203.0.113.9"]

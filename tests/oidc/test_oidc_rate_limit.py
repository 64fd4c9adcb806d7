"""The login rate limit counts sign-ins with an identity provider too (per client address)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def app_overrides(oidc_settings: dict[str, Any]) -> dict[str, Any]:
    return {**oidc_settings, "LOGIN_RATE_LIMIT": "2 per minute"}


def test_callbacks_and_starts_are_rate_limited(client):
    answers = [client.get("/login/oidc/test/callback?state=guess&code=guess") for _ in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 429]
    starts = [client.get("/login/oidc/test").status_code for _ in range(3)]
    assert starts == [302, 302, 429]

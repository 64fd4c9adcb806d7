"""PEEREDU_OIDC_PROVIDERS: read as JSON, and a wrong one stops the app at start."""

from __future__ import annotations

import json

import pytest

from peeredu import create_app
from peeredu.config import ConfigError

ENTRY = {
    "key": "regionh",
    "label": "Region Hovedstaden",
    "issuer": "https://login.example.org/tenant/v2.0/",
    "client_id": "id",
    "client_secret": "secret",
}


def test_the_providers_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEEREDU_ENVIRONMENT", "testing")
    monkeypatch.setenv("PEEREDU_OIDC_PROVIDERS", json.dumps([ENTRY]))
    app = create_app()
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "Log ind med Region Hovedstaden" in page and 'href="/login/oidc/regionh"' in page


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ('{"key": "x"}', "JSON list of objects"),
        (json.dumps([ENTRY, ENTRY]), "repeated"),
        (json.dumps([{k: v for k, v in ENTRY.items() if k != "issuer"}]), "issuer"),
    ],
)
def test_a_wrong_list_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, value: str, says: str
) -> None:
    monkeypatch.setenv("PEEREDU_ENVIRONMENT", "testing")
    monkeypatch.setenv("PEEREDU_OIDC_PROVIDERS", value)
    with pytest.raises(ConfigError, match=says):
        create_app()

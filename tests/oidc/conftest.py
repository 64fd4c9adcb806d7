"""The real OpenID Connect provider (tests/oidc/idp.py) for the test client's app at
http://localhost, started once for these tests and stopped after them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import free_port
from tests.oidc.idp import IdentityProvider, running_provider

# The test client's app is at BASE_URL http://localhost (tests/conftest.py).
REDIRECT_BASE = "http://localhost/login/oidc/"
KEYS = ("test", "jit", "acr", "hs256")


@pytest.fixture(scope="session")
def identity_provider() -> Iterator[IdentityProvider]:
    with running_provider(f"{REDIRECT_BASE}{key}/callback" for key in KEYS) as provider:
        yield provider


@pytest.fixture
def oidc_settings(identity_provider: IdentityProvider) -> dict[str, Any]:
    """Configuration a test adds to the usual (override ``app_overrides`` to change more)."""
    return {
        "OIDC_PROVIDERS": [
            identity_provider.settings("test"),
            identity_provider.settings("jit", label="Kommune JIT", jit=True),
            identity_provider.settings("acr", label="Region ACR", mfa_acr="urn:test:mfa"),
            {
                **identity_provider.settings("hs256", label="Region HS256"),
                "client_id": "peeredu-hs256",
                "client_secret": "peeredu-test-secret-for-hs256-signatures-32b",
            },
            # Nothing listens on a closed port: the provider is down.
            {
                **identity_provider.settings("down", label="Kommune Nede"),
                "issuer": f"http://127.0.0.1:{free_port()}",
            },
        ]
    }


@pytest.fixture
def app_overrides(oidc_settings: dict[str, Any]) -> dict[str, Any]:
    return oidc_settings

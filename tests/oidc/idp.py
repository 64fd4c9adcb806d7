"""The test OpenID Connect provider (tests/oidc/provider: panva's oidc-provider on Node),
started on a free loopback port, and a person signing in on its login page.

Its packages come from `make oidc-provider` (npm ci, part of `make test`). Without Node the
tests that need it are skipped (CI has Node).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from tests.conftest import free_port

PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
CLIENT_ID = "peeredu"
CLIENT_SECRET = "peeredu-test-secret"
PASSWORD = "secret"  # every account's, at the provider


@dataclass(frozen=True)
class IdentityProvider:
    issuer: str

    def settings(self, key: str = "test", **options: Any) -> dict[str, Any]:
        """An entry of PEEREDU_OIDC_PROVIDERS for this provider."""
        return {
            "key": key,
            "label": "Region Test",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            **options,
        }


@contextmanager
def running_provider(redirect_uris: Iterable[str]) -> Iterator[IdentityProvider]:
    """The provider, answering discovery, until the block ends."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node is not installed: the OpenID Connect tests need it (CI has it)")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        raise AssertionError("The test provider's packages are missing: run `make oidc-provider`")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PORT": str(port), "REDIRECT_URIS": ",".join(redirect_uris)}
    process = subprocess.Popen(
        [node, str(PROVIDER_DIR / "provider.mjs")],
        cwd=PROVIDER_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_discovery(issuer, process)
        yield IdentityProvider(issuer=issuer)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _drain(output: Any) -> None:
    with output:
        output.read()


def _wait_for_discovery(issuer: str, process: subprocess.Popen[str]) -> None:
    """Until the provider says it listens (its output read line by line, then drained so
    that it never blocks on a full pipe), and discovery answers."""
    assert process.stdout is not None
    seen: list[str] = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("oidc-provider listening"):
            break
    else:
        raise AssertionError("The test provider stopped at start:\n" + "".join(seen))
    threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
    answer = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10)
    assert answer.json()["issuer"] == issuer


def sign_in_at_provider(
    authorize_url: str, login: str, *, redirect_base: str, password: str = PASSWORD
) -> str:
    """A person's browser at the provider: from peeredu's redirect to its login page, the
    form filled in, and on to peeredu's callback, whose URL (with code and state) is returned
    without being visited."""
    browser = requests.Session()
    url = authorize_url
    for _hop in range(10):
        if url.startswith(redirect_base):
            return url
        answer = browser.get(url, allow_redirects=False, timeout=10)
        if answer.is_redirect:
            url = urljoin(url, answer.headers["Location"])
            continue
        assert answer.status_code == 200, answer.text
        assert 'name="login"' in answer.text, answer.text
        action = answer.text.split('action="', 1)[1].split('"', 1)[0]
        posted = browser.post(
            urljoin(url, action),
            data={"login": login, "password": password},
            allow_redirects=False,
            timeout=10,
        )
        assert posted.is_redirect, posted.text
        url = urljoin(url, posted.headers["Location"])
    raise AssertionError(f"The provider never sent the browser back to {redirect_base}")

"""A national identity provider that is not our code: the maintained ``oidc-provider-mock`` (an Authlib + Flask
OpenID provider), run in its own process (``python -m oidc_provider_mock``) on a port chosen when made.

What a test can do with it, through the mock's own HTTP API:

* ``set_user(sub, claims)`` — ``PUT /users/<sub>``: the claims its ID tokens carry for that person (``nik``,
  ``acr``, ``phone_number``…; the mock merges them into the ID token last, so a test can also forge ``aud`` or
  ``nonce`` there to see that we refuse them);
* ``authorize(url, sub)`` — the mock's consent form posted for that person: returns where the provider sends the
  browser back (our callback with ``code`` and ``state``); ``deny(url)`` posts its "Deny" button instead.

Any client id and secret are accepted (no registration required); a nonce is required, as a real provider would.
Run by hand: ``python -m oidc_provider_mock --port 9400 --require-nonce``, then
``MPP_NATIONAL_IDP_ISSUER=http://127.0.0.1:9400 MPP_NATIONAL_IDP_CLIENT_ID=mpp MPP_NATIONAL_IDP_CLIENT_SECRET=s
mpp serve``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from tests.support.server import free_port


class NationalIdpProcess:
    """The mock provider on ``http://127.0.0.1:<port>``; its issuer is that URL."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.gettempdir()) / f"national-idp-{self.port}.log"

    def start(self, timeout: float = 30) -> NationalIdpProcess:
        command = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(self.port)]
        command.append("--require-nonce")
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mock provider exited with {self.process.returncode}:\n{self.log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/.well-known/openid-configuration", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"mock provider not answering at {self.url} after {timeout}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> NationalIdpProcess:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        response = httpx.put(f"{self.url}/users/{sub}", json=claims, timeout=5)
        assert response.status_code == 204, response.text

    def authorize(self, authorization_url: str, sub: str) -> str:
        """The person ``sub`` signs in at the provider: returns the provider's redirect (our callback's URL)."""
        assert authorization_url.startswith(self.url + "/"), authorization_url
        response = httpx.post(authorization_url, data={"sub": sub}, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def deny(self, authorization_url: str) -> str:
        response = httpx.post(authorization_url, data={"action": "deny"}, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["location"]

"""The fake population registry (``api/registry/fake.py``) in its own process, or in this one.

In its own process, as the real registry is — the client's timeouts, connection errors and pooling are real::

    with RegistryProcess() as registry:                 # python -m tests.fakes.registry --port P
        gateway = HttpRegistry(registry.url, client_id=registry.client_id, secret=registry.secret)
        registry.add_person(nik=..., name=..., birth_date=..., kk=..., relationship="ANAK")
        registry.behave(delay_seconds=3)                 # or fail_status=503; behave() resets

In this process (no socket): ``in_process()`` gives an ``HttpRegistry`` on httpx's ASGI transport and the fake.

Run by hand: ``python -m tests.fakes.registry --port 8765 [--client-id ID --secret S]``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from api.registry.fake import FakeRegistry, demo_people
from api.registry.gateway import HttpRegistry
from tests.support.server import free_port

REPO = Path(__file__).resolve().parent.parent.parent


class RegistryProcess:
    """``python -m tests.fakes.registry`` on a free port, waited for until it answers."""

    def __init__(self, *, client_id: str = "mpp-test", secret: str | None = None) -> None:
        self.client_id = client_id
        self.secret = secret or secrets.token_urlsafe(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20) -> RegistryProcess:
        command = [sys.executable, "-m", "tests.fakes.registry", "--port", str(self.port)]
        # "=" form: a random secret may begin with "-", which argparse would read as an option.
        command += [f"--client-id={self.client_id}", f"--secret={self.secret}"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode() if self.process.stdout else ""
                raise RuntimeError(f"fake registry exited with {self.process.returncode}:\n{output}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"fake registry not answering at {self.url} after {timeout}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> RegistryProcess:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def gateway(self, *, secret: str | None = None, timeout: float = 5.0) -> HttpRegistry:
        """Our client for this registry (with another secret, to try bad credentials)."""
        return HttpRegistry(
            self.url, client_id=self.client_id, secret=self.secret if secret is None else secret, timeout=timeout
        )

    def add_person(
        self,
        *,
        nik: str,
        name: str,
        birth_date: dt.date,
        kk: str | None = None,
        relationship: str = "KEPALA KELUARGA",
        birth_place: str = "Banyumas",
    ) -> None:
        body = {
            "nik": nik,
            "name": name,
            "birthDate": birth_date.isoformat(),
            "birthPlace": birth_place,
            "kk": kk,
            "relationship": relationship,
        }
        response = httpx.post(self.url + "/_test/people", json=body, timeout=5)
        assert response.status_code == 201, response.text

    def behave(self, *, delay_seconds: float = 0, fail_status: int | None = None) -> None:
        """Make the following /verify and /family calls slow or failing; ``behave()`` restores normal service."""
        body = {"delaySeconds": delay_seconds, "failStatus": fail_status}
        response = httpx.post(self.url + "/_test/behaviour", json=body, timeout=5)
        assert response.status_code == 200, response.text

    def revoke_tokens(self) -> None:
        """Forget every token the registry issued (as when it rotates its keys): clients must ask again."""
        httpx.post(self.url + "/_test/revoke", timeout=5).raise_for_status()


def in_process(*, timeout: float = 5.0) -> tuple[HttpRegistry, FakeRegistry]:
    """A fake with the demo people and our client for it over httpx's ASGI transport (no socket, no process)."""
    fake = FakeRegistry(client_id="mpp-test", secret="in-process", people=demo_people())
    gateway = HttpRegistry(
        "http://registry.test",
        client_id=fake.client_id,
        secret=fake.secret,
        timeout=timeout,
        transport=httpx.ASGITransport(app=fake),
    )
    return gateway, fake


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="The fake population registry (demo people).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", default="mpp-dev")
    parser.add_argument("--secret", default="mpp-dev-registry-secret")
    args = parser.parse_args()
    fake = FakeRegistry.with_demo_people(client_id=args.client_id, secret=args.secret)
    uvicorn.run(fake, host=args.host, port=args.port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()

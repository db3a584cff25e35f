"""A fake SP4N-LAPOR! that speaks the protocol of ``api.feedback.lapor_client``, in its own process.

A plain ASGI application (no framework) run by uvicorn, holding the complaints it was given in memory:

* ``POST /api/v1/complaints`` (``Authorization: Bearer <secret>``) files a complaint: 201 ``{"tracking_id",
  "status": "received"}``; the same ``external_id`` again answers 200 with the same tracking id. The body is
  checked strictly: a missing field, a wrong type or any field it does not know (a name, a phone, a NIK) is a 400;
* ``GET /api/v1/complaints/{tracking_id}`` → ``{"tracking_id", "status", "updated_at"}`` (404 if unknown);
* test-only routes: ``GET /_test/complaints`` (what was received, with how many times each was posted and its
  status read), ``POST /_test/status`` ``{"trackingId", "status"}`` (SP4N-LAPOR! moves a complaint along),
  ``POST /_test/behaviour`` ``{"failStatus", "failTimes", "retryAfter", "dropAfterStore", "delaySeconds"}``: the
  next calls fail with that status (``failTimes`` of them, or all until reset), or are stored and then answered by
  a dropped connection (``dropAfterStore`` of them: the answer is lost, the complaint is not), or are slow.
  ``behave()`` with nothing restores normal service.

Used from tests::

    with LaporProcess() as lapor:                  # python -m tests.fakes.lapor --port P --secret=S
        client = lapor.client()                    # our HttpLapor for it
        lapor.behave(fail_status=503)
        [item] = lapor.complaints()

``LaporProcess(...)`` picks its port when made, so a client can be pointed at it before it starts (a service
that is down, then up). Run by hand: ``python -m tests.fakes.lapor --port 8766 --secret=dev-lapor-token``, then
``MPP_LAPOR_URL=http://127.0.0.1:8766 MPP_LAPOR_TOKEN=dev-lapor-token mpp serve``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hmac
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import msgspec

from api.feedback.lapor_client import HttpLapor
from tests.support.server import free_port

REPO = Path(__file__).resolve().parent.parent.parent
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
MAX_BODY = 64 * 1024
PREFIX = "/api/v1/complaints"


class Filing(msgspec.Struct, forbid_unknown_fields=True):
    """What the agency API accepts: the complaint and where it belongs, nothing about its author."""

    external_id: str
    number: str
    category: str
    title: str
    content: str
    agency_code: str
    region_code: str
    anonymous: bool
    created_at: dt.datetime


class _Behaviour(msgspec.Struct, rename="camel"):
    fail_status: int | None = None
    fail_times: int | None = None
    retry_after: int | None = None
    drop_after_store: int = 0
    delay_seconds: float = 0


class _StatusChange(msgspec.Struct, rename="camel"):
    tracking_id: str
    status: str


@dataclass
class _Complaint:
    tracking_id: str
    body: dict[str, Any]
    status: str = "received"
    updated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    posts: int = 1
    reads: int = 0


class _Dropped(Exception):  # noqa: N818  # a deliberate way to close the connection mid-answer
    pass


class FakeLapor:
    def __init__(self, *, secret: str) -> None:
        self.secret = secret
        self.by_external: dict[str, _Complaint] = {}
        self.by_tracking: dict[str, _Complaint] = {}
        self.behaviour = _Behaviour()
        self.sequence = 0
        # Each process numbers its own complaints: a prefix keeps two fakes' tracking ids apart.
        self.prefix = secrets.token_hex(3).upper()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                await _answer(send, 413, {"error": "too large"})
                return
            if not message.get("more_body"):
                break
        method, path = scope["method"], scope["path"]
        try:
            await self._route(method, path, dict(scope["headers"]), body, send)
        except _Dropped:
            raise RuntimeError("answer dropped on purpose") from None

    async def _route(self, method: str, path: str, headers: dict[bytes, bytes], body: bytes, send: Send) -> None:
        if path == "/health":
            await _answer(send, 200, {"ok": True})
        elif path.startswith("/_test/"):
            await self._test_route(method, path, body, send)
        elif path == PREFIX or path.startswith(PREFIX + "/"):
            if not self._authorised(headers):
                await _answer(send, 401, {"error": "invalid token"})
                return
            if self.behaviour.delay_seconds:
                await asyncio.sleep(self.behaviour.delay_seconds)
            if method == "POST" and path == PREFIX:
                await self._file(body, send)
            elif method == "GET" and path != PREFIX:
                await self._status(path.removeprefix(PREFIX + "/"), send)
            else:
                await _answer(send, 405, {"error": "method not allowed"})
        else:
            await _answer(send, 404, {"error": "not found"})

    def _authorised(self, headers: dict[bytes, bytes]) -> bool:
        given = headers.get(b"authorization", b"")
        return hmac.compare_digest(given, b"Bearer " + self.secret.encode())

    async def _failing(self, send: Send) -> bool:
        status, times = self.behaviour.fail_status, self.behaviour.fail_times
        if status is None or times == 0:
            return False
        if times is not None:
            self.behaviour.fail_times = times - 1
        extra = {"retry-after": str(self.behaviour.retry_after)} if self.behaviour.retry_after is not None else {}
        await _answer(send, status, {"error": f"failing on purpose with {status}"}, extra)
        return True

    async def _file(self, body: bytes, send: Send) -> None:
        if await self._failing(send):
            return
        try:
            filing = msgspec.json.decode(body, type=Filing)
        except msgspec.DecodeError as exc:
            await _answer(send, 400, {"error": str(exc)})
            return
        if not filing.content.strip() or len(filing.content) > 4000 or len(filing.title) > 200:
            await _answer(send, 400, {"error": "content or title out of bounds"})
            return
        known = self.by_external.get(filing.external_id)
        if known is not None:
            known.posts += 1
        else:
            self.sequence += 1
            known = _Complaint(tracking_id=f"LPR-{self.prefix}-{self.sequence:06d}", body=json.loads(body))
            self.by_external[filing.external_id] = known
            self.by_tracking[known.tracking_id] = known
        if self.behaviour.drop_after_store > 0:
            self.behaviour.drop_after_store -= 1
            # Headers promise a body that never comes: the client sees the connection close mid-answer.
            await send({"type": "http.response.start", "status": 201, "headers": [(b"content-length", b"100")]})
            raise _Dropped
        answer = {"tracking_id": known.tracking_id, "status": known.status}
        await _answer(send, 201 if known.posts == 1 else 200, answer)

    async def _status(self, tracking_id: str, send: Send) -> None:
        if await self._failing(send):
            return
        known = self.by_tracking.get(tracking_id)
        if known is None:
            await _answer(send, 404, {"error": "unknown tracking id"})
            return
        known.reads += 1
        answer = {"tracking_id": known.tracking_id, "status": known.status, "updated_at": known.updated_at.isoformat()}
        await _answer(send, 200, answer)

    async def _test_route(self, method: str, path: str, body: bytes, send: Send) -> None:
        try:
            if method == "GET" and path == "/_test/complaints":
                items = [
                    {
                        "trackingId": c.tracking_id,
                        "body": c.body,
                        "status": c.status,
                        "posts": c.posts,
                        "reads": c.reads,
                    }
                    for c in self.by_external.values()
                ]
                await _answer(send, 200, {"items": items})
            elif method == "POST" and path == "/_test/behaviour":
                self.behaviour = msgspec.json.decode(body or b"{}", type=_Behaviour)
                await _answer(send, 200, {"ok": True})
            elif method == "POST" and path == "/_test/status":
                change = msgspec.json.decode(body, type=_StatusChange)
                known = self.by_tracking[change.tracking_id]
                known.status, known.updated_at = change.status, dt.datetime.now(dt.UTC)
                await _answer(send, 200, {"ok": True})
            else:
                await _answer(send, 404, {"error": "not found"})
        except (msgspec.DecodeError, KeyError) as exc:
            await _answer(send, 400, {"error": str(exc)})


async def _answer(send: Send, status: int, body: dict[str, Any], extra: dict[str, str] | None = None) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


class LaporProcess:
    """``python -m tests.fakes.lapor`` on a port chosen now, started (and waited for) by ``start()``."""

    def __init__(self, *, secret: str | None = None) -> None:
        self.secret = secret or secrets.token_urlsafe(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20) -> LaporProcess:
        # "=" form: a random secret may begin with "-", which argparse would read as an option.
        command = [sys.executable, "-m", "tests.fakes.lapor", "--port", str(self.port), f"--secret={self.secret}"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode() if self.process.stdout else ""
                raise RuntimeError(f"fake LAPOR! exited with {self.process.returncode}:\n{output}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"fake LAPOR! not answering at {self.url} after {timeout}s")

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

    def __enter__(self) -> LaporProcess:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def client(self, *, token: str | None = None, timeout: float = 5.0) -> HttpLapor:
        """Our client for this fake (with another token, to try a bad one)."""
        return HttpLapor(self.url, token=self.secret if token is None else token, timeout=timeout)

    def complaints(self) -> list[dict[str, Any]]:
        response = httpx.get(self.url + "/_test/complaints", timeout=5)
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def received(self, external_id: object) -> list[dict[str, Any]]:
        """What the fake holds for one of our complaints (a list: more than one would be a double filing)."""
        return [c for c in self.complaints() if c["body"]["external_id"] == str(external_id)]

    def set_status(self, tracking_id: str, status: str) -> None:
        response = httpx.post(self.url + "/_test/status", json={"trackingId": tracking_id, "status": status}, timeout=5)
        assert response.status_code == 200, response.text

    def behave(
        self,
        *,
        fail_status: int | None = None,
        fail_times: int | None = None,
        retry_after: int | None = None,
        drop_after_store: int = 0,
        delay_seconds: float = 0,
    ) -> None:
        """Make the following API calls fail, lose their answers or be slow; ``behave()`` restores service."""
        body = {
            "failStatus": fail_status,
            "failTimes": fail_times,
            "retryAfter": retry_after,
            "dropAfterStore": drop_after_store,
            "delaySeconds": delay_seconds,
        }
        response = httpx.post(self.url + "/_test/behaviour", json=body, timeout=5)
        assert response.status_code == 200, response.text


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="A fake SP4N-LAPOR! agency API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", default="dev-lapor-token")
    args = parser.parse_args()
    uvicorn.run(FakeLapor(secret=args.secret), host=args.host, port=args.port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()

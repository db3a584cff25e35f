"""An agency's webhook receiver as its developers would write it, on the ``standardwebhooks`` package (not our code):
``Webhook(secret).verify(body, headers)`` checks the signature and refuses timestamps more than five minutes off;
the receiver remembers the ``webhook-id``s it processed and answers a repeat with 200 without processing it again.

One aiohttp server in the test process; each endpoint is a path (``/hook/<name>``) with its own secrets and the
answers it gives (e.g. 503 twice, then 200)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    """One request as it arrived: raw body and headers, when, and what became of it."""

    body: bytes
    headers: dict[str, str]
    at: float
    outcome: str  # processed, duplicate, refused, failed (the receiver answered an error on purpose)
    data: Any = None


@dataclass
class Hook:
    secrets: list[str]
    # Answers to give before accepting (e.g. [503, 503]); consumed one per request.
    failures: list[int] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    requests: list[Received] = field(default_factory=list)

    @property
    def processed(self) -> list[Received]:
        return [r for r in self.requests if r.outcome == "processed"]

    def verify(self, body: bytes, headers: dict[str, str]) -> Any:
        """The payload if any of the hook's secrets verifies it; else WebhookVerificationError."""
        error: Exception | None = None
        for secret in self.secrets:
            try:
                return Webhook(secret).verify(body, headers)
            except WebhookVerificationError as exc:
                error = exc
        assert error is not None
        raise error


class Receiver:
    def __init__(self) -> None:
        self.hooks: dict[str, Hook] = {}
        self.base = ""
        self._runner: web.AppRunner | None = None

    def hook(self, name: str, secret: str, *, failures: list[int] | None = None) -> Hook:
        made = self.hooks[name] = Hook(secrets=[secret], failures=list(failures or []))
        return made

    def url(self, name: str) -> str:
        return f"{self.base}/hook/{name}"

    async def _handle(self, request: web.Request) -> web.Response:
        hook = self.hooks.get(request.match_info["name"])
        if hook is None:
            return web.Response(status=404)
        body = await request.read()
        headers = dict(request.headers)
        seen = Received(body=body, headers=headers, at=time.time(), outcome="refused")
        hook.requests.append(seen)
        if hook.failures:
            seen.outcome = "failed"
            return web.Response(status=hook.failures.pop(0))
        try:
            seen.data = hook.verify(body, headers)
        except WebhookVerificationError as exc:
            return web.Response(status=401, text=str(exc))
        msg_id = request.headers["webhook-id"]
        if msg_id in hook.seen:
            seen.outcome = "duplicate"
            return web.Response(status=200, text="already processed")
        hook.seen.add(msg_id)
        seen.outcome = "processed"
        return web.Response(status=204)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook/{name}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def wait_for(check: Any, seconds: float = 15.0, what: str = "condition") -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)

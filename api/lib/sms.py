"""Sending SMS through one interface: a file in development, an HTTP gateway in production.

The development sink writes one JSON object a line to ``<data_dir>/dev-messages.jsonl`` (CONTRACT.md), with
the code in its own field so that tests and developers can read it. Production refuses that sink at start-up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from pathlib import Path
from typing import Protocol, runtime_checkable

import httpx

from api.config import Settings

log = logging.getLogger(__name__)


class SmsError(RuntimeError):
    """The gateway did not accept the message."""


@runtime_checkable
class SmsGateway(Protocol):
    async def send(self, to: str, body: str, *, code: str | None = None) -> None: ...


class DevFileSms:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def send(self, to: str, body: str, *, code: str | None = None) -> None:
        line = {"to": to, "channel": "sms", "body": body, "at": dt.datetime.now(dt.UTC).isoformat()}
        if code is not None:
            line["code"] = code
        async with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")


class HttpSms:
    """A generic JSON gateway: POST {"to", "body"} with a bearer token; 2xx means accepted."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self._client = httpx.AsyncClient(timeout=10)

    async def send(self, to: str, body: str, *, code: str | None = None) -> None:
        del code  # the code is in the body; the gateway needs nothing else
        try:
            response = await self._client.post(
                self.url, json={"to": to, "body": body}, headers={"Authorization": f"Bearer {self.token}"}
            )
        except httpx.HTTPError as exc:
            raise SmsError(f"gateway unreachable: {type(exc).__name__}") from exc
        if response.status_code // 100 != 2:
            raise SmsError(f"gateway answered {response.status_code}")


def gateway_for(settings: Settings) -> SmsGateway:
    if settings.auth.sms_url:
        return HttpSms(settings.auth.sms_url, settings.auth.sms_token)
    return DevFileSms(settings.dev_messages_path)


async def send_code(sms: SmsGateway, phone: str, body: str, code: str) -> None:
    """Runs after the answer is sent: a slow gateway does not slow the answer or reveal anything by timing."""
    try:
        await sms.send(phone, body, code=code)
    except SmsError as exc:
        # Neither the code nor the full number goes to the log.
        log.error("SMS to %s…%s failed: %s", phone[:5], phone[-2:], exc)

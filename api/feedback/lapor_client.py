"""The SP4N-LAPOR! client: what the hand-off worker needs from the national complaints system, and its HTTP form.

The shape is modelled on the SP4N-LAPOR! API for agencies (an agency files reports for its own channel and follows
their status by tracking id); the real endpoint's base URL and credentials are configured per deployment
(``MPP_LAPOR_URL``, ``MPP_LAPOR_TOKEN``), and a deployment whose endpoint differs in its paths adapts this module,
not the worker. The protocol spoken here, and by the fake in ``tests/fakes/lapor.py``:

* ``POST {base}/api/v1/complaints`` with ``Authorization: Bearer <token>`` and the body of ``Outgoing`` →
  201 ``{"tracking_id", "status"}``; the same ``external_id`` again → 200 with the same tracking id (so our retry
  after a lost answer never files twice);
* ``GET {base}/api/v1/complaints/{tracking_id}`` → ``{"tracking_id", "status", "updated_at"}``, status one of
  received, verified, forwarded, in_progress, resolved, archived (others are kept as they come, if well-formed).

Failures are ``HandOffFailed``: transient (429 with Retry-After, 408, 5xx, timeouts, connection errors, and 401/403
too — a revoked token is our configuration, not the complaint's fault) or permanent (any other 4xx, kept as the
message's error).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Protocol, TypeVar

import httpx
import msgspec

from api.lib.retry import parse_retry_after

COMPLAINTS_PATH = "/api/v1/complaints"
STATUSES = ("received", "verified", "forwarded", "in_progress", "resolved", "archived")
# What we store of their answers: bounded, printable (lapor_id and lapor_status are varchar(40)).
_TRACKING_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,39}")
_STATUS = re.compile(r"[a-z][a-z_]{0,39}")
# 401/403 are retried: a token being rotated must not dead-letter every complaint filed meanwhile.
_TRANSIENT = frozenset({401, 403, 408, 425, 429})
MAX_ERROR = 300
T = TypeVar("T")


class HandOffFailed(Exception):  # noqa: N818  # not a domain error: it never reaches a request
    """One call to SP4N-LAPOR! that did not give a usable answer."""

    def __init__(self, reason: str, *, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason[:MAX_ERROR]
        self.transient = transient
        self.retry_after = retry_after


class Outgoing(msgspec.Struct, frozen=True):
    """What is sent of a complaint: its text and where it belongs, never who filed it (no name, phone, NIK)."""

    external_id: str
    number: str
    category: str
    title: str
    content: str
    agency_code: str
    region_code: str
    anonymous: bool
    created_at: dt.datetime


class Filed(msgspec.Struct, frozen=True):
    tracking_id: str
    status: str


class Tracked(msgspec.Struct, frozen=True):
    tracking_id: str
    status: str
    updated_at: dt.datetime | None = None


class Lapor(Protocol):
    """SP4N-LAPOR! as the worker sees it."""

    async def file(self, complaint: Outgoing) -> Filed:
        """File (or find again, by ``external_id``) one complaint; raises ``HandOffFailed``."""
        ...

    async def status(self, tracking_id: str) -> Tracked:
        """The current status of a filed complaint; raises ``HandOffFailed``."""
        ...

    async def aclose(self) -> None: ...


class HttpLapor:
    """``Lapor`` over HTTPS with httpx: one connection pool per process, a bearer token on every call."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
        )

    async def file(self, complaint: Outgoing) -> Filed:
        response = await self._call("POST", COMPLAINTS_PATH, content=msgspec.json.encode(complaint))
        if response.status_code not in (200, 201):
            raise _unexpected(response)
        filed = _decode(response, Filed)
        _check(filed.tracking_id, filed.status)
        return filed

    async def status(self, tracking_id: str) -> Tracked:
        if not _TRACKING_ID.fullmatch(tracking_id):
            raise HandOffFailed(f"malformed tracking id {tracking_id!r}", transient=False)
        response = await self._call("GET", f"{COMPLAINTS_PATH}/{tracking_id}")
        if response.status_code != 200:
            raise _unexpected(response)
        tracked = _decode(response, Tracked)
        _check(tracked.tracking_id, tracked.status)
        if tracked.tracking_id != tracking_id:
            raise HandOffFailed(f"asked for {tracking_id}, answered {tracked.tracking_id}", transient=True)
        return tracked

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(self, method: str, path: str, *, content: bytes | None = None) -> httpx.Response:
        headers = {"Content-Type": "application/json"} if content is not None else None
        try:
            return await self._client.request(method, path, content=content, headers=headers)
        except httpx.TimeoutException as exc:
            raise HandOffFailed(f"timeout: {type(exc).__name__}", transient=True) from exc
        except httpx.TransportError as exc:
            # Refused, reset, or the connection dropped before the whole answer came (the complaint may have
            # been stored: the retry is recognised by its external_id).
            raise HandOffFailed(f"connection: {type(exc).__name__}: {exc}", transient=True) from exc


def _unexpected(response: httpx.Response) -> HandOffFailed:
    status = response.status_code
    transient = status in _TRANSIENT or status >= 500 or status < 200 or 300 <= status < 400
    retry_after = parse_retry_after(response.headers.get("retry-after")) if transient else None
    detail = " ".join(response.text[:200].split())
    return HandOffFailed(
        f"HTTP {status}: {detail}" if detail else f"HTTP {status}", transient=transient, retry_after=retry_after
    )


def _decode(response: httpx.Response, kind: type[T]) -> T:
    try:
        return msgspec.json.decode(response.content, type=kind)
    except msgspec.DecodeError as exc:
        # A 2xx we cannot read is their fault and may pass: retried (dead after the last attempt).
        raise HandOffFailed(f"unreadable answer ({response.status_code}): {exc}", transient=True) from exc


def _check(tracking_id: str, status: str) -> None:
    if not _TRACKING_ID.fullmatch(tracking_id) or not _STATUS.fullmatch(status):
        raise HandOffFailed(f"malformed answer: {tracking_id[:60]!r} {status[:60]!r}", transient=True)

"""A separate ``mpp worker`` process's own ``/metrics`` (``MPP_METRICS_PORT``), under the same bearer token.

The API processes answer ``GET /metrics`` through the app; a worker has no HTTP server, so when the port is set it
gets this small one: one request per connection, ``GET /metrics`` only, the token compared in constant time, a
401 problem+json otherwise. It exposes what the worker's process records (push and SMS outcomes, the process's
own figures); the outbox's depth and the request pools are read by the API processes' scrapes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import msgspec

from api.config import Settings
from api.lib.errors import PROBLEM_JSON, TYPE_BASE, Problem
from api.lib.keys import dev_secret
from api.lib.metrics import CONTENT_TYPE, render, token_matches

log = logging.getLogger(__name__)

# A scraper sends a few headers; anything longer or slower is not one.
_MAX_HEAD = 8192
_READ_SECONDS = 5.0


def _response(status: str, content_type: str, body: bytes, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        f"Cache-Control: no-store\r\nConnection: close\r\n{extra}\r\n"
    )
    return head.encode("latin-1") + body


def answer(head: bytes, token: str) -> bytes:
    """The whole HTTP response to a request's head (request line and headers)."""
    lines = head.decode("latin-1").split("\r\n")
    method, _, rest = lines[0].partition(" ")
    path = rest.partition(" ")[0].partition("?")[0]
    if method != "GET" or path != "/metrics":
        return _response("404 Not Found", "text/plain; charset=utf-8", b"not found\n")
    authorization = next(
        (line.partition(":")[2].strip() for line in lines[1:] if line.lower().startswith("authorization:")), None
    )
    if not token_matches(authorization, token):
        problem = Problem(
            type=TYPE_BASE + "unauthorised",
            title="Unauthorized",
            status=401,
            detail="The metrics need the metrics token.",
            code="unauthorised",
            instance=path,
        )
        challenge = 'WWW-Authenticate: Bearer realm="mpp-metrics"\r\n'
        return _response("401 Unauthorized", PROBLEM_JSON, msgspec.json.encode(problem), challenge)
    return _response("200 OK", f"{CONTENT_TYPE}; charset=utf-8", render())


async def serve_metrics(settings: Settings, stop: asyncio.Event) -> None:
    """Answer /metrics on MPP_HOST:MPP_METRICS_PORT until ``stop`` is set (at once without a port: no server)."""
    host, port = settings.server.host, settings.ops.metrics_port
    if not port:
        return
    token = settings.ops.metrics_token or dev_secret(settings, "metrics-token")

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_READ_SECONDS):
                head = await reader.readuntil(b"\r\n\r\n")
            if len(head) <= _MAX_HEAD:
                writer.write(answer(head, token))
                await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass  # not a scraper, or one that went away: nothing to answer
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(on_connection, host, port, limit=_MAX_HEAD)
    log.info("worker metrics at http://%s:%s/metrics", host, port)
    async with server:
        await stop.wait()

"""The one middleware every request passes first: its id, its security headers, its metrics, its access-log line.

One pure ASGI middleware with one ``send`` wrapper does all four, because each layer of wrapping costs every
request as much as the work it wraps (bench/overhead_bench.py: a bare Litestar app answers a trivial route in
about 20 µs of CPU).

- ``X-Request-Id``: a sane incoming one (1–64 characters of ``[A-Za-z0-9._-]``, as a load balancer or the PWA
  sends) is kept, anything else replaced by a new one; it is echoed on the response and set in
  ``api.lib.logs.request_id_var`` while the request is answered, so every log line it causes carries it.
- The security headers of ``api.lib.security_headers`` (a shorter set on JSON), unless the response set one itself.
- ``api.lib.metrics.observe_request`` by route template (Litestar has routed the request when route middleware
  runs: ``scope["path_template"]``).
- The access log (``MPP_ACCESS_LOG``): the path without its query string (search words and codes stay out of logs).
- The request's ``Accept-Language`` for ``api.lib.language.current_language()`` (read in the same pass over the
  headers as the id: it was a middleware of its own).
- The hostile-input checks of the address and headers (``api.lib.input_guard.check_request_line``), refused with
  a problem+json that gets the headers and log line above; bodies are checked where routes read them.
- Gzip (Litestar's compression middleware, in front of the app) only for a client whose ``Accept-Encoding`` asks
  for it, seen in the same pass: the others go straight to the app.

Each was a layer of its own, run after routing; as one wrapper in front of the app they cost a request on
``/health/live`` a third less (bench/overhead_bench.py).
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import time
from collections.abc import Iterable
from typing import Final

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.lib.input_guard import HostileInputError, check_request_line, refuse
from api.lib.language import forget_accept_language, keep_accept_language
from api.lib.logs import AccessLog, request_id_var
from api.lib.metrics import observe_request
from api.lib.security_headers import ENCODED_FOR_JSON, ENCODED_WITH_CSP, HEADER_NAMES, is_json

REQUEST_ID_HEADER: Final = b"x-request-id"
_SANE_ID: Final = re.compile(rb"[A-Za-z0-9._-]{1,64}")


# A made id: this process's random prefix and a sequence number, 16 hex digits. Unique without asking the
# system's random source per request (an id needs to be unique, not unpredictable); a forked child draws its own.
_prefix = secrets.token_hex(4)
_sequence = itertools.count()


def _new_prefix() -> None:
    global _prefix
    _prefix = secrets.token_hex(4)


os.register_at_fork(after_in_child=_new_prefix)


def _read_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[str, str, bool]:
    """The request's id (kept if sane, else made), its raw Accept-Language and whether it accepts gzip (the same
    test as Litestar's: "gzip" in the header), in one pass over the headers."""
    request_id, language, gzip = "", "", False
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            request_id = value.decode("ascii") if _SANE_ID.fullmatch(value) else ""
        elif name == b"accept-language":
            language = value.decode("latin-1")
        elif name == b"accept-encoding":
            gzip = b"gzip" in value
    return request_id or f"{_prefix}{next(_sequence) & 0xFFFFFFFF:08x}", language, gzip


def _with_our_headers(headers: list[tuple[bytes, bytes]], request_id: tuple[bytes, bytes]) -> None:
    """Add the security headers (JSON's set or a document's: api.lib.security_headers) and the request id to a
    response's headers, in place. One pass finds the content type and whether the response set one of ours itself
    (Litestar encodes header names in lower case, so comparing bytes finds them)."""
    content_type = b""
    own = False
    for name, value in headers:
        if name == b"content-type":
            content_type = value
        elif name in HEADER_NAMES:
            own = True
    ours = ENCODED_FOR_JSON if is_json(content_type) else ENCODED_WITH_CSP
    if own:  # a response that sets one of these itself keeps its own value
        present = {name.lower() for name, _ in headers}
        headers.extend(item for item in ours if item[0] not in present)
    else:
        headers.extend(ours)
    headers.append(request_id)


def _hostile(scope: Scope) -> HostileInputError | None:
    try:
        check_request_line(scope)
    except HostileInputError as exc:
        return exc
    return None


class ObserveMiddleware:
    """``app``: the application; ``compressed``: the same application behind gzip, for clients that accept it."""

    def __init__(self, app: ASGIApp, compressed: ASGIApp | None = None, access_log: AccessLog | None = None) -> None:
        self.app = app
        self.compressed = compressed or app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id, language, gzip = _read_headers(scope["headers"])
        token = request_id_var.set(request_id)
        language_token = keep_accept_language(language)
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        status = 500  # what the client gets if the app fails before answering

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers")
                if isinstance(headers, list):
                    _with_our_headers(headers, header)
                else:
                    copied = list(headers or ())
                    _with_our_headers(copied, header)
                    message["headers"] = copied
            await send(message)

        hostile = _hostile(scope)
        try:
            if hostile is not None:
                await refuse(scope, send_observed, hostile)
            else:
                await (self.compressed if gzip else self.app)(scope, receive, send_observed)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("path_template") or "(unrouted)"
            method = scope["method"]
            observe_request(route, method, status, seconds)
            if self.access_log is not None:
                path = scope["path"]
                self.access_log.write(
                    method=method, path=path, route=route, status=status, seconds=seconds, request_id=request_id
                )
            # In-process test clients call the app in the caller's own context: leave nothing behind.
            request_id_var.reset(token)
            forget_accept_language(language_token)

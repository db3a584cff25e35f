"""Litestar's gzip compression, skipped at once for clients that do not ask for it.

Litestar runs its compression middleware on every route: each request builds a ``Headers`` view of the scope and
matches the path against the exclusions before it finds that the client sent no ``Accept-Encoding`` (load
balancers' probes, monitoring, agency systems' HTTP clients). ``CompressionWhenAsked`` looks for ``gzip`` in the
raw header first and hands everything else straight on: the same answers, decided from one pass over the request's
headers (bench/overhead_bench.py: Litestar's wrapper was half of what our stack added to a trivial route).
"""

from __future__ import annotations

from litestar.middleware.compression import CompressionMiddleware
from litestar.types import Receive, Scope, Send


class CompressionWhenAsked(CompressionMiddleware):
    """``CompressionConfig(middleware_class=CompressionWhenAsked)``: Litestar's middleware, only when it may act."""


# Litestar wraps a subclass's __call__ with its exclusion check when the class is made (AbstractMiddleware's
# __init_subclass__); the wrapped call is kept and the cheap test put in front of it afterwards.
_compress = CompressionWhenAsked.__call__


async def _call_when_asked(self: CompressionWhenAsked, scope: Scope, receive: Receive, send: Send) -> None:
    for name, value in scope.get("headers") or ():
        # The same test as Litestar's ("gzip" in the header's text), on the raw bytes.
        if name == b"accept-encoding" and b"gzip" in value:
            await _compress(self, scope, receive, send)
            return
    await self.app(scope, receive, send)


CompressionWhenAsked.__call__ = _call_when_asked  # type: ignore[method-assign,assignment]

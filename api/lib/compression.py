"""Gzip for the clients that ask for it: Litestar's compression middleware, in front of the whole app.

``api.lib.observe`` sends only the requests whose ``Accept-Encoding`` asks for gzip through it (seen in its one
pass over the headers); load balancers' probes, monitoring and agency systems' HTTP clients that ask for nothing go
straight to the app. Given to Litestar as its ``compression_config``, the middleware would wrap every route and,
with it, Litestar's second exception layer (bench/overhead_bench.py: half of what our stack added to a trivial
route); in front of the app it also compresses the router's own answers.
"""

from __future__ import annotations

from litestar.config.compression import CompressionConfig
from litestar.middleware.compression import CompressionMiddleware
from litestar.types import ASGIApp

CONFIG = CompressionConfig(
    backend="gzip",
    minimum_size=1024,
    gzip_compress_level=6,
    exclude=[
        # The export is a ZIP (already deflated) streamed as it is built: gzip over it costs CPU and gains nothing.
        "/api/v1/me/export",
        # Board event streams: each event is small, and a gzip stream per connection would hold ~256 KB.
        r"^/api/v1/regions/[^/]+/queue/board/events$",
        # Token answers: secrets are never compressed beside other content (BREACH), and gzip was a tenth of their CPU.
        "/oidc/token",
    ],
)


def gzipped(app: ASGIApp) -> ASGIApp:
    return CompressionMiddleware(app=app, config=CONFIG)

"""The service worker, served with a version derived from the PWA's own files.

The PWA has no build step, so nothing renames files on release. The service worker's precache is keyed by
``VERSION``; if a release changed a module but not that constant, phones would keep the old shell for good.
Deriving it from a digest of every file under ``pwa/`` makes any change a new version: the browser sees a new
``sw.js``, installs it beside the old one, and the page offers "Reload" (pwa/js/sw-client.js).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from litestar import Response, get
from litestar.datastructures import CacheControlHeader
from litestar.handlers import HTTPRouteHandler

from api.lib.auth import public

_VERSION = re.compile(rb"const VERSION = '([a-z-]+)v\d+';")


def pwa_digest(pwa_dir: Path) -> str:
    """A digest of every file's path and content under ``pwa_dir`` (sw.js included)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in pwa_dir.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(str(path.relative_to(pwa_dir)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def versioned_service_worker(pwa_dir: Path) -> bytes:
    source = (pwa_dir / "sw.js").read_bytes()
    version = pwa_digest(pwa_dir)
    return _VERSION.sub(lambda m: b"const VERSION = '" + m.group(1) + version.encode() + b"';", source, count=1)


def service_worker_route(pwa_dir: Path) -> HTTPRouteHandler:
    """``GET /sw.js``, rebuilt when a file under ``pwa/`` changes (a stat of each file per request: browsers ask
    for the worker on navigations and update checks, not per asset)."""
    cache: dict[str, tuple[object, bytes, str]] = {}

    def current() -> tuple[bytes, str]:
        stats = ((p, p.stat()) for p in sorted(pwa_dir.rglob("*")) if p.is_file())
        stamp = tuple((str(p), st.st_mtime_ns, st.st_size) for p, st in stats)
        hit = cache.get("sw")
        if hit is None or hit[0] != stamp:
            body = versioned_service_worker(pwa_dir)
            hit = (stamp, body, '"' + hashlib.sha256(body).hexdigest()[:16] + '"')
            cache["sw"] = hit
        return hit[1], hit[2]

    @get(
        "/sw.js",
        include_in_schema=False,
        opt=public(),
        media_type="text/javascript",
        cache_control=CacheControlHeader(no_cache=True),
        name="service_worker",
        sync_to_thread=True,
    )
    def service_worker() -> Response[bytes]:
        body, etag = current()
        return Response(body, headers={"ETag": etag})

    return service_worker

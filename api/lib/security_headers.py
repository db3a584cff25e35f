"""Security headers on every response (OWASP ASVS 5.0 chapter 3 and the PWA's CSP).

Documents (the PWA's HTML, its scripts, styles, images, the OpenAPI viewer) get the full set. A JSON answer is
never a document a browser runs: it gets the set OWASP's REST Security Cheat Sheet gives for APIs — ``nosniff``,
``X-Frame-Options: DENY`` and a CSP that allows nothing (``default-src 'none'; frame-ancestors 'none'``), stricter
than the PWA's should one ever be opened as a page. The referrer, opener and permissions policies only govern a
document's own links, windows and features, which JSON has none of; leaving them off halves the bytes every API
answer carries (bench/overhead_bench.py: uvicorn encodes and the client parses each header of each response).
"""

from __future__ import annotations

import functools

# The PWA loads only its own modules and styles; no inline script, no third-party origin.
# 'unsafe-inline' is absent on purpose. The OpenAPI viewer at /schema is served from our own files under it too.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(self), geolocation=(), microphone=(), payment=()",
}
API_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY"}
# Encoded once: this runs on every response, and the generic header wrappers cost a sixth of a cached
# catalogue answer's time (measured with py-spy under wrk). Added by api.lib.observe's one send wrapper.
ENCODED_WITH_CSP = (
    *((name.encode(), value.encode()) for name, value in HEADERS.items()),
    (b"content-security-policy", CSP.encode()),
)
ENCODED_FOR_JSON = (
    *((name.encode(), value.encode()) for name, value in API_HEADERS.items()),
    (b"content-security-policy", API_CSP.encode()),
)
HEADER_NAMES = frozenset(name for name, _ in ENCODED_WITH_CSP)


@functools.lru_cache(maxsize=64)  # a handful of distinct content types, asked on every response
def is_json(content_type: bytes) -> bool:
    """``application/json``, ``application/problem+json`` and the like (parameters such as a charset allowed)."""
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))

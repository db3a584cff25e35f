"""Security headers on every response (OWASP ASVS 5.0 chapter 3 and the PWA's CSP)."""

from __future__ import annotations

# The PWA loads only its own modules and styles; no inline script, no third-party origin.
# 'unsafe-inline' is absent on purpose. The OpenAPI viewer at /schema is served from our own files under it too.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(self), geolocation=(), microphone=(), payment=()",
}
# Encoded once: this runs on every response, and the generic header wrappers cost a sixth of a cached
# catalogue answer's time (measured with py-spy under wrk). Added by api.lib.observe's one send wrapper.
_ENCODED = [(name.encode(), value.encode()) for name, value in HEADERS.items()]
ENCODED_WITH_CSP = (*_ENCODED, (b"content-security-policy", CSP.encode()))
HEADER_NAMES = frozenset(name for name, _ in ENCODED_WITH_CSP)

"""HTTP clients that call the app in-process, from an address of the test's choosing."""

from __future__ import annotations

import httpx
from litestar import Litestar


def client_at(app: Litestar, ip: str) -> httpx.AsyncClient:
    """A client calling from ``ip`` (rate limits count per address)."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")

"""Where our server may post: https endpoints on the public internet only, so that registering a webhook cannot make
MPP Digital post into a private network (SSRF). ``MPP_WEBHOOK_TEST_HOSTS`` lifts both rules for named hosts (tests'
local receivers).

Checked twice: when an endpoint is registered (its URL's form), and at every delivery, where the address actually
connected to is checked by the resolver itself (``GuardedResolver``): a name that resolved to a public address at
registration and to 10.0.0.5 later (DNS rebinding) is refused, and redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from api.lib.errors import DomainError, FieldError

MAX_URL = 2000


class InvalidEndpointError(DomainError):
    status = 422
    code = "invalid_webhook_url"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors=[FieldError(field="url", message=detail)])


class RefusedAddressError(DomainError, OSError):
    """The endpoint's host is (or resolves to) an address our server must not post to. An OSError too, as the
    resolver's failures must be for aiohttp to report them as a failed connection."""

    status = 422
    code = "refused_address"


def public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local, reserved, …)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, test_hosts: Iterable[str]) -> str:
    """The URL if an endpoint may have it; else InvalidEndpointError (422) saying why."""
    if len(url) > MAX_URL:
        raise InvalidEndpointError(f"The URL is longer than {MAX_URL} characters.")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        _ = parts.port  # a malformed port raises here
    except ValueError:
        raise InvalidEndpointError("The URL is not a valid absolute URL.") from None
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidEndpointError("The URL must be an absolute https:// URL.")
    if parts.username or parts.password or parts.fragment:
        raise InvalidEndpointError("The URL must not carry a user name, password or fragment.")
    if host in set(test_hosts):
        return url
    if parts.scheme != "https":
        raise InvalidEndpointError("Webhook endpoints must use https://.")
    literal = _ip_literal(host)
    if literal is not None and not public_address(literal):
        raise InvalidEndpointError("Webhook endpoints must be on the public internet, not a private address.")
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise InvalidEndpointError("Webhook endpoints must be on the public internet, not a private address.")
    return url


def check_target(url: str, test_hosts: Iterable[str]) -> None:
    """At delivery, before connecting: the URL's rules again (they may have changed since registration), and an IP
    literal's address (aiohttp connects to those without asking the resolver). RefusedAddressError when refused."""
    try:
        check_url(url, test_hosts)
    except InvalidEndpointError as exc:
        raise RefusedAddressError(exc.detail) from None


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


class GuardedResolver(AbstractResolver):
    """The default resolver, keeping only public addresses (all of them for a test host): a name whose every address
    is private fails to connect with RefusedAddressError."""

    def __init__(self, test_hosts: Iterable[str]) -> None:
        self._inner = DefaultResolver()
        self._test_hosts = frozenset(h.lower() for h in test_hosts)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if host.lower() in self._test_hosts:
            return found
        allowed = [r for r in found if public_address(r["host"])]
        if not allowed:
            raise RefusedAddressError(f"{host} resolves only to private addresses")
        return allowed

    async def close(self) -> None:
        await self._inner.close()

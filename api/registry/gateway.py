"""The population registry's protocol, its answers as plain values, and the HTTP client that speaks it.

Dukcapil (the civil registration directorate) answers agencies that have a cooperation agreement (PKS) with
"match / no match" per field for a NIK with a name and a birth date, and returns a family card (KK) with its
members. We speak a small JSON-over-HTTPS protocol in that shape; ``api/registry/fake.py`` serves the same
protocol in development and tests, and an adapter in front of the real service (or the service itself) serves
it in production.

Authentication: OAuth 2.0 client credentials (RFC 6749 §4.4)
    ``POST /oauth/token`` with HTTP Basic ``client_id:secret`` and the form body
    ``grant_type=client_credentials`` → ``200 {"access_token", "token_type": "Bearer", "expires_in"}``;
    wrong credentials → ``401 {"error": "invalid_client"}``.
    Every other call carries ``Authorization: Bearer <access_token>``; an expired or unknown token → ``401
    {"error": "invalid_token"}``. We chose this over HTTP Basic on every call because the secret then crosses
    the wire once an hour instead of on every check, tokens can be revoked and rotated by the registry without
    a redeployment, and it is how government API gateways (e.g. Indonesia's SATUSEHAT) admit agencies.

``POST /verify``
    ``{"nik": "3302011708900001", "name": "Budi Santoso", "birthDate": "1990-08-17"}`` (optionally
    ``"birthPlace"``) → ``200 {"match": {"nik": true, "name": true, "birthDate": true}}`` (plus
    ``"birthPlace"`` when asked). ``nik: false`` means the registry has no such person; every other field is then
    false too. Names are compared by the registry (ignoring case and spacing in the fake); the registry never
    returns what it holds, only whether what we sent matches it.

``POST /family``
    ``{"nik": "..."}`` (the family card the person is listed on) or ``{"kk": "..."}`` →
    ``200 {"kk": "...", "members": [{"nik", "name", "relationship", "birthDate"}]}`` with relationship codes as
    printed on the KK (``KEPALA KELUARGA``, ``SUAMI``, ``ISTRI``, ``ANAK``, ``MENANTU``, ``CUCU``, ``ORANG TUA``,
    ``MERTUA``, ``FAMILI LAIN``, ``LAINNYA``); ``404 {"error": "not_found"}`` when there is no such card.

Errors: ``400 {"error": "invalid_request"}`` for a malformed body; ``429``/``5xx`` (with ``Retry-After``) when
the registry is busy or down. This client turns every failure — network, timeout, 5xx, 429, refused
credentials, an answer that is not the protocol — into ``RegistryUnavailableError`` (503 with Retry-After);
a clean "no match" or "no such card" is an answer, never an error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import httpx
import msgspec

from api.registry.errors import DEFAULT_RETRY_AFTER, InvalidRegistryQueryError, RegistryUnavailableError

log = logging.getLogger(__name__)

# ASCII digits only: str.isdigit() would accept fullwidth and Arabic-Indic digits.
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
# A token is renewed this long before the registry says it expires, so that no call races its expiry.
_TOKEN_MARGIN_SECONDS = 30

# Relationship codes on a KK that make the member a parent of the members listed as ANAK. A KK lists each
# member's relationship to the head of the family, so the head and the head's spouse are the children's parents
# (a stepchild is listed as ANAK too, and is in law the head's child).
PARENT_RELATIONSHIPS = frozenset({"KEPALA KELUARGA", "SUAMI", "ISTRI"})
CHILD_RELATIONSHIP = "ANAK"


def require_sixteen_digits(value: str, what: str) -> str:
    """``value`` stripped, if it is 16 ASCII digits; otherwise InvalidRegistryQueryError."""
    value = value.strip()
    if not _SIXTEEN_DIGITS.fullmatch(value):
        raise InvalidRegistryQueryError(f"{what} must be 16 digits (0–9).")
    return value


@dataclass(frozen=True)
class Match:
    """Which of the fields we sent the registry matched its record. ``nik`` false: no such person."""

    nik: bool
    name: bool
    birth_date: bool
    # None when the birth place was not asked about.
    birth_place: bool | None = None

    @property
    def all(self) -> bool:
        """Every field asked about matched: the person is who they say they are."""
        return self.nik and self.name and self.birth_date and self.birth_place is not False

    def fields(self) -> dict[str, bool]:
        """The per-field answer as stored in a fact and written to the audit trail (camelCase, as on the wire)."""
        out = {"nik": self.nik, "name": self.name, "birthDate": self.birth_date}
        if self.birth_place is not None:
            out["birthPlace"] = self.birth_place
        return out


@dataclass(frozen=True)
class FamilyMember:
    nik: str
    name: str
    # As printed on the KK: KEPALA KELUARGA, ISTRI, ANAK, ...
    relationship: str
    birth_date: dt.date


@dataclass(frozen=True)
class Family:
    """A family card (KK) as the registry lists it. Held in memory for one decision, never stored."""

    kk: str
    members: tuple[FamilyMember, ...]

    def member(self, nik: str) -> FamilyMember | None:
        return next((m for m in self.members if m.nik == nik), None)


@runtime_checkable
class Registry(Protocol):
    """The population registry as the rest of the API sees it."""

    async def verify_person(
        self, nik: str, name: str, birth_date: dt.date, *, birth_place: str | None = None
    ) -> Match: ...

    async def family_of(self, *, nik: str | None = None, kk: str | None = None) -> Family | None: ...

    async def aclose(self) -> None: ...


# --- the wire format ------------------------------------------------------------------------------------------


class _Token(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int = 3600


class _MatchBody(msgspec.Struct, rename="camel"):
    nik: bool
    name: bool
    birth_date: bool
    birth_place: bool | None = None


class _VerifyAnswer(msgspec.Struct):
    match: _MatchBody


class _MemberBody(msgspec.Struct, rename="camel"):
    nik: str
    name: str
    relationship: str
    birth_date: dt.date


class _FamilyAnswer(msgspec.Struct):
    kk: str
    members: list[_MemberBody]


def _retry_after(response: httpx.Response) -> int:
    raw = response.headers.get("Retry-After", "")
    return max(1, min(int(raw), 3600)) if raw.isascii() and raw.isdigit() else DEFAULT_RETRY_AFTER


class HttpRegistry:
    """The registry over HTTPS: one pooled client per process, a cached bearer token, bounded waits.

    ``timeout`` bounds each of connect, write, read and pool wait: a citizen waiting at the verification
    screen is told "try again later" within seconds rather than holding a request (and a pool connection)
    open while the registry is slow. ``transport`` lets development run the fake in-process (httpx's ASGI
    transport) through exactly this code.
    """

    def __init__(
        self,
        base_url: str,
        *,
        client_id: str,
        secret: str,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = (client_id, secret)
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            transport=transport,
            headers={"Accept": "application/json"},
        )
        self._token: str | None = None
        self._token_expires = 0.0
        # One token request at a time: a burst of checks after start-up must not each fetch a token.
        self._token_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def verify_person(self, nik: str, name: str, birth_date: dt.date, *, birth_place: str | None = None) -> Match:
        body: dict[str, Any] = {
            "nik": require_sixteen_digits(nik, "NIK"),
            "name": name,
            "birthDate": birth_date.isoformat(),
        }
        if birth_place is not None:
            body["birthPlace"] = birth_place
        response = await self._post("/verify", body)
        if response.status_code != 200:
            raise self._unusable(response, "/verify")
        answer = self._decode(response, _VerifyAnswer, "/verify").match
        return Match(
            nik=answer.nik,
            name=answer.name,
            birth_date=answer.birth_date,
            birth_place=answer.birth_place if birth_place is not None else None,
        )

    async def family_of(self, *, nik: str | None = None, kk: str | None = None) -> Family | None:
        if kk is not None and nik is None:
            body = {"kk": require_sixteen_digits(kk, "KK number")}
        elif nik is not None and kk is None:
            body = {"nik": require_sixteen_digits(nik, "NIK")}
        else:
            raise ValueError("family_of takes exactly one of nik and kk")
        response = await self._post("/family", body)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._unusable(response, "/family")
        answer = self._decode(response, _FamilyAnswer, "/family")
        return Family(
            kk=answer.kk,
            members=tuple(
                FamilyMember(nik=m.nik, name=m.name, relationship=m.relationship.upper(), birth_date=m.birth_date)
                for m in answer.members
            ),
        )

    # --- transport ------------------------------------------------------------------------------------------

    async def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """POST with a bearer token; a 401 renews the token once (the registry may have revoked it)."""
        for attempt in range(2):
            token = await self._bearer(renew=attempt > 0)
            try:
                response = await self._client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
            except httpx.TimeoutException as exc:
                log.warning("population registry timed out on %s (%s)", path, type(exc).__name__)
                raise RegistryUnavailableError() from exc
            except httpx.HTTPError as exc:
                log.warning("population registry unreachable on %s: %s", path, type(exc).__name__)
                raise RegistryUnavailableError() from exc
            if response.status_code != 401:
                return response
        log.error("population registry refused a fresh token on %s: check MPP_REGISTRY_CLIENT_ID/SECRET", path)
        raise RegistryUnavailableError()

    async def _bearer(self, *, renew: bool) -> str:
        async with self._token_lock:
            if renew or self._token is None or time.monotonic() >= self._token_expires:
                self._token = None
                self._token, lifetime = await self._fetch_token()
                self._token_expires = time.monotonic() + max(0, lifetime - _TOKEN_MARGIN_SECONDS)
            return self._token

    async def _fetch_token(self) -> tuple[str, int]:
        try:
            response = await self._client.post(
                "/oauth/token", data={"grant_type": "client_credentials"}, auth=self._credentials
            )
        except httpx.TimeoutException as exc:
            log.warning("population registry timed out on /oauth/token (%s)", type(exc).__name__)
            raise RegistryUnavailableError() from exc
        except httpx.HTTPError as exc:
            log.warning("population registry unreachable on /oauth/token: %s", type(exc).__name__)
            raise RegistryUnavailableError() from exc
        if response.status_code in (400, 401, 403):
            # Our configuration is wrong (or the agreement was revoked): an operator must act, so this is an error
            # in the log; the citizen sees the same 503 as for an outage. The secret itself is never logged.
            log.error(
                "population registry refused our client credentials (HTTP %s, client id %r): "
                "check MPP_REGISTRY_CLIENT_ID and MPP_REGISTRY_SECRET",
                response.status_code,
                self._credentials[0],
            )
            raise RegistryUnavailableError()
        if response.status_code != 200:
            raise self._unusable(response, "/oauth/token")
        token = self._decode(response, _Token, "/oauth/token")
        if token.token_type.lower() != "bearer" or not token.access_token:
            log.error("population registry issued a token we cannot use (type %r)", token.token_type)
            raise RegistryUnavailableError()
        return token.access_token, token.expires_in

    @staticmethod
    def _unusable(response: httpx.Response, path: str) -> RegistryUnavailableError:
        status = response.status_code
        if status == 429 or status >= 500:
            log.warning("population registry answered %s on %s", status, path)
        else:
            # A 4xx other than 401/404 means we sent something the registry does not accept: our bug.
            log.error("population registry answered %s on %s: %s", status, path, response.text[:200])
        return RegistryUnavailableError(_retry_after(response))

    @staticmethod
    def _decode(response: httpx.Response, kind: type[Any], path: str) -> Any:
        try:
            return msgspec.json.decode(response.content, type=kind)
        except msgspec.DecodeError as exc:
            log.error("population registry answered %s with a body outside the protocol: %s", path, exc)
            raise RegistryUnavailableError() from exc

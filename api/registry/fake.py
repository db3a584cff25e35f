"""A local population registry that speaks the protocol of ``api.registry.gateway``, for development and tests.

It is a plain ASGI application (no framework), holding its people in memory:

* the demo people and family cards of ``demo_registry.yaml`` (the NIKs the README, the CLI examples and the
  tests use), loaded by ``FakeRegistry.with_demo_people()``;
* ``POST /_test/people`` adds a person (``{nik, name, birthDate, birthPlace?, kk?, relationship?}``), and
  ``POST /_test/behaviour`` makes the following calls slow or failing (``{delaySeconds, failStatus}``), and
  ``POST /_test/revoke`` forgets every issued token. These routes exist only here, never in the real registry;
  the fake is reachable only in development and tests (see ``api.registry.service.registry_for``).

Where it runs:

* tests start it in its own process on a free port: ``python -m tests.fakes.registry --port P``;
* ``mpp serve`` with ``MPP_ENV=dev`` and no ``MPP_REGISTRY_URL`` talks to one instance in-process, through
  httpx's ASGI transport (no socket, nothing to start), and mounts the same instance at ``/_dev/registry`` so
  that a developer can add people with curl. Production requires ``MPP_REGISTRY_URL`` and never mounts it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import hmac
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import parse_qs

import msgspec

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEMO_FILE = Path(__file__).with_name("demo_registry.yaml")
MAX_BODY = 64 * 1024
_NIK = re.compile(r"[0-9]{16}")


def same_name(a: str, b: str) -> bool:
    """The registry's comparison: letters as they are, but case and runs of spaces do not matter."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


class Person(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    """One person in the fake registry, as the demo file and ``POST /_test/people`` give them."""

    nik: str
    name: str
    birth_date: dt.date
    birth_place: str = ""
    # The family card the person is listed on, and their relationship to its head.
    kk: str | None = None
    relationship: str = "KEPALA KELUARGA"


class _DemoFamily(msgspec.Struct):
    kk: str
    members: list[Person]


class _DemoFile(msgspec.Struct):
    people: list[Person] = []
    families: list[_DemoFamily] = []


def demo_people(path: Path = DEMO_FILE) -> list[Person]:
    """The deterministic demo population: people without a card, and families with their card number."""
    data = msgspec.yaml.decode(path.read_bytes(), type=_DemoFile)
    people = [_person(body) for body in data.people]
    for family in data.families:
        people.extend(_person(body, kk=family.kk) for body in family.members)
    return people


def _person(body: Person, *, kk: str | None = None) -> Person:
    return msgspec.structs.replace(body, kk=kk or body.kk, relationship=body.relationship.upper())


class _Refusal(Exception):  # noqa: N818  # an answer of the fake's own, never raised out of it (not a DomainError)
    def __init__(self, status: int, error: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.headers = headers or {}


class FakeRegistry:
    """The fake registry's state and its ASGI entry point (an instance is the ASGI app)."""

    def __init__(
        self, *, client_id: str, secret: str, people: Iterable[Person] = (), token_seconds: int = 3600
    ) -> None:
        self.client_id = client_id
        self.secret = secret
        self.token_seconds = token_seconds
        self.people: dict[str, Person] = {p.nik: p for p in people}
        self._tokens: dict[str, float] = {}
        self.delay_seconds = 0.0
        self.fail_status: int | None = None
        # What the registry was asked, for tests: (path, body). Bodies hold NIKs: this is the fake's memory only.
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @classmethod
    def with_demo_people(cls, *, client_id: str, secret: str) -> FakeRegistry:
        return cls(client_id=client_id, secret=secret, people=demo_people())

    def add(self, person: Person) -> None:
        self.people[person.nik] = person

    # --- ASGI -------------------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        try:
            body = await _read_body(receive)
            status, answer = await self._route(scope["method"], scope["path"].rstrip("/") or "/", headers, body)
            extra: dict[str, str] = {}
        except _Refusal as exc:
            status, answer, extra = exc.status, {"error": exc.error}, exc.headers
        payload = json.dumps(answer).encode()
        response_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        response_headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": payload})

    async def _route(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        if method == "GET" and path == "/health":
            return 200, {"status": "ok"}
        if method != "POST":
            raise _Refusal(405, "method_not_allowed")
        if path == "/_test/people":
            return self._test_add(body)
        if path == "/_test/behaviour":
            return self._test_behaviour(body)
        if path == "/_test/revoke":
            self._tokens.clear()
            return 200, {"revoked": True}
        if path == "/oauth/token":
            return self._token(headers, body)
        if path not in ("/verify", "/family"):
            raise _Refusal(404, "not_found")
        self._authorise(headers)
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.fail_status is not None:
            raise _Refusal(self.fail_status, "unavailable", {"Retry-After": "7"})
        query = _json_object(body)
        self.calls.append((path, query))
        return self._verify(query) if path == "/verify" else self._family(query)

    # --- the protocol -----------------------------------------------------------------------------------------

    def _token(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        form = parse_qs(body.decode("utf-8", "replace"))
        if form.get("grant_type") != ["client_credentials"]:
            raise _Refusal(400, "unsupported_grant_type")
        scheme, _, encoded = headers.get("authorization", "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            client_id = secret = ""
        good = hmac.compare_digest(client_id.encode(), self.client_id.encode()) & hmac.compare_digest(
            secret.encode(), self.secret.encode()
        )
        if scheme.lower() != "basic" or not good:
            raise _Refusal(401, "invalid_client", {"WWW-Authenticate": 'Basic realm="registry"'})
        token = secrets.token_urlsafe(32)
        self._tokens[token] = time.monotonic() + self.token_seconds
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.token_seconds}

    def _authorise(self, headers: dict[str, str]) -> None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        expires = self._tokens.get(token) if scheme.lower() == "bearer" else None
        if expires is None or expires < time.monotonic():
            raise _Refusal(401, "invalid_token", {"WWW-Authenticate": 'Bearer error="invalid_token"'})

    def _verify(self, query: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        nik, name, birth_date = query.get("nik"), query.get("name"), query.get("birthDate")
        place = query.get("birthPlace")
        if not (_is_nik(nik) and isinstance(name, str) and isinstance(birth_date, str)):
            raise _Refusal(400, "invalid_request")
        if place is not None and not isinstance(place, str):
            raise _Refusal(400, "invalid_request")
        try:
            born = dt.date.fromisoformat(birth_date)
        except ValueError as exc:
            raise _Refusal(400, "invalid_request") from exc
        person = self.people.get(nik)
        match = {
            "nik": person is not None,
            "name": person is not None and same_name(person.name, name),
            "birthDate": person is not None and person.birth_date == born,
        }
        if place is not None:
            match["birthPlace"] = person is not None and same_name(person.birth_place, place)
        return 200, {"match": match}

    def _family(self, query: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if set(query) == {"kk"} and _is_nik(query["kk"]):
            kk: str | None = query["kk"]
        elif set(query) == {"nik"} and _is_nik(query["nik"]):
            person = self.people.get(query["nik"])
            kk = person.kk if person else None
        else:
            raise _Refusal(400, "invalid_request")
        members = [p for p in self.people.values() if kk is not None and p.kk == kk]
        if not members:
            raise _Refusal(404, "not_found")
        return 200, {
            "kk": kk,
            "members": [
                {"nik": p.nik, "name": p.name, "relationship": p.relationship, "birthDate": p.birth_date.isoformat()}
                for p in members
            ],
        }

    # --- test controls ----------------------------------------------------------------------------------------

    def _test_add(self, body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            person = msgspec.json.decode(body, type=Person)
        except msgspec.DecodeError as exc:
            raise _Refusal(400, "invalid_request") from exc
        if not _is_nik(person.nik) or (person.kk is not None and not _is_nik(person.kk)):
            raise _Refusal(400, "invalid_request")
        self.add(_person(person))
        return 201, {"nik": person.nik}

    def _test_behaviour(self, body: bytes) -> tuple[int, dict[str, Any]]:
        query = _json_object(body)
        delay, fail = query.get("delaySeconds", 0), query.get("failStatus")
        if not isinstance(delay, int | float) or (fail is not None and not isinstance(fail, int)):
            raise _Refusal(400, "invalid_request")
        self.delay_seconds = float(delay)
        self.fail_status = fail
        return 200, {"delaySeconds": self.delay_seconds, "failStatus": self.fail_status}


def _is_nik(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _NIK.fullmatch(value) is not None


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError as exc:
        raise _Refusal(400, "invalid_request") from exc
    if not isinstance(value, dict):
        raise _Refusal(400, "invalid_request")
    return value


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise _Refusal(413, "too_large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)

"""Hostile text is refused, never a 500, and nothing is stored (issue 14 item 7).

The first tests name the rules one by one (``api/lib/input_guard.py``); the fuzz tests at the end take every route
from the OpenAPI document, so a route added tomorrow is fuzzed too: each string field of each JSON body, each path
and query parameter, with NUL, a bidi override, fullwidth digits, 10,000 characters, deep nesting and bytes that
are not UTF-8, sent by a signed-in user of a role the route allows.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import msgspec
import pytest
import pytest_asyncio
from litestar import Litestar

from api.accounts.identity import InvalidIdentifierError, normalise_phone, validate_nik
from api.auth.service import start_session
from api.lib.input_guard import MAX_DEPTH
from api.lib.wire import DateText, Name
from tests.support.applications import answers_for, idempotency_key, kk_service
from tests.support.auth import account_id, bearer, new_phone, request_code, staff
from tests.support.factories import create_application, create_citizen, create_document
from tests.support.files import pdf
from tests.support.identity import random_nik
from tests.support.openapi import resolve
from tests.support.wallet import upload

PROBLEM = "application/problem+json"
SKCK = {"type_code": "SKCK", "media_type": "application/pdf", "name": "skck.pdf"}
FULLWIDTH = "０８１２３４５６７８９０"
ARABIC_INDIC = "٠٨١٢٣٤٥٦٧٨٩٠"


def refused(response: httpx.Response, code: str | None = None) -> None:
    assert 400 <= response.status_code < 500, f"{response.status_code} {response.text[:200]}"
    assert response.headers["content-type"].startswith(PROBLEM), response.text[:200]
    if code is not None:
        assert response.json()["code"] == code, response.text[:200]


# ------------------------------------------------------------------------------------------- rule by rule


@pytest.mark.parametrize(
    ("name", "code"),
    [
        pytest.param("Siti\x00Aminah", "invalid_text", id="nul"),
        pytest.param("Siti \u202eanimA", "invalid_text", id="bidi_override"),
        pytest.param("Siti \u2066Aminah\u2069", "invalid_text", id="bidi_isolate"),
        pytest.param("Siti\u200fAminah", "invalid_text", id="rlm_in_a_name"),
        pytest.param("Siti\nAminah", "invalid_text", id="newline_in_a_name"),
        pytest.param("Siti\x1bAminah", "invalid_text", id="escape"),
        pytest.param("Siti\x85Aminah", "invalid_text", id="c1_control"),
    ],
)
async def test_hostile_names_are_refused_and_not_stored(client: httpx.AsyncClient, name: str, code: str) -> None:
    citizen = await create_citizen(client, name="Siti Aminah")
    response = await client.patch("/api/v1/me", json={"name": name}, headers=bearer(citizen))
    refused(response, code)
    assert (await client.get("/api/v1/me", headers=bearer(citizen))).json()["name"] == "Siti Aminah"


async def test_an_escaped_nul_is_refused_like_a_raw_one(client: httpx.AsyncClient) -> None:
    citizen = await create_citizen(client, name="Siti Aminah")
    for body in (rb'{"name": "Siti\u0000Aminah"}', rb'{"name": "Siti \u202Eanim"}'):
        response = await client.patch(
            "/api/v1/me", content=body, headers={**bearer(citizen), "Content-Type": "application/json"}
        )
        refused(response, "invalid_text")


async def test_a_json_body_declared_as_something_else_is_checked_all_the_same(client: httpx.AsyncClient) -> None:
    citizen = await create_citizen(client, name="Siti Aminah")
    response = await client.patch(
        "/api/v1/me",
        content=json.dumps({"name": "Siti\x00"}).encode(),
        headers={**bearer(citizen), "Content-Type": "text/plain"},
    )
    refused(response)
    assert (await client.get("/api/v1/me", headers=bearer(citizen))).json()["name"] == "Siti Aminah"


async def test_newlines_and_tabs_are_fine_in_free_text_but_not_bidi(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    citizen = await create_citizen(client)
    application = await create_application(client, citizen)
    url = f"/api/v1/applications/{application['id']}/withdraw"
    refused(await client.post(url, json={"reason": "Salah \u202eisi"}, headers=bearer(citizen)), "invalid_text")
    withdrawn = await client.post(url, json={"reason": "Salah isi.\n\tAkan diajukan ulang."}, headers=bearer(citizen))
    assert withdrawn.status_code == 200, withdrawn.text


async def test_invalid_utf8_is_refused(client: httpx.AsyncClient) -> None:
    citizen = await create_citizen(client, name="Siti Aminah")
    response = await client.patch(
        "/api/v1/me",
        content=b'{"name": "Siti \xff\xfe"}',
        headers={**bearer(citizen), "Content-Type": "application/json"},
    )
    refused(response, "invalid_encoding")


async def test_deep_nesting_is_refused(client: httpx.AsyncClient) -> None:
    citizen = await create_citizen(client)
    deep = "[" * 5000 + "]" * 5000
    response = await client.patch(
        "/api/v1/me",
        content=f'{{"name": {deep}}}'.encode(),
        headers={**bearer(citizen), "Content-Type": "application/json"},
    )
    refused(response, "too_deep")
    # Brackets inside strings are text, not nesting.
    inside = await client.patch("/api/v1/me", json={"name": "[" * (MAX_DEPTH + 5)}, headers=bearer(citizen))
    assert inside.json().get("code") != "too_deep"


async def test_a_huge_if_match_or_idempotency_key_is_refused(client: httpx.AsyncClient) -> None:
    citizen = await create_citizen(client)
    application = await create_application(client, citizen)
    response = await client.post(
        f"/api/v1/applications/{application['id']}/withdraw",
        json={"reason": "x"},
        headers={**bearer(citizen), "If-Match": '"' + "9" * 5000 + '"'},
    )
    refused(response, "invalid_header")
    service = await kk_service(client)
    response = await client.post(
        "/api/v1/applications",
        json={"serviceId": service["id"], "answers": answers_for(service)},
        headers={**bearer(citizen), "Idempotency-Key": "k" * 5000},
    )
    refused(response, "invalid_header")
    # The application is untouched.
    mine = (await client.get(f"/api/v1/applications/{application['id']}", headers=bearer(citizen))).json()
    assert mine["status"] == application["status"]


async def test_a_year_9999_date_is_refused(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    citizen = await create_citizen(client)
    before = await db.fetchval("SELECT count(*) FROM wallet_document WHERE owner = $1", account_id(citizen))
    response = await upload(client, citizen, pdf(), **SKCK, issuedOn="9999-12-31")
    refused(response, "invalid_date")
    response = await upload(client, citizen, pdf(), **SKCK, validUntil="0001-01-01")
    refused(response, "invalid_date")
    service = await kk_service(client)
    response = await client.post(
        "/api/v1/applications/drafts",
        json={"serviceId": service["id"], "answers": {"birthDate": "9999-12-31"}},
        headers=bearer(citizen),
    )
    refused(response, "invalid_date")
    after = await db.fetchval("SELECT count(*) FROM wallet_document WHERE owner = $1", account_id(citizen))
    assert after == before


async def test_upload_text_fields_are_checked(client: httpx.AsyncClient) -> None:
    citizen = await create_citizen(client)
    refused(await upload(client, citizen, pdf(), **{**SKCK, "type_code": "SK\x00CK"}), "invalid_text")
    refused(await upload(client, citizen, pdf(), **{**SKCK, "type_code": "SK\u202eCK"}), "invalid_text")
    ok = await upload(client, citizen, pdf(), **SKCK, issuedOn="2024-05-01")
    assert ok.status_code == 201, ok.text


async def test_hostile_query_strings_and_paths_are_refused(client: httpx.AsyncClient) -> None:
    refused(await client.get("/api/v1/services?q=akta%00kelahiran"), "invalid_text")
    refused(await client.get("/api/v1/services?q=akta%E2%80%AEkelahiran"), "invalid_text")
    refused(await client.get("/api/v1/services?q=%FF%FE"), "invalid_encoding")
    refused(await client.get("/api/v1/regions/33%0002"), "invalid_text")
    refused(await client.get("/api/v1/regions/33%E2%80%AE02"), "invalid_text")
    assert (await client.get("/api/v1/services?q=akta+kelahiran")).status_code == 200


async def test_a_hostile_address_is_refused_before_routing_with_the_usual_headers(client: httpx.AsyncClient) -> None:
    """The address is checked in front of the router (api.lib.observe): a path no route takes is refused for what
    it holds, with the security headers and request id of every answer, not answered 404."""
    response = await client.get("/api/v1/no-such-thing?q=a%00b", headers={"X-Request-Id": "hostile-1"})
    refused(response, "invalid_text")
    assert response.status_code == 400 and response.headers["x-request-id"] == "hostile-1"
    assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


async def test_a_body_is_checked_once_the_caller_is_let_in(client: httpx.AsyncClient) -> None:
    """Bodies are checked where a route reads them (GuardedRequest), after its guards: a caller without a session
    is told so, and its body is never parsed; the same body from a citizen is refused and nothing is stored."""
    body = {"name": "Siti\x00Aminah"}
    assert (await client.patch("/api/v1/me", json=body)).status_code == 401
    citizen = await create_citizen(client)
    refused(await client.patch("/api/v1/me", json=body, headers=bearer(citizen)), "invalid_text")
    assert (await client.get("/api/v1/me", headers=bearer(citizen))).json().get("name") != body["name"]


@pytest.mark.parametrize("digits", [FULLWIDTH, ARABIC_INDIC, "0812" + "٣٤٥٦٧٨٩٠"])
async def test_phone_numbers_in_other_digits_get_no_sms(client: httpx.AsyncClient, digits: str) -> None:
    response = await request_code(client, digits)
    refused(response)
    assert response.json()["code"] in ("invalid_digits", "invalid_phone")


@pytest.mark.parametrize("digits", [FULLWIDTH, ARABIC_INDIC, "+６２８１２３４５６７８９"])
def test_identity_accepts_ascii_digits_only(digits: str) -> None:
    """The service layer refuses them too (the CLI, and any caller the middleware does not stand before)."""
    with pytest.raises(InvalidIdentifierError):
        normalise_phone(digits)
    nik = random_nik()
    other = nik.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    with pytest.raises(InvalidIdentifierError):
        validate_nik(other)
    assert normalise_phone("0812-3456-7890") == "+6281234567890"


async def test_a_nik_in_other_digits_is_refused(client: httpx.AsyncClient) -> None:
    citizen = await create_citizen(client)
    nik = random_nik()
    fullwidth = nik.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    refused(await client.patch("/api/v1/me", json={"nik": fullwidth}, headers=bearer(citizen)), "invalid_digits")
    assert (await client.get("/api/v1/me", headers=bearer(citizen))).json().get("nik") != nik


async def test_the_early_413_is_kept(client: httpx.AsyncClient, app: Litestar) -> None:
    limit = app.state.settings.server.max_body_bytes
    response = await client.post(
        "/api/v1/auth/otp", content=b"{" + b" " * limit + b"}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


# ------------------------------------------------------------------------------------- the OpenAPI fuzz

HOSTILE: dict[str, str] = {
    "nul": "a\x00b",
    "bidi": "abc\u202edcba",
    "fullwidth_digits": FULLWIDTH,
    "long": "x" * 10_000,
}
# Must be refused wherever they appear; the rest must merely not break anything.
ALWAYS_REFUSED = {"nul", "bidi", "deep", "not_utf8"}
PLACEHOLDER = "\ue000hostile\ue000"  # replaced by raw bytes once the body is encoded
ROLES = ("citizen", "officer", "supervisor", "region_admin", "national_admin", "kiosk")


def example(spec: dict[str, Any], schema: dict[str, Any], known: dict[str, Any], name: str = "") -> Any:
    """A valid-looking value for ``schema``: a known real value for a field name we have one for."""
    if name in known:
        return copy.deepcopy(known[name])
    schema = resolve(spec, schema)
    for choice in ("oneOf", "anyOf"):
        if choice in schema:
            options = [o for o in schema[choice] if resolve(spec, o).get("type") != "null"]
            if options:
                return example(spec, {**options[0], **{k: v for k, v in schema.items() if k != choice}}, known, name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        return {key: example(spec, sub, known, key) for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [example(spec, schema.get("items", {}), known, name)]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    pattern = schema.get("pattern", "")
    if "[0-9]{16}" in pattern:
        return random_nik()
    if "@" in pattern:
        return "warga@example.id"
    fmt = schema.get("format")
    if fmt == "uuid":
        return str(uuid.uuid4())
    if fmt == "date":
        return "2024-05-01"
    if fmt == "date-time":
        return "2024-05-01T10:00:00Z"
    return "a" * max(int(schema.get("minLength", 1)), 1)


def string_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Where the strings are in a body: object values (and keys of free-form objects such as answers), list items."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from string_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from string_paths(child, (*path, index))


def replaced(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    body = copy.deepcopy(body)
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


def encoded(body: Any) -> bytes:
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8", errors="surrogatepass")
    return raw.replace(PLACEHOLDER.encode(), b"\xff\xfe\xc0\xaf")


class Sessions:
    """A fresh session per request: some routes end sessions (logout, sign out everywhere) or delete an account."""

    def __init__(self, app: Litestar, db: asyncpg.Connection, accounts: dict[str, uuid.UUID], kiosk: uuid.UUID):
        self.app, self.db, self.accounts, self.kiosk = app, db, accounts, kiosk

    async def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        kiosk = role == "kiosk"
        pair = await start_session(
            self.db,
            self.app.state.issuer,
            account=None if kiosk else self.accounts[role],
            kiosk=self.kiosk if kiosk else None,
            kind="kiosk" if kiosk else "citizen" if role == "citizen" else "staff",
            amr=["kiosk"] if kiosk else ["otp", "passkey"],
            scope="api",
            user_agent="fuzz",
            ip="127.0.0.1",
        )
        return bearer(pair.access_token)


class World:
    def __init__(self, spec: dict[str, Any], sessions: Sessions, known: dict[str, Any], ids: dict[str, str]):
        self.spec, self.sessions, self.known, self.ids = spec, sessions, known, ids


@pytest_asyncio.fixture(loop_scope="session")
async def world(client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection) -> World:
    spec = (await client.get("/schema/openapi.json")).json()
    citizen = await create_citizen(client, name="Fuzz Warga", nik=random_nik())
    document = await create_document(client, citizen)
    application = await create_application(client, citizen)
    service = await kk_service(client)
    draft = await client.post(
        "/api/v1/applications/drafts", json={"serviceId": service["id"], "answers": {}}, headers=bearer(citizen)
    )
    assert draft.status_code in (200, 201), draft.text
    accounts = {"citizen": account_id(citizen)}
    for role, scope in (
        ("officer", {"agency": "DISDUKCAPIL", "region": "3302"}),
        ("supervisor", {"agency": "DISDUKCAPIL", "region": "3302"}),
        ("region_admin", {"region": "3302"}),
        ("national_admin", {}),
    ):
        phone = await staff(db, role, **scope)
        accounts[role] = await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", phone)
    mpp = await db.fetchval("SELECT id FROM catalogue_mpp WHERE region = '3302'")
    kiosk = await db.fetchval(
        "INSERT INTO auth_kiosk (id, mpp, region, name, secret_hash, created_at) "
        "VALUES ($1, $2, '3302', 'fuzz', $3, now()) RETURNING id",
        uuid.uuid4(),
        mpp,
        uuid.uuid4().hex * 2,
    )
    known = {
        "serviceId": service["id"],
        "answers": answers_for(service),
        "documentIds": [document["id"]],
        "phone": new_phone(),
        "nik": random_nik(),
        "forNik": None,
        "draftId": None,
        "version": None,  # no optimistic-concurrency check: the fuzzed change reaches the service
    }
    ids = {
        "document_id": document["id"],
        "application_id": application["id"],
        "draft_id": draft.json()["id"],
        "service_id": service["id"],
        "code": "3302",
        "message_id": "0",
    }
    return World(spec, Sessions(app, db, accounts, kiosk), known, ids)


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    items = [(method.upper(), path, op) for path, item in spec["paths"].items() for method, op in item.items()]
    # Deleting the account last: everything else is fuzzed with the account alive.
    items.sort(key=lambda item: (item[0], item[1]) == ("DELETE", "/api/v1/me"))
    yield from items


def concrete(path: str, ids: dict[str, str], override: tuple[str, str] | None = None) -> str:
    def value(name: str) -> str:
        if override and override[0] == name:
            return override[1]
        return ids.get(name, str(uuid.uuid4()))

    for part in [p for p in path.split("/") if p.startswith("{")]:
        path = path.replace(part, value(part.strip("{}").split(":")[0]))
    return path


async def send(
    client: httpx.AsyncClient, world: World, method: str, url: str, role: str, body: bytes | None
) -> httpx.Response:
    headers = await world.sessions.headers(role)
    if body is not None:
        headers["Content-Type"] = "application/json"
    if method == "POST" and url == "/api/v1/applications":
        headers.update(idempotency_key())
    return await client.request(method, url, content=body, headers=headers)


async def role_for(client: httpx.AsyncClient, world: World, method: str, url: str, body: bytes | None) -> str:
    """The first role the route lets in (anonymous for public routes that refuse everyone)."""
    for role in ROLES:
        response = await send(client, world, method, url, role, body)
        assert response.status_code < 500, f"{method} {url} as {role}: {response.status_code} {response.text[:200]}"
        if response.status_code not in (401, 403):
            return role
    return "anonymous"


async def test_every_json_body_field_is_fuzzed(client: httpx.AsyncClient, world: World) -> None:
    started = time.monotonic()
    failures: list[str] = []
    fuzzed = 0
    for method, path, op in operations(world.spec):
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        baseline = example(world.spec, content["application/json"]["schema"], world.known)
        url = concrete(path, world.ids)
        role = await role_for(client, world, method, url, encoded(baseline))
        cases: list[tuple[str, str, Any]] = [("deep", "(body)", replaced({"x": baseline}, ("x",), _deep()))]
        for where in string_paths(baseline):
            label = ".".join(map(str, where))
            cases += [(kind, label, replaced(baseline, where, value)) for kind, value in HOSTILE.items()]
            cases.append(("not_utf8", label, replaced(baseline, where, PLACEHOLDER)))
            if isinstance(where[-1], str) and where[-1].lower().endswith(("nik", "phone")):
                cases.append(("identifier_digits", label, replaced(baseline, where, FULLWIDTH)))
        for kind, label, body in cases:
            fuzzed += 1
            response = await send(client, world, method, url, role, encoded(body))
            status = response.status_code
            must_refuse = kind in ALWAYS_REFUSED or kind == "identifier_digits"
            problem = response.headers.get("content-type", "").startswith(PROBLEM)
            if status >= 500 or (must_refuse and not (400 <= status < 500 and problem)):
                failures.append(f"{method} {path} as {role}, {kind} in {label}: {status} {response.text[:150]}")
    assert failures == []
    assert fuzzed > 100  # the document does have bodies to fuzz
    assert time.monotonic() - started < 60


def _deep() -> Any:
    value: Any = "x"
    for _ in range(MAX_DEPTH * 3):
        value = [value]
    return value


PARAMETER_VALUES = {
    "nul": "a\x00b",
    "bidi": "a\u202eb",
    "fullwidth_digits": FULLWIDTH,
    "long": "x" * 10_000,
}


async def test_every_path_and_query_parameter_is_fuzzed(client: httpx.AsyncClient, world: World) -> None:
    failures: list[str] = []
    for method, path, op in operations(world.spec):
        if (method, path) == ("DELETE", "/api/v1/me"):
            continue
        parameters = [p for p in op.get("parameters", []) if p["in"] in ("path", "query")]
        if not parameters:
            continue
        content = op.get("requestBody", {}).get("content", {})
        body = (
            encoded(example(world.spec, content["application/json"]["schema"], world.known))
            if "application/json" in content
            else None
        )
        role = await role_for(client, world, method, concrete(path, world.ids), body)
        for parameter in parameters:
            for kind, value in {**PARAMETER_VALUES, "not_utf8": None}.items():
                quoted = "%FF%FE" if value is None else quote(value, safe="")
                if parameter["in"] == "path":
                    url = concrete(path, world.ids, (parameter["name"], quoted))
                else:
                    url = f"{concrete(path, world.ids)}?{parameter['name']}={quoted}"
                response = await send(client, world, method, url, role, body)
                status = response.status_code
                problem = response.headers.get("content-type", "").startswith(PROBLEM)
                must_refuse = kind in ("nul", "bidi") or (kind == "not_utf8" and parameter["in"] == "query")
                if status >= 500 or (must_refuse and not (400 <= status < 500 and problem)):
                    failures.append(f"{method} {path} as {role}, {kind} in {parameter['name']}: {status}")
    assert failures == []


class Person(msgspec.Struct):
    name: Name
    born: DateText


def test_the_constrained_wire_types() -> None:
    assert msgspec.json.decode(b'{"name": "Siti Aminah", "born": "1950-02-28"}', type=Person).name == "Siti Aminah"
    for body in (
        '{"name": "Siti\\u0000", "born": "1950-02-28"}',
        '{"name": "Siti \\u202eanimA", "born": "1950-02-28"}',
        '{"name": "Siti\\u200f", "born": "1950-02-28"}',
        '{"name": "Siti", "born": "9999-12-31"}',
        '{"name": "Siti", "born": "1950-13-01"}',
    ):
        with pytest.raises(msgspec.ValidationError):
            msgspec.json.decode(body.encode(), type=Person)

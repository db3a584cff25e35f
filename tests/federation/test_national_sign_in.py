"""Signing in with the national identity provider, over real HTTP against a provider that is not ours (the
maintained ``oidc-provider-mock``, in its own process): start → the provider's consent form → our callback →
the PWA's hand-off → ``GET /api/v1/me``."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx

from tests.fakes.national_idp import NationalIdpProcess
from tests.support.auth import bearer, new_phone
from tests.support.factories import create_citizen
from tests.support.identity import random_nik
from tests.support.server import free_port

START = "/api/v1/auth/national/start"
COMPLETE = "/api/v1/auth/national/complete"


def person(**claims: Any) -> dict[str, Any]:
    """The provider's claims for a person: a vouched NIK (acr loa2 = registry) and a verified phone, unless given."""
    base: dict[str, Any] = {
        "nik": random_nik(),
        "acr": "loa2",
        "phone_number": new_phone(),
        "phone_number_verified": True,
        "name": "Siti Rahayu",
    }
    return {k: v for k, v in {**base, **claims}.items() if v is not None}


async def to_provider(client: httpx.AsyncClient) -> str:
    response = await client.get(START)
    assert response.status_code == 302, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.headers["location"]


async def back_from_provider(client: httpx.AsyncClient, callback_url: str) -> dict[str, str]:
    """Follow the provider's redirect to our callback; returns the PWA route's query (handoff= or error=)."""
    parts = urlsplit(callback_url)
    assert parts.path == "/api/v1/auth/national/callback", callback_url
    response = await client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith("/#/signin/national?"), location
    return {k: v[0] for k, v in parse_qs(location.split("?", 1)[1]).items()}


async def sign_in_at_provider(
    client: httpx.AsyncClient, idp: NationalIdpProcess, sub: str, claims: dict[str, Any]
) -> dict[str, str]:
    idp.set_user(sub, claims)
    return await back_from_provider(client, idp.authorize(await to_provider(client), sub))


async def national_sign_in(
    client: httpx.AsyncClient, idp: NationalIdpProcess, sub: str, claims: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The whole flow; returns the token pair and ``GET /api/v1/me``."""
    back = await sign_in_at_provider(client, idp, sub, claims)
    assert "handoff" in back, back
    response = await client.post(COMPLETE, json={"handoff": back["handoff"]})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    me = await client.get("/api/v1/me", headers=bearer(tokens))
    assert me.status_code == 200, me.text
    return tokens, me.json()


async def actions(db: asyncpg.Connection, account: str) -> list[str]:
    rows = await db.fetch("SELECT action FROM audit_event WHERE subject = $1 ORDER BY at", uuid.UUID(account))
    return [r["action"] for r in rows]


async def test_the_provider_is_announced_when_configured(national_client: httpx.AsyncClient) -> None:
    on = await national_client.get("/api/v1/auth/national")
    assert on.status_code == 200 and on.json() == {"name": "INApas"}


async def test_without_a_provider_the_routes_answer_not_found(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/auth/national", START, "/api/v1/auth/national/callback?code=x&state=y"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")
    response = await client.post(COMPLETE, json={"handoff": "x"})
    assert response.status_code == 404


async def test_first_sign_in_creates_the_account_by_verified_phone_and_binds_the_nik(
    national_client: httpx.AsyncClient, national_idp: NationalIdpProcess, db: asyncpg.Connection
) -> None:
    claims = person()
    tokens, me = await national_sign_in(national_client, national_idp, f"sub-{secrets.token_hex(6)}", claims)
    assert tokens["newAccount"] is True and tokens["scope"] == "api"
    assert me["phone"] == claims["phone_number"]
    assert me["nik"] == claims["nik"]
    assert me["assurance"] == "registry"  # loa2 = registry
    trail = await actions(db, me["id"])
    assert {"federation.linked", "identity.proven", "federation.signed_in", "auth.signed_in"} <= set(trail)
    session = await db.fetchrow("SELECT amr, kind FROM auth_session WHERE account = $1", uuid.UUID(me["id"]))
    assert session["amr"] == ["idp"] and session["kind"] == "citizen"


async def test_second_sign_in_reuses_the_link(
    national_client: httpx.AsyncClient, national_idp: NationalIdpProcess, db: asyncpg.Connection
) -> None:
    sub, claims = f"sub-{secrets.token_hex(6)}", person()
    _, first = await national_sign_in(national_client, national_idp, sub, claims)
    # The provider now knows another number for the person: the link, not the number, finds the account.
    tokens, again = await national_sign_in(national_client, national_idp, sub, {**claims, "phone_number": new_phone()})
    assert again["id"] == first["id"] and again["phone"] == first["phone"]
    assert tokens.get("newAccount", False) is False
    links = await db.fetchval("SELECT count(*) FROM federation_link WHERE subject = $1", sub)
    assert links == 1


async def test_a_nik_proven_on_another_account_signs_in_to_that_account(
    national_client: httpx.AsyncClient, national_idp: NationalIdpProcess
) -> None:
    nik = random_nik()
    owner = await create_citizen(national_client, name="Budi Santoso", nik=nik, verified=True)
    owner_me = (await national_client.get("/api/v1/me", headers=bearer(owner))).json()
    assert owner_me["assurance"] == "registry"
    # The provider saw the person (loa3 = in_person) and knows them by another number.
    claims = person(nik=nik, acr="loa3")
    _, me = await national_sign_in(national_client, national_idp, f"sub-{secrets.token_hex(6)}", claims)
    assert me["id"] == owner_me["id"] and me["phone"] == owner["phone"]
    assert me["assurance"] == "in_person"


async def test_an_acr_below_registry_binds_no_nik(
    national_client: httpx.AsyncClient, national_idp: NationalIdpProcess
) -> None:
    for acr in ("loa1", None):
        claims = person(acr=acr)
        _, me = await national_sign_in(national_client, national_idp, f"sub-{secrets.token_hex(6)}", claims)
        assert me["phone"] == claims["phone_number"]
        assert me.get("nik") is None
        assert me["assurance"] == "phone"


async def test_no_usable_nik_and_no_verified_phone_asks_for_an_sms_sign_in_first(
    national_client: httpx.AsyncClient, national_idp: NationalIdpProcess
) -> None:
    claims = person(acr="loa1", phone_number_verified=False)
    back = await sign_in_at_provider(national_client, national_idp, f"sub-{secrets.token_hex(6)}", claims)
    assert back == {"error": "sms_sign_in_first"}


async def test_a_replayed_state_and_a_replayed_handoff_are_refused(
    national_client: httpx.AsyncClient, national_idp: NationalIdpProcess
) -> None:
    sub = f"sub-{secrets.token_hex(6)}"
    national_idp.set_user(sub, person())
    callback = national_idp.authorize(await to_provider(national_client), sub)
    first = await back_from_provider(national_client, callback)
    assert "handoff" in first
    assert await back_from_provider(national_client, callback) == {"error": "invalid_state"}
    assert (await national_client.post(COMPLETE, json={"handoff": first["handoff"]})).status_code == 200
    replay = await national_client.post(COMPLETE, json={"handoff": first["handoff"]})
    assert replay.status_code == 400 and replay.json()["code"] == "invalid_handoff"


async def test_missing_or_forged_state_and_bad_handoffs_are_refused(national_client: httpx.AsyncClient) -> None:
    for query in ("code=abc", "code=abc&state=forged", f"code=abc&state={'x' * 500}", ""):
        response = await national_client.get(f"/api/v1/auth/national/callback?{query}")
        assert response.status_code == 302
        assert response.headers["location"] == "/#/signin/national?error=invalid_state", query
    for body in ({"handoff": "never-issued"}, {"handoff": ""}, {}, {"handoff": "x", "extra": 1}):
        response = await national_client.post(COMPLETE, json=body)
        assert 400 <= response.status_code < 500, body
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_provider_refusing_is_said_so(
    national_client: httpx.AsyncClient, national_idp: NationalIdpProcess
) -> None:
    callback = national_idp.deny(await to_provider(national_client))
    assert "error=access_denied" in callback
    assert await back_from_provider(national_client, callback) == {"error": "access_denied"}


async def test_an_id_token_for_another_audience_or_with_another_nonce_is_refused(
    national_client: httpx.AsyncClient, national_idp: NationalIdpProcess, db: asyncpg.Connection
) -> None:
    # The mock merges a person's claims into the ID token last: these overwrite what it would have said.
    for forged in ({"aud": "another-client"}, {"nonce": "not-the-one-we-sent"}):
        sub, claims = f"sub-{secrets.token_hex(6)}", person(**forged)
        back = await sign_in_at_provider(national_client, national_idp, sub, claims)
        assert back == {"error": "invalid_id_token"}, forged
        assert await db.fetchval("SELECT count(*) FROM federation_link WHERE subject = $1", sub) == 0
        assert await db.fetchval("SELECT count(*) FROM accounts_account WHERE phone = $1", claims["phone_number"]) == 0


async def test_an_unreachable_provider_is_a_clear_error(
    national_client: httpx.AsyncClient, configure_idp: Callable[[str], None]
) -> None:
    # Before the trip: nothing listens at the issuer.
    configure_idp(f"http://127.0.0.1:{free_port()}")
    response = await national_client.get(START)
    assert response.status_code == 302
    assert response.headers["location"] == "/#/signin/national?error=provider_unavailable"
    # After the trip: the provider goes away before our code exchange.
    with NationalIdpProcess() as gone:
        configure_idp(gone.url)
        sub = f"sub-{secrets.token_hex(6)}"
        gone.set_user(sub, person())
        callback = gone.authorize(await to_provider(national_client), sub)
    assert await back_from_provider(national_client, callback) == {"error": "provider_unavailable"}

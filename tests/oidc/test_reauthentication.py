"""A system may ask for a fresh sign-in (OIDC Core §3.1.2.1): ``prompt=login`` wants one made after its request,
``max_age`` one at most that many seconds old. A citizen whose PWA session is older is asked to sign in again: the
request says so, the decision is refused (403, the request kept) until they have, and the ID token's ``auth_time``
is the new sign-in's. Under ``prompt=none`` nothing can be shown, so the system hears ``login_required``; a
``max_age`` that is not a number is refused back to the system."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
from jose import jwt

from tests.support.auth import account_id, bearer, sign_in
from tests.support.factories import create_citizen
from tests.support.oidc import REDIRECT, exchange, pkce, register


async def aged(client: httpx.AsyncClient, db: asyncpg.Connection, citizen: dict[str, Any]) -> dict[str, Any]:
    """The citizen's PWA session as if they had signed in an hour ago (its tokens refreshed since)."""
    await db.execute(
        "UPDATE auth_session SET auth_time = now() - interval '1 hour' WHERE account = $1", account_id(citizen)
    )
    refreshed = await client.post("/api/v1/auth/refresh", json={"refreshToken": citizen["refreshToken"]})
    assert refreshed.status_code == 200, refreshed.text
    return {**refreshed.json(), "phone": citizen["phone"]}


async def start(client: httpx.AsyncClient, rp: dict[str, str], **over: str) -> tuple[str, str]:
    verifier, challenge = pkce()
    params = {
        "response_type": "code",
        "client_id": rp["client_id"],
        "redirect_uri": REDIRECT,
        "scope": "openid",
        "state": "s1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **over,
    }
    started = await client.get("/oidc/authorize", params=params)
    assert started.status_code == 302, started.text
    return started.headers["location"], verifier


async def decide(client: httpx.AsyncClient, request_id: str, citizen: dict[str, Any]) -> httpx.Response:
    path = f"/api/v1/oidc/requests/{request_id}/decision"
    return await client.post(path, json={"approve": True}, headers=bearer(citizen))


async def pending(client: httpx.AsyncClient, request_id: str, citizen: dict[str, Any]) -> dict[str, Any]:
    shown = await client.get(f"/api/v1/oidc/requests/{request_id}", headers=bearer(citizen))
    assert shown.status_code == 200, shown.text
    body: dict[str, Any] = shown.json()
    return body


def refused_until_signed_in_again(answer: httpx.Response) -> None:
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "oidc_sign_in_again"


async def auth_time_of(client: httpx.AsyncClient, rp: dict[str, str], answer: httpx.Response, verifier: str) -> int:
    code = parse_qs(urlsplit(answer.json()["redirectTo"]).query)["code"][0]
    tokens = await exchange(client, rp, code, verifier)
    assert tokens.status_code == 200, tokens.text
    return int(jwt.get_unverified_claims(tokens.json()["id_token"])["auth_time"])


async def test_prompt_login_asks_for_a_sign_in_after_the_request(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    rp = await register(db)
    citizen = await aged(client, db, await create_citizen(client))
    location, verifier = await start(client, rp, prompt="login")
    request_id = location.rsplit("/", 1)[1]
    assert (await pending(client, request_id, citizen))["reauthenticate"] is True
    refused_until_signed_in_again(await decide(client, request_id, citizen))
    # The request was kept for the new sign-in (same citizen, same device; the one-code-a-minute limit forgotten).
    await db.execute("DELETE FROM auth_rate_limit WHERE key LIKE $1", f"otp:phone-minute:{citizen['phone']}:%")
    fresh = await sign_in(client, citizen["phone"])
    assert not (await pending(client, request_id, fresh)).get("reauthenticate")
    answer = await decide(client, request_id, fresh)
    assert answer.status_code == 200, answer.text
    asked_at = await db.fetchval("SELECT created_at FROM oidc_request WHERE id = $1", uuid.UUID(request_id))
    assert await auth_time_of(client, rp, answer, verifier) >= int(asked_at.timestamp()) - 1


async def test_max_age_bounds_how_old_the_sign_in_may_be(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    rp = await register(db)
    citizen = await aged(client, db, await create_citizen(client))
    signed_in = await db.fetchval("SELECT max(auth_time) FROM auth_session WHERE account = $1", account_id(citizen))
    # An hour-old sign-in is too old for ten minutes...
    location, _ = await start(client, rp, max_age="600")
    strict = location.rsplit("/", 1)[1]
    assert (await pending(client, strict, citizen))["reauthenticate"] is True
    refused_until_signed_in_again(await decide(client, strict, citizen))
    # ...and fine for two hours: the ID token says when it was.
    location, verifier = await start(client, rp, max_age="7200")
    lenient = location.rsplit("/", 1)[1]
    assert not (await pending(client, lenient, citizen)).get("reauthenticate")
    answer = await decide(client, lenient, citizen)
    assert answer.status_code == 200, answer.text
    assert await auth_time_of(client, rp, answer, verifier) == int(signed_in.timestamp())
    assert dt.datetime.now(dt.UTC) - signed_in > dt.timedelta(minutes=50)
    # Not a number of seconds: refused back to the system.
    for bad in ("abc", "-5", "١٢", "1e3"):
        location, _ = await start(client, rp, max_age=bad)
        query = parse_qs(urlsplit(location).query)
        assert location.startswith(REDIRECT) and query["error"] == ["invalid_request"], location


async def test_prompt_none_with_an_old_sign_in_is_login_required(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    rp = await register(db)
    citizen = await aged(client, db, await create_citizen(client))
    location, _ = await start(client, rp, prompt="none", max_age="60")
    request_id = location.rsplit("/", 1)[1]
    shown = await pending(client, request_id, citizen)
    assert shown["reauthenticate"] is True and shown["prompt"] == "none"
    # What the PWA then does: no screen, the system hears login_required.
    answer = await client.post(f"/api/v1/oidc/requests/{request_id}/unattended", json={"error": "login_required"})
    assert answer.status_code == 200, answer.text
    query = parse_qs(urlsplit(answer.json()["redirectTo"]).query)
    assert query["error"] == ["login_required"] and query["state"] == ["s1"]

"""What the token endpoint stores: a code's token pair is written by the statement that takes the code, before
Authlib has answered (``api/oidc/tokens.py``), so the row must end up as Authlib answered — the hashes of the
tokens sent, the scope and refresh token it granted — and must not outlive a refused exchange."""

from __future__ import annotations

import hashlib
import uuid

import asyncpg
import httpx

from tests.support.factories import create_citizen
from tests.support.oidc import REDIRECT, authorize, basic, exchange, pkce, register


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def _stored(db: asyncpg.Connection, code: str) -> list[asyncpg.Record]:
    return await db.fetch(
        "SELECT access_hash, refresh_hash, refresh_expires_at, scope, revoked_at FROM oidc_token WHERE code_hash = $1",
        _hash(code),
    )


async def test_the_stored_pair_is_the_one_answered(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    rp = await register(db)
    citizen = await create_citizen(client)
    query, verifier, _ = await authorize(client, rp, citizen, scope="openid profile offline_access")
    answer = await exchange(client, rp, query["code"][0], verifier)
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    [row] = await _stored(db, query["code"][0])
    assert bytes(row["access_hash"]) == _hash(tokens["access_token"])
    assert bytes(row["refresh_hash"]) == _hash(tokens["refresh_token"]) and row["refresh_expires_at"] is not None
    assert row["scope"] == tokens["scope"] == "openid profile offline_access" and row["revoked_at"] is None
    query, verifier, _ = await authorize(client, rp, citizen, scope="openid profile")
    tokens = (await exchange(client, rp, query["code"][0], verifier)).json()
    [row] = await _stored(db, query["code"][0])
    assert "refresh_token" not in tokens and row["refresh_hash"] is None and row["refresh_expires_at"] is None


async def test_a_refused_exchange_leaves_no_tokens(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    rp = await register(db)
    citizen = await create_citizen(client)
    for form in (
        {"code_verifier": pkce()[0], "redirect_uri": REDIRECT},  # PKCE fails
        {"redirect_uri": REDIRECT + "/other"},  # not the redirect URI the code was issued for
    ):
        query, verifier, _ = await authorize(client, rp, citizen)
        refused = await client.post(
            "/oidc/token",
            data={"grant_type": "authorization_code", "code": query["code"][0], "code_verifier": verifier, **form},
            headers=basic(rp),
        )
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant", refused.text
        assert await _stored(db, query["code"][0]) == []
        # The code was spent all the same: a second try is refused too.
        again = await exchange(client, rp, query["code"][0], verifier)
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_scopes_taken_from_the_client_after_the_code_are_not_granted(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    rp = await register(db)
    citizen = await create_citizen(client)
    query, verifier, _ = await authorize(client, rp, citizen, scope="openid profile phone offline_access")
    await db.execute(
        "UPDATE oidc_client SET scopes = '{openid,profile,offline_access}' WHERE id = $1", uuid.UUID(rp["id"])
    )
    tokens = (await exchange(client, rp, query["code"][0], verifier)).json()
    assert tokens["scope"] == "openid profile offline_access"
    [row] = await _stored(db, query["code"][0])
    assert row["scope"] == tokens["scope"] and bytes(row["refresh_hash"]) == _hash(tokens["refresh_token"])
    await db.execute("UPDATE oidc_client SET scopes = '{openid,profile}' WHERE id = $1", uuid.UUID(rp["id"]))
    # A code that still names offline_access (asked for before the client lost it) gets no refresh token.
    query, verifier, _ = await authorize(client, rp, citizen, scope="openid profile")
    code = _hash(query["code"][0])
    await db.execute("UPDATE oidc_code SET scope = 'openid profile offline_access' WHERE code_hash = $1", code)
    tokens = (await exchange(client, rp, query["code"][0], verifier)).json()
    [row] = await _stored(db, query["code"][0])
    assert "refresh_token" not in tokens and row["refresh_hash"] is None and row["scope"] == tokens["scope"]

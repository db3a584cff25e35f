"""Single sign-on test helpers: a registered client, PKCE, and the authorization request answered as the PWA
answers it (the citizen's decision through the API)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx

from api.oidc import service_accounts
from api.oidc.clients import ClientSettings, create_client
from tests.support.auth import bearer
from tests.support.factories import AGENCY

REDIRECT = "https://layanan.example.go.id/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


async def register(db: asyncpg.Connection, **extra: Any) -> dict[str, str]:
    settings = ClientSettings(
        name=extra.pop("name", "Sistem Perizinan Dinas"),
        redirect_uris=extra.pop("redirect_uris", (REDIRECT,)),
        scopes=extra.pop("scopes", ("openid", "profile", "phone", "nik", "assurance", "offline_access")),
        **extra,
    )
    row, secret = await create_client(db, settings, created_by=None)
    return {"client_id": row["client_id"], "secret": secret, "id": str(row["id"])}


def basic(client: dict[str, str]) -> dict[str, str]:
    raw = f"{client['client_id']}:{client['secret']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


async def authorize(
    http: httpx.AsyncClient,
    client: dict[str, str],
    citizen: dict[str, Any],
    *,
    scope: str = "openid profile",
    **over: str,
) -> tuple[dict[str, list[str]], str, dict[str, str]]:
    """Through /oidc/authorize and the PWA's decision: the redirect's query, the verifier, and what was sent."""
    verifier, challenge = pkce()
    params = {
        "response_type": "code",
        "client_id": client["client_id"],
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **over,
    }
    started = await http.get("/oidc/authorize", params=params)
    assert started.status_code == 302, started.text
    location = started.headers["location"]
    assert "/#/sso/" in location, location
    request_id = location.rsplit("/", 1)[1]
    decided = await http.post(
        f"/api/v1/oidc/requests/{request_id}/decision", json={"approve": True}, headers=bearer(citizen)
    )
    assert decided.status_code == 200, decided.text
    target = decided.json()["redirectTo"]
    assert target.startswith(REDIRECT + "?")
    return parse_qs(urlsplit(target).query), verifier, params


async def exchange(http: httpx.AsyncClient, client: dict[str, str], code: str, verifier: str) -> httpx.Response:
    return await http.post(
        "/oidc/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier},
        headers=basic(client),
    )


def signing_key(jwks: dict[str, Any], token: str) -> dict[str, Any]:
    """The published key a token names by kid (python-jose would try every key of a set, and stop at one of another
    type)."""
    from jose import jwt

    kid = jwt.get_unverified_header(token)["kid"]
    return next(k for k in jwks["keys"] if k["kid"] == kid)


async def opened_request(client: httpx.AsyncClient, db: asyncpg.Connection, citizen: dict[str, Any]) -> dict[str, str]:
    """A registered client and an authorization request the citizen has opened in the PWA (so it is theirs):
    ``request_id`` and ``client_id``, as the routes name them."""
    rp = await register(db)
    _verifier, challenge = pkce()
    started = await client.get(
        "/oidc/authorize",
        params={
            "response_type": "code",
            "client_id": rp["client_id"],
            "redirect_uri": REDIRECT,
            "scope": "openid profile",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    request_id = started.headers["location"].rsplit("/", 1)[1]
    opened = await client.get(f"/api/v1/oidc/requests/{request_id}", headers=bearer(citizen))
    assert opened.status_code == 200, opened.text
    return {"request_id": request_id, "client_id": rp["client_id"]}


async def service_token(client: httpx.AsyncClient, db: asyncpg.Connection, **where: str) -> tuple[str, dict[str, Any]]:
    row, secret = await service_accounts.create(
        db,
        name=where.pop("name", "SIAK Dukcapil Banyumas"),
        agency=where.get("agency", AGENCY),
        region=where.get("region", "3302"),
        created_by=None,
    )
    raw = base64.b64encode(f"{row['client_id']}:{secret}".encode()).decode()
    discovery = (await client.get("/.well-known/openid-configuration")).json()
    assert "client_credentials" in discovery["grant_types_supported"]
    answer = await client.post(
        "/oidc/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {raw}"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "Bearer" and "refresh_token" not in body and body["expires_in"] > 0
    return body["access_token"], {"client_id": row["client_id"], "secret": secret}

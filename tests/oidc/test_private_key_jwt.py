"""Service accounts that sign their token requests (``private_key_jwt``, RFC 7523 §2.2): the assertions are made with
joserfc, an independent JOSE library, as an agency's system would. A valid assertion gives a token the officer routes
accept; each is good once (a replay, even two copies at once, is refused); a secret, another key, another audience,
a long-lived or expired assertion, or an unsigned one are refused; keys are checked when registered (public only,
strong enough, each with a kid) and replaced by an admin, after which the old key is refused."""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from typing import Any

import asyncpg
import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from api.oidc import service_accounts
from api.oidc.clients import InvalidClientSettingsError
from tests.support.auth import bearer
from tests.support.factories import AGENCY, create_region_admin

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
BASE = "/api/v1/admin/oidc/service-accounts"


def public_jwks(*keys: Any) -> dict[str, Any]:
    return {"keys": [k.as_dict(private=False) for k in keys]}


def ec_key(kid: str) -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": kid, "use": "sig"})


async def token_endpoint(client: httpx.AsyncClient) -> str:
    discovery = (await client.get("/.well-known/openid-configuration")).json()
    assert "private_key_jwt" in discovery["token_endpoint_auth_methods_supported"]
    assert "ES256" in discovery["token_endpoint_auth_signing_alg_values_supported"]
    return str(discovery["token_endpoint"])


def assertion(key: Any, client_id: str, audience: str, *, alg: str = "ES256", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": client_id, "sub": client_id, "aud": audience, "jti": secrets.token_urlsafe(16), "iat": now}
    body["exp"] = now + 60
    body.update(claims)
    return jwt.encode({"alg": alg, "kid": key.kid}, body, key)


async def ask(client: httpx.AsyncClient, signed: str, **more: str) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": signed}
    return await client.post("/oidc/token", data={**form, **more})


def refused(answer: httpx.Response) -> None:
    # RFC 6749 §5.2: 401 when the client authenticated in the Authorization header, else 400 (as Authlib answers).
    assert answer.status_code == (401 if "Authorization" in answer.request.headers else 400), answer.text
    assert answer.json()["error"] == "invalid_client", answer.text


async def test_a_signed_assertion_gives_a_token_once(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    key = ec_key("siak-2026")
    row, secret = await service_accounts.create(
        db, name="SIAK bertanda tangan", agency=AGENCY, region="3302", created_by=None, jwks=public_jwks(key)
    )
    assert secret is None  # a system with keys is given no secret
    client_id, audience = row["client_id"], await token_endpoint(client)
    signed = assertion(key, client_id, audience)
    answer = await ask(client, signed)
    assert answer.status_code == 200, answer.text
    access = answer.json()["access_token"]
    listed = await client.get("/api/v1/officer/applications", headers=bearer(access))
    assert listed.status_code == 200, listed.text
    # The same assertion again is a replay; two fresh copies sent at once give one token.
    refused(await ask(client, signed))
    twin = assertion(key, client_id, audience)
    answers = await asyncio.gather(ask(client, twin), ask(client, twin))
    assert sorted(a.status_code for a in answers) == [200, 400], [a.text for a in answers]
    # client_id in the form is optional and, when given, must be the assertion's.
    assert (await ask(client, assertion(key, client_id, audience), client_id=client_id)).status_code == 200


async def test_what_is_refused(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    key = ec_key("k1")
    row, _ = await service_accounts.create(
        db, name="SIAK uji tolak", agency=AGENCY, region="3302", created_by=None, jwks=public_jwks(key)
    )
    client_id, audience = row["client_id"], await token_endpoint(client)
    now = int(time.time())
    stranger = ec_key("k1")  # same kid, another key
    for signed in (
        assertion(stranger, client_id, audience),
        assertion(key, client_id, "https://elsewhere.example/token"),
        assertion(key, client_id, audience, exp=now + 3600),  # longer than five minutes
        assertion(key, client_id, audience, exp=now - 600, iat=now - 700),  # expired
        assertion(key, client_id, audience, iss="someone-else"),
        assertion(key, client_id, audience, jti=None),
    ):
        refused(await ask(client, signed))
    # An unsigned assertion ("alg": "none") is no proof at all.
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    payload = assertion(key, client_id, audience).split(".")[1]
    refused(await ask(client, f"{header}.{payload}."))
    # Garbage in the assertion is a client error, never a 500.
    for junk in ("x", "a.b.c", "." * 2, "é.\u202e.\x00"):
        answer = await ask(client, junk)
        assert answer.status_code in (400, 401), answer.text
    # A system with keys has no secret that works, whatever is sent.
    raw = base64.b64encode(f"{client_id}:anything".encode()).decode()
    basic = await client.post(
        "/oidc/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {raw}"}
    )
    refused(basic)


@pytest.mark.parametrize(
    ("jwks", "why"),
    [
        ({"keys": []}, "at least one key"),
        ({"keys": [ec_key("a").as_dict(private=True)]}, "public keys only"),
        ({"keys": [RSAKey.generate_key(1024, parameters={"kid": "weak"}).as_dict(private=False)]}, "2048"),
        ({"keys": [{**ec_key("a").as_dict(private=False), "kid": ""}]}, "kid"),
        ({"keys": [ec_key("same").as_dict(private=False), ec_key("same").as_dict(private=False)]}, "kid"),
        ({"keys": [ECKey.generate_key("P-384", parameters={"kid": "p384"}).as_dict(private=False)]}, "P-256"),
        ({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"}]}, "public keys only"),
        ({"keys": [{"kty": "RSA", "kid": "broken", "n": "AQAB"}]}, "could not be read"),
    ],
)
async def test_keys_are_checked_when_registered(db: asyncpg.Connection, jwks: dict[str, Any], why: str) -> None:
    with pytest.raises(InvalidClientSettingsError) as refusal:
        await service_accounts.create(db, name="SIAK kunci", agency=AGENCY, region="3302", created_by=None, jwks=jwks)
    assert refusal.value.field == "jwks" and why in refusal.value.detail


async def test_an_admin_registers_and_replaces_keys(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Any
) -> None:
    admin = await create_region_admin(db, app, region="3302")
    old, new = ec_key("2026-old"), RSAKey.generate_key(2048, parameters={"kid": "2027-new", "use": "sig"})
    body = {"name": "SIAK kunci admin", "agency": AGENCY, "jwks": public_jwks(old)}
    created = await client.post(BASE, json=body, headers=bearer(admin))
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["keys"] == ["2026-old"] and not account.get("clientSecret")
    audience = await token_endpoint(client)
    assert (await ask(client, assertion(old, account["clientId"], audience))).status_code == 200
    # No secret to rotate: the screen is told to replace the keys.
    rotate = await client.post(f"{BASE}/{account['id']}/secret", headers=bearer(admin))
    assert rotate.status_code == 422 and rotate.json()["errors"][0]["field"] == "jwks", rotate.text
    # A private key pasted by mistake is refused and nothing changes.
    leaked = await client.put(
        f"{BASE}/{account['id']}/keys",
        json=public_jwks(old) | {"keys": [old.as_dict(private=True)]},
        headers=bearer(admin),
    )
    assert leaked.status_code == 422, leaked.text
    replaced = await client.put(f"{BASE}/{account['id']}/keys", json=public_jwks(new), headers=bearer(admin))
    assert replaced.status_code == 200 and replaced.json()["keys"] == ["2027-new"], replaced.text
    refused(await ask(client, assertion(old, account["clientId"], audience)))
    assert (await ask(client, assertion(new, account["clientId"], audience, alg="RS256"))).status_code == 200
    trail = await db.fetch(
        "SELECT action, detail FROM audit_event WHERE detail->>'client' = $1 ORDER BY id", account["clientId"]
    )
    assert [r["action"] for r in trail][-1] == "oidc.service_account_keys_replaced"
    assert all("BEGIN" not in str(r["detail"]) and '"d"' not in str(r["detail"]) for r in trail)
    # Another region's admin does not find it.
    other = await create_region_admin(db, app, region="3510")
    hidden = await client.put(f"{BASE}/{account['id']}/keys", json=public_jwks(new), headers=bearer(other))
    assert hidden.status_code == 404, hidden.text

"""Forged, altered and stale tokens are refused with one uninformative 401 (problem+json)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from jose import jwt
from litestar import Litestar

from api.lib.keys import SigningKey
from tests.support.auth import bearer, sign_in


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(app: Litestar, **overrides: Any) -> dict[str, Any]:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    settings = app.state.settings
    base = {
        "iss": settings.auth.issuer,
        "aud": settings.auth.audience,
        "sub": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "roles": ["national_admin"],
        "scope": "api",
        "amr": ["otp"],
        "auth_time": now,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def signed(app: Litestar, payload: dict[str, Any], *, kid: str | None = None, key: SigningKey | None = None) -> str:
    key = key or app.state.key_ring.active()
    return str(jwt.encode(payload, key.private_pem, algorithm="ES256", headers={"kid": kid or key.kid}))


async def refused(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    # The same words for every failure: which check failed would help an attacker.
    assert body["detail"] == "Sign in to continue." and body["code"] == "unauthorised"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_real_token_works(client: httpx.AsyncClient) -> None:
    tokens = await sign_in(client)
    assert (await client.get("/api/v1/me", headers=bearer(tokens))).status_code == 200


async def test_alg_none(client: httpx.AsyncClient, app: Litestar) -> None:
    header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": app.state.key_ring.active().kid}).encode())
    await refused(client, f"{header}.{b64(json.dumps(claims(app)).encode())}.")


async def test_hs256_signed_with_the_public_key(client: httpx.AsyncClient, app: Litestar) -> None:
    key = app.state.key_ring.active()
    public_jwk_json = json.dumps(key.public_jwk())
    token = jwt.encode(claims(app), public_jwk_json, algorithm="HS256", headers={"kid": key.kid})
    await refused(client, token)


async def test_tampered_payload(client: httpx.AsyncClient, app: Litestar) -> None:
    tokens = await sign_in(client)
    header, payload, signature = tokens["accessToken"].split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["roles"] = ["national_admin"]
    await refused(client, f"{header}.{b64(json.dumps(data).encode())}.{signature}")


@pytest.mark.parametrize(
    "override",
    [
        {"exp": int(dt.datetime.now(dt.UTC).timestamp()) - 120},  # expired (beyond the 30 s leeway)
        {"nbf": int(dt.datetime.now(dt.UTC).timestamp()) + 3600},  # not yet valid
        {"aud": "someone-else"},
        {"aud": None},  # missing aud: python-jose would let it pass; we do not
        {"iss": "https://evil.example"},
        {"exp": None},
        {"sid": None},
        {"sub": "not-a-uuid"},
    ],
)
async def test_invalid_claims(client: httpx.AsyncClient, app: Litestar, override: dict[str, Any]) -> None:
    await refused(client, signed(app, claims(app, **override)))


async def test_unknown_kid(client: httpx.AsyncClient, app: Litestar) -> None:
    await refused(client, signed(app, claims(app), kid="no-such-key"))


async def test_a_key_we_do_not_have(client: httpx.AsyncClient, app: Litestar) -> None:
    stranger = SigningKey.generate()
    await refused(client, signed(app, claims(app), kid=app.state.key_ring.active().kid, key=stranger))


async def test_well_signed_token_for_a_session_that_does_not_exist(client: httpx.AsyncClient, app: Litestar) -> None:
    """Even our own signature is not enough: the session must be alive."""
    await refused(client, signed(app, claims(app)))


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a.b.c", "Bearer " + "x" * 5000])
async def test_garbage(client: httpx.AsyncClient, header: str) -> None:
    response = await client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401


async def test_no_token_at_all(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me")
    assert response.status_code == 401 and response.json()["code"] == "unauthorised"


async def test_jwks_publishes_the_signing_key(client: httpx.AsyncClient, app: Litestar) -> None:
    jwks = (await client.get("/.well-known/jwks.json")).json()
    active = app.state.key_ring.active()
    published = {k["kid"]: k for k in jwks["keys"]}
    assert published[active.kid] == active.public_jwk()
    assert all("d" not in k for k in jwks["keys"]), "a private key part must never be published"


def test_mpp_keys_rotate_keeps_old_signatures_verifiable(tmp_path: Path) -> None:
    """Rotation in a data folder: a new key signs; the old one stays published (public half only)."""
    import os

    from api.config import reload_settings
    from api.lib.keys import KeyRing

    env = {**os.environ, "MPP_DATA_DIR": str(tmp_path)}
    mpp = str(Path(sys.executable).parent / "mpp")
    first = subprocess.run([mpp, "keys", "rotate"], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([mpp, "keys", "rotate"], env=env, capture_output=True, text=True, check=True)
    assert "new signing key" in first.stdout and "new signing key" in second.stdout
    keyset = json.loads((tmp_path / "keys" / "signing-keys.json").read_text())["keys"]
    assert len(keyset) == 2 and keyset[0]["retired"] and keyset[1]["retired"] is None
    assert "privateKeyPem" not in keyset[0] and keyset[0]["publicJwk"]["kid"] == keyset[0]["kid"]
    assert oct((tmp_path / "keys" / "signing-keys.json").stat().st_mode & 0o777) == "0o600"
    saved = os.environ.get("MPP_DATA_DIR")
    os.environ["MPP_DATA_DIR"] = str(tmp_path)
    try:
        ring = KeyRing(reload_settings())
    finally:
        if saved is not None:
            os.environ["MPP_DATA_DIR"] = saved
        reload_settings()
    assert ring.active().kid == keyset[1]["kid"]
    assert {k["kid"] for k in ring.jwks()["keys"]} == {keyset[0]["kid"], keyset[1]["kid"]}


def test_production_refuses_to_start_without_its_secrets(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("MPP_")}
    env.update(
        {"MPP_ENV": "prod", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "MPP_DATA_DIR": str(tmp_path)}
    )
    mpp = str(Path(sys.executable).parent / "mpp")
    result = subprocess.run([mpp, "serve", "--port", "0"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "MPP_SIGNING_KEYS" in result.stderr and "MPP_SECRET_KEY" in result.stderr
    assert not (tmp_path / "keys").exists(), "production must not generate its own keys"

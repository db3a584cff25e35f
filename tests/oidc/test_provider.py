"""The OpenID Connect provider through its routes, one check of the OpenID Foundation's Basic OP profile each where it
can be reproduced offline: discovery, code + PKCE (S256 only), state and nonce round trip, redirect URI mismatch,
code reuse (and the tokens issued from it revoked), PKCE missing or downgraded, the ID token's alg, aud and azp,
expired code, unknown client, wrong secret; pairwise subjects per sector; consent remembered and withdrawn."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest_asyncio
from authlib.oidc.discovery import OpenIDProviderMetadata
from jose import jwt
from litestar import Litestar

from tests.support.auth import bearer
from tests.support.factories import create_citizen
from tests.support.identity import random_nik
from tests.support.oidc import REDIRECT, authorize, basic, exchange, pkce, register, signing_key


@pytest_asyncio.fixture(loop_scope="session")
async def rp(db: asyncpg.Connection) -> dict[str, str]:
    return await register(db)


async def test_discovery_is_a_valid_provider_metadata_document(client: httpx.AsyncClient, app: Litestar) -> None:
    found = await client.get("/.well-known/openid-configuration")
    assert found.status_code == 200
    metadata = OpenIDProviderMetadata(found.json())
    metadata.validate()  # Authlib's checks of OpenID Connect Discovery 1.0 §3 (RS256 offered, among others)
    assert metadata["issuer"] == app.state.oidc.issuer
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["subject_types_supported"] == ["pairwise"]
    keys = (await client.get("/.well-known/jwks.json")).json()["keys"]
    assert {k["alg"] for k in keys} == {"ES256", "RS256"} and all("d" not in k for k in keys)


async def test_code_pkce_state_nonce_id_token_and_userinfo(
    client: httpx.AsyncClient, app: Litestar, rp: dict[str, str]
) -> None:
    nik = random_nik()
    citizen = await create_citizen(client, name="Siti Aminah", nik=nik, verified=True)
    query, verifier, sent = await authorize(client, rp, citizen, scope="openid profile phone nik assurance")
    assert query["state"] == [sent["state"]]
    answer = await exchange(client, rp, query["code"][0], verifier)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    tokens = answer.json()
    assert tokens["token_type"].lower() == "bearer" and "refresh_token" not in tokens  # offline_access not asked
    header = jwt.get_unverified_header(tokens["id_token"])
    assert header["alg"] == "RS256" and header["kid"]  # OpenID Connect's default for a client that chose none
    jwks = (await client.get("/.well-known/jwks.json")).json()
    claims = jwt.decode(
        tokens["id_token"],
        signing_key(jwks, tokens["id_token"]),
        algorithms=["RS256"],
        audience=rp["client_id"],
        issuer=app.state.oidc.issuer,
        access_token=tokens["access_token"],  # checks at_hash
    )
    assert claims["nonce"] == sent["nonce"] and claims["azp"] == rp["client_id"] and claims["aud"] == [rp["client_id"]]
    assert claims["sub"] != str(uuid.UUID(int=0)) and len(claims["sub"]) == 43 and claims["acr"] == "registry"
    info = await client.get("/oidc/userinfo", headers=bearer(tokens["access_token"]))
    assert info.status_code == 200, info.text
    body = info.json()
    assert body["sub"] == claims["sub"] and body["name"] == "Siti Aminah" and body["nik"] == nik
    assert body["assurance"] == "registry" and body["phone_number"].startswith("+62")


async def test_a_client_registered_for_es256_gets_es256_id_tokens(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    rp = await register(db, id_token_alg="ES256")
    citizen = await create_citizen(client)
    query, verifier, sent = await authorize(client, rp, citizen)
    tokens = (await exchange(client, rp, query["code"][0], verifier)).json()
    assert jwt.get_unverified_header(tokens["id_token"])["alg"] == "ES256"
    jwks = (await client.get("/.well-known/jwks.json")).json()
    claims = jwt.decode(
        tokens["id_token"],
        signing_key(jwks, tokens["id_token"]),
        algorithms=["ES256"],
        audience=rp["client_id"],
        issuer=app.state.oidc.issuer,
        access_token=tokens["access_token"],
    )
    assert claims["nonce"] == sent["nonce"]


async def test_scopes_taken_from_a_client_are_no_longer_released(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    rp = await register(db)
    citizen = await create_citizen(client, name="Rina")
    query, verifier, _ = await authorize(client, rp, citizen, scope="openid profile phone")
    tokens = (await exchange(client, rp, query["code"][0], verifier)).json()
    await db.execute("UPDATE oidc_client SET scopes = '{openid,profile}' WHERE client_id = $1", rp["client_id"])
    info = (await client.get("/oidc/userinfo", headers=bearer(tokens["access_token"]))).json()
    assert info["name"] == "Rina" and "phone_number" not in info


async def test_nik_is_released_only_from_a_verified_account(client: httpx.AsyncClient, rp: dict[str, str]) -> None:
    citizen = await create_citizen(client, name="Budi", nik=random_nik())  # declared, not proven
    query, verifier, _ = await authorize(client, rp, citizen, scope="openid nik")
    tokens = (await exchange(client, rp, query["code"][0], verifier)).json()
    info = (await client.get("/oidc/userinfo", headers=bearer(tokens["access_token"]))).json()
    assert "nik" not in info and set(info) == {"sub"}


async def test_a_reused_code_is_refused_and_revokes_what_it_gave(client: httpx.AsyncClient, rp: dict[str, str]) -> None:
    citizen = await create_citizen(client)
    query, verifier, _ = await authorize(client, rp, citizen)
    first = await exchange(client, rp, query["code"][0], verifier)
    assert first.status_code == 200
    again = await exchange(client, rp, query["code"][0], verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    info = await client.get("/oidc/userinfo", headers=bearer(first.json()["access_token"]))
    assert info.status_code == 401 and "invalid_token" in info.headers["www-authenticate"]


async def test_pkce_is_required_and_plain_is_refused(client: httpx.AsyncClient, rp: dict[str, str]) -> None:
    base = {
        "response_type": "code",
        "client_id": rp["client_id"],
        "redirect_uri": REDIRECT,
        "scope": "openid",
        "state": "s1",
    }
    for extra in ({}, {"code_challenge": "a" * 43, "code_challenge_method": "plain"}, {"code_challenge": "a" * 43}):
        refused = await client.get("/oidc/authorize", params={**base, **extra})
        assert refused.status_code == 302, refused.text
        query = parse_qs(urlsplit(refused.headers["location"]).query)
        assert query["error"] == ["invalid_request"] and query["state"] == ["s1"], query


async def test_a_wrong_verifier_or_none_is_refused(client: httpx.AsyncClient, rp: dict[str, str]) -> None:
    citizen = await create_citizen(client)
    query, _verifier, _ = await authorize(client, rp, citizen)
    wrong = await exchange(client, rp, query["code"][0], pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    query, _verifier, _ = await authorize(client, rp, citizen)
    missing = await client.post(
        "/oidc/token",
        data={"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT},
        headers=basic(rp),
    )
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


async def test_redirect_uri_must_match_exactly_and_is_never_followed_otherwise(
    client: httpx.AsyncClient, rp: dict[str, str]
) -> None:
    _verifier, challenge = pkce()
    for uri in (REDIRECT + "/", REDIRECT + "?x=1", "https://evil.example/callback", REDIRECT.upper()):
        answer = await client.get(
            "/oidc/authorize",
            params={
                "response_type": "code",
                "client_id": rp["client_id"],
                "redirect_uri": uri,
                "scope": "openid",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert answer.status_code == 400 and answer.json()["code"] == "oidc_invalid_request", answer.text
        assert "location" not in answer.headers


async def test_unknown_client_wrong_secret_and_wrong_redirect_at_the_token_endpoint(
    client: httpx.AsyncClient, rp: dict[str, str]
) -> None:
    unknown = await client.get(
        "/oidc/authorize", params={"response_type": "code", "client_id": "mpp-nope", "redirect_uri": REDIRECT}
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "oidc_invalid_request"
    citizen = await create_citizen(client)
    query, verifier, _ = await authorize(client, rp, citizen)
    wrong_secret = await exchange(client, {**rp, "secret": "x" * 43}, query["code"][0], verifier)
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    # The wrong secret did not burn the code: the real client still gets its tokens.
    assert (await exchange(client, rp, query["code"][0], verifier)).status_code == 200
    query, verifier, _ = await authorize(client, rp, citizen)
    elsewhere = await client.post(
        "/oidc/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT + "/other",
            "code_verifier": verifier,
        },
        headers=basic(rp),
    )
    assert elsewhere.status_code == 400 and elsewhere.json()["error"] == "invalid_grant"


async def test_an_expired_code_is_refused(
    client: httpx.AsyncClient, db: asyncpg.Connection, rp: dict[str, str]
) -> None:
    citizen = await create_citizen(client)
    query, verifier, _ = await authorize(client, rp, citizen)
    await db.execute(
        "UPDATE oidc_code SET expires_at = now() - interval '1 second' WHERE client = $1", uuid.UUID(rp["id"])
    )
    late = await exchange(client, rp, query["code"][0], verifier)
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"


async def test_two_exchanges_of_one_code_at_once_give_one_token_pair(
    client: httpx.AsyncClient, db: asyncpg.Connection, rp: dict[str, str]
) -> None:
    import asyncio

    citizen = await create_citizen(client)
    query, verifier, _ = await authorize(client, rp, citizen)
    answers = await asyncio.gather(*(exchange(client, rp, query["code"][0], verifier) for _ in range(4)))
    assert sorted(a.status_code for a in answers) == [200, 400, 400, 400]
    stored = await db.fetchval(
        "SELECT count(*) FROM oidc_token t JOIN oidc_code c ON c.code_hash = t.code_hash WHERE c.client = $1 "
        "AND t.issued_at > now() - interval '1 minute' AND t.revoked_at IS NULL",
        uuid.UUID(rp["id"]),
    )
    assert stored == 0  # the repeats count as reuse: what the first got is revoked too


async def test_pairwise_subjects_by_sector(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    same_a = await register(db, sector="dinkes.example.go.id")
    same_b = await register(db, sector="dinkes.example.go.id", name="Rumah Sakit Daerah")
    other = await register(db, sector="dpmptsp.example.go.id", name="Perizinan")
    citizen = await create_citizen(client)
    subs = []
    for rp in (same_a, same_b, other):
        query, verifier, _ = await authorize(client, rp, citizen)
        tokens = (await exchange(client, rp, query["code"][0], verifier)).json()
        subs.append(jwt.get_unverified_claims(tokens["id_token"])["sub"])
    assert subs[0] == subs[1] != subs[2]
    me = (await client.get("/api/v1/me", headers=bearer(citizen))).json()
    assert me["id"] not in subs


async def test_refresh_tokens_only_with_offline_access_and_rotated(
    client: httpx.AsyncClient, rp: dict[str, str]
) -> None:
    citizen = await create_citizen(client)
    query, verifier, _ = await authorize(client, rp, citizen, scope="openid offline_access")
    tokens = (await exchange(client, rp, query["code"][0], verifier)).json()
    assert tokens["refresh_token"]
    refreshed = await client.post(
        "/oidc/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, headers=basic(rp)
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] != tokens["refresh_token"]
    spent = await client.post(
        "/oidc/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, headers=basic(rp)
    )
    assert spent.status_code == 400 and spent.json()["error"] == "invalid_grant"


async def test_consent_is_asked_once_listed_and_withdrawn(
    client: httpx.AsyncClient, db: asyncpg.Connection, rp: dict[str, str]
) -> None:
    citizen = await create_citizen(client)
    _verifier, challenge = pkce()
    params = {
        "response_type": "code",
        "client_id": rp["client_id"],
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    first = (await client.get("/oidc/authorize", params=params)).headers["location"].rsplit("/", 1)[1]
    shown = (await client.get(f"/api/v1/oidc/requests/{first}", headers=bearer(citizen))).json()
    assert shown["newScopes"] == ["openid", "profile"] and shown["client"]["name"] == "Sistem Perizinan Dinas"
    query, verifier, _ = await authorize(client, rp, citizen)
    tokens = (await exchange(client, rp, query["code"][0], verifier)).json()
    again = (await client.get("/oidc/authorize", params=params)).headers["location"].rsplit("/", 1)[1]
    assert (await client.get(f"/api/v1/oidc/requests/{again}", headers=bearer(citizen))).json()["newScopes"] == []
    listed = (await client.get("/api/v1/me/oidc-grants", headers=bearer(citizen))).json()["items"]
    assert [g["clientId"] for g in listed] == [rp["client_id"]] and listed[0]["lastUsedAt"]
    gone = await client.delete(f"/api/v1/me/oidc-grants/{rp['client_id']}", headers=bearer(citizen))
    assert gone.status_code == 204
    assert (await client.get("/api/v1/me/oidc-grants", headers=bearer(citizen))).json()["items"] == []
    info = await client.get("/oidc/userinfo", headers=bearer(tokens["access_token"]))
    assert info.status_code == 401
    assert (
        await client.delete(f"/api/v1/me/oidc-grants/{rp['client_id']}", headers=bearer(citizen))
    ).status_code == 404
    # Another citizen cannot read, nor answer, the request this citizen opened.
    other = await create_citizen(client)
    assert (await client.get(f"/api/v1/oidc/requests/{again}", headers=bearer(other))).status_code == 404
    stolen = await client.post(f"/api/v1/oidc/requests/{again}/decision", json={"approve": True}, headers=bearer(other))
    assert stolen.status_code == 404
    audit = await db.fetchval(
        "SELECT count(*) FROM audit_event WHERE action = 'oidc.consent_withdrawn' AND detail->>'client' = $1",
        rp["client_id"],
    )
    assert audit == 1


async def test_refusing_sends_access_denied_with_state(client: httpx.AsyncClient, rp: dict[str, str]) -> None:
    citizen = await create_citizen(client)
    _verifier, challenge = pkce()
    started = await client.get(
        "/oidc/authorize",
        params={
            "response_type": "code",
            "client_id": rp["client_id"],
            "redirect_uri": REDIRECT,
            "scope": "openid",
            "state": "st",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    request_id = started.headers["location"].rsplit("/", 1)[1]
    answer = await client.post(
        f"/api/v1/oidc/requests/{request_id}/decision", json={"approve": False}, headers=bearer(citizen)
    )
    query = parse_qs(urlsplit(answer.json()["redirectTo"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["st"] and "code" not in query
    twice = await client.post(
        f"/api/v1/oidc/requests/{request_id}/decision", json={"approve": True}, headers=bearer(citizen)
    )
    assert twice.status_code == 404 and twice.json()["code"] == "oidc_request_not_found"


async def test_hostile_requests_get_clear_4xx(client: httpx.AsyncClient, rp: dict[str, str]) -> None:
    repeated = await client.get(f"/oidc/authorize?client_id={rp['client_id']}&client_id=x&redirect_uri={REDIRECT}")
    assert repeated.status_code == 400 and repeated.json()["code"] == "oidc_invalid_request"
    huge = await client.get("/oidc/authorize", params={"client_id": rp["client_id"], "state": "x" * 5000})
    assert huge.status_code == 400
    for body in ({"grant_type": "password"}, {"grant_type": "authorization_code", "code": "\u202e" + "x"}, {}):
        answer = await client.post("/oidc/token", data=body, headers=basic(rp))
        assert 400 <= answer.status_code < 500 and "error" in answer.json(), answer.text
    garbage = await client.post("/oidc/token", data={"grant_type": "x"}, headers={"Authorization": "Basic %%%"})
    assert 400 <= garbage.status_code < 500
    assert (await client.get("/oidc/userinfo", headers={"Authorization": "Bearer nope"})).status_code == 401
    assert (await client.get("/oidc/userinfo")).status_code == 401
    bad_id = await client.get("/api/v1/oidc/requests/not-a-uuid", headers=bearer(await create_citizen(client)))
    assert bad_id.status_code in (400, 404)


async def test_two_first_approvals_at_once_make_one_consent_and_both_are_in_the_trail(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    import asyncio

    rp = await register(db)
    citizen = await create_citizen(client)
    answers = await asyncio.gather(*(authorize(client, rp, citizen) for _ in range(2)))
    assert all("code" in query for query, _verifier, _sent in answers)
    account = uuid.UUID(jwt.get_unverified_claims(citizen["accessToken"])["sub"])
    consents = await db.fetchval(
        "SELECT count(*) FROM oidc_consent s JOIN oidc_client c ON c.id = s.client WHERE s.account = $1 "
        "AND c.client_id = $2",
        account,
        rp["client_id"],
    )
    assert consents == 1
    trail = (await client.get("/api/v1/me/audit", headers=bearer(citizen))).json()["items"]
    signed_in = [e for e in trail if e["action"] == "oidc.signed_in"]
    assert len(signed_in) == 2


async def test_prompt_none_is_answered_without_a_screen(
    client: httpx.AsyncClient, db: asyncpg.Connection, rp: dict[str, str]
) -> None:
    _verifier, challenge = pkce()
    params = {
        "response_type": "code",
        "client_id": rp["client_id"],
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "quiet",
        "prompt": "none",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }

    async def started() -> str:
        return (await client.get("/oidc/authorize", params=params)).headers["location"].rsplit("/", 1)[1]

    # No one signed in at the PWA: login_required, with the state.
    nobody = await client.post(f"/api/v1/oidc/requests/{await started()}/unattended", json={"error": "login_required"})
    query = parse_qs(urlsplit(nobody.json()["redirectTo"]).query)
    assert query["error"] == ["login_required"] and query["state"] == ["quiet"]
    # Signed in, no consent yet: the PWA sees prompt none and answers consent_required.
    citizen = await create_citizen(client)
    request_id = await started()
    shown = (await client.get(f"/api/v1/oidc/requests/{request_id}", headers=bearer(citizen))).json()
    assert shown["prompt"] == "none" and shown["newScopes"]
    refused = await client.post(f"/api/v1/oidc/requests/{request_id}/unattended", json={"error": "consent_required"})
    assert parse_qs(urlsplit(refused.json()["redirectTo"]).query)["error"] == ["consent_required"]
    # A request without prompt=none is not ended that way: the PWA asks as usual.
    ordinary = (await client.get("/oidc/authorize", params={**params, "prompt": "login"})).headers["location"]
    kept = await client.post(
        f"/api/v1/oidc/requests/{ordinary.rsplit('/', 1)[1]}/unattended", json={"error": "login_required"}
    )
    assert kept.status_code == 200 and kept.json().get("redirectTo") is None
    bad = await client.post(f"/api/v1/oidc/requests/{request_id}/unattended", json={"error": "server_error"})
    assert bad.status_code in (400, 404)

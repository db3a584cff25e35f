"""The client registry in admin mode: region and national admins register agency systems (relying parties), change
them with If-Match, rotate their secret, suspend and resume them. A region admin sees only their region's clients
(another's are 404); citizens and officers are refused; every change is audited, never with the secret; hostile
settings are refused with a 422 that names the field."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from api.oidc.clients import secret_matches
from tests.support.auth import account_id, bearer
from tests.support.factories import create_citizen, create_national_admin, create_officer, create_region_admin

REGION = "3302"
OTHER_REGION = "3471"
BASE = "/api/v1/admin/oidc/clients"


def settings(**more: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "SIM Online Polres",
        "logoUrl": "https://sim.example.go.id/logo.png",
        "sector": "polri.example.go.id",
        "redirectUris": ["https://sim.example.go.id/callback"],
        "postLogoutRedirectUris": ["https://sim.example.go.id/"],
        "scopes": ["openid", "profile", "phone"],
        "backchannelLogoutUri": "https://sim.example.go.id/backchannel",
    }
    return {**body, **more}


async def register(client: httpx.AsyncClient, admin: str, **more: Any) -> dict[str, Any]:
    response = await client.post(BASE, json=settings(**more), headers=bearer(admin))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert response.headers["etag"] == f'"{body["revision"]}"'
    assert response.headers["cache-control"] == "no-store"
    return body


def if_match(admin: str, revision: int | str) -> dict[str, str]:
    return {**bearer(admin), "If-Match": f'"{revision}"'}


async def trail(db: asyncpg.Connection, client_id: str) -> list[tuple[str, uuid.UUID, dict[str, Any]]]:
    rows = await db.fetch(
        "SELECT action, actor, detail FROM audit_event WHERE action LIKE 'oidc.client_%' AND detail->>'client' = $1 "
        "ORDER BY at, id",
        client_id,
    )
    return [(r["action"], r["actor"], json.loads(r["detail"])) for r in rows]


async def test_a_new_client_gets_a_secret_kept_only_as_its_hash(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    body = await register(client, admin)
    secret = body.pop("clientSecret")
    assert len(secret) >= 40
    assert body["region"] == REGION and body["status"] == "active" and body["clientId"].startswith("mpp-")
    assert body["scopes"] == ["openid", "profile", "phone"] and body["sector"] == "polri.example.go.id"
    assert body["redirectUris"] == ["https://sim.example.go.id/callback"]
    assert body["backchannelLogoutUri"] == "https://sim.example.go.id/backchannel"
    stored = await db.fetchrow("SELECT * FROM oidc_client WHERE id = $1", uuid.UUID(body["id"]))
    # Only the hash is stored: it matches this secret and no other, and the secret itself is nowhere in the row.
    assert stored["secret_hash"] == hashlib.sha256(secret.encode()).digest()
    assert secret_matches(stored["secret_hash"], secret)
    assert not secret_matches(stored["secret_hash"], secrets.token_urlsafe(32))
    assert secret not in repr(dict(stored))
    assert stored["created_by"] == account_id({"accessToken": admin})
    # Reading it again: the same client, never a secret.
    read = await client.get(f"{BASE}/{body['id']}", headers=bearer(admin))
    assert read.status_code == 200 and read.json() == body and "clientSecret" not in read.text
    assert read.headers["etag"] == f'"{body["revision"]}"'
    # Audited with the actor, without the secret.
    [(action, actor, detail)] = await trail(db, body["id"])
    assert action == "oidc.client_created" and actor == account_id({"accessToken": admin})
    assert detail["clientId"] == body["clientId"] and detail["region"] == REGION
    assert secret not in json.dumps(detail)


async def test_the_list_is_scoped_to_the_admins_region(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    here = await create_region_admin(db, app, region=REGION)
    there = await create_region_admin(db, app, region=OTHER_REGION)
    national = await create_national_admin(db, app)
    mine = await register(client, here, name="Layanan Banyumas")
    theirs = await register(client, there, name="Layanan Yogyakarta")
    # A national admin registers for the nation (no region) or for the region they name.
    countrywide = await register(client, national, name="Layanan Nasional")
    named = await register(client, national, name="Layanan untuk Banyumas", region=REGION)
    assert countrywide["region"] is None and named["region"] == REGION and theirs["region"] == OTHER_REGION

    listed = (await client.get(BASE, headers=bearer(here))).json()["items"]
    ids = [c["id"] for c in listed]
    assert mine["id"] in ids and named["id"] in ids
    assert theirs["id"] not in ids and countrywide["id"] not in ids
    assert {c["region"] for c in listed} == {REGION}
    assert ids.index(named["id"]) < ids.index(mine["id"])  # newest first
    everything = [c["id"] for c in (await client.get(BASE, headers=bearer(national))).json()["items"]]
    assert {mine["id"], theirs["id"], countrywide["id"], named["id"]} <= set(everything)

    # Another region's client, and a national one, do not exist for a region admin: 404 on every route.
    for other in (theirs, countrywide):
        path = f"{BASE}/{other['id']}"
        assert (await client.get(path, headers=bearer(here))).status_code == 404
        assert (await client.put(path, json=settings(), headers=if_match(here, other["revision"]))).status_code == 404
        for action in ("secret", "suspend", "resume"):
            answer = await client.post(f"{path}/{action}", headers=bearer(here))
            assert answer.status_code == 404, (action, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
    # A region admin cannot register for another region either.
    refused = await client.post(BASE, json=settings(region=OTHER_REGION), headers=bearer(here))
    assert refused.status_code == 404
    unchanged = await db.fetchval("SELECT status FROM oidc_client WHERE id = $1", uuid.UUID(theirs["id"]))
    assert unchanged == "active"


async def test_citizens_and_officers_are_refused(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    citizen = await create_citizen(client)
    officer = await create_officer(db, app)
    for token in (citizen["accessToken"], officer):
        assert (await client.get(BASE, headers=bearer(token))).status_code == 403
        assert (await client.post(BASE, json=settings(), headers=bearer(token))).status_code == 403
    assert (await client.get(BASE)).status_code == 401


async def test_a_change_with_a_stale_etag_is_refused(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    other_admin = await create_region_admin(db, app, region=REGION)
    created = await register(client, admin)
    path = f"{BASE}/{created['id']}"
    # Without If-Match: 428, nothing changed.
    missing = await client.put(path, json=settings(name="Tanpa versi"), headers=bearer(admin))
    assert missing.status_code == 428, missing.text
    # Another admin changes it first.
    first = await client.put(
        path,
        json=settings(name="SIM Online Polresta", scopes=["openid", "profile"]),
        headers=if_match(other_admin, created["revision"]),
    )
    assert first.status_code == 200, first.text
    changed = first.json()
    assert changed["name"] == "SIM Online Polresta" and changed["scopes"] == ["openid", "profile"]
    assert changed["revision"] != created["revision"] and first.headers["etag"] == f'"{changed["revision"]}"'
    assert changed["clientId"] == created["clientId"] and "clientSecret" not in changed
    # The first admin's copy is stale now: 412, and the other admin's change stands.
    stale = await client.put(path, json=settings(name="Nama lama"), headers=if_match(admin, created["revision"]))
    assert stale.status_code == 412, stale.text
    assert stale.json()["code"] == "edit_conflict"
    assert await db.fetchval("SELECT name FROM oidc_client WHERE id = $1", uuid.UUID(created["id"])) == (
        "SIM Online Polresta"
    )
    # The trail says who changed what, before and after.
    updates = [d for a, _, d in await trail(db, created["id"]) if a == "oidc.client_updated"]
    assert len(updates) == 1
    assert updates[0]["changed"]["name"] == ["SIM Online Polres", "SIM Online Polresta"]
    assert updates[0]["changed"]["scopes"] == [["openid", "profile", "phone"], ["openid", "profile"]]


async def test_rotating_the_secret_replaces_its_hash(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_national_admin(db, app)
    created = await register(client, admin)
    before = await db.fetchrow(
        "SELECT secret_hash, secret_rotated_at FROM oidc_client WHERE id = $1", uuid.UUID(created["id"])
    )
    rotated = await client.post(f"{BASE}/{created['id']}/secret", headers=bearer(admin))
    assert rotated.status_code == 200, rotated.text
    assert rotated.headers["cache-control"] == "no-store"
    new = rotated.json()["clientSecret"]
    assert new != created["clientSecret"]
    after = await db.fetchrow(
        "SELECT secret_hash, secret_rotated_at FROM oidc_client WHERE id = $1", uuid.UUID(created["id"])
    )
    # The old secret stops working at once; the new one works.
    assert after["secret_hash"] != before["secret_hash"]
    assert secret_matches(after["secret_hash"], new)
    assert not secret_matches(after["secret_hash"], created["clientSecret"])
    assert after["secret_rotated_at"] > before["secret_rotated_at"]
    actions = [(a, d) for a, _, d in await trail(db, created["id"])]
    assert [a for a, _ in actions] == ["oidc.client_created", "oidc.client_secret_rotated"]
    assert new not in json.dumps([d for _, d in actions])


async def insert_token(db: asyncpg.Connection, client: str, account: uuid.UUID, *, revoked: bool = False) -> uuid.UUID:
    token = uuid.uuid4()
    await db.execute(
        """INSERT INTO oidc_token (id, client, account, session, access_hash, scope, issued_at, access_expires_at,
                revoked_at)
           VALUES ($1, $2, $3, $4, $5, 'openid profile', now(), now() + interval '1 hour',
                   CASE WHEN $6 THEN now() - interval '1 day' END)""",
        token,
        uuid.UUID(client),
        account,
        uuid.uuid4(),
        secrets.token_bytes(32),
        revoked,
    )
    return token


async def test_suspending_revokes_the_clients_live_tokens(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    citizen = account_id(await create_citizen(client))
    suspended = await register(client, admin, name="Akan ditangguhkan")
    bystander = await register(client, admin, name="Tetap aktif")
    live = [await insert_token(db, suspended["id"], citizen) for _ in range(2)]
    old = await insert_token(db, suspended["id"], citizen, revoked=True)
    old_revoked_at = await db.fetchval("SELECT revoked_at FROM oidc_token WHERE id = $1", old)
    untouched = await insert_token(db, bystander["id"], citizen)

    answer = await client.post(f"{BASE}/{suspended['id']}/suspend", headers=bearer(admin))
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "suspended" and answer.headers["etag"] == f'"{answer.json()["revision"]}"'
    revoked = await db.fetch("SELECT id, revoked_at FROM oidc_token WHERE id = ANY($1::uuid[])", live)
    assert len(revoked) == 2 and all(r["revoked_at"] is not None for r in revoked)
    # A token revoked before keeps its date; another client's token lives on.
    assert await db.fetchval("SELECT revoked_at FROM oidc_token WHERE id = $1", old) == old_revoked_at
    assert await db.fetchval("SELECT revoked_at FROM oidc_token WHERE id = $1", untouched) is None
    # Suspending again changes nothing and writes nothing.
    again = await client.post(f"{BASE}/{suspended['id']}/suspend", headers=bearer(admin))
    assert again.status_code == 200 and again.json()["revision"] == answer.json()["revision"]

    resumed = await client.post(f"{BASE}/{suspended['id']}/resume", headers=bearer(admin))
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    # The tokens revoked at suspension stay revoked.
    assert (
        await db.fetchval("SELECT count(*) FROM oidc_token WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL", live)
        == 0
    )
    actions = await trail(db, suspended["id"])
    assert [a for a, _, _ in actions] == ["oidc.client_created", "oidc.client_suspended", "oidc.client_resumed"]
    assert actions[1][2]["tokensRevoked"] == 2
    assert all(actor == account_id({"accessToken": admin}) for _, actor, _ in actions)


async def test_hostile_settings_are_refused_with_the_field_named(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    cases: list[tuple[dict[str, Any], str | None]] = [
        (settings(redirectUris=["javascript:alert(1)"]), "redirectUris"),
        (settings(redirectUris=["http://evil.example.com/cb"]), "redirectUris"),
        (settings(redirectUris=["https://sim.example.go.id/cb#frag"]), "redirectUris"),
        (settings(redirectUris=[f"https://sim.example.go.id/{n}" for n in range(5000)]), "redirectUris"),
        (settings(redirectUris=[]), "redirectUris"),
        (
            settings(postLogoutRedirectUris=[f"https://sim.example.go.id/{n}" for n in range(5000)]),
            "postLogoutRedirectUris",
        ),
        (settings(backchannelLogoutUri="javascript:alert(1)"), None),
        (settings(scopes=["openid", "admin"]), "scopes"),
        (settings(scopes=["openid"] * 5000), "scopes"),
        (settings(logoUrl="javascript:alert(1)"), "logoUrl"),
        (settings(name="   "), "name"),
        (settings(name="x" * 500), "name"),
        (settings(sector="s" * 300), "sector"),
        (settings(name="SIM\u0000Online"), None),
        (settings(name="SIM \u202eenilnO"), None),
        (settings(sector="polri\u2066.go.id"), None),
    ]
    before = await db.fetchval("SELECT count(*) FROM oidc_client")
    for body, field in cases:
        answer = await client.post(BASE, json=body, headers=bearer(admin))
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        if field:
            assert answer.json()["errors"][0]["field"] == field, answer.text
    # A body that is not the shape: a clear 400, never a 500.
    for shape in ({"name": "x"}, settings(redirectUris="https://a.example"), settings(unknown=1), settings(region="x")):
        answer = await client.post(BASE, json=shape, headers=bearer(admin))
        assert answer.status_code == 400, (shape, answer.text)
    assert await db.fetchval("SELECT count(*) FROM oidc_client") == before
    # The same rules hold for a change.
    created = await register(client, admin)
    changed = await client.put(
        f"{BASE}/{created['id']}",
        json=settings(redirectUris=["javascript:alert(1)"]),
        headers=if_match(admin, created["revision"]),
    )
    assert changed.status_code == 422 and changed.json()["errors"][0]["field"] == "redirectUris"


async def test_the_id_token_algorithm_is_chosen_per_client(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    """RS256 unless the admin chooses ES256 (id_token_signed_response_alg); the change is audited; anything else is
    refused with the field named."""
    admin = await create_region_admin(db, app, region=REGION)
    created = await register(client, admin, name="Sistem ES256")
    assert created["idTokenAlg"] == "RS256"
    changed = await client.put(
        f"{BASE}/{created['id']}",
        json=settings(name="Sistem ES256", idTokenAlg="ES256"),
        headers=if_match(admin, created["revision"]),
    )
    assert changed.status_code == 200 and changed.json()["idTokenAlg"] == "ES256", changed.text
    assert await db.fetchval("SELECT id_token_alg FROM oidc_client WHERE id = $1", uuid.UUID(created["id"])) == "ES256"
    assert trail_changes(await trail(db, created["id"]))["idTokenAlg"] == ["RS256", "ES256"]
    for alg in ("HS256", "none", "", 256):
        refused = await client.post(BASE, json=settings(idTokenAlg=alg), headers=bearer(admin))
        assert refused.status_code in (400, 422), refused.text
        assert "idTokenAlg" in refused.text, refused.text


def trail_changes(entries: list[tuple[str, uuid.UUID, dict[str, Any]]]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for action, _actor, detail in entries:
        if action == "oidc.client_updated":
            changed.update({_camel(k): v for k, v in detail["changed"].items()})
    return changed


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)

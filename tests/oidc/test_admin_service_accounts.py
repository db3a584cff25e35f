"""Service accounts in admin mode: an admin registers an agency's system and the token endpoint gives it a token the
officer routes accept; rotating the secret refuses the old one; suspending refuses new tokens and ends the live one
now; resuming lets it take tokens again. A region admin sees and registers only their region's (another's is 404),
a national admin every one; the sign-in systems' routes do not see service accounts, nor these routes sign-in
systems. Every change is in the audit trail with the admin as actor, never with a secret."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from tests.support.auth import account_id, bearer
from tests.support.factories import AGENCY, create_citizen, create_national_admin, create_officer, create_region_admin
from tests.support.oidc import register as register_rp

REGION = "3302"
OTHER_REGION = "3510"
BASE = "/api/v1/admin/oidc/service-accounts"
CLIENTS = "/api/v1/admin/oidc/clients"
OFFICER_ROUTE = "/api/v1/officer/applications"


async def create(client: httpx.AsyncClient, admin: str, **more: Any) -> dict[str, Any]:
    body = {"name": "SIAK Dukcapil Banyumas", "agency": AGENCY, **more}
    answer = await client.post(BASE, json=body, headers=bearer(admin))
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    created: dict[str, Any] = answer.json()
    return created


async def token_answer(client: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return await client.post(
        "/oidc/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {raw}"}
    )


async def token(client: httpx.AsyncClient, account: dict[str, Any], secret: str | None = None) -> str:
    answer = await token_answer(client, account["clientId"], secret or account["clientSecret"])
    assert answer.status_code == 200, answer.text
    access: str = answer.json()["access_token"]
    return access


async def trail(db: asyncpg.Connection, client_id: str) -> list[tuple[str, uuid.UUID, dict[str, Any]]]:
    rows = await db.fetch(
        "SELECT action, actor, detail FROM audit_event WHERE action LIKE 'oidc.service_account_%' "
        "AND (detail->>'client' = $1 OR detail->>'clientId' = $1) ORDER BY at, id",
        client_id,
    )
    return [(r["action"], r["actor"], json.loads(r["detail"])) for r in rows]


async def test_a_registered_system_gets_a_token_the_officer_routes_accept(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    created = await create(client, admin)
    secret = created.pop("clientSecret")
    assert len(secret) >= 40 and created["clientId"].startswith("mpp-svc-")
    assert created["agency"] == AGENCY and created["region"] == REGION and created["status"] == "active"
    assert created["lastTokenAt"] is None
    row = await db.fetchrow("SELECT kind, account, created_by FROM oidc_client WHERE id = $1", uuid.UUID(created["id"]))
    assert row["kind"] == "service" and row["created_by"] == account_id({"accessToken": admin})
    assert await db.fetchval("SELECT roles FROM accounts_account WHERE id = $1", row["account"]) == ["officer"]

    access = await token(client, created, secret)
    listed = await client.get(OFFICER_ROUTE, params={"pageSize": 10}, headers=bearer(access))
    assert listed.status_code == 200, listed.text
    # Reading it again: the same account, never a secret, and when it last took a token.
    read = await client.get(f"{BASE}/{created['id']}", headers=bearer(admin))
    assert read.status_code == 200 and "clientSecret" not in read.json()
    assert read.json()["lastTokenAt"] is not None
    assert {k: v for k, v in read.json().items() if k != "lastTokenAt"} == {
        k: v for k, v in created.items() if k != "lastTokenAt"
    }
    actions = await trail(db, created["clientId"])
    assert [(a, actor) for a, actor, _ in actions] == [
        ("oidc.service_account_created", account_id({"accessToken": admin}))
    ]
    assert secret not in json.dumps([d for _, _, d in actions])


async def test_suspending_refuses_new_tokens_and_ends_the_live_one(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    created = await create(client, admin, name="Sistem yang ditangguhkan")
    access = await token(client, created)
    assert (await client.get(OFFICER_ROUTE, headers=bearer(access))).status_code == 200

    suspended = await client.post(f"{BASE}/{created['id']}/suspend", headers=bearer(admin))
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended", suspended.text
    # The token it holds stops working now (its session ended), and the token endpoint gives it no new one.
    assert (await client.get(OFFICER_ROUTE, headers=bearer(access))).status_code == 401
    refused = await token_answer(client, created["clientId"], created["clientSecret"])
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client", refused.text
    account = await db.fetchval("SELECT account FROM oidc_client WHERE id = $1", uuid.UUID(created["id"]))
    reasons = await db.fetch("SELECT revoked_at, revoke_reason FROM auth_session WHERE account = $1", account)
    assert reasons and all(r["revoked_at"] is not None and r["revoke_reason"] == "service_suspended" for r in reasons)
    # Suspending again changes nothing and writes nothing.
    again = await client.post(f"{BASE}/{created['id']}/suspend", headers=bearer(admin))
    assert again.status_code == 200 and again.json()["status"] == "suspended"

    resumed = await client.post(f"{BASE}/{created['id']}/resume", headers=bearer(admin))
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    fresh = await token(client, created)
    assert (await client.get(OFFICER_ROUTE, headers=bearer(fresh))).status_code == 200
    actions = await trail(db, created["clientId"])
    assert [a for a, _, _ in actions] == [
        "oidc.service_account_created",
        "oidc.service_account_suspended",
        "oidc.service_account_resumed",
    ]
    assert actions[1][2]["sessionsEnded"] == 1
    assert all(actor == account_id({"accessToken": admin}) for _, actor, _ in actions)


async def test_rotating_the_secret_refuses_the_old_one(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    admin = await create_national_admin(db, app)
    created = await create(client, admin, region=REGION)
    rotated = await client.post(f"{BASE}/{created['id']}/secret", headers=bearer(admin))
    assert rotated.status_code == 200 and rotated.headers["cache-control"] == "no-store", rotated.text
    new = rotated.json()["clientSecret"]
    assert new != created["clientSecret"]
    old = await token_answer(client, created["clientId"], created["clientSecret"])
    assert old.status_code == 401 and old.json()["error"] == "invalid_client"
    await token(client, created, new)
    actions = await trail(db, created["clientId"])
    assert [a for a, _, _ in actions] == ["oidc.service_account_created", "oidc.service_account_secret_rotated"]
    assert new not in json.dumps([d for _, _, d in actions])


async def test_each_admin_sees_their_region_and_each_route_its_kind(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    here = await create_region_admin(db, app, region=REGION)
    there = await create_region_admin(db, app, region=OTHER_REGION)
    national = await create_national_admin(db, app)
    mine = await create(client, here, name="Sistem Banyumas")
    # A region admin's account is always of their region; naming another region is refused.
    assert (
        await client.post(BASE, json={"name": "X", "agency": AGENCY, "region": OTHER_REGION}, headers=bearer(here))
    ).status_code == 404
    theirs = await create(client, national, name="Sistem lain", region=OTHER_REGION)

    listed = {item["id"] for item in (await client.get(BASE, headers=bearer(here))).json()["items"]}
    assert mine["id"] in listed and theirs["id"] not in listed
    over_there = {item["id"] for item in (await client.get(BASE, headers=bearer(there))).json()["items"]}
    assert theirs["id"] in over_there and mine["id"] not in over_there
    everything = {item["id"] for item in (await client.get(BASE, headers=bearer(national))).json()["items"]}
    assert {mine["id"], theirs["id"]} <= everything
    # Another region's account is as unknown as a missing one, for reading and for every change.
    for path in ("", "/secret", "/suspend", "/resume"):
        method = client.get if not path else client.post
        answer = await method(f"{BASE}/{theirs['id']}{path}", headers=bearer(here))
        assert answer.status_code == 404, (path, answer.text)
    assert (await db.fetchval("SELECT status FROM oidc_client WHERE id = $1", uuid.UUID(theirs["id"]))) == "active"

    # The sign-in systems' routes do not see a service account (its settings are no sign-in system's), nor these
    # routes a sign-in system.
    rp = await register_rp(db, region=REGION)
    clients = {item["id"] for item in (await client.get(CLIENTS, headers=bearer(national))).json()["items"]}
    assert mine["id"] not in clients and rp["id"] in clients
    for path in ("", "/secret", "/suspend", "/resume"):
        method = client.get if not path else client.post
        assert (await method(f"{CLIENTS}/{mine['id']}{path}", headers=bearer(national))).status_code == 404
        assert (await method(f"{BASE}/{rp['id']}{path}", headers=bearer(national))).status_code == 404
    assert rp["id"] not in everything

    # Citizens and officers are refused.
    for caller in (await create_citizen(client), await create_officer(db, app)):
        assert (await client.get(BASE, headers=bearer(caller))).status_code == 403


async def test_bad_input_is_refused_clearly(client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar) -> None:
    admin = await create_region_admin(db, app, region=REGION)
    national = await create_national_admin(db, app)
    before = await db.fetchval("SELECT count(*) FROM oidc_client WHERE kind = 'service'")
    named = [
        (admin, {"name": "X", "agency": "NOPE"}, "agency"),
        (admin, {"name": "   ", "agency": AGENCY}, "name"),
        (national, {"name": "X", "agency": AGENCY}, "region"),
        (national, {"name": "X", "agency": AGENCY, "region": "9999"}, "region"),
    ]
    for caller, body, field in named:
        answer = await client.post(BASE, json=body, headers=bearer(caller))
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["errors"][0]["field"] == field, answer.text
    shapes: list[dict[str, Any]] = [
        {"name": "X"},
        {"name": "X", "agency": "DIS DUK"},
        {"name": "x" * 500, "agency": AGENCY},
        {"name": "SIAK\u202e", "agency": AGENCY},
        {"name": "X", "agency": AGENCY, "unknown": 1},
        {"name": "X", "agency": AGENCY, "region": "x"},
    ]
    for body in shapes:
        answer = await client.post(BASE, json=body, headers=bearer(admin))
        assert answer.status_code in (400, 422), (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert await db.fetchval("SELECT count(*) FROM oidc_client WHERE kind = 'service'") == before
    assert (await client.get(f"{BASE}/not-a-uuid", headers=bearer(admin))).status_code in (400, 404)
    assert (await client.post(f"{BASE}/{uuid.uuid4()}/suspend", headers=bearer(admin))).status_code == 404

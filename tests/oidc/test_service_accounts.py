"""Service accounts: an agency back-office gets a token with client credentials at the discovery document's token
endpoint (registered with the real ``mpp service-accounts create`` command's code), and the officer routes accept it
for its agency and region only — it reads and decides its own agency's case through the same state machine, sees
nothing of another agency's or region's, cannot act as a citizen, and its reads are in the citizen's access log
under the system's name."""

from __future__ import annotations

import base64
import uuid

import asyncpg
import httpx
import pytest
from litestar import Litestar

from api.oidc import service_accounts
from tests.support.auth import bearer
from tests.support.factories import AGENCY, create_application, create_citizen
from tests.support.oidc import REDIRECT, pkce, register, service_token


async def test_a_service_account_works_its_own_agencys_cases_only(
    client: httpx.AsyncClient, db: asyncpg.Connection, app: Litestar
) -> None:
    token, _ = await service_token(client, db)
    citizen = await create_citizen(client)
    application = await create_application(client, citizen)
    listed = await client.get("/api/v1/officer/applications", params={"pageSize": 100}, headers=bearer(token))
    assert listed.status_code == 200, listed.text
    read = await client.get(f"/api/v1/officer/applications/{application['id']}", headers=bearer(token))
    assert read.status_code == 200, read.text
    decided = await client.post(
        f"/api/v1/officer/applications/{application['id']}/decision",
        json={"action": "start_review"},
        headers=bearer(token),
    )
    assert decided.status_code == 200, decided.text
    # The state machine holds for it as for an officer: approving from review needs what an officer needs.
    skipped = await client.post(
        f"/api/v1/officer/applications/{application['id']}/decision",
        json={"action": "complete"},
        headers=bearer(token),
    )
    assert skipped.status_code in (409, 422), skipped.text
    # Another agency's system, and the same agency in another region: nothing of this case.
    for where in ({"agency": "DPMPTSP"}, {"region": "3510"}):
        other, _ = await service_token(client, db, name="Sistem lain", **where)
        hidden = await client.get(f"/api/v1/officer/applications/{application['id']}", headers=bearer(other))
        assert hidden.status_code == 404, hidden.text
    # It is no citizen: citizen routes refuse it.
    assert (await client.get("/api/v1/me/oidc-grants", headers=bearer(token))).status_code == 403
    entry = await db.fetchval(
        "SELECT count(*) FROM applications_event WHERE application = $1 AND actor = "
        "(SELECT account FROM oidc_client WHERE name = 'SIAK Dukcapil Banyumas' ORDER BY created_at DESC LIMIT 1)",
        uuid.UUID(application["id"]),
    )
    assert entry == 1


async def test_grants_are_kept_apart_and_wrong_secrets_refused(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    _token, svc = await service_token(client, db)
    raw = base64.b64encode(f"{svc['client_id']}:wrong".encode()).decode()
    wrong = await client.post(
        "/oidc/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {raw}"}
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    # A system citizens sign in to cannot take client credentials; a service account cannot sign citizens in.
    rp = await register(db)
    raw = base64.b64encode(f"{rp['client_id']}:{rp['secret']}".encode()).decode()
    refused = await client.post(
        "/oidc/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {raw}"}
    )
    assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client", refused.text
    _verifier, challenge = pkce()
    sign_in = await client.get(
        "/oidc/authorize",
        params={
            "response_type": "code",
            "client_id": svc["client_id"],
            "redirect_uri": REDIRECT,
            "scope": "openid",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert sign_in.status_code == 400 and "location" not in sign_in.headers


async def test_an_unknown_agency_or_region_is_refused_clearly(db: asyncpg.Connection) -> None:
    from api.lib.errors import DomainError

    for where in ({"agency": "NOPE", "region": "3302"}, {"agency": AGENCY, "region": "9999"}):
        with pytest.raises(DomainError) as refused:
            await service_accounts.create(db, name="X", created_by=None, **where)
        assert refused.value.status in (400, 422), refused.value.status


async def test_a_system_cannot_claim_to_have_seen_a_ktp_el(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    token, _ = await service_token(client, db, name="Sistem yang mencoba")
    citizen = await create_citizen(client)
    me = (await client.get("/api/v1/me", headers=bearer(citizen))).json()
    claimed = await client.post(
        f"/api/v1/officer/identity/accounts/{me['id']}/in-person",
        json={"matches": True},
        headers=bearer(token),
    )
    assert claimed.status_code == 403 and claimed.json()["code"] == "person_required"
    after = (await client.get("/api/v1/me", headers=bearer(citizen))).json()
    assert after["assurance"] == me["assurance"]

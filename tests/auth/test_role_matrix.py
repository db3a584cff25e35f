"""Every route in the OpenAPI document, called by every role: each answer is the one its rule demands.

The expectations (``tests/support/roles.py``) are written apart from the code's own declarations, so that a route
added without a rule — or with a wrong one — fails this test.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
from litestar import Litestar

from api.auth.service import start_session
from tests.support.auth import new_phone, staff
from tests.support.roles import EVERYONE, EXPECTED, PUBLIC, shape


def concrete(path: str) -> str:
    path = path.replace("/regions/{}", "/regions/3302").replace("/dead-letters/{}", "/dead-letters/0")
    return path.replace("{}", str(uuid.uuid4()))


class Tokens:
    """A fresh session per call: some routes end sessions or accounts (logout, sign out everywhere)."""

    def __init__(self, app: Litestar, db: asyncpg.Connection, accounts: dict[str, uuid.UUID], kiosk: uuid.UUID):
        self.app, self.db, self.accounts, self.kiosk = app, db, accounts, kiosk

    async def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        issuer = self.app.state.issuer
        if role == "kiosk":
            pair = await start_session(
                self.db,
                issuer,
                account=None,
                kiosk=self.kiosk,
                kind="kiosk",
                amr=["kiosk"],
                scope="api",
                user_agent="matrix",
                ip="127.0.0.1",
            )
        else:
            base = "officer" if role == "officer_mfa" else role
            pair = await start_session(
                self.db,
                issuer,
                account=self.accounts[base],
                kind="citizen" if base == "citizen" else "staff",
                amr=["otp"] if role == "officer_mfa" else ["otp", "passkey"],
                scope="mfa" if role == "officer_mfa" else "api",
                user_agent="matrix",
                ip="127.0.0.1",
            )
        return {"Authorization": f"Bearer {pair.access_token}"}


@pytest_asyncio.fixture(loop_scope="session")
async def tokens(app: Litestar, db: asyncpg.Connection) -> Tokens:
    accounts: dict[str, uuid.UUID] = {}
    scopes: dict[str, dict[str, str]] = {
        "citizen": {},
        "officer": {"agency": "DISDUKCAPIL", "region": "3302"},
        "supervisor": {"agency": "DISDUKCAPIL", "region": "3302"},
        "region_admin": {"region": "3302"},
        "national_admin": {},
    }
    for role, scope in scopes.items():
        phone = new_phone() if role == "citizen" else await staff(db, role, **scope)
        if role == "citizen":
            await db.execute(
                "INSERT INTO accounts_account (id, phone, name, language, roles, status, created_at, updated_at) "
                "VALUES ($1, $2, 'Matrix', 'id', ARRAY['citizen'], 'active', now(), now())",
                uuid.uuid4(),
                phone,
            )
        accounts[role] = await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", phone)
    mpp = await db.fetchval("SELECT id FROM catalogue_mpp WHERE region = '3302'")
    kiosk = await db.fetchval(
        "INSERT INTO auth_kiosk (id, mpp, region, name, secret_hash, created_at) "
        "VALUES ($1, $2, '3302', 'matrix', $3, now()) RETURNING id",
        uuid.uuid4(),
        mpp,
        uuid.uuid4().hex * 2,
    )
    return Tokens(app, db, accounts, kiosk)


async def test_every_route_has_an_expectation(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    routes = {(method.upper(), shape(path)) for path, item in spec["paths"].items() for method in item}
    assert routes - set(EXPECTED) == set(), "routes without an expected rule (add them to EXPECTED)"
    assert set(EXPECTED) - routes == set(), "expected routes that no longer exist"


async def test_role_matrix(client: httpx.AsyncClient, tokens: Tokens) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    failures: list[str] = []
    for path, item in spec["paths"].items():
        for method in item:
            key = (method.upper(), shape(path))
            rule = EXPECTED.get(key)
            if rule is None:
                continue  # reported by test_every_route_has_an_expectation
            allowed = EVERYONE if rule == PUBLIC else rule
            for role in sorted(EVERYONE):
                headers = await tokens.headers(role)
                kwargs: dict[str, Any] = {"headers": headers}
                if method.upper() in ("POST", "PATCH", "PUT"):
                    kwargs["json"] = {}
                response = await client.request(method.upper(), concrete(shape(path)), **kwargs)
                status = response.status_code
                if role in allowed:
                    ok = status not in (401, 403) or (
                        # public sign-in routes may refuse what they are given, never for lack of a role
                        rule == PUBLIC and response.json().get("code") not in ("unauthorised", "forbidden")
                    )
                else:
                    ok = status == (401 if role == "anonymous" else 403)
                if status >= 500 or not ok:
                    failures.append(f"{method.upper()} {path} as {role}: {status} {response.text[:120]}")
    assert failures == []

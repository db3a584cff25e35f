"""Signing in from tests, the way a citizen does: request a code, read the SMS, verify it."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from typing import Any

import asyncpg
import httpx

from api.accounts.service import create_account
from api.config import get_settings


def new_phone() -> str:
    """A fresh number per test: the database is shared by the session and codes are limited per number."""
    return "+62812" + "".join(random.choices("0123456789", k=8))


def last_code(phone: str) -> str:
    path = get_settings().dev_messages_path
    codes = [m["code"] for m in map(json.loads, path.read_text().splitlines()) if m["to"] == phone and "code" in m]
    assert codes, f"no code was sent to {phone}"
    return str(codes[-1])


async def request_code(client: httpx.AsyncClient, phone: str, **headers: str) -> httpx.Response:
    return await client.post("/api/v1/auth/otp", json={"phone": phone}, headers=headers)


async def sign_in(client: httpx.AsyncClient, phone: str | None = None, **headers: str) -> dict[str, Any]:
    phone = phone or new_phone()
    assert (await request_code(client, phone)).status_code == 202
    response = await client.post(
        "/api/v1/auth/otp/verify", json={"phone": phone, "code": last_code(phone)}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    body["phone"] = phone
    return body


def bearer(tokens: dict[str, Any] | str) -> dict[str, str]:
    token = tokens if isinstance(tokens, str) else tokens["accessToken"]
    return {"Authorization": f"Bearer {token}"}


async def staff(db: asyncpg.Connection, role: str, **scope: str) -> str:
    """Create a staff account and return its phone number."""
    phone = new_phone()
    await create_account(db, role=role, phone=phone, **scope)  # type: ignore[arg-type]
    return phone


async def enrolment_code(db: asyncpg.Connection, phone: str) -> str:
    """A new enrolment code for the staff member with this phone, as `mpp users enrolment` issues one: their first
    passkey needs it (sent as ``enrolmentCode`` with the registration options)."""
    from api.auth import enrolment

    settings = get_settings()
    account = await enrolment.staff_account(db, phone=phone)
    issued = await enrolment.issue(
        db,
        enrolment.code_secret(settings),
        account=account,
        ttl=dt.timedelta(hours=settings.auth.enrolment_code_hours),
        issued_by=None,
    )
    return issued.code


async def full_staff_token(db: asyncpg.Connection, app: Any, role: str, **scope: str) -> str:
    """An access token of a staff member who has given their second factor (scope "api").

    Built with the app's own issuer for a real session row: the passkey step itself is tested in
    tests/auth/test_passkeys.py.
    """
    from api.auth.service import start_session

    phone = await staff(db, role, **scope)
    account = await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", phone)
    pair = await start_session(
        db,
        app.state.issuer,
        account=account,
        kind="staff",
        amr=["otp", "passkey"],
        scope="api",
        user_agent="test",
        ip="127.0.0.1",
    )
    return pair.access_token


def account_id(tokens: dict[str, Any]) -> uuid.UUID:
    from jose import jwt

    return uuid.UUID(jwt.get_unverified_claims(tokens["accessToken"])["sub"])

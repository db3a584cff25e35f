"""Enrolment codes: a staff member's first passkey needs one from an admin, besides the SMS code.

Real API, real database, a software authenticator (tests/support/authenticator.py); nothing of ours is mocked.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from api.config import Settings
from tests.support.auth import account_id, bearer, enrolment_code, full_staff_token, sign_in, staff
from tests.support.authenticator import SoftAuthenticator

BASE = "/api/v1/auth/passkeys"


def device(settings: Settings) -> SoftAuthenticator:
    return SoftAuthenticator(settings.auth.rp_id, settings.auth.origins[0])


async def options(client: httpx.AsyncClient, tokens: dict[str, Any], code: str | None = None) -> httpx.Response:
    return await client.post(
        f"{BASE}/register/options", json={"enrolmentCode": code} if code is not None else None, headers=bearer(tokens)
    )


async def register(
    client: httpx.AsyncClient, tokens: dict[str, Any], started: httpx.Response, authenticator: SoftAuthenticator
) -> httpx.Response:
    assert started.status_code == 200, started.text
    body = started.json()
    credential = authenticator.create(body["publicKey"])
    return await client.post(
        f"{BASE}/register", json={"challengeId": body["challengeId"], "credential": credential}, headers=bearer(tokens)
    )


def problem(response: httpx.Response, status: int, code: str) -> bool:
    return (
        response.status_code == status
        and response.headers["content-type"].startswith("application/problem+json")
        and response.json()["code"] == code
    )


async def audit(db: asyncpg.Connection, account: uuid.UUID, action: str) -> list[dict[str, Any]]:
    rows = await db.fetch(
        "SELECT detail FROM audit_event WHERE subject = $1 AND action = $2 ORDER BY at, id", account, action
    )
    return [json.loads(r["detail"]) if isinstance(r["detail"], str) else dict(r["detail"]) for r in rows]


async def new_officer(
    client: httpx.AsyncClient, db: asyncpg.Connection, region: str = "3302"
) -> tuple[str, dict[str, Any]]:
    phone = await staff(db, "officer", agency="DISDUKCAPIL", region=region)
    tokens = await sign_in(client, phone)
    assert tokens["scope"] == "mfa"
    return phone, tokens


async def test_the_first_staff_passkey_needs_the_code_and_uses_it_once(
    client: httpx.AsyncClient, db: asyncpg.Connection, settings: Settings
) -> None:
    phone, tokens = await new_officer(client, db)
    code = await enrolment_code(db, phone)
    account = account_id(tokens)
    # The SMS code alone is not enough: no code, an empty body, a wrong one, junk.
    assert problem(await options(client, tokens), 400, "enrolment_code_required")
    assert problem(
        await client.post(f"{BASE}/register/options", json={}, headers=bearer(tokens)), 400, "enrolment_code_required"
    )
    wrong = "0000-0000-0000" if code != "0000-0000-0000" else "1111-1111-1111"
    assert problem(await options(client, tokens, wrong), 400, "invalid_enrolment_code")
    assert problem(await options(client, tokens, "not a code"), 400, "invalid_enrolment_code")
    assert problem(await options(client, tokens, "x" * 41), 400, "invalid_request")
    assert await db.fetchval("SELECT count(*) FROM auth_passkey WHERE account = $1", account) == 0

    # Asking for options does not spend it (a cancelled fingerprint prompt must not burn the admin's code);
    # typed by hand, in lower case, without the dashes, it is the same code.
    assert (await options(client, tokens, code)).status_code == 200
    typed = code.replace("-", "").lower()
    first = device(settings)
    registered = await register(client, tokens, await options(client, tokens, typed), first)
    assert registered.status_code == 201, registered.text

    assert [d["reason"] for d in await audit(db, account, "auth.enrolment_code_failed")] == ["wrong", "wrong"]
    assert len(await audit(db, account, "auth.enrolment_code_issued")) == 1
    assert len(await audit(db, account, "auth.enrolment_code_used")) == 1
    assert (
        await db.fetchval(
            "SELECT count(*) FROM auth_enrolment_code WHERE account = $1 AND used_at IS NOT NULL", account
        )
        == 1
    )
    # Nothing readable is stored: only the HMAC.
    stored = await db.fetchval("SELECT code_hash FROM auth_enrolment_code WHERE account = $1", account)
    assert code.replace("-", "").encode() not in bytes(stored)

    # A second passkey (after confirming with the first) needs no code.
    started = await client.post(f"{BASE}/authenticate/options", headers=bearer(tokens))
    assertion = first.get(started.json()["publicKey"])
    full = await client.post(
        f"{BASE}/authenticate",
        json={"challengeId": started.json()["challengeId"], "credential": assertion},
        headers=bearer(tokens),
    )
    assert full.status_code == 200 and full.json()["scope"] == "api"
    second = await register(client, full.json(), await options(client, full.json()), device(settings))
    assert second.status_code == 201, second.text


async def test_a_used_code_is_refused(client: httpx.AsyncClient, db: asyncpg.Connection, settings: Settings) -> None:
    phone, tokens = await new_officer(client, db)
    code = await enrolment_code(db, phone)
    assert (await register(client, tokens, await options(client, tokens, code), device(settings))).status_code == 201
    # The phone with the passkey is lost and its passkey removed: the old code cannot enrol a new one.
    await db.execute("DELETE FROM auth_passkey WHERE account = $1", account_id(tokens))
    await db.execute("DELETE FROM auth_rate_limit WHERE key LIKE $1", f"otp:phone-minute:{phone}:%")
    again = await sign_in(client, phone)
    assert problem(await options(client, again, code), 400, "invalid_enrolment_code")
    assert [d["reason"] for d in await audit(db, account_id(tokens), "auth.enrolment_code_failed")] == ["used"]
    # A new code from an admin does.
    fresh = await enrolment_code(db, phone)
    assert (await register(client, again, await options(client, again, fresh), device(settings))).status_code == 201


async def test_an_expired_code_is_refused(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    phone, tokens = await new_officer(client, db)
    code = await enrolment_code(db, phone)
    await db.execute(
        "UPDATE auth_enrolment_code SET expires_at = now() - interval '1 second' WHERE account = $1",
        account_id(tokens),
    )
    assert problem(await options(client, tokens, code), 400, "invalid_enrolment_code")
    assert [d["reason"] for d in await audit(db, account_id(tokens), "auth.enrolment_code_failed")] == ["expired"]


async def test_a_code_that_expires_during_the_ceremony_stores_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection, settings: Settings
) -> None:
    phone, tokens = await new_officer(client, db)
    started = await options(client, tokens, await enrolment_code(db, phone))
    await db.execute(
        "UPDATE auth_enrolment_code SET expires_at = now() - interval '1 second' WHERE account = $1",
        account_id(tokens),
    )
    assert problem(await register(client, tokens, started, device(settings)), 400, "invalid_enrolment_code")
    assert await db.fetchval("SELECT count(*) FROM auth_passkey WHERE account = $1", account_id(tokens)) == 0


async def test_a_new_code_replaces_the_old_one_and_codes_are_personal(
    client: httpx.AsyncClient, db: asyncpg.Connection, settings: Settings
) -> None:
    phone, tokens = await new_officer(client, db)
    old = await enrolment_code(db, phone)
    new = await enrolment_code(db, phone)
    assert problem(await options(client, tokens, old), 400, "invalid_enrolment_code")
    assert [d["reason"] for d in await audit(db, account_id(tokens), "auth.enrolment_code_failed")] == ["replaced"]
    # Another officer's valid code is worth nothing on this account.
    other_phone, _ = await new_officer(client, db)
    assert problem(await options(client, tokens, await enrolment_code(db, other_phone)), 400, "invalid_enrolment_code")
    assert (await register(client, tokens, await options(client, tokens, new), device(settings))).status_code == 201


async def test_guesses_are_limited(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    phone, tokens = await new_officer(client, db)
    code = await enrolment_code(db, phone)
    for i in range(10):
        assert problem(await options(client, tokens, f"{i:012d}"), 400, "invalid_enrolment_code")
    limited = await options(client, tokens, code)  # even the right one, until the window ends
    assert problem(limited, 429, "rate_limited") and int(limited.headers["retry-after"]) > 0


async def test_citizens_never_need_a_code(client: httpx.AsyncClient, settings: Settings) -> None:
    tokens = await sign_in(client)
    assert (await register(client, tokens, await options(client, tokens), device(settings))).status_code == 201
    # One sent anyway is ignored.
    ignored = await options(client, tokens, "0000-0000-0000")
    assert ignored.status_code == 200


async def test_admins_reissue_codes_for_staff_they_manage(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection, settings: Settings
) -> None:
    _, tokens = await new_officer(client, db, region="3302")
    officer = account_id(tokens)
    elsewhere = await db.fetchval(
        "SELECT id FROM accounts_account WHERE phone = $1",
        await staff(db, "officer", agency="DISDUKCAPIL", region="3471"),
    )
    citizen = account_id(await sign_in(client))
    region_admin = {"Authorization": f"Bearer {await full_staff_token(db, app, 'region_admin', region='3302')}"}
    national_admin = {"Authorization": f"Bearer {await full_staff_token(db, app, 'national_admin')}"}

    def route(account: uuid.UUID) -> str:
        return f"/api/v1/admin/staff/{account}/enrolment-code"

    first = await client.post(route(officer), headers=region_admin)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["accountId"] == str(officer)
    assert body["link"] == f"{settings.browser_url}#/signin?enrol={body['enrolmentCode']}"
    assert body["expiresAt"]
    issued = await audit(db, officer, "auth.enrolment_code_issued")
    assert issued[-1]["by"] == "admin"
    actor = await db.fetchval(
        "SELECT actor FROM audit_event WHERE subject = $1 AND action = 'auth.enrolment_code_issued'", officer
    )
    assert actor is not None

    # Not the staff of another region, nor citizens: as if they did not exist.
    assert problem(await client.post(route(elsewhere), headers=region_admin), 404, "not_found")
    assert problem(await client.post(route(citizen), headers=region_admin), 404, "not_found")
    assert problem(await client.post(route(citizen), headers=national_admin), 404, "not_found")
    assert problem(await client.post(route(uuid.uuid4()), headers=national_admin), 404, "not_found")
    # National admins: every region. Their new code replaces the region admin's.
    assert (await client.post(route(elsewhere), headers=national_admin)).status_code == 201
    second = await client.post(route(officer), headers=national_admin)
    assert second.status_code == 201
    assert problem(await options(client, tokens, body["enrolmentCode"]), 400, "invalid_enrolment_code")
    started = await options(client, tokens, second.json()["enrolmentCode"])
    assert (await register(client, tokens, started, device(settings))).status_code == 201
    # Nobody else may issue one (the role matrix checks every role; one example here).
    officer_token = {
        "Authorization": f"Bearer {await full_staff_token(db, app, 'officer', agency='DISDUKCAPIL', region='3302')}"
    }
    assert (await client.post(route(officer), headers=officer_token)).status_code == 403


async def test_admins_find_staff_by_phone_in_their_scope(
    client: httpx.AsyncClient, app: Litestar, db: asyncpg.Connection
) -> None:
    mine = await staff(db, "officer", agency="DISDUKCAPIL", region="3302")
    elsewhere = await staff(db, "officer", agency="DISDUKCAPIL", region="3471")
    citizen = (await sign_in(client))["phone"]
    region_admin = {"Authorization": f"Bearer {await full_staff_token(db, app, 'region_admin', region='3302')}"}
    national_admin = {"Authorization": f"Bearer {await full_staff_token(db, app, 'national_admin')}"}

    async def find(phone: str, headers: dict[str, str]) -> httpx.Response:
        return await client.get("/api/v1/admin/staff", params={"phone": phone}, headers=headers)

    found = await find("0" + mine.removeprefix("+62"), region_admin)
    assert found.status_code == 200, found.text
    assert found.json()["total"] == 1
    body = found.json()["items"][0]
    assert body["phone"] == mine and body["roles"] == ["officer"] and body["region"]["code"] == "3302"
    assert body["hasPasskey"] is False and body["agency"]["code"] == "DISDUKCAPIL"
    assert body["accountId"] == str(await db.fetchval("SELECT id FROM accounts_account WHERE phone = $1", mine))
    # Another region's staff: as if they did not exist, for a region admin; found by a national admin.
    assert (await find(elsewhere, region_admin)).json() == {"items": [], "total": 0}
    assert (await find(elsewhere, national_admin)).json()["total"] == 1
    # Citizens are not staff; a number that cannot be one says so.
    assert (await find(citizen, national_admin)).json()["total"] == 0
    assert problem(await find("0812", national_admin), 422, "invalid_phone")


async def test_housekeeping_removes_long_expired_codes_only(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    from api.auth.housekeeping import purge

    old_phone, old_tokens = await new_officer(client, db)
    live_phone, live_tokens = await new_officer(client, db)
    await enrolment_code(db, old_phone)
    await enrolment_code(db, live_phone)
    await db.execute(
        "UPDATE auth_enrolment_code SET expires_at = now() - interval '2 days' WHERE account = $1",
        account_id(old_tokens),
    )
    assert (await purge(db))["enrolment_codes"] >= 1
    remaining = "SELECT count(*) FROM auth_enrolment_code WHERE account = $1"
    assert await db.fetchval(remaining, account_id(old_tokens)) == 0
    assert await db.fetchval(remaining, account_id(live_tokens)) == 1
    # The trail keeps that it was issued.
    assert len(await audit(db, account_id(old_tokens), "auth.enrolment_code_issued")) == 1

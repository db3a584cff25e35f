"""Sign-in by one-time code, refresh-token rotation, logout and rate limits — against the real database."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from tests.support.auth import bearer, last_code, new_phone, request_code, sign_in, staff
from tests.support.clients import client_at


async def test_first_sign_in_creates_a_citizen(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    phone = new_phone()
    sent = await request_code(client, phone)
    assert sent.status_code == 202 and sent.json() == {"expiresIn": 300}
    code = last_code(phone)
    assert len(code) == 6 and code.isdigit()
    stored = await db.fetchrow("SELECT code_hash FROM auth_one_time_code WHERE phone = $1", phone)
    assert code.encode() not in bytes(stored["code_hash"])  # stored as an HMAC, not the code
    tokens = (await client.post("/api/v1/auth/otp/verify", json={"phone": phone, "code": code})).json()
    assert tokens["newAccount"] is True and tokens["tokenType"] == "Bearer" and tokens["expiresIn"] == 600
    me = (await client.get("/api/v1/me", headers=bearer(tokens))).json()
    assert me["phone"] == phone and me["roles"] == ["citizen"]
    await db.execute("DELETE FROM auth_rate_limit WHERE key LIKE $1", f"otp:phone-minute:{phone}:%")
    again = await sign_in(client, phone)
    assert "newAccount" not in again  # the second time the account exists


async def test_known_and_unknown_numbers_get_the_same_answer(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    known = (await sign_in(client))["phone"]
    await db.execute("DELETE FROM auth_rate_limit WHERE key LIKE $1", f"otp:phone-minute:{known}:%")
    for phone in (known, new_phone()):
        response = await request_code(client, phone)
        assert (response.status_code, response.json()) == (202, {"expiresIn": 300})


async def test_the_number_is_normalised(client: httpx.AsyncClient) -> None:
    phone = new_phone()
    local = "0" + phone[3:6] + "-" + phone[6:10] + " " + phone[10:]
    assert (await request_code(client, local)).status_code == 202
    response = await client.post("/api/v1/auth/otp/verify", json={"phone": phone, "code": last_code(phone)})
    assert response.status_code == 200


async def test_a_code_is_single_use(client: httpx.AsyncClient) -> None:
    phone = new_phone()
    await request_code(client, phone)
    body = {"phone": phone, "code": last_code(phone)}
    assert (await client.post("/api/v1/auth/otp/verify", json=body)).status_code == 200
    again = await client.post("/api/v1/auth/otp/verify", json=body)
    assert again.status_code == 400 and again.json()["code"] == "invalid_code"


async def test_the_sixth_try_fails_even_with_the_right_code(client: httpx.AsyncClient) -> None:
    phone = new_phone()
    await request_code(client, phone)
    code = last_code(phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        response = await client.post("/api/v1/auth/otp/verify", json={"phone": phone, "code": wrong})
        assert response.status_code == 400
    right = await client.post("/api/v1/auth/otp/verify", json={"phone": phone, "code": code})
    assert right.status_code == 400 and right.json()["code"] == "invalid_code"


async def test_an_expired_code_fails(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    phone = new_phone()
    await request_code(client, phone)
    await db.execute("UPDATE auth_one_time_code SET expires_at = now() - interval '1 second' WHERE phone = $1", phone)
    response = await client.post("/api/v1/auth/otp/verify", json={"phone": phone, "code": last_code(phone)})
    assert response.status_code == 400


async def test_a_new_code_kills_the_previous_one(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    phone = new_phone()
    await request_code(client, phone)
    first = last_code(phone)
    await db.execute("DELETE FROM auth_rate_limit WHERE key LIKE $1", f"otp:phone-minute:{phone}:%")
    await request_code(client, phone)
    assert (await client.post("/api/v1/auth/otp/verify", json={"phone": phone, "code": first})).status_code == 400 or (
        first == last_code(phone)
    )


async def test_malformed_input(client: httpx.AsyncClient) -> None:
    for phone in ("12345", "+6521234567", "phone", "0" * 40):
        response = await request_code(client, phone)
        assert response.status_code in (400, 422), phone
        assert response.headers["content-type"].startswith("application/problem+json")
    for body in ({}, {"phone": 812}, {"phone": "0812", "extra": 1}, [], "x"):
        response = await client.post("/api/v1/auth/otp", json=body)
        assert response.status_code == 400, body
    for code in ("12345", "1234567", "abcdef", ""):
        response = await client.post("/api/v1/auth/otp/verify", json={"phone": new_phone(), "code": code})
        assert response.status_code == 400, code
    response = await client.post("/api/v1/auth/otp/verify", json={"phone": "not a number", "code": "123456"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_code"


async def test_code_flood_for_one_number_is_limited_briefly(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    phone = new_phone()
    assert (await request_code(client, phone)).status_code == 202
    second = await request_code(client, phone)
    assert second.status_code == 429 and 0 < int(second.headers["retry-after"]) <= 60
    assert second.json()["code"] == "rate_limited"
    for _ in range(2):  # the per-minute limit passes; the 10-minute one (3 codes) still holds
        await db.execute("DELETE FROM auth_rate_limit WHERE key LIKE $1", f"otp:phone-minute:{phone}:%")
        assert (await request_code(client, phone)).status_code == 202
    await db.execute("DELETE FROM auth_rate_limit WHERE key LIKE $1", f"otp:phone-minute:{phone}:%")
    fourth = await request_code(client, phone)
    assert fourth.status_code == 429 and int(fourth.headers["retry-after"]) <= 600
    # Another citizen is not affected by the flood.
    assert (await request_code(client, new_phone())).status_code == 202


async def test_many_numbers_from_one_address_are_limited(app: object) -> None:
    async with client_at(app, "192.0.2.77") as c:  # type: ignore[arg-type]
        statuses = [(await request_code(c, new_phone())).status_code for _ in range(31)]
    assert statuses[:30] == [202] * 30 and statuses[30] == 429


async def test_guessing_is_limited_across_codes(client: httpx.AsyncClient) -> None:
    phone = new_phone()
    await request_code(client, phone)
    statuses = [
        (await client.post("/api/v1/auth/otp/verify", json={"phone": phone, "code": f"{i:06d}"})).status_code
        for i in range(11)
    ]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429


async def test_refresh_rotates_and_reuse_revokes_the_family(client: httpx.AsyncClient) -> None:
    first = await sign_in(client)
    second = (await client.post("/api/v1/auth/refresh", json={"refreshToken": first["refreshToken"]})).json()
    assert second["refreshToken"] != first["refreshToken"]
    assert (await client.get("/api/v1/me", headers=bearer(second))).status_code == 200
    # The old token is presented again (stolen?): the whole session ends, the legitimate new token too.
    replay = await client.post("/api/v1/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert replay.status_code == 401 and replay.json()["code"] == "invalid_grant"
    dead = await client.post("/api/v1/auth/refresh", json={"refreshToken": second["refreshToken"]})
    assert dead.status_code == 401
    assert (await client.get("/api/v1/me", headers=bearer(second))).status_code == 401


async def test_refresh_rejects_junk(client: httpx.AsyncClient) -> None:
    for token in ("x", "a" * 199, "a" * 500):
        response = await client.post("/api/v1/auth/refresh", json={"refreshToken": token})
        assert response.status_code in (400, 401)


async def test_idle_and_absolute_lifetimes(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    tokens = await sign_in(client)
    row = await db.fetchrow(
        "SELECT kind, idle_expires_at - created_at AS idle, absolute_expires_at - created_at AS absolute "
        "FROM auth_session WHERE id = (SELECT session FROM auth_refresh_token ORDER BY created_at DESC LIMIT 1)"
    )
    assert row["kind"] == "citizen" and row["idle"].days == 30 and row["absolute"].days == 90
    await db.execute(
        "UPDATE auth_session SET idle_expires_at = now() - interval '1 second' WHERE id = "
        "(SELECT session FROM auth_refresh_token WHERE used_at IS NULL ORDER BY created_at DESC LIMIT 1)"
    )
    assert (await client.post("/api/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})).status_code == 401


async def test_logout_clears_the_site_and_ends_the_session(client: httpx.AsyncClient) -> None:
    tokens = await sign_in(client)
    response = await client.post("/api/v1/auth/logout", headers=bearer(tokens))
    assert response.status_code == 204
    assert '"storage"' in response.headers["clear-site-data"]
    assert (await client.get("/api/v1/me", headers=bearer(tokens))).status_code == 401
    assert (await client.post("/api/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]})).status_code == 401


async def test_staff_sign_in_with_a_code_owes_a_second_factor(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    phone = await staff(db, "officer", agency="DISDUKCAPIL", region="3302")
    tokens = await sign_in(client, phone)
    assert tokens["scope"] == "mfa"
    me = (await client.get("/api/v1/me", headers=bearer(tokens))).json()
    assert me["roles"] == ["officer"] and me["agency"]["code"] == "DISDUKCAPIL" and me["region"]["code"] == "3302"
    refused = await client.get("/api/v1/me/sessions", headers=bearer(tokens))
    assert refused.status_code == 403 and refused.json()["code"] == "second_factor_required"
    session = await db.fetchrow(
        "SELECT s.absolute_expires_at - s.created_at AS absolute FROM auth_session s JOIN accounts_account a "
        "ON a.id = s.account WHERE a.phone = $1",
        phone,
    )
    assert session["absolute"].total_seconds() == 12 * 3600


async def test_sign_in_is_in_the_audit_trail(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    tokens = await sign_in(client)
    trail = (await client.get("/api/v1/me/audit", headers=bearer(tokens))).json()
    assert trail["items"][0]["action"] == "auth.signed_in"
    # The trail is append-only, enforced by the database itself.
    with pytest.raises(asyncpg.PostgresError, match="append-only"):
        await db.execute("DELETE FROM audit_event")
    with pytest.raises(asyncpg.PostgresError, match="append-only"):
        await db.execute("UPDATE audit_event SET action = 'x'")


async def test_housekeeping_removes_only_what_is_dead(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    from api.auth.housekeeping import purge

    phone = new_phone()
    await request_code(client, phone)
    await db.execute(
        "INSERT INTO auth_rate_limit (key, hits, expires_at) VALUES ('test:old', 1, now() - interval '1 minute')"
    )
    await db.execute("UPDATE auth_one_time_code SET expires_at = now() - interval '2 days' WHERE phone = $1", phone)
    live = await db.fetchval("SELECT count(*) FROM auth_rate_limit WHERE expires_at > now()")
    counts = await purge(db)
    assert counts["rate_limits"] >= 1 and counts["codes"] >= 1
    assert await db.fetchval("SELECT count(*) FROM auth_one_time_code WHERE phone = $1", phone) == 0
    assert await db.fetchval("SELECT count(*) FROM auth_rate_limit WHERE expires_at > now()") >= live

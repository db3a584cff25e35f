"""Sessions seen alive are remembered by each process (api/lib/auth.py), and forgotten when any transaction revokes or
deletes them: the database announces it (``session_revoked``), whatever code did it, and the process's listener
forgets the session. Until that listener is connected, nothing is taken from memory."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx

from api.lib import auth
from tests.support.auth import account_id, bearer
from tests.support.factories import create_citizen


async def refused_within(client: httpx.AsyncClient, tokens: dict[str, object], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (await client.get("/api/v1/me", headers=bearer(tokens))).status_code == 401:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_session_revoked_by_any_statement_is_forgotten(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    citizen = await create_citizen(client)
    assert (await client.get("/api/v1/me", headers=bearer(citizen))).status_code == 200
    session = await db.fetchval(
        "SELECT id FROM auth_session WHERE account = $1 AND revoked_at IS NULL", account_id(citizen)
    )
    assert auth._live_sessions.get(session), "the process remembers the session it just served"
    # Not through auth's service (which also forgets it in its own process): a plain UPDATE, as an operator might.
    await db.execute("UPDATE auth_session SET revoked_at = now(), revoke_reason = 'test' WHERE id = $1", session)
    assert await refused_within(client, citizen, 5.0)
    assert session not in auth._live_sessions


async def test_a_deleted_session_is_forgotten(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    citizen = await create_citizen(client)
    assert (await client.get("/api/v1/me", headers=bearer(citizen))).status_code == 200
    session = await db.fetchval("SELECT id FROM auth_session WHERE account = $1", account_id(citizen))
    async with db.transaction():
        await db.execute("DELETE FROM auth_refresh_token WHERE session = $1", session)
        await db.execute("DELETE FROM auth_session WHERE id = $1", session)
    assert await refused_within(client, citizen, 5.0)


async def test_without_the_listener_every_request_asks_the_database(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    citizen = await create_citizen(client)
    assert (await client.get("/api/v1/me", headers=bearer(citizen))).status_code == 200
    listener = auth.SessionRevocations("postgresql://unused")
    listener.disconnected()  # as when the LISTEN connection drops: memory emptied and not trusted
    try:
        assert not auth._live_sessions
        assert (await client.get("/api/v1/me", headers=bearer(citizen))).status_code == 200
        assert not auth._live_sessions, "nothing is remembered while no one listens"
    finally:
        auth._revocations_heard = True  # the app's own listener is still connected

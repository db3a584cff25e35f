"""Service accounts (issue 20): an agency back-office works its cases through the API with client credentials
(RFC 6749 §4.4) at the discovery document's token endpoint. Each is a client of kind ``service`` tied to an officer
account of one agency in one region, named after the system: its token is one of our own access tokens for that
account, so the officer routes accept it through exactly the checks an officer's passes — that agency, that region,
the same state machine, nothing more — and every read of a citizen's document is in their access log under the
system's name. No shared secret can act as a citizen: the account is staff, and its number receives no codes."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from api.accounts.service import create_service_identity
from api.audit.service import record
from api.oidc.clients import InvalidClientSettingsError, new_secret, secret_hash

# Given an account and the caller's address, a new session's access token (the composition root passes
# auth's start_session: oidc does not import auth, which calls oidc when sessions end).
SessionStarter = Callable[[asyncpg.Connection, uuid.UUID, str, str], Awaitable[tuple[str, int]]]


async def create(
    conn: asyncpg.Connection, *, name: str, agency: str, region: str, created_by: uuid.UUID | None
) -> tuple[asyncpg.Record, str]:
    """Register an agency system; returns its client row and secret (shown once, stored as a hash)."""
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidClientSettingsError("name", "A service account needs a name of 1 to 120 characters.")
    async with conn.transaction():
        account = await create_service_identity(conn, name=name, agency=agency, region=region)
        secret = new_secret()
        row = await conn.fetchrow(
            """INSERT INTO oidc_client (id, client_id, secret_hash, name, sector, region, redirect_uris, scopes, kind,
                                        account, created_by)
               VALUES (gen_random_uuid(), $1, $2, $3, 'service', $4, '{}', '{}', 'service', $5, $6)
               RETURNING id, client_id, name, region, account, created_at""",
            "mpp-svc-" + secrets.token_hex(12),
            secret_hash(secret),
            name,
            region,
            account,
            created_by,
        )
        await record(
            conn,
            action="oidc.service_account_created",
            actor=created_by,
            subject=account,
            detail={"client": row["client_id"], "agency": agency.upper(), "region": region},
        )
    return row, secret


async def issue(conn: asyncpg.Connection, start: SessionStarter, client: asyncpg.Record, *, ip: str) -> dict[str, Any]:
    """The token answer for an authenticated service client: our access token for its account."""
    access, expires_in = await start(conn, client["account"], client["client_id"], ip)
    return {"access_token": access, "token_type": "Bearer", "expires_in": expires_in}

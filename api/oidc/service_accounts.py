"""Service accounts (issue 20): an agency back-office works its cases through the API with client credentials
(RFC 6749 §4.4) at the discovery document's token endpoint. Each is a client of kind ``service`` tied to an officer
account of one agency in one region, named after the system: its token is one of our own access tokens for that
account, so the officer routes accept it through exactly the checks an officer's passes — that agency, that region,
the same state machine, nothing more — and every read of a citizen's document is in their access log under the
system's name. No shared secret can act as a citizen: the account is staff, and its number receives no codes."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from api.accounts.service import create_service_identity
from api.audit.service import record
from api.oidc.client_keys import validated_jwks
from api.oidc.clients import InvalidClientSettingsError, new_secret, secret_hash

# Given an account and the caller's address, a new session's access token (the composition root passes
# auth's start_session: oidc does not import auth, which calls oidc when sessions end).
SessionStarter = Callable[[asyncpg.Connection, uuid.UUID, str, str], Awaitable[tuple[str, int]]]


async def create(
    conn: asyncpg.Connection,
    *,
    name: str,
    agency: str,
    region: str,
    created_by: uuid.UUID | None,
    jwks: dict[str, Any] | None = None,
) -> tuple[asyncpg.Record, str | None]:
    """Register an agency system; returns its client row and secret (shown once, stored as a hash). With public
    keys (``jwks``, the preferred way) it signs its token requests instead (private_key_jwt) and gets no secret."""
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidClientSettingsError("name", "A service account needs a name of 1 to 120 characters.")
    keys = validated_jwks(jwks) if jwks is not None else None
    async with conn.transaction():
        account = await create_service_identity(conn, name=name, agency=agency, region=region)
        # A key-registered system's secret is a hash of random bytes nobody is given: the column stays NOT NULL.
        secret = new_secret()
        row = await conn.fetchrow(
            """INSERT INTO oidc_client (id, client_id, secret_hash, name, sector, region, redirect_uris, scopes, kind,
                                        account, created_by, jwks)
               VALUES (gen_random_uuid(), $1, $2, $3, 'service', $4, '{}', '{}', 'service', $5, $6, $7::jsonb)
               RETURNING id, client_id, name, region, account, created_at""",
            "mpp-svc-" + secrets.token_hex(12),
            secret_hash(secret),
            name,
            region,
            account,
            created_by,
            json.dumps(keys) if keys else None,
        )
        await record(
            conn,
            action="oidc.service_account_created",
            actor=created_by,
            subject=account,
            detail={"client": row["client_id"], "agency": agency.upper(), "region": region, "keys": _kids(keys)},
        )
    return row, None if keys else secret


def _kids(keys: dict[str, Any] | None) -> list[str]:
    return [k["kid"] for k in keys["keys"]] if keys else []


async def replace_keys(
    conn: asyncpg.Connection, client: uuid.UUID, jwks: dict[str, Any], *, actor: uuid.UUID | None
) -> asyncpg.Record | None:
    """Replace a service account's public keys (a rotation registers the new key beside the old one first, then
    removes the old one). A system that used a secret moves to keys, and its secret stops working."""
    keys = validated_jwks(jwks)
    async with conn.transaction():
        row = await conn.fetchrow(
            """UPDATE oidc_client SET jwks = $2::jsonb, secret_hash = $3, secret_rotated_at = now(), updated_at = now()
               WHERE id = $1 AND kind = 'service' RETURNING id, client_id, account""",
            client,
            json.dumps(keys),
            secret_hash(new_secret()),
        )
        if row is not None:
            await record(
                conn,
                action="oidc.service_account_keys_replaced",
                actor=actor,
                subject=row["account"],
                detail={"client": row["client_id"], "keys": _kids(keys)},
            )
    return row


async def issue(conn: asyncpg.Connection, start: SessionStarter, client: asyncpg.Record, *, ip: str) -> dict[str, Any]:
    """The token answer for an authenticated service client: our access token for its account."""
    access, expires_in = await start(conn, client["account"], client["client_id"], ip)
    return {"access_token": access, "token_type": "Bearer", "expires_in": expires_in}

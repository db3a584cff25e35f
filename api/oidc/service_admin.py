"""Service accounts in admin mode (issue 20): register an agency back-office's system, read them, rotate the secret,
suspend and resume. No HTTP here. Registration is ``api.oidc.service_accounts.create`` (the command line's too); the
changes are the registry's own steps (``api.oidc.admin``), for clients of kind ``service``.

Who sees what is the registry's rule: a region admin their region's (another's is not found: 404), a national admin
every one. Suspending also ends the sessions its tokens belong to — auth's ``end_sessions``, passed in by the caller
(auth imports oidc to log clients out when sessions end, so oidc's services do not import auth) — so the token it
holds stops working now, not at its expiry; the token endpoint reads only active clients, so no new one comes.

One read here crosses domains, on purpose: the list names each system's agency (``accounts_account`` →
``catalogue_agency``) and when it last took a token (``auth_session``: its sessions carry ``service:<client_id>`` as
their user agent) in the statement that reads the clients, as the staff list (``api.auth.staff_admin``) reads its
people's agency and last sign-in. Neither domain offers that per account in bulk, and auth is above oidc.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable
from typing import Annotated, Protocol

import asyncpg
import msgspec

from api.lib.wire import Input, Name, Struct, from_row
from api.oidc import admin, service_accounts
from api.oidc.admin import Actor, RegionCode
from api.oidc.clients import ClientNotFoundError, InvalidClientSettingsError

AgencyCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,40}$", description="An agency's code")]


class ServiceAccount(Struct):
    """An agency system working its cases through the API, as admins see it: never its secret."""

    id: uuid.UUID
    client_id: str
    name: str
    agency: str | None
    region: str | None
    status: str
    created_at: dt.datetime
    secret_rotated_at: dt.datetime
    # When it last took a token (None: never).
    last_token_at: dt.datetime | None
    # The kids of its public keys: a system with keys signs its token requests (private_key_jwt), without a secret.
    keys: list[str] = msgspec.field(default_factory=list)


class ServiceAccountList(Struct):
    items: list[ServiceAccount]


class ServiceAccountCreated(ServiceAccount):
    """A new service account with its secret (none when registered with keys): shown this once, the server keeps only
    its hash."""

    client_secret: str = ""


class PublicKeys(Input):
    """A system's public keys as a JWK Set (RFC 7517): RSA ≥ 2048 bits or EC P-256, each with a kid."""

    keys: Annotated[list[dict[str, object]], msgspec.Meta(min_length=1, max_length=5)]


class ServiceAccountCreate(Input):
    """A system to register: its name, the agency it works for and (a national admin's choice) the region; a region
    admin's is always of their region."""

    name: Name
    agency: AgencyCode
    region: RegionCode | None = None
    # Preferred: the system's public keys; it then signs its token requests and is given no secret.
    jwks: PublicKeys | None = None


class SessionsEnder(Protocol):
    """auth's ``end_sessions``: ends an account's live sessions, returns how many."""

    def __call__(self, conn: asyncpg.Connection, *, account: uuid.UUID, reason: str) -> Awaitable[int]: ...


_READ = """
SELECT c.id, c.client_id, c.name, ag.code AS agency, c.region, c.status, c.created_at, c.secret_rotated_at,
       coalesce(ARRAY(SELECT k->>'kid' FROM jsonb_array_elements(c.jwks->'keys') k), '{}') AS keys,
       (SELECT max(s.created_at) FROM auth_session s
        WHERE s.account = c.account AND s.user_agent = 'service:' || c.client_id) AS last_token_at
FROM oidc_client c
LEFT JOIN accounts_account a ON a.id = c.account
LEFT JOIN catalogue_agency ag ON ag.id = a.agency
WHERE c.kind = 'service' AND ($1::text IS NULL OR c.region = $1) AND ($2::uuid IS NULL OR c.id = $2)
ORDER BY c.created_at DESC, c.id
"""


async def list_accounts(conn: asyncpg.Connection, *, scope: str | None) -> ServiceAccountList:
    """The service accounts an admin manages, newest first."""
    rows = await conn.fetch(_READ, scope, None)
    return ServiceAccountList(items=[from_row(ServiceAccount, r) for r in rows])


async def get_account(conn: asyncpg.Connection, *, scope: str | None, account: uuid.UUID) -> ServiceAccount:
    """One service account the admin manages (404 for another region's, and for a sign-in system's id)."""
    row = await conn.fetchrow(_READ, scope, account)
    if row is None:
        raise ClientNotFoundError("service account")
    return from_row(ServiceAccount, row)


async def create(
    conn: asyncpg.Connection, actor: Actor, data: ServiceAccountCreate, *, region: str | None
) -> ServiceAccountCreated:
    """Register a system for ``data.agency`` in ``region`` (the caller decided it: the region admin's own, or the
    national admin's choice, which a service account cannot leave out). The answer carries the secret, this once."""
    if region is None:
        raise InvalidClientSettingsError("region", "A service account works in one region: name it.")
    async with conn.transaction():
        jwks = msgspec.to_builtins(data.jwks) if data.jwks is not None else None
        row, secret = await service_accounts.create(
            conn, name=data.name, agency=data.agency, region=region, created_by=actor.id, jwks=jwks
        )
        found = await get_account(conn, scope=actor.scope, account=row["id"])
    return ServiceAccountCreated(**msgspec.structs.asdict(found), client_secret=secret or "")


async def rotate_secret(conn: asyncpg.Connection, actor: Actor, account: uuid.UUID) -> str:
    """A new secret; the old one stops working at once (its next token request is refused). A system that signs
    with keys has no secret to rotate: its keys are replaced instead."""
    if (await get_account(conn, scope=actor.scope, account=account)).keys:
        raise InvalidClientSettingsError("jwks", "This system signs with its keys and has no secret: replace its keys.")
    _row, secret = await admin.rotate_kind(conn, actor, account, kind="service")
    return secret


async def replace_keys(conn: asyncpg.Connection, actor: Actor, account: uuid.UUID, data: PublicKeys) -> ServiceAccount:
    """Register a system's new public keys (all of them: keep the old key listed until the system has switched)."""
    async with conn.transaction():
        await get_account(conn, scope=actor.scope, account=account)
        await service_accounts.replace_keys(conn, account, msgspec.to_builtins(data), actor=actor.id)
        return await get_account(conn, scope=actor.scope, account=account)


async def suspend(
    conn: asyncpg.Connection, actor: Actor, account: uuid.UUID, *, end_sessions: SessionsEnder
) -> ServiceAccount:
    """Suspend a service account: no new token, and its live sessions end now (their count is in the trail)."""

    async def sessions(conn: asyncpg.Connection, row: asyncpg.Record) -> dict[str, object]:
        return {"sessionsEnded": await end_sessions(conn, account=row["account"], reason="service_suspended")}

    async with conn.transaction():
        await admin.suspend_kind(conn, actor, account, kind="service", also=sessions)
        return await get_account(conn, scope=actor.scope, account=account)


async def resume(conn: asyncpg.Connection, actor: Actor, account: uuid.UUID) -> ServiceAccount:
    """Let a suspended service account take tokens again."""
    async with conn.transaction():
        await admin.resume_kind(conn, actor, account, kind="service")
        return await get_account(conn, scope=actor.scope, account=account)

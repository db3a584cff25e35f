"""The client registry in admin mode: register agency systems that sign citizens in with MPP Digital, change them,
rotate their secret, suspend and resume them. No HTTP here.

Who sees what: a region admin the clients of their own region (another region's are not found: 404, as if they did
not exist); a national admin every client, national ones (region None) included. ``scope`` below is that rule's
input: the region admin's region, or None for a national admin.

Two kinds of client live in the registry: systems citizens sign in to (kind ``rp``, this module's routes) and agency
back-offices acting as an officer account (kind ``service``, ``api.oidc.service_admin``). Each admin route sees only
its own kind (the other's id is not found), and the steps both share — rotate the secret, suspend, resume — are
written once here, taking the kind.

Every change is audited with the actor in its own transaction, never with a secret. A change names the revision
the admin read (If-Match): the row's ``updated_at`` in microseconds, moved forward by every change (BUMP below),
so two admins never overwrite each other silently. The settings themselves are checked once, by
``api.oidc.clients.validated``, for the command line and admin mode alike.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Literal

import asyncpg
import msgspec

from api.audit.service import record
from api.lib.errors import DomainError
from api.lib.wire import Input, Struct, from_row
from api.oidc.clients import (
    CLIENT_COLUMNS,
    SCOPES,
    ClientNotFoundError,
    ClientSettings,
    InvalidClientSettingsError,
    create_client,
    new_secret,
    secret_hash,
    validated,
)

# The revision an ETag carries: microseconds of the last change (a bigint; see api.lib.http.INT8_MAX).
REVISION_SQL = "(extract(epoch FROM updated_at) * 1000000)::bigint"
# Every change moves updated_at forward, even within one microsecond or against a clock that went back, so that a
# revision once read never matches again after a change.
BUMP = "updated_at = greatest(clock_timestamp(), updated_at + interval '1 microsecond')"
_RETURNING = f"{CLIENT_COLUMNS}, kind, account, {REVISION_SQL} AS revision"

Kind = Literal["rp", "service"]
# The trail names a change by the kind of client it was made to (e.g. oidc.client_suspended,
# oidc.service_account_suspended): an auditor reads sign-in systems and back-offices apart.
_ACTIONS: dict[Kind, str] = {"rp": "oidc.client", "service": "oidc.service_account"}
# What else ends, in a suspension's transaction, with the client (a service account's sessions): the trail's extra
# detail, e.g. how many ended.
OnSuspend = Callable[[asyncpg.Connection, asyncpg.Record], Awaitable[dict[str, object]]]

Uri = Annotated[str, msgspec.Meta(description="An absolute https URL (http only for localhost)")]
ScopeName = Annotated[str, msgspec.Meta(description="One of: " + " ".join(SCOPES))]
RegionCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2,10}$", description="A region's BPS code")]


class OidcClient(Struct):
    """A registered agency system (relying party), as admins see it: never its secret."""

    id: uuid.UUID
    client_id: str
    name: str
    logo_url: str | None
    sector: str
    region: str | None
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    scopes: list[str]
    backchannel_logout_uri: str | None
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    secret_rotated_at: dt.datetime
    revision: int
    # id_token_signed_response_alg: RS256 (what every client can verify) unless the system asked for ES256.
    id_token_alg: str = "RS256"  # noqa: S105  # an algorithm name


class OidcClientList(Struct):
    items: list[OidcClient]


class OidcClientCreated(OidcClient):
    """A new client with its secret: shown this once, the server keeps only its hash."""

    client_secret: str = ""


class OidcClientSecret(Struct):
    """A new secret (the old one stopped working): shown this once."""

    client_secret: str


class OidcClientCreate(Input):
    """A client's settings. ``region``: a national admin's choice (none: a national client); a region admin's client
    is always of their region. Lists are checked by the registry's rules (422 with the field named)."""

    name: str
    redirect_uris: list[Uri]
    scopes: list[ScopeName]
    logo_url: str | None = None
    sector: str | None = None
    post_logout_redirect_uris: list[Uri] = msgspec.field(default_factory=list)
    backchannel_logout_uri: str | None = None
    region: RegionCode | None = None
    id_token_alg: Literal["RS256", "ES256"] = "RS256"  # noqa: S105  # an algorithm name


class ClientConflictError(DomainError):
    """The client changed since the admin read it (If-Match names an older revision)."""

    status = 412
    code = "edit_conflict"
    detail = "Someone changed this client since you opened it. Reload and try again."


@dataclass(frozen=True)
class Actor:
    """The admin acting: their account, the region they act in (None: a national admin, every region), their
    address for the trail."""

    id: uuid.UUID
    scope: str | None
    ip: str = ""


def _client(row: asyncpg.Record) -> OidcClient:
    return from_row(OidcClient, row)


def _settings(data: OidcClientCreate, region: str | None) -> ClientSettings:
    """The registry's settings from the body (the registry checks them: ``clients.validated``)."""
    return ClientSettings(
        name=data.name,
        redirect_uris=tuple(data.redirect_uris),
        scopes=tuple(data.scopes),
        sector=data.sector,
        region=region,
        logo_url=data.logo_url,
        post_logout_redirect_uris=tuple(data.post_logout_redirect_uris),
        backchannel_logout_uri=data.backchannel_logout_uri,
        id_token_alg=data.id_token_alg,
    )


def _trail(row: asyncpg.Record, **more: object) -> dict[str, object]:
    """What the audit trail says about a client: which one, and what changed (never a secret)."""
    return {"client": str(row["id"]), "clientId": row["client_id"], "name": row["name"], **more}


# --- reading ------------------------------------------------------------------------------------------------


async def list_clients(conn: asyncpg.Connection, *, scope: str | None) -> OidcClientList:
    """The clients an admin manages, newest first."""
    rows = await conn.fetch(
        f"""SELECT {_RETURNING} FROM oidc_client
            WHERE kind = 'rp' AND ($1::text IS NULL OR region = $1)
            ORDER BY created_at DESC, id""",  # noqa: S608  (our column list)
        scope,
    )
    return OidcClientList(items=[_client(r) for r in rows])


async def get_client(conn: asyncpg.Connection, *, scope: str | None, client: uuid.UUID) -> OidcClient:
    """One client the admin manages (404 for another region's)."""
    row = await conn.fetchrow(f"SELECT {_RETURNING} FROM oidc_client WHERE id = $1 AND kind = 'rp'", client)  # noqa: S608
    if row is None or (scope is not None and row["region"] != scope):
        raise ClientNotFoundError("client")
    return _client(row)


async def _locked(
    conn: asyncpg.Connection, actor: Actor, client: uuid.UUID, revision: int | None = None, *, kind: Kind = "rp"
) -> asyncpg.Record:
    """The client's row locked for a change: of this kind and in the admin's scope (404), at the revision they read
    (412)."""
    row = await conn.fetchrow(
        f"SELECT {_RETURNING} FROM oidc_client WHERE id = $1 AND kind = $2 FOR UPDATE",  # noqa: S608
        client,
        kind,
    )
    if row is None or (actor.scope is not None and row["region"] != actor.scope):
        raise ClientNotFoundError("client")
    if revision is not None and row["revision"] != revision:
        raise ClientConflictError
    return row


# --- changing -----------------------------------------------------------------------------------------------


async def create(
    conn: asyncpg.Connection, actor: Actor, data: OidcClientCreate, *, region: str | None
) -> OidcClientCreated:
    """Register a client in ``region`` (the caller decided it: the region admin's own or the national admin's
    choice). The answer carries the secret, this once."""
    async with conn.transaction():
        row, secret = await create_client(conn, _settings(data, region), created_by=actor.id)
        await record(
            conn,
            action="oidc.client_created",
            actor=actor.id,
            subject=None,
            detail=_trail(
                row, region=row["region"], scopes=list(row["scopes"]), redirectUris=list(row["redirect_uris"])
            ),
            ip=actor.ip,
        )
        found = await _locked(conn, actor, row["id"])
    return from_row(OidcClientCreated, found, client_secret=secret)


# What a change may set: the settings' fields are named as their columns.
_EDITABLE = (
    "name",
    "logo_url",
    "sector",
    "region",
    "redirect_uris",
    "post_logout_redirect_uris",
    "scopes",
    "backchannel_logout_uri",
    "id_token_alg",
)
_SET = ", ".join(f"{column} = ${n}" for n, column in enumerate(_EDITABLE, start=2))


async def update(
    conn: asyncpg.Connection,
    actor: Actor,
    client: uuid.UUID,
    data: OidcClientCreate,
    *,
    region: str | None,
    revision: int,
) -> OidcClient:
    """Replace a client's settings (its id, secret and status stay). The trail keeps what changed, before and
    after."""
    async with conn.transaction():
        before = await _locked(conn, actor, client, revision)
        s = validated(_settings(data, region))
        if s.region is not None and not await conn.fetchval("SELECT 1 FROM catalogue_region WHERE code = $1", s.region):
            raise InvalidClientSettingsError("region", f"No region with the code {s.region}.")
        row = await conn.fetchrow(
            f"UPDATE oidc_client SET {_SET}, {BUMP} WHERE id = $1 RETURNING {_RETURNING}",  # noqa: S608  (our columns)
            client,
            *(_plain(getattr(s, column)) for column in _EDITABLE),
        )
        assert row is not None
        changed = {k: [_plain(before[k]), _plain(row[k])] for k in _EDITABLE if before[k] != row[k]}
        await record(
            conn,
            action="oidc.client_updated",
            actor=actor.id,
            subject=None,
            detail=_trail(row, changed=changed),
            ip=actor.ip,
        )
    return _client(row)


def _plain(value: object) -> object:
    """A column's value as JSON holds it (arrays come back as lists)."""
    return list(value) if isinstance(value, list | tuple) else value


async def rotate_secret(conn: asyncpg.Connection, actor: Actor, client: uuid.UUID) -> tuple[OidcClient, str]:
    """A new secret for a client: the old one stops working at once (only the new one's hash is kept)."""
    row, secret = await rotate_kind(conn, actor, client, kind="rp")
    return _client(row), secret


async def suspend(conn: asyncpg.Connection, actor: Actor, client: uuid.UUID) -> OidcClient:
    """Suspend a client: sign-ins and token requests are refused (the protocol side checks the status), and the
    tokens it holds stop working now, in this transaction. Suspending a suspended client changes nothing."""
    return _client(await suspend_kind(conn, actor, client, kind="rp"))


async def resume(conn: asyncpg.Connection, actor: Actor, client: uuid.UUID) -> OidcClient:
    """Let a suspended client sign citizens in again (the tokens revoked at suspension stay revoked)."""
    return _client(await resume_kind(conn, actor, client, kind="rp"))


# --- the steps both kinds share (rows out: each kind answers with its own view) --------------------------------


async def rotate_kind(
    conn: asyncpg.Connection, actor: Actor, client: uuid.UUID, *, kind: Kind
) -> tuple[asyncpg.Record, str]:
    """A new secret for a client of ``kind``; the old one stops working at once."""
    secret = new_secret()
    async with conn.transaction():
        await _locked(conn, actor, client, kind=kind)
        row = await conn.fetchrow(
            f"""UPDATE oidc_client SET secret_hash = $2, secret_rotated_at = clock_timestamp(), {BUMP}
                WHERE id = $1 RETURNING {_RETURNING}""",  # noqa: S608
            client,
            secret_hash(secret),
        )
        assert row is not None
        await _record(conn, actor, row, kind, "secret_rotated", _trail(row))
    return row, secret


async def suspend_kind(
    conn: asyncpg.Connection, actor: Actor, client: uuid.UUID, *, kind: Kind, also: OnSuspend | None = None
) -> asyncpg.Record:
    """Suspend a client of ``kind``: the token endpoint reads only active clients, the tokens it was given through
    the provider are revoked, and ``also`` ends whatever else it holds, all in one transaction. Suspending a
    suspended client changes nothing."""
    async with conn.transaction():
        row = await _locked(conn, actor, client, kind=kind)
        if row["status"] != "suspended":
            row = await _set_status(conn, client, "suspended")
            revoked = await conn.execute(
                "UPDATE oidc_token SET revoked_at = now() WHERE client = $1 AND revoked_at IS NULL", client
            )
            more = await also(conn, row) if also is not None else {}
            detail = _trail(row, tokensRevoked=int(revoked.rsplit(" ", 1)[-1]), **more)
            await _record(conn, actor, row, kind, "suspended", detail)
    return row


async def resume_kind(conn: asyncpg.Connection, actor: Actor, client: uuid.UUID, *, kind: Kind) -> asyncpg.Record:
    """Let a suspended client of ``kind`` get tokens again (what suspension revoked stays revoked)."""
    async with conn.transaction():
        row = await _locked(conn, actor, client, kind=kind)
        if row["status"] == "suspended":
            row = await _set_status(conn, client, "active")
            await _record(conn, actor, row, kind, "resumed", _trail(row))
    return row


async def _record(
    conn: asyncpg.Connection, actor: Actor, row: asyncpg.Record, kind: Kind, what: str, detail: dict[str, object]
) -> None:
    """The trail's entry for a change; a service account's names its officer account as the subject."""
    await record(
        conn, action=f"{_ACTIONS[kind]}_{what}", actor=actor.id, subject=row["account"], detail=detail, ip=actor.ip
    )


async def _set_status(conn: asyncpg.Connection, client: uuid.UUID, status: str) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"UPDATE oidc_client SET status = $2, {BUMP} WHERE id = $1 RETURNING {_RETURNING}",  # noqa: S608
        client,
        status,
    )
    assert row is not None
    return row
